import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { agencyFilterOptions, parseToday, parseYears, readFacts } from '../options.ts';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { checkOutDir } from './export.ts';
import type { RegisterCommand } from './index.ts';

export const registerDashboard: RegisterCommand = (program: Command) => {
  agencyFilterOptions(program
    .command('dashboard')
    .description('write a static site (open index.html, no server): coverage, a province grid, lateness, a page per agency, failing checks')
    .requiredOption('--out <dir>', 'output directory (created if needed)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)'))
    .option('--years <list>', 'report years to show, comma-separated (default: every year with a report and the last year due)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--originals <mode>', 'links to originals, each named <sha256>.<ext> so it opens as what it is: relative (hard links to the archived files), copy (copies, to publish the site), none (the source URL)', 'relative')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage]))
    .action(async (opts: { out: string; storage?: string; seeds?: string; province?: string[]; level?: string[]; limit?: string; years?: string; today?: string; originals: string }) => {
      if (!['relative', 'copy', 'none'].includes(opts.originals)) throw new UserError(`--originals must be relative, copy or none, not "${opts.originals}"`);
      const today = parseToday(opts.today) ?? todayInChina();
      checkOutDir(opts.out);
      const { writeDashboard } = await import('../../report/index.ts');
      const { facts } = await readFacts(opts);
      const res = await writeDashboard(opts.out, facts, { today, years: parseYears(opts.years), originals: opts.originals as 'relative' | 'copy' | 'none' });
      process.stdout.write(`${res.index}\n`);
    });
};
