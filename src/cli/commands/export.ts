import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { UserError } from '../errors.ts';
import { exitCodesHelp, EXIT } from '../exit-codes.ts';
import { agencyFilterOptions, parseToday, parseYears, readFacts } from '../options.ts';
import { progress } from '../progress.ts';
import type { RegisterCommand } from './index.ts';

/** `--out` must be a folder or a path where one can be made; a file there is a usage error, not a crash. */
export function checkOutDir(out: string): void {
  let st;
  try { st = statSync(out); } catch { return; }
  if (!st.isDirectory()) throw new UserError(`--out: ${out} exists and is not a directory`);
}

export const registerExport: RegisterCommand = (program: Command) => {
  agencyFilterOptions(program
    .command('export')
    .description('write the dataset: reports, versions, tidy cells, checks, agencies, status as CSV + Parquet, datapackage.json, codebook')
    .requiredOption('--out <dir>', 'output directory (created if needed; files in it are replaced)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)'))
    .option('--years <list>', 'report years for status.csv, comma-separated (default: every year with a report and the last year due)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--no-parquet', 'CSV only')
    .option('--quiet', 'no progress')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage]))
    .action(async (opts: { out: string; storage?: string; seeds?: string; province?: string[]; level?: string[]; limit?: string; years?: string; today?: string; parquet: boolean; quiet?: boolean }) => {
      const today = parseToday(opts.today) ?? todayInChina();
      const statusYears = parseYears(opts.years);
      checkOutDir(opts.out);
      const p = progress('export', { quiet: opts.quiet });
      const { writeExport } = await import('../../report/index.ts');
      const { facts } = await readFacts(opts);
      p.log(`${facts.agencies.length} agencies, ${facts.versions.length} report versions`);
      let res;
      try {
        res = await writeExport(opts.out, facts, { today, statusYears, parquet: opts.parquet, onProgress: (done, total, step) => p.update(done, total, step) });
      } catch (e) {
        p.end();
        const err = e as NodeJS.ErrnoException;
        // The folder cannot be made or written (a file in the way, no permission): the user's to fix.
        if (err.code && ['EEXIST', 'ENOTDIR', 'EACCES', 'EPERM', 'EROFS'].includes(err.code)) throw new UserError(`--out: cannot write ${opts.out} (${err.code})`);
        throw e;
      }
      p.end(`wrote ${res.files.length} files to ${res.dir}`);
      for (const f of res.files) {
        process.stdout.write(`${f.path}\t${f.rows === undefined ? '' : `${f.rows} rows\t`}${f.bytes} bytes\n`);
      }
    });
};
