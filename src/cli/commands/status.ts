import type { Command } from 'commander';
import { STATUS_MEANING } from '../../report/status.ts';
import { todayInChina } from '../../seeds/calendar.ts';
import { agencyFilterOptions, parseToday, parseYear, readFacts } from '../options.ts';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import type { RegisterCommand } from './index.ts';

export const registerStatus: RegisterCommand = (program: Command) => {
  agencyFilterOptions(program
    .command('status')
    .description('who has published the report for a year, who is late (days), who is missing, and the evidence')
    .requiredOption('--year <year>', 'report year (the year the reports are about)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)'))
    .option('--today <date>', 'judge as of this date, YYYY-MM-DD (default: today in China)')
    .option('--json', 'one JSON document: rows (one per agency) and totals')
    .option('--csv', 'CSV, one row per agency')
    .addHelpText('after', '\nStatuses:\n' + Object.entries(STATUS_MEANING).map(([k, v]) => `  ${k.padEnd(18)} ${v}`).join('\n') + '\n'
      + exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage]))
    .action(async (opts: { year?: string; storage?: string; seeds?: string; province?: string[]; level?: string[]; limit?: string; today?: string; json?: boolean; csv?: boolean }) => {
      if (opts.json && opts.csv) throw new UserError('choose one of --json and --csv');
      const year = parseYear(opts.year);
      const today = parseToday(opts.today) ?? todayInChina();
      const { facts } = await readFacts({ ...opts, year });
      if (!facts.agencies.length) throw new UserError('no agencies: the store has none yet (run a crawl) and no --seeds was given');
      const { computeStatus, statusCsv, statusTable, statusText } = await import('../../report/index.ts');
      const report = computeStatus(facts, year, today);
      if (opts.json) {
        process.stdout.write(toJson({ year, as_of: today, rows: statusTable(report), totals: report.totals.groups }, 1));
      } else if (opts.csv) {
        process.stdout.write(statusCsv(report));
      } else {
        process.stdout.write(statusText(report));
      }
    });
};
