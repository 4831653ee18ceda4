import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { parseToday, parseYears, readFacts } from '../options.ts';
import { progress } from '../../report/progress.ts';
import type { RegisterCommand } from './index.ts';

export const registerExport: RegisterCommand = (program: Command) => {
  program
    .command('export')
    .description('write the dataset: reports, tidy cells, checks, agencies, status as CSV + Parquet, datapackage.json, codebook')
    .requiredOption('--out <dir>', 'output directory (created if needed; files in it are replaced)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--seeds <file>', 'seed CSV to use as the list of agencies (default: the agencies in the store)')
    .option('--years <list>', 'report years for status.csv, comma-separated (default: every year with a report and the last year due)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--no-parquet', 'CSV only')
    .action(async (opts: { out: string; storage?: string; seeds?: string; years?: string; today?: string; parquet: boolean }) => {
      const today = parseToday(opts.today) ?? todayInChina();
      const statusYears = parseYears(opts.years);
      const p = progress('export');
      const { writeExport } = await import('../../report/index.ts');
      const { facts } = await readFacts({ storage: opts.storage, seeds: opts.seeds });
      p.log(`${facts.agencies.length} agencies, ${facts.versions.length} report versions`);
      let step = 0;
      const res = await writeExport(opts.out, facts, {
        today, statusYears, parquet: opts.parquet,
        onProgress: (s) => p.update(++step, opts.parquet ? 6 : 5, s),
      });
      p.end(`wrote ${res.files.length} files to ${res.dir}`);
      for (const f of res.files) {
        process.stdout.write(`${f.path}\t${f.rows === undefined ? '' : `${f.rows} rows\t`}${f.bytes} bytes\n`);
      }
    });
};
