import type { Command } from 'commander';
import { openExisting } from '../options.ts';
import type { RegisterCommand } from './index.ts';

export const registerVerify: RegisterCommand = (program: Command, setExit) => {
  program
    .command('verify')
    .description('re-hash every original, check the database integrity and that every record\'s original exists')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { storage?: string; json?: boolean }) => {
      const storage = await openExisting(opts.storage, 0, true);
      try {
        const { verifyStorage } = await import('../../pipeline/index.ts');
        const r = await verifyStorage(storage);
        if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          for (const p of r.problems) process.stdout.write(`PROBLEM ${p.kind}: ${p.message}\n`);
          process.stdout.write(`${r.ok ? 'ok' : 'NOT OK'}: ${r.originalsChecked} originals re-hashed, ${r.referencesChecked} references checked, ${r.recordsChecked} records read, ${r.problems.length} problems` +
            (r.leftoverTempFiles ? `, ${r.leftoverTempFiles} temp files left by interrupted writers` : '') + '\n');
        }
        if (!r.ok) setExit(1);
      } finally {
        await storage.close();
      }
    });
};
