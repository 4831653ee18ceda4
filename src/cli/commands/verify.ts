import type { Command } from 'commander';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { openExisting } from '../options.ts';
import { progress } from '../progress.ts';
import type { RegisterCommand } from './index.ts';

export const registerVerify: RegisterCommand = (program: Command, setExit) => {
  program
    .command('verify')
    .description('re-hash every original, check the database integrity and that every record\'s original exists')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage]).replace('unexpected error', 'unexpected error, or a problem found (listed)'))
    .action(async (opts: { storage?: string; json?: boolean; quiet?: boolean }) => {
      const storage = await openExisting(opts.storage, 0, true);
      const p = progress('verify', { quiet: opts.quiet });
      try {
        const { verifyStorage } = await import('../../pipeline/index.ts');
        let r;
        try {
          r = await verifyStorage(storage, (done) => p.update(done, 0, 'originals re-hashed'));
        } finally {
          p.end();
        }
        if (opts.json) process.stdout.write(toJson(r));
        else {
          for (const x of r.problems) process.stdout.write(`PROBLEM ${x.kind}: ${x.message}\n`);
          process.stdout.write(`${r.ok ? 'ok' : 'NOT OK'}: ${r.originalsChecked} originals re-hashed, ${r.referencesChecked} references checked, ${r.recordsChecked} records read, ${r.problems.length} problems` +
            (r.leftoverTempFiles ? `, ${r.leftoverTempFiles} temp files left by interrupted writers` : '') + '\n');
        }
        if (!r.ok) setExit(EXIT.error);
      } finally {
        await storage.close();
      }
    });
};
