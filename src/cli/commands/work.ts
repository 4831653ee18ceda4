import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { openLocated } from '../options.ts';
import type { RegisterCommand } from './index.ts';

/** The kinds of job `nianbao work` takes from the store's work table (crawl items are `nianbao crawl`'s). */
const KINDS = ['parse'] as const;

export const registerWork: RegisterCommand = (program: Command, setExit) => {
  program
    .command('work')
    .description('take jobs from the store\'s work table: parse (and OCR) archived originals queued by crawls and reparses, on any machine that shares --db and --blobs')
    .option('--only <kind>', `the kind of job to take: ${KINDS.join(', ')}`, 'parse')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--workers <n>', 'worker threads that extract and parse in parallel', '1')
    .option('--follow', 'keep waiting for new jobs when the queue is empty (stop with Ctrl-C or SIGTERM)')
    .option('--no-ocr', 'do not OCR scanned originals')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExit codes: 0 every job taken was done (a parse that failed is recorded, not an error); 1 a job could not be saved; 2 bad input.')
    .action(async (opts: { only: string; storage?: string; workers: string; follow?: boolean; ocr: boolean; json?: boolean }) => {
      if (!(KINDS as readonly string[]).includes(opts.only)) throw new UserError(`--only must be one of ${KINDS.join(', ')}, got "${opts.only}"`);
      const workers = Number(opts.workers);
      if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new UserError(`--workers must be a whole number from 1 to 64, got "${opts.workers}"`);
      const storage = await openLocated(opts.storage, { command: 'nianbao work' });
      let stopping = false;
      const stop = () => { stopping = true; };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        const { workParseJobs } = await import('../../pipeline/index.ts');
        const t0 = Date.now();
        const r = await workParseJobs(storage, { workers, ocr: opts.ocr, follow: !!opts.follow, stop: () => stopping });
        const s = (Date.now() - t0) / 1000;
        if (opts.json) process.stdout.write(toJson({ ...r, seconds: s }));
        else process.stdout.write(`work --only parse: ${r.parsed} parsed, ${r.failed} failed to parse, ${s.toFixed(1)} s\n`);
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        await storage.close();
      }
      setExit(EXIT.ok);
    });
};
