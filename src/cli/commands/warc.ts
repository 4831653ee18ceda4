import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { openExisting } from '../options.ts';
import type { RegisterCommand } from './index.ts';

export const registerWarc: RegisterCommand = (program: Command) => {
  program
    .command('export-warc')
    .description('write the archive as WARC 1.1 (request/response, revisit, metadata, conversion records), optionally as WACZ')
    .requiredOption('--out <file.warc.gz>', 'output WARC file')
    .option('--wacz [file.wacz]', 'also write a WACZ package (default: beside the WARC)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--agency <id>', 'only this agency')
    .option('--year <year>', 'only report versions of this year')
    .action(async (opts: { out: string; wacz?: string | boolean; storage?: string; agency?: string; year?: string }) => {
      if (!/\.warc\.gz$/.test(opts.out)) throw new UserError(`--out must end in .warc.gz, got "${opts.out}"`);
      const dir = dirname(opts.out);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`--out: no such directory ${dir}`);
      const year = opts.year === undefined ? undefined : Number(opts.year);
      if (year !== undefined && !Number.isInteger(year)) throw new UserError(`--year must be a year, got "${opts.year}"`);
      const wacz = opts.wacz === true ? opts.out.replace(/\.warc\.gz$/, '.wacz') : opts.wacz || null;
      const storage = await openExisting(opts.storage, 0, true);
      try {
        const { exportWarc } = await import('../../report/index.ts');
        const r = await exportWarc(storage, {
          out: opts.out, wacz, ...(opts.agency ? { agencyId: opts.agency } : {}), ...(year !== undefined ? { year } : {}),
        });
        const counts = Object.entries(r.records).map(([k, n]) => `${n} ${k}`).join(', ');
        process.stdout.write(`${r.warcPath}: ${counts} (${r.bytes} bytes)\n`);
        if (r.waczPath) process.stdout.write(`${r.waczPath}: ${r.pages} pages\n`);
      } finally {
        await storage.close();
      }
    });
};
