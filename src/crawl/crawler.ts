/**
 * The crawl: a run in the store (a killed run continues where it stopped), its seeds queued, Crawlee's loop over
 * them (engine.ts), and the per-agency summary from what the run read. Everything the crawl knows lives in the
 * store (nianbao.sqlite): the frontier (work items, one queue per run and one for its browser work),
 * conditional-GET state, politeness, every exchange, reports and their versions, and what was read per agency.
 * Each write is idempotent, so a crawl killed at any moment runs again and continues its run.
 */
import { openStorage, ParsePool, type OriginalParser, type Storage } from '../pipeline/index.ts';
import { agencyToRow, type Agency } from '../seeds/index.ts';
import type { Store } from '../store/index.ts';
import type { ArrivedOriginal, CrawlItem, CrawlStats } from './context.ts';
import { httpHandlers, MAX_ATTEMPTS } from './engine.ts';
import { Evidence, type AgencyOutcome } from './evidence.ts';
import { columnRoot } from './handlers/children.ts';
import { openSession, type WalkOptions } from './session.ts';
import { DEFAULT_MAX_PAGES_PER_LIST } from './tables.ts';
import type { HostScheduler } from './politeness.ts';

export type { ArrivedOriginal, CrawlItem, ReportIdentity } from './context.ts';
export { columnRoot } from './handlers/children.ts';
export { itemKey, type CrawlProgress } from './session.ts';

export interface CrawlOptions extends WalkOptions {
  storageDir: string;
  /** The open storage of `storageDir` (the CLI's); otherwise the crawl opens and closes one. */
  storage?: Storage;
  /** Parse each new original with the shared parser as it arrives (default false: `nianbao reparse --only-stale` does it). */
  parse?: boolean;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
}

export interface AgencySummary extends Omit<AgencyOutcome, 'platforms'> {
  agencyId: string;
  name: string;
  platforms: string[];
  reportsFound: number;
  new: number;
  changed: number;
  unchanged: number;
  gone: number;
}

export interface CrawlResult {
  /** The store's run id. */
  runId: number;
  resumed: boolean;
  finished: boolean;
  /** Stopped by the signal (or stopAfterItems) before the frontier was empty. */
  interrupted: boolean;
  agencies: AgencySummary[];
  discovered: { name: string; url: string; year: number | null }[];
  requests: number;
  bytes: number;
  browserRenders: number;
  stats: CrawlStats & { elapsedMs: number };
  scheduler: HostScheduler;
}

/** Time one original may take to extract and parse during a crawl (a hostile PDF must not stall the walk). */
export const PARSE_TIME_LIMIT_MS = 5 * 60_000;

export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const storage = opts.storage ?? await openStorage(opts.storageDir, { command: 'nianbao crawl' });
  // Originals are parsed in a worker thread, with a time limit and a memory cap, while the walk goes on.
  // Shared (PostgreSQL): new originals become parse jobs any worker takes (session.ts); embedded: parsed here.
  const pool = opts.parse && storage.store.engine === 'sqlite' ? new ParsePool(1, { ocr: true, timeoutMs: PARSE_TIME_LIMIT_MS }) : null;
  try {
    return await crawlOn(storage, opts, pool ? (bytes, hints, fileName) => pool.parse(bytes, hints, fileName) : undefined);
  } finally {
    await pool?.close();
    if (!opts.storage) await storage.close();
  }
}

async function crawlOn(storage: Storage, opts: CrawlOptions, parser: OriginalParser | undefined): Promise<CrawlResult> {
  const { store } = storage;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES_PER_LIST;
  await store.agencies.upsert(opts.agencies.map(agencyToRow));
  const session = await openSession(storage, {
    ...opts, kind: 'crawl', runArgs: { delayMs: opts.delayMs, maxPages, agencies: opts.agencies.length }, handlers: httpHandlers(),
    ...(parser ? { parser } : {}),
  });
  const { runId, resumed, since, env } = session;
  const useBrowser = env.useBrowser;

  // Every seed URL is attached to each agency it serves (two seeds sharing a home page or a column both get its evidence).
  const seeds: CrawlItem[] = opts.agencies.flatMap((a) => {
    const items: CrawlItem[] = a.reportListUrls.map((url) => ({ label: a.render === 'browser' && useBrowser ? 'BROWSER_LIST' : 'LIST', url, agencyId: a.agencyId, source: null, root: columnRoot(url), depth: 0, page: 0 }));
    if (!items.length && a.homeUrl) items.push({ label: 'HOME', url: a.homeUrl, agencyId: a.agencyId, source: null, root: null, depth: 0, page: 0 });
    return items;
  });
  await store.listReads.attach(runId, seeds.map((s) => ({ agencyId: s.agencyId, url: s.url, role: s.label === 'HOME' ? 'home' as const : 'column' as const })));
  const { finished, failed, renders, elapsedMs } = await session.run(seeds);

  const { agencies, discovered } = await summarize(store, runId, since, opts.agencies);
  if (finished) {
    for (const a of agencies) {
      await store.agencyRuns.record({ runId, agencyId: a.agencyId, listPagesRead: a.listPages, reportsFound: a.reportsFound, reportsNew: a.new,
        reportsChanged: a.changed, outcome: a.outcome, reason: a.outcome === 'ok' ? null : a.blocked ?? a.unreachable, details: { ...a, platform: a.platforms[0] ?? null } });
    }
    await store.runs.finish(runId, 'ok', failed ? `${failed} work items failed after ${MAX_ATTEMPTS} attempts` : null);
  }
  const { client, stats, scheduler } = session;
  return {
    runId, resumed, finished, interrupted: !finished, agencies, discovered, requests: client.requests, bytes: client.bytes,
    browserRenders: renders, stats: { ...stats, requests: client.requests, bytes: client.bytes, elapsedMs }, scheduler,
  };
}

/**
 * A run's per-agency summary: what was read of each agency's column (agency_list_reads: pages read, failures and
 * their reasons, platforms recognised), and the reports seen, new, changed, unchanged or gone since the run started.
 */
export async function summarize(store: Pick<Store, 'reports' | 'listReads'>, runId: number, since: string, agencies: Agency[]): Promise<{ agencies: AgencySummary[]; discovered: CrawlResult['discovered'] }> {
  const activity = await store.reports.activity(since);
  const reads = await store.listReads.forRun(runId);
  const rows = agencies.map((a): AgencySummary => {
    const mine = activity.filter((r) => r.agencyId === a.agencyId);
    const seen = mine.filter((r) => !r.gone);
    const o = Evidence.outcomeOf(reads.filter((r) => r.agencyId === a.agencyId));
    return {
      agencyId: a.agencyId, name: a.name, ...o,
      reportsFound: seen.length,
      new: seen.filter((r) => r.isNew).length,
      changed: seen.filter((r) => r.changed).length,
      unchanged: seen.filter((r) => !r.isNew && !r.changed).length,
      gone: mine.filter((r) => r.gone).length,
    };
  });
  const discovered = activity.filter((r) => r.agencyId === null && r.agencyName !== null && !r.gone)
    .map((r) => ({ name: r.agencyName!, url: r.url ?? '', year: r.year }));
  return { agencies: rows, discovered };
}
