import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { openExisting } from '../options.ts';
import { progress, seconds, statsBlock } from '../progress.ts';
import type { RegisterCommand } from './index.ts';

export const registerReparse: RegisterCommand = (program: Command, setExit) => {
  program
    .command('reparse')
    .description('extract and parse every archived report again, without network; older records are superseded, not deleted')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--agency <id>', 'only this agency')
    .option('--year <year>', 'only this report year')
    .option('--only-stale', 'skip versions already parsed by this parser version')
    .option('--no-ocr', 'do not OCR scanned originals')
    .option('--workers <n>', 'worker threads that extract and parse in parallel (default: CPU count, at most 4)')
    .option('--wait <seconds>', 'wait this long for another writer to finish', '0')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage, EXIT.locked]).replace('unexpected error', 'unexpected error, or some originals could not be parsed (each recorded with its error)'))
    .action(async (opts: { storage?: string; agency?: string; year?: string; onlyStale?: boolean; ocr: boolean; workers?: string; wait: string; json?: boolean; quiet?: boolean }) => {
      const year = opts.year === undefined ? undefined : Number(opts.year);
      if (year !== undefined && !(Number.isInteger(year) && year >= 2000 && year <= 2100)) throw new UserError(`--year must be a year, got "${opts.year}"`);
      const workers = opts.workers === undefined ? undefined : Number(opts.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UserError(`--workers must be a whole number from 1 to 64, got "${opts.workers}"`);
      const storage = await openExisting(opts.storage, Number(opts.wait));
      try {
        const { reparseArchive } = await import('../../pipeline/index.ts');
        const p = progress('reparse', { quiet: opts.quiet });
        let r;
        try {
          r = await reparseArchive(storage, {
            ...(opts.agency ? { agencyId: opts.agency } : {}), ...(year !== undefined ? { year } : {}),
            onlyStale: !!opts.onlyStale, ocr: opts.ocr, ...(workers !== undefined ? { workers } : {}),
            onStart: (total) => p.update(0, total, 'starting'),
            onProgress: (x) => p.update(x.done, x.total, `${x.failed} failed`),
          });
        } finally {
          p.end();
        }
        if (opts.json) process.stdout.write(toJson(r));
        else {
          process.stdout.write(`reparse run ${r.runId}, parser ${r.parserVersion}: ${r.parsed} parsed, ${r.failed.length} failed, ${r.skipped} skipped, ${seconds(r.elapsedMs)}\n`);
          for (const f of r.failed.slice(0, 50)) process.stdout.write(`  FAIL version ${f.versionId} (${f.sha256.slice(0, 12)}): ${f.error}\n`);
          if (r.failed.length > 50) process.stdout.write(`  ... and ${r.failed.length - 50} more\n`);
          if (!opts.quiet) {
            process.stderr.write(statsBlock('reparse stats', {
              versions: r.versions, parsed: r.parsed, failed: r.failed.length, skipped: r.skipped, missing_originals: r.missing, elapsed: seconds(r.elapsedMs),
            }));
          }
        }
        if (r.failed.length) setExit(EXIT.error);
      } finally {
        await storage.close();
      }
    });
};
