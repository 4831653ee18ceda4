import type { Command } from 'commander';
import type { Agency } from '../../seeds/index.ts';
import type { AgencySummary, CrawlResult } from '../../crawl/index.ts';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { seconds, statsBlock } from '../progress.ts';
import { readSeeds } from '../options.ts';
import { chooseWalkAgencies, clientSettings, seedFileOf, walkOptions, wholeNumber, withWalk, type WalkArgs } from '../walk.ts';
import { toJson } from '../json.ts';

/** The crawl's verdict on what it read: every agency's column (some pages may have failed), some, or none. */
export function crawlExitCode(agencies: { outcome: string }[]): number {
  const read = agencies.filter((a) => a.outcome === 'ok' || a.outcome === 'partial').length;
  if (read === agencies.length) return EXIT.ok;
  return read === 0 ? EXIT.noneRead : EXIT.someUnread;
}

/** `nianbao crawl`: walks every agency's 年报 column; each exchange and original goes to the store, each new original is parsed. */
export function registerCrawl(program: Command, setExit: (code: number) => void): void {
  walkOptions(program.command('crawl')
    .description('crawl the 年报 columns of the seed agencies (polite, resumable, incremental); without --seeds, of the registry the program ships'))
    .option('--max-pages <n>', 'cap on pages walked along one list (default 200)')
    .option('--lease-ms <n>', 'with --db: how long a host stays leased to this worker unless renewed; a killed worker\'s hosts are taken over after it (default 60000)')
    .option('--no-parse', 'archive only; leave parsing to `nianbao reparse --only-stale`')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress display or progress lines')
    .option('--verbose', 'a line per page handled (on stderr)')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage, EXIT.someUnread, EXIT.noneRead, EXIT.locked, EXIT.interrupted]))
    .action(async (o: WalkArgs & { maxPages?: string; leaseMs?: string; parse: boolean }) => {
      const file = seedFileOf(o);
      const agencies: Agency[] = chooseWalkAgencies(readSeeds(file), o, file);
      const client = clientSettings(o);
      const maxPages = wholeNumber(o.maxPages, '--max-pages');
      const leaseMs = wholeNumber(o.leaseMs, '--lease-ms');
      if (leaseMs !== undefined && leaseMs < 1000) throw new UserError(`--lease-ms must be at least 1000, got "${o.leaseMs}"`);
      const { crawl } = await import('../../crawl/index.ts');
      await withWalk(o, 'crawl', async (w) => {
        // The crawl records every exchange, report version and (with parsing on) record in the store as it goes.
        const r = await crawl({ agencies, storageDir: w.storageDir, storage: w.storage, ...client, maxPages, leaseMs, parse: o.parse, signal: w.signal,
          ...(w.onProgress ? { onProgress: w.onProgress } : {}), ...(w.log ? { log: w.log } : {}) });
        w.endProgress();
        const count = (k: string) => r.agencies.filter((a) => a.outcome === k).length;
        const counts = { read: count('ok') + count('partial'), partial: count('partial'), unreachable: count('unreachable'), blocked: count('blocked') };
        if (o.json) process.stdout.write(toJson({ runId: r.runId, resumed: r.resumed, finished: r.finished, counts, agencies: r.agencies, discovered: r.discovered, requests: r.requests, bytes: r.bytes, stats: r.stats }));
        else {
          process.stdout.write(`run ${r.runId}${r.resumed ? ' (resumed)' : ''}: ${r.requests} requests, ${r.bytes} bytes\n`);
          process.stdout.write('agency_id\tlist_pages\tfound\tnew\tchanged\tgone\tproblem\n');
          for (const a of r.agencies) process.stdout.write(`${a.agencyId}\t${a.listPages}\t${a.reportsFound}\t${a.new}\t${a.changed}\t${a.gone}\t${problemOf(a) ?? ''}\n`);
          for (const d of r.discovered) process.stdout.write(`discovered\t${d.name}\t${d.year ?? ''}\t${d.url}\n`);
          process.stdout.write(crawlStats(r));
        }
        if (!r.finished) {
          process.stderr.write(`nianbao: crawl interrupted; run ${r.runId} continues with the next crawl\n`);
          setExit(EXIT.interrupted);
          return;
        }
        const code = crawlExitCode(r.agencies);
        if (code !== EXIT.ok) {
          const failed = r.agencies.filter((a) => a.outcome === 'unreachable' || a.outcome === 'blocked');
          const named = failed.slice(0, 3).map((a) => `${a.agencyId} ${a.outcome}: ${problemOf(a)}`).join('; ');
          process.stderr.write(`nianbao: ${counts.read} of ${r.agencies.length} agencies read, ${counts.unreachable} unreachable, ${counts.blocked} blocked (${named}${failed.length > 3 ? `; and ${failed.length - 3} more` : ''})\n`);
        }
        setExit(code);
      });
    });
}

function problemOf(a: AgencySummary): string | null {
  const p = a.outcome === 'blocked' ? a.blocked : a.outcome === 'unreachable' ? a.unreachable : a.outcome === 'partial' ? `partial: ${a.unreachable ?? a.blocked}` : null;
  return p ? (p.length > 300 ? `${p.slice(0, 297)}...` : p) : null;
}

/** The final figures, Scrapy-style (src/cli/progress.ts's block): requests, bytes, answers by status, items, reports, time. */
function crawlStats(r: CrawlResult): string {
  const sum = (k: 'new' | 'changed' | 'unchanged' | 'gone') => r.agencies.reduce((s, a) => s + a[k], 0);
  return statsBlock('crawl stats', {
    requests: r.stats.requests, bytes: r.stats.bytes,
    ...Object.fromEntries(Object.entries(r.stats.byStatus).sort().map(([k, v]) => [`responses_${k.replace(/\W+/g, '_')}`, v])),
    items_done: r.stats.itemsDone, items_failed: r.stats.itemsFailed, browser_renders: r.browserRenders,
    reports_new: sum('new'), reports_changed: sum('changed'), reports_unchanged: sum('unchanged'), reports_gone: sum('gone'),
    time: seconds(r.stats.elapsedMs),
  });
}
