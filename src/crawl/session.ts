/**
 * One walk over the store, whatever it walks for: a run of its kind in the store (a killed run of that kind is
 * continued), our HTTP client under the politeness layer (robots.txt, one request per host with its gap, the
 * address guard, every exchange recorded in the store before it is acted on), the frontier (the store's work
 * queue: one queue per run and one for its browser work), and Crawlee's loop (engine.ts) with a router of the
 * handlers the walk needs. `nianbao crawl` walks 年报 columns (crawler.ts); `nianbao discover` walks home pages
 * towards them (discover.ts).
 */
import { enqueueParseJobs, workParseJobs, type ExchangeInput, type OriginalParser, type Storage } from '../pipeline/index.ts';
import type { Agency } from '../seeds/index.ts';
import { LeaseLostError, newWorkerId } from '../store/index.ts';
import { AgencyBook } from './agencies.ts';
import { BROWSER_LABELS, type ArrivedOriginal, type CrawlEnv, type CrawlItem, type CrawlStats } from './context.ts';
import type { ExchangeTag } from './crawlee-http.ts';
import { Engine, type HttpHandler } from './engine.ts';
import { Evidence } from './evidence.ts';
import { StoreFrontier, type DeferredChildren } from './frontier.ts';
import { fetchInputOf, HttpClient, type HttpLimits } from './http.ts';
import { HostScheduler, StoredHostStates, type RequestTicket } from './politeness.ts';
import { DEFAULT_DELAY_MS, DEFAULT_MAX_PAGES_PER_LIST, DEFAULT_USER_AGENT } from './tables.ts';

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

/** What every walk is given: the agencies, the client's manners and limits, and how to stop. */
export interface WalkOptions {
  agencies: Agency[];
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
  /** Called after every work item (the CLI draws its progress from it). */
  onProgress?: (p: CrawlProgress) => void;
  /** Stop after this many completed work items (tests and partial runs); the run stays open for resume. */
  stopAfterItems?: number;
  /** Stop taking new work (in-flight items finish); the run stays open and resumes next time. */
  signal?: AbortSignal;
  keepRequestLog?: boolean;
  log?: (line: string) => void;
  /**
   * On a PostgreSQL store: how long a host's lease lasts unless renewed (renewed every third of it while an
   * item is in flight, and before every request). A worker killed mid-item holds its hosts this long.
   */
  leaseMs?: number;
}

/** A host lease's default length on a shared (PostgreSQL) store; see WalkOptions.leaseMs. */
export const DEFAULT_LEASE_MS = 60_000;

export interface SessionOptions extends WalkOptions {
  /** The run's kind in the store (`crawl`, `discover`): a killed run of this kind is continued. */
  kind: string;
  /** Every agency the walk may meet (whose report, whose site); default `agencies`. */
  known?: Agency[];
  /** The queue key of an item (default itemKey: one item per label and URL, whichever agency queued it first). */
  keyOf?: (item: CrawlItem) => string;
  runArgs: unknown;
  /** The HTTP router's handlers by label (the browser's are engine.ts's own). */
  handlers: Record<string, HttpHandler>;
  /** After an item's last failed attempt, or a page left unread (default: a list item's failure is its agencies' evidence). */
  gaveUp?: (env: CrawlEnv, item: CrawlItem, reason: string) => Promise<void>;
  parse?: boolean;
  parser?: OriginalParser;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
}

export interface Session {
  runId: number;
  resumed: boolean;
  /** When the run started (a resumed run: its first start). */
  since: string;
  env: CrawlEnv;
  stats: CrawlStats;
  client: HttpClient;
  scheduler: HostScheduler;
  /** Walks the seeds and everything they lead to; `finished` when the frontier is empty (else stopped, to resume). */
  run(seeds: CrawlItem[]): Promise<{ finished: boolean; failed: number; renders: number; elapsedMs: number }>;
}

/** The queue key of an item: its label and URL (and its pass, for a request run again after a challenge). */
export const itemKey = (item: CrawlItem): string => `${item.label} ${item.url}${item.pass ? ` #${item.pass}` : ''}`;
const hostOf = (item: CrawlItem): string => new URL(item.url).host.toLowerCase();

export async function openSession(storage: Storage, opts: SessionOptions): Promise<Session> {
  const started = Date.now();
  const { store } = storage;
  const userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES_PER_LIST;
  const log = opts.log ?? (() => undefined);
  const book = new AgencyBook(opts.known ?? opts.agencies);

  // Several workers share a PostgreSQL store: each claims hosts under a lease (store/host-leases.ts) and the run
  // under way is joined. Embedded: a run left running by a killed (or stopped) walk of the same kind is continued.
  const shared = store.engine === 'postgres';
  let runId: number;
  let since: string;
  let resumed: boolean;
  if (shared) {
    const { run, joined } = await store.runs.joinOrStart(opts.kind, opts.runArgs);
    runId = run.run_id; since = run.started_at; resumed = joined;
  } else {
    const taken = await store.runs.takeOver(opts.kind);
    runId = taken?.run_id ?? await store.runs.start(opts.kind, opts.runArgs);
    since = taken?.started_at ?? (await store.runs.get(runId))!.started_at;
    resumed = taken !== null;
  }
  const queues = { http: `${opts.kind}:${runId}`, browser: `${opts.kind}:${runId}:browser` };
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
    // The renewal asked at `asked` holds until at least `asked + leaseMs` by this machine's clock, whatever the
    // database's clock says: past that, the request is not sent (checked again as it goes out).
    // A host no item of this worker holds (a redirect's target, its robots.txt) is leased for the request alone,
    // once it is free and its gap has passed, and given back with the gap after it.
    ...(shared ? { beforeRequest: async (host: string): Promise<RequestTicket> => {
      const held = frontier.http.leases.get(host) ?? frontier.browser.leases.get(host);
      let asked = Date.now();
      let lease = held;
      if (held && !(await store.work.renewLease(held, leaseMs))) throw new LeaseLostError(held);
      if (!lease) ({ lease, asked } = await leaseForRequest(host));
      return {
        stillHeld: () => { if (Date.now() >= asked + leaseMs) throw new LeaseLostError(lease); },
        ...(held ? {} : { after: () => store.work.releaseLease(lease, null, scheduler.remainingGapMs(host)) }),
      };
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

  /** Waits (up to a lease's length) for a host another worker holds; then the request fails as the host being busy. */
  const leaseForRequest = async (host: string) => {
    for (const until = Date.now() + leaseMs; ;) {
      const asked = Date.now();
      const lease = await store.work.leaseHost(host, workerId, leaseMs);
      if (lease) return { lease, asked };
      if (Date.now() > until) throw new Error(`${host} stayed leased to another worker for ${leaseMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

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
  const keyOf = opts.keyOf ?? itemKey;
  // Shared: what each in-flight item found, added with its completion (see FrontierOptions.deferred).
  const deferred: DeferredChildren = new Map();
  const sharedOpts = shared ? { leases: { owner: workerId, ttlMs: leaseMs, delayOf: (host: string) => scheduler.remainingGapMs(host), holdOff: (host: string, ms: number) => scheduler.holdOff(host, ms), log }, deferred } : {};
  const frontier = {
    http: new StoreFrontier<CrawlItem>(store.work, queues.http, { keyOf, hostOf, onSettled: settled, ...sharedOpts }),
    browser: new StoreFrontier<CrawlItem>(store.work, queues.browser, { keyOf, hostOf, onSettled: settled, ...sharedOpts }),
  };
  const useBrowser = opts.useBrowser !== false;
  const env: CrawlEnv = {
    runId, store, storage, originals: storage.originals, book, evidence: new Evidence(store, runId), useBrowser, maxPages, parse: (opts.parse ?? false) && !shared,
    // Shared: a new original is a parse job for whichever worker (or `nianbao work --only parse`) takes it.
    ...(shared && opts.parse ? { queueParse: async (versionId: number) => { await enqueueParseJobs(storage, runId, [(await store.reports.version(versionId))!]); } } : {}),
    ...(opts.parser ? { parser: opts.parser } : {}), ...(opts.onOriginal ? { onOriginal: opts.onOriginal } : {}), log,
    ...(opts.gaveUp ? { unread: (item: CrawlItem, reason: string) => opts.gaveUp!(env, item, reason) } : {}),
    keyOf,
    async enqueue(items) {
      const forBrowser = items.filter((i) => BROWSER_LABELS.includes(i.label));
      const added = [...await frontier.http.add(items.filter((i) => !BROWSER_LABELS.includes(i.label))), ...await frontier.browser.add(forBrowser)];
      if (forBrowser.length && useBrowser) engine?.startBrowser();
      return added;
    },
    async queued(items) {
      const keys = items.map(keyOf);
      return store.work.existing(queues.http, keys);
    },
  };

  /** Shared: a request's environment queues its children with its completion, fenced by its lease, not at once. */
  const envFor = shared ? (requestId: string): CrawlEnv => ({
    ...env,
    async enqueue(items) {
      const toItem = (i: CrawlItem) => ({ key: keyOf(i), payload: i, host: hostOf(i) });
      const forBrowser = items.filter((i) => BROWSER_LABELS.includes(i.label));
      const list = deferred.get(requestId) ?? deferred.set(requestId, []).get(requestId)!;
      list.push({ queue: queues.http, items: items.filter((i) => !BROWSER_LABELS.includes(i.label)).map(toItem) }, { queue: queues.browser, items: forBrowser.map(toItem) });
      if (forBrowser.length && useBrowser) engine?.startBrowser();
      return items;
    },
  }) : undefined;

  const run: Session['run'] = async (seeds) => {
    // Seeding is idempotent, so a run killed while seeding is seeded again in full.
    await frontier.http.add(seeds.filter((s) => !BROWSER_LABELS.includes(s.label)));
    await frontier.browser.add(seeds.filter((s) => BROWSER_LABELS.includes(s.label)));
    engine = new Engine({
      env, ...(envFor ? { envFor } : {}), scheduler, client, hostStates, http: frontier.http, browser: frontier.browser, concurrency: opts.concurrency ?? 32, userAgent,
      handlers: opts.handlers, ...(opts.gaveUp ? { gaveUp: opts.gaveUp } : {}),
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
    return { finished: open === 0, failed, renders: engine.renders, elapsedMs: Date.now() - started };
  };
  return { runId, resumed, since, env, stats, client, scheduler, run };
}
