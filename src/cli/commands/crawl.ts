import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import type { Agency } from '../../seeds/index.ts';
import { AgencyFilterError, parseAgencyFilter, selectAgencies } from '../../seeds/select.ts';
import { DEFAULT_LIMITS, type HttpLimits } from '../../crawl/http.ts';
import { DEFAULT_DELAY_MS } from '../../crawl/tables.ts';
import type { AgencySummary, CrawlProgress, CrawlResult } from '../../crawl/index.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { progress, seconds, statsBlock, type Progress } from '../progress.ts';
import type { Storage } from '../../pipeline/index.ts';
import { readSeeds } from '../options.ts';
import { toJson } from '../json.ts';

/** The crawl's verdict on what it read: every agency's column (some pages may have failed), some, or none. */
export function crawlExitCode(agencies: { outcome: string }[]): number {
  const read = agencies.filter((a) => a.outcome === 'ok' || a.outcome === 'partial').length;
  if (read === agencies.length) return EXIT.ok;
  return read === 0 ? EXIT.noneRead : EXIT.someUnread;
}

/** `nianbao crawl`: walks every agency's 年报 column; each exchange and original goes to the store, each new original is parsed. */
export function registerCrawl(program: Command, setExit: (code: number) => void): void {
  program.command('crawl')
    .description('crawl the 年报 columns of the seed agencies (polite, resumable, incremental)')
    .requiredOption('--seeds <file>', 'seed CSV (agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render)')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--proxy <url>', 'send every request, browser included, through this HTTP proxy')
    .option('--user-agent <s>', 'User-Agent with a contact URL')
    .option('--delay-ms <n>', `minimum gap between requests to one host (default ${DEFAULT_DELAY_MS})`)
    .option('--agency <id...>', 'only these agency ids')
    .option('--province <p...>', 'only agencies in these provinces (code 44 or 440000, or name 广东)')
    .option('--level <l...>', 'only agencies of these levels (province, city, county, ...)')
    .option('--limit <n>', 'only the first n agencies (after the other filters), for a first try')
    .option('--max-pages <n>', 'cap on pages walked along one list (default 200)')
    .option('--max-bytes <size>', `cap on one response body, on the wire and after decompression; larger files are stopped and recorded as too-large (K/M/G suffixes; default ${DEFAULT_LIMITS.maxBytes / 1024 ** 2}M)`)
    .option('--connect-timeout-ms <n>', `give up on a connection not up within this (default ${DEFAULT_LIMITS.connectTimeoutMs})`)
    .option('--idle-timeout-ms <n>', `give up on a response with no byte for this long (default ${DEFAULT_LIMITS.idleTimeoutMs})`)
    .option('--total-timeout-ms <n>', `give up on one fetch, redirects and body included, after this long (default ${DEFAULT_LIMITS.totalTimeoutMs})`)
    .option('--max-redirects <n>', `redirect hops followed per fetch (default ${DEFAULT_LIMITS.maxRedirects})`)
    .option('--no-browser', 'never start Chromium (JS-only lists and challenges are reported as blocked)')
    .option('--no-parse', 'archive only; leave parsing to `nianbao reparse --only-stale`')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress display or progress lines')
    .option('--verbose', 'a line per page handled (on stderr)')
    .addHelpText('after', exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage, EXIT.someUnread, EXIT.noneRead, EXIT.locked, EXIT.interrupted]))
    .action(async (o: { seeds: string; storage?: string; proxy?: string; userAgent?: string; delayMs?: string; agency?: string[]; province?: string[]; level?: string[]; limit?: string; maxPages?: string; maxBytes?: string; connectTimeoutMs?: string; idleTimeoutMs?: string; totalTimeoutMs?: string; maxRedirects?: string; browser: boolean; parse: boolean; json?: boolean; quiet?: boolean; verbose?: boolean }) => {
      let agencies: Agency[] = readSeeds(o.seeds);
      if (o.agency) {
        const want = new Set(o.agency);
        const unknown = o.agency.filter((id) => !agencies.some((a) => a.agencyId === id));
        if (unknown.length) throw new UserError(`--agency: not in ${o.seeds}: ${unknown.join(', ')}`);
        agencies = agencies.filter((a) => want.has(a.agencyId));
      }
      try { agencies = selectAgencies(agencies, parseAgencyFilter(o)); } catch (e) { if (e instanceof AgencyFilterError) throw new UserError(e.message); throw e; }
      if (!agencies.length && (o.province || o.level)) throw new UserError(`--province, --level: no agency in ${o.seeds} matches`);
      const num = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a whole number, got "${v}"`);
        return Number(v);
      };
      if (o.proxy) { try { const u = new URL(o.proxy); if (u.protocol !== 'http:') throw new Error(); } catch { throw new UserError(`--proxy must be an http:// URL, got "${o.proxy}"`); } }
      const delayMs = num(o.delayMs, '--delay-ms');
      const maxPages = num(o.maxPages, '--max-pages');
      const limits: Partial<HttpLimits> = Object.fromEntries(Object.entries({
        maxBytes: byteSize(o.maxBytes, '--max-bytes'), connectTimeoutMs: num(o.connectTimeoutMs, '--connect-timeout-ms'),
        idleTimeoutMs: num(o.idleTimeoutMs, '--idle-timeout-ms'), totalTimeoutMs: num(o.totalTimeoutMs, '--total-timeout-ms'),
        maxRedirects: num(o.maxRedirects, '--max-redirects'),
      }).filter(([, v]) => v !== undefined));
      const { crawl } = await import('../../crawl/index.ts');
      const { openStorage } = await import('../../pipeline/index.ts');
      const { resolveStorageDir, StoreLockedError } = await import('../../store/index.ts');
      const storageDir = resolveStorageDir(o.storage);
      let storage: Storage;
      try { storage = await openStorage(storageDir, { command: 'nianbao crawl' }); } catch (e) {
        throw new UserError((e as Error).message, e instanceof StoreLockedError ? EXIT.locked : EXIT.usage);
      }
      // SIGINT/SIGTERM: stop taking work, let what is in flight finish, leave the run to be continued; a second one ends at once.
      const abort = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        if (abort.signal.aborted) process.exit(EXIT.interrupted);
        process.stderr.write(`nianbao: crawl: ${sig}: finishing the pages in flight (again to stop at once)\n`);
        abort.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const shown = o.quiet || o.json ? null : crawlProgress(progress('crawl'));
      try {
        // The crawl records every exchange, report version and (with parsing on) record in the store as it goes.
        const r = await crawl({ agencies, storageDir, storage, proxy: o.proxy, userAgent: o.userAgent, delayMs, maxPages, limits, useBrowser: o.browser,
          parse: o.parse, signal: abort.signal, ...(shown ? { onProgress: shown.update } : {}),
          ...(o.verbose ? { log: (l: string) => { if (shown) shown.log(l); else process.stderr.write(`${l}\n`); } } : {}) });
        shown?.end();
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
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await storage.close();
      }
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

/** The crawl's progress through the command line's progress display (src/cli/progress.ts). */
function crawlProgress(bar: Progress): { update: (p: CrawlProgress) => void; log: (line: string) => void; end: () => void } {
  let last: CrawlProgress | null = null;
  const label = (p: CrawlProgress) => `items, ${p.requests} requests, ${(p.bytes / 1048576).toFixed(1)} MB, ${(p.elapsedMs / 1000).toFixed(0)} s`;
  return {
    update: (p) => { last = p; bar.update(p.done, p.total, label(p)); },
    log: (l) => bar.log(l),
    end: () => bar.end(last ? `${last.done}/${last.total} ${label(last)}` : undefined),
  };
}

/** `--max-bytes 100M`: a whole number of bytes, with an optional K/M/G (binary) suffix. */
function byteSize(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*([kmg])?i?b?$/i.exec(v.trim());
  if (!m || Number(m[1]) === 0) throw new UserError(`${name} must be a positive size like 50000000, 100M or 1G, got "${v}"`);
  return Number(m[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 0);
}
