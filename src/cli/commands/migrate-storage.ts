import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { openLocated, storageLocation } from '../options.ts';
import type { RegisterCommand } from './index.ts';

export const registerMigrateStorage: RegisterCommand = (program: Command, setExit) => {
  program
    .command('migrate-storage')
    .description('copy an embedded storage (a folder) into a distributed one (--db PostgreSQL, --blobs S3), then verify the copy; the source is only read')
    .requiredOption('--from <dir>', 'the embedded storage to copy (a folder holding nianbao.sqlite and originals/)')
    .option('--storage <dir>', 'where the distributed storage keeps local things, and its originals when --blobs is not given (default $NIANBAO_STORAGE or ./storage)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit codes: 0 copied and verified; 1 the copy differs from the source or does not verify; 2 bad input (no --db, a destination that already holds data).')
    .action(async (opts: { from: string; storage?: string; json?: boolean }) => {
      if (!storageLocation().db) throw new UserError('--db postgres://… is required: the database to move the storage into');
      const { resolveStorageDir } = await import('../../store/index.ts');
      if (!storageLocation().blobs && resolveStorageDir(opts.storage) === resolveStorageDir(opts.from)) {
        throw new UserError('--blobs s3://… (or a --storage other than --from) is required: where the originals go');
      }
      const { openStorage, migrateStorage } = await import('../../pipeline/index.ts');
      const { StoreError } = await import('../../store/index.ts');
      let from;
      try { from = await openStorage(resolveStorageDir(opts.from), { readonly: true }); } catch (e) { throw new UserError((e as Error).message); }
      try {
        const to = await openLocated(opts.storage, { command: 'nianbao migrate-storage' });
        try {
          const log = opts.json ? () => undefined : (l: string) => process.stderr.write(`${l}\n`);
          let r;
          try { r = await migrateStorage(from, to, log); } catch (e) { if (e instanceof StoreError) throw new UserError(e.message); throw e; }
          if (opts.json) process.stdout.write(toJson(r));
          else {
            for (const d of r.differences) process.stdout.write(`DIFFERS ${d.table}: source ${d.a}, copy ${d.b}\n`);
            for (const p of r.verify.problems) process.stdout.write(`PROBLEM ${p.kind}: ${p.message}\n`);
            const rows = r.tables.reduce((n, t) => n + t.rows, 0);
            process.stdout.write(`${r.ok ? 'ok' : 'NOT OK'}: ${rows} rows in ${r.tables.length} tables and ${r.originals.copied + r.originals.present} originals moved to ${to.store.dbPath} and ${to.originals.location}; ` +
              `${r.verify.originalsChecked} originals re-hashed, ${r.verify.referencesChecked} references checked\n`);
          }
          setExit(r.ok ? EXIT.ok : EXIT.error);
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });
};
