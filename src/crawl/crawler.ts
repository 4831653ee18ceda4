/**
 * The crawl: a run in the store (a killed run continues where it stopped), its seeds queued, Crawlee's loop over
 * them (engine.ts), and the per-agency summary from what the run read. Everything the crawl knows lives in the
 * store (nianbao.sqlite): the frontier (work items, one queue per run and one for its browser work),
 * conditional-GET state, politeness, every exchange, reports and their versions, and what was read per agency.
 * Each write is idempotent, so a crawl killed at any moment runs again and continues its run.
 */
import { enqueueParseJobs, openStorage, ParsePool, workParseJobs, type ExchangeInput, type OriginalParser, type Storage } from '../pipeline/index.ts';
import { agencyToRow, type Agency } from '../seeds/index.ts';
import { LeaseLostError, newWorkerId, type Store } from '../store/index.ts';
import { AgencyBook } from './agencies.ts';
import { BROWSER_LABELS, type ArrivedOriginal, type CrawlEnv, type CrawlItem, type CrawlStats, type ReportIdentity } from './context.ts';
import type { ExchangeTag } from './crawlee-http.ts';
import { Engine, MAX_ATTEMPTS } from './engine.ts';
import { Evidence, type AgencyOutcome } from './evidence.ts';
import { StoreFrontier } from './frontier.ts';
import { columnRoot } from './handlers/children.ts';
import { fetchInputOf, HttpClient, type HttpLimits } from './http.ts';
import { HostScheduler, StoredHostStates } from './politeness.ts';
import { DEFAULT_DELAY_MS, DEFAULT_MAX_PAGES_PER_LIST, DEFAULT_USER_AGENT } from './tables.ts';

export type { ArrivedOriginal, CrawlItem, ReportIdentity } from './context.ts';
export { columnRoot } from './handlers/children.ts';

export interface CrawlProgress {
  /** Work items handled (or given up) in this process. */
  done: number;
  /** Items known to the run: done (in any process) plus pending. */
  total: number;
  requests: number;
  bytes: number;
  elapsedMs: number;
  /** What was just handled. */
  last: string;
}

export interface CrawlOptions {
  agencies: Agency[];
  storageDir: string;
  /** The open storage of `storageDir` (the CLI's); otherwise the crawl opens and closes one. */
  storage?: Storage;
  userAgent?: string;
  proxy?: string;
  delayMs?: number;
  maxPages?: number;
  /** Items handled at the same time (each host still one request at a time); Crawlee's concurrency, pinned. */
  concurrency?: number;
  respectRobots?: boolean;
  useBrowser?: boolean;
  timeoutMs?: number;
  /** Caps on each exchange (connect/idle/total time, body bytes, redirects); see HttpLimits. */
  limits?: Partial<HttpLimits>;
  maxHostFailures?: number;
  /** Parse each new original with the shared parser as it arrives (default false: `nianbao reparse --only-stale` does it). */
  parse?: boolean;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
  /** Called after every work item (the CLI draws its progress from it). */
  onProgress?: (p: CrawlProgress) => void;
  /** Stop after this many completed work items (tests and partial runs); the run stays open for resume. */
  stopAfterItems?: number;
  /**
   * On a PostgreSQL store: how long a host's lease lasts unless renewed (renewed every third of it while an
   * item is in flight, and before every request). A worker killed mid-item holds its hosts this long.
   */
  leaseMs?: number;
  /** Stop taking new work (in-flight items finish); the run stays open and resumes next time. */
  signal?: AbortSignal;
  keepRequestLog?: boolean;
  log?: (line: string) => void;
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

/** A host lease's default length on a shared (PostgreSQL) store; see CrawlOptions.leaseMs. */
export const DEFAULT_LEASE_MS = 60_000;

export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const storage = opts.storage ?? await openStorage(opts.storageDir, { command: 'nianbao crawl' });
  // Originals are parsed in a worker thread, with a time limit and a memory cap, while the walk goes on.
  // Shared (PostgreSQL): new originals become parse jobs any process may take instead (pipeline/parse-jobs.ts).
  const pool = opts.parse && storage.store.engine === 'sqlite' ? new ParsePool(1, { ocr: true, timeoutMs: PARSE_TIME_LIMIT_MS }) : null;
  try {
    return await crawlOn(storage, opts, pool ? (bytes, hints, fileName) => pool.parse(bytes, hints, fileName) : undefined);
  } finally {
    await pool?.close();
    if (!opts.storage) await storage.close();
  }
}

/** The queue key of an item: its label and URL (and its pass, for a request run again after a challenge). */
export const itemKey = (item: CrawlItem): string => `${item.label} ${item.url}${item.pass ? ` #${item.pass}` : ''}`;
const hostOf = (item: CrawlItem): string => new URL(item.url).host.toLowerCase();

async function crawlOn(storage: Storage, opts: CrawlOptions, parser: OriginalParser | undefined): Promise<CrawlResult> {
  const started = Date.now();
  const { store } = storage;
  const userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES_PER_LIST;
  const log = opts.log ?? (() => undefined);
  const book = new AgencyBook(opts.agencies);

  await store.agencies.upsert(opts.agencies.map(agencyToRow));
  // Several workers share a PostgreSQL store: each claims hosts under a lease (store/host-leases.ts).
  const shared = store.engine === 'postgres';
  const runArgs = { delayMs: opts.delayMs, maxPages, agencies: opts.agencies.length };
  let runId: number;
  let since: string;
  let resumed: boolean;
  if (shared) {
    // The run under way is joined (other workers are on it, or it was left by killed ones); else one starts.
    const { run, joined } = await store.runs.joinOrStart('crawl', runArgs);
    runId = run.run_id; since = run.started_at; resumed = joined;
  } else {
    // A run left running by a killed (or stopped) crawl is continued; otherwise a new one starts.
    const taken = await store.runs.takeOver('crawl');
    runId = taken?.run_id ?? await store.runs.start('crawl', runArgs);
    since = taken?.started_at ?? (await store.runs.get(runId))!.started_at;
    resumed = taken !== null;
  }
  const queues = { http: `crawl:${runId}`, browser: `crawl:${runId}:browser` };
  // Shared: running items may be other workers' at work; a dead worker's come back when its leases expire.
  if (resumed && !shared) { await store.work.requeueRunning(queues.http); await store.work.requeueRunning(queues.browser); }
  const workerId = newWorkerId();
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  log(`run ${runId}${resumed ? ' (resumed)' : ''}${shared ? `, worker ${workerId}` : ''}`);

  // Politeness state is the store's: a restarted process (or another worker) waits out the same gaps.
  const hostStates = await StoredHostStates.load(store.crawlState);
  const client = new HttpClient({ userAgent, proxy: opts.proxy, timeoutMs: opts.timeoutMs, ...opts.limits });
  // Cookies a browser earned on earlier nights (challenge clearances) go out with plain requests again.
  client.cookies.load(Object.fromEntries(hostStates.records().filter((h) => h.cookies).map((h) => [h.host, h.cookies!])));
  const stats: CrawlStats = { requests: 0, bytes: 0, byStatus: {}, itemsDone: 0, itemsFailed: 0 };
  const scheduler = new HostScheduler(client, {
    delayMs: opts.delayMs ?? DEFAULT_DELAY_MS, userAgentToken: userAgent.split('/')[0]!, respectRobots: opts.respectRobots,
    maxHostFailures: opts.maxHostFailures,
    // Shared: a request goes out only while this worker still holds its host's lease (checked and renewed here),
    // so a worker that stalled past its lease (a pause, a swapped-out machine) cannot talk over its successor.
    ...(shared ? { beforeRequest: async (host: string) => {
      const lease = frontier.http.leases.get(host) ?? frontier.browser.leases.get(host);
      if (lease && !(await store.work.renewLease(lease, leaseMs))) throw new LeaseLostError(lease);
    } } : {}),
    // Every exchange, robots.txt, retries, browser requests and failures included, goes to the store before it is acted on.
    record: async (x) => {
      const tag = x.context as ExchangeTag;
      const requestHeaders = { 'user-agent': userAgent, ...(x.request.headers ?? {}) };
      const base = { runId, agencyId: tag.agencyId ?? null, purpose: tag.purpose ?? 'other', method: x.request.method ?? 'GET', requestHeaders, referrer: tag.referrer ?? null };
      const input: ExchangeInput = x.response ? fetchInputOf(x.response, base)
        : { ...base, url: x.request.url, fetchedAt: x.startedAt, durationMs: x.elapsedMs, error: x.error ?? 'no response' };
      const r = await storage.recordExchange(input);
      tag.fetchId = r.fetchId;
      tag.bodySha256 = r.sha256;
      const key = x.response ? String(x.response.status) : `error ${(x.error ?? '').split(':')[0]}`;
      stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
    },
  }, hostStates);
  scheduler.keepLog = !!opts.keepRequestLog;

  let engine: Engine | null = null;
  let lastProgress = 0;
  let pendingTotal = 0;
  const progress = async (last: string) => {
    if (!opts.onProgress) return;
    // Counting the queue costs a scan: at most once a second.
    if (Date.now() - lastProgress > 1000) {
      lastProgress = Date.now();
      const [a, b] = [await store.work.count(queues.http), await store.work.count(queues.browser)];
      pendingTotal = [a, b].reduce((s, c) => s + Object.values(c).reduce((x, y) => x + y, 0), 0);
    }
    opts.onProgress({ done: stats.itemsDone + stats.itemsFailed, total: Math.max(pendingTotal, stats.itemsDone + stats.itemsFailed), requests: client.requests, bytes: client.bytes, elapsedMs: Date.now() - started, last });
  };
  const settled = (item: CrawlItem, outcome: 'done' | 'failed') => {
    if (outcome === 'done') stats.itemsDone++; else stats.itemsFailed++;
    if (opts.stopAfterItems !== undefined && stats.itemsDone + stats.itemsFailed >= opts.stopAfterItems) engine?.stop('stopAfterItems');
    void progress(`${item.label} ${item.url}`).catch(() => undefined);
  };
  const leases = shared ? { owner: workerId, ttlMs: leaseMs, delayOf: (host: string) => scheduler.remainingGapMs(host), log } : undefined;
  // Shared: what each in-flight item found, added with its completion (see FrontierOptions.deferred).
  const deferred = new Map<string, { queue: string; items: { key: string; payload: unknown; host: string }[] }[]>();
  const sharedOpts = leases ? { leases, deferred } : {};
  const frontier = {
    http: new StoreFrontier<CrawlItem>(store.work, queues.http, { keyOf: itemKey, hostOf, onSettled: settled, ...sharedOpts }),
    browser: new StoreFrontier<CrawlItem>(store.work, queues.browser, { keyOf: itemKey, hostOf, onSettled: settled, ...sharedOpts }),
  };
  const evidence = new Evidence(store, runId);
  const useBrowser = opts.useBrowser !== false;
  const env: CrawlEnv = {
    runId, store, storage, originals: storage.originals, book, evidence, useBrowser, maxPages, parse: (opts.parse ?? false) && !shared,
    ...(shared && opts.parse ? { queueParse: async (versionId: number) => { await enqueueParseJobs(storage, runId, [(await store.reports.version(versionId))!]); } } : {}),
    ...(parser ? { parser } : {}), ...(opts.onOriginal ? { onOriginal: opts.onOriginal } : {}), log,
    keyOf: itemKey,
    async enqueue(items) {
      const forBrowser = items.filter((i) => BROWSER_LABELS.includes(i.label));
      const added = [...await frontier.http.add(items.filter((i) => !BROWSER_LABELS.includes(i.label))), ...await frontier.browser.add(forBrowser)];
      if (forBrowser.length && useBrowser) engine?.startBrowser();
      return added;
    },
    async queued(items) {
      const keys = items.map(itemKey);
      return store.work.existing(queues.http, keys);
    },
  };

  // Seeding is idempotent, so a run killed while seeding is seeded again in full. Every seed URL is attached to
  // each agency it serves (two seeds sharing a home page or a column both get its evidence).
  const seeds: CrawlItem[] = opts.agencies.flatMap((a) => {
    const items: CrawlItem[] = a.reportListUrls.map((url) => ({ label: a.render === 'browser' && useBrowser ? 'BROWSER_LIST' : 'LIST', url, agencyId: a.agencyId, source: null, root: columnRoot(url), depth: 0, page: 0 }));
    if (!items.length && a.homeUrl) items.push({ label: 'HOME', url: a.homeUrl, agencyId: a.agencyId, source: null, root: null, depth: 0, page: 0 });
    return items;
  });
  await store.listReads.attach(runId, seeds.map((s) => ({ agencyId: s.agencyId, url: s.url, role: s.label === 'HOME' ? 'home' as const : 'column' as const })));
  await frontier.http.add(seeds.filter((s) => !BROWSER_LABELS.includes(s.label)));
  await frontier.browser.add(seeds.filter((s) => BROWSER_LABELS.includes(s.label)));

  /** Shared: a request's environment queues its children with its completion instead of at once. */
  const envFor = shared ? (requestId: string): CrawlEnv => ({
    ...env,
    async enqueue(items) {
      const toItem = (i: CrawlItem) => ({ key: itemKey(i), payload: i, host: hostOf(i) });
      const forBrowser = items.filter((i) => BROWSER_LABELS.includes(i.label));
      const list = deferred.get(requestId) ?? deferred.set(requestId, []).get(requestId)!;
      list.push({ queue: queues.http, items: items.filter((i) => !BROWSER_LABELS.includes(i.label)).map(toItem) }, { queue: queues.browser, items: forBrowser.map(toItem) });
      if (forBrowser.length && useBrowser) engine?.startBrowser();
      return items;
    },
  }) : undefined;

  engine = new Engine({
    env, ...(envFor ? { envFor } : {}), scheduler, client, hostStates, http: frontier.http, browser: frontier.browser, concurrency: opts.concurrency ?? 32, userAgent,
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    // A backstop only: the client's deadlines, retries and backoffs end every request well before.
    handlerTimeoutSecs: Math.ceil((client.limits.totalTimeoutMs * 4 + 10 * 60_000) / 1000),
  });
  const onAbort = () => engine?.stop('interrupted');
  opts.signal?.addEventListener('abort', onAbort);
  // Shared: this worker also takes parse jobs while it walks (the walk mostly waits on politeness gaps).
  let walking = true;
  const parsing = shared && opts.parse ? workParseJobs(storage, { runId, workers: 1, follow: true, stop: () => !walking }) : null;
  try {
    if (useBrowser && !(await frontier.browser.isFinished())) engine.startBrowser();
    if (!opts.signal?.aborted) await engine.run();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    walking = false;
    await parsing;
  }
  // Shared: the run's parse jobs are finished here too, by whoever is left (nianbao work --only parse helps).
  if (shared && opts.parse && !opts.signal?.aborted) await workParseJobs(storage, { runId, workers: 1 });

  const counts = [await store.work.count(queues.http), await store.work.count(queues.browser)];
  const open = counts.reduce((s, c) => s + (c.pending ?? 0) + (c.running ?? 0), 0);
  const failed = counts.reduce((s, c) => s + (c.failed ?? 0), 0);
  const finished = open === 0;
  const { agencies, discovered } = await summarize(store, runId, since, opts.agencies);
  if (finished) {
    for (const a of agencies) {
      await store.agencyRuns.record({ runId, agencyId: a.agencyId, listPagesRead: a.listPages, reportsFound: a.reportsFound, reportsNew: a.new,
        reportsChanged: a.changed, outcome: a.outcome, reason: a.outcome === 'ok' ? null : a.blocked ?? a.unreachable, details: { ...a, platform: a.platforms[0] ?? null } });
    }
    await store.runs.finish(runId, 'ok', failed ? `${failed} work items failed after ${MAX_ATTEMPTS} attempts` : null);
  }
  return {
    runId, resumed, finished, interrupted: !finished, agencies, discovered, requests: client.requests, bytes: client.bytes,
    browserRenders: engine.renders, stats: { ...stats, requests: client.requests, bytes: client.bytes, elapsedMs: Date.now() - started }, scheduler,
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
