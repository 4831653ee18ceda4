import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { parseToday, parseYears, readSeeds, storageLocation } from '../options.ts';
import { nightlyRun, RUN_EXIT, RunLockedError, summaryText } from '../../report/run.ts';
import { UserError } from '../errors.ts';
import type { RegisterCommand } from './index.ts';

export const registerRun: RegisterCommand = (program: Command, setExit) => {
  program
    .command('run')
    .description('the nightly job: crawl, parse, status; one run at a time; prints and stores what changed since the last run')
    .option('--seeds <file>', 'seed CSV: the agencies to crawl and judge (required unless --no-crawl)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--years <list>', 'report years to judge, comma-separated (default: the year now due and the one before)')
    .option('--crawl-args <args>', 'extra arguments for nianbao crawl, e.g. "--delay-ms 2000 --no-browser"')
    .option('--no-crawl', 'skip the crawl (status from what is stored)')
    .option('--no-parse', 'skip parsing new originals')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Exit codes: ${RUN_EXIT.ok} ok; ${RUN_EXIT.error} unexpected error; ${RUN_EXIT.usage} bad input; ${RUN_EXIT.locked} another run holds the lock (nothing done);
${RUN_EXIT.stageFailed} crawl or parse failed (status and summary still written).
Summaries are kept in <storage>/runs/ (latest.json is the last one).`)
    .action(async (opts: { seeds?: string; storage?: string; today?: string; years?: string; crawlArgs?: string; crawl: boolean; parse: boolean; json?: boolean }) => {
      const { resolveStorageDir, StoreError } = await import('../../store/index.ts');
      const storageDir = resolveStorageDir(opts.storage);
      if (opts.crawl && !opts.seeds) throw new UserError('--seeds FILE is required (or --no-crawl to judge what is stored)');
      const today = parseToday(opts.today) ?? todayInChina();
      const years = parseYears(opts.years);
      const agencies = opts.seeds ? readSeeds(opts.seeds) : undefined;
      // The crawl and reparse it starts open the same storage: they read --db/--blobs from the environment.
      const { db, blobs } = storageLocation();
      if (db) process.env.NIANBAO_DB = db;
      if (blobs) process.env.NIANBAO_BLOBS = blobs;
      try {
        const summary = await nightlyRun({
          storageDir, seeds: opts.seeds ?? null, agencies, today, years, crawlArgs: opts.crawlArgs?.split(/\s+/).filter(Boolean),
          stages: { crawl: opts.crawl ? undefined : null, parse: opts.parse ? undefined : null },
        });
        process.stdout.write(opts.json ? JSON.stringify(summary, null, 1) + '\n' : summaryText(summary));
        setExit(summary.exitCode);
      } catch (e) {
        if (e instanceof RunLockedError) throw new UserError(e.message, RUN_EXIT.locked);
        if (e instanceof StoreError) throw new UserError(e.message, RUN_EXIT.error);
        throw e;
      }
    });
};
