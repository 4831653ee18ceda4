import type { Command } from 'commander';
import { todayInChina } from '../../seeds/calendar.ts';
import { parseToday, parseYears, readSeeds, storageLocation } from '../options.ts';
import { nightlyRun, RunLockedError, summaryText } from '../../report/run.ts';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp, runExitCode } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { progress } from '../progress.ts';
import type { RegisterCommand } from './index.ts';

export const registerRun: RegisterCommand = (program: Command, setExit) => {
  program
    .command('run')
    .description('the nightly job: crawl, parse, status; one run at a time; prints and stores what changed since the last run')
    .option('--seeds <file>', 'seed CSV or the registry: the agencies to crawl and judge (required unless --no-crawl)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--today <date>', 'judge status as of this date, YYYY-MM-DD (default: today in China)')
    .option('--years <list>', 'report years to judge, comma-separated (default: the year now due and the one before)')
    .option('--crawl-args <args>', 'extra arguments for nianbao crawl, e.g. "--delay-ms 2000 --no-browser"')
    .option('--no-crawl', 'skip the crawl (status from what is stored)')
    .option('--no-parse', 'skip parsing new originals')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress (the summary is still printed)')
    // A run stopped by a signal ends as its crawl does: an error of the stage.
    .addHelpText('after', `${exitCodesHelp(Object.values(EXIT).filter((c) => c !== EXIT.interrupted))}  The crawl's own code decides 3 and 4; a stage that fails otherwise gives 1. Status and the summary
  are written in every case but 2 and 75. Summaries are kept in <storage>/runs/ (latest.json is the last one).
`)
    .action(async (opts: { seeds?: string; storage?: string; today?: string; years?: string; crawlArgs?: string; crawl: boolean; parse: boolean; json?: boolean; quiet?: boolean }) => {
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
      const p = progress('run', { quiet: opts.quiet });
      try {
        const summary = await nightlyRun({
          storageDir, seeds: opts.seeds ?? null, agencies, today, years, crawlArgs: opts.crawlArgs?.split(/\s+/).filter(Boolean),
          stages: { crawl: opts.crawl ? undefined : null, parse: opts.parse ? undefined : null },
          exitCodeOf: (stages) => runExitCode(stages.map((s) => s.code)),
          log: (l) => p.log(l), onStep: (done, total, name) => p.update(done, total, name),
        });
        p.end();
        process.stdout.write(opts.json ? toJson(summary, 1) : summaryText(summary));
        // The line an alert carries: how many agencies were read, and why the others were not.
        if (summary.exit_code === EXIT.someUnread || summary.exit_code === EXIT.noneRead) process.stderr.write(`nianbao: ${summary.line}\n`);
        setExit(summary.exit_code);
      } catch (e) {
        p.end();
        if (e instanceof RunLockedError) throw new UserError(e.message, EXIT.locked);
        if (e instanceof StoreError) throw new UserError(e.message, EXIT.error);
        throw e;
      }
    });
};
