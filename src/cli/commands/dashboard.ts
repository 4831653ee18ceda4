import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { parseToday, parseYears, readFacts } from '../options.ts';
import { UserError } from '../errors.ts';
import type { RegisterCommand } from './index.ts';

export const registerDashboard: RegisterCommand = (program: Command) => {
  program
    .command('dashboard')
    .description('write a static site (open index.html, no server): coverage, lateness, table totals, failing checks')
    .requiredOption('--out <dir>', 'output directory (created if needed)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--seeds <file>', 'seed CSV to use as the list of agencies (default: the agencies in the store)')
    .option('--years <list>', 'report years to show, comma-separated (default: every year with a report and the last year due)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--originals <mode>', 'links to originals: relative (path into the storage), copy (into the site), none', 'relative')
    .action(async (opts: { out: string; storage?: string; seeds?: string; years?: string; today?: string; originals: string }) => {
      if (!['relative', 'copy', 'none'].includes(opts.originals)) throw new UserError(`--originals must be relative, copy or none, not "${opts.originals}"`);
      const today = parseToday(opts.today) ?? todayInChina();
      const { writeDashboard } = await import('../../report/index.ts');
      const { facts } = await readFacts({ storage: opts.storage, seeds: opts.seeds });
      const res = writeDashboard(opts.out, facts, { today, years: parseYears(opts.years), originals: opts.originals as 'relative' | 'copy' | 'none' });
      process.stdout.write(`${res.index}\n`);
    });
};
