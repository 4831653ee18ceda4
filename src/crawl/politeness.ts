/**
 * Per-host politeness: one p-queue per host (default one request at a time), a minimum gap between
 * requests (the larger of our delay and robots.txt Crawl-delay), backoff on 429/503 honouring Retry-After,
 * and a pause for a host that keeps failing. State is written through to the store so other runs/workers
 * see it, and every exchange (robots.txt and retries included) is handed to `record` as it happens.
 */
import PQueue from 'p-queue';
import { LeaseLostError, type CrawlState, type HostRecord } from '../store/index.ts';
import robotsParserModule from 'robots-parser';

interface Robot { isAllowed(url: string, ua?: string): boolean | undefined; getCrawlDelay(ua?: string): number | undefined }
const robotsParser = robotsParserModule as unknown as (url: string, text: string) => Robot;
import type { HttpClient, HttpResponse } from './http.ts';
import { NetworkError, RETRYABLE_STATUS } from './http.ts';
import { hostKey } from './url.ts';

export interface HostState {
  host: string;
  nextAllowedAt: number;
  crawlDelayMs: number | null;
  consecutiveFailures: number;
  pausedUntil: number | null;
  pauseReason: string | null;
  robotsTxt: string | null;
}

export interface HostStateStore {
  loadHost(host: string): HostState | null;
  saveHost(state: HostState): void | Promise<void>;
}

/**
 * Host states kept in the store between runs (times as ISO text there, epoch milliseconds here): read once at
 * the start, written whenever a host's state changes, so a restarted process waits out the same gaps.
 */
export class StoredHostStates implements HostStateStore {
  private constructor(private readonly repo: CrawlState, private readonly rows: Map<string, HostRecord>) {}

  static async load(repo: CrawlState): Promise<StoredHostStates> {
    return new StoredHostStates(repo, new Map((await repo.hosts()).map((h) => [h.host, h])));
  }

  /** Every host's stored record (cookies a browser earned on earlier nights among them). */
  records(): HostRecord[] {
    return [...this.rows.values()];
  }

  loadHost(host: string): HostState | null {
    const h = this.rows.get(host);
    return h ? { host, nextAllowedAt: h.nextAllowedAt ? Date.parse(h.nextAllowedAt) : 0, crawlDelayMs: h.crawlDelayMs, consecutiveFailures: h.consecutiveFailures,
      pausedUntil: null, pauseReason: null, robotsTxt: null } : null;
  }

  async saveHost(s: HostState): Promise<void> {
    const prev = this.rows.get(s.host);
    const row: Omit<HostRecord, 'cookies'> = {
      host: s.host, nextAllowedAt: s.nextAllowedAt ? new Date(s.nextAllowedAt).toISOString() : null, consecutiveFailures: s.consecutiveFailures,
      // A pause "for the rest of the run" has no end date; the reason says so.
      pausedUntil: s.pausedUntil !== null && Number.isFinite(s.pausedUntil) ? new Date(s.pausedUntil).toISOString() : null,
      crawlDelayMs: s.crawlDelayMs, lastStatus: prev?.lastStatus ?? null, note: s.pauseReason,
    };
    // The scheduler saves after every request and again after judging it; an unchanged row is not written twice.
    if (prev && JSON.stringify({ ...prev, cookies: undefined }) === JSON.stringify(row)) return;
    this.rows.set(s.host, { ...prev, ...row });
    await this.repo.setHost(row);
  }

  /** Cookies earned for a host (a challenge clearance), kept so plain HTTP reuses them the next night. */
  async saveCookies(host: string, cookies: Record<string, string>): Promise<void> {
    const prev = this.rows.get(host);
    if (prev) this.rows.set(host, { ...prev, cookies });
    await this.repo.setHost({ host, cookies });
  }
}

/** Who a request is for and why, carried to the exchange record. */
export interface ExchangeContext { agencyId?: string | null; purpose?: string; referrer?: string | null }

/** One request as it went out and what came back (or why nothing did). */
export interface Exchange {
  request: Parameters<HttpClient['fetch']>[0];
  response: HttpResponse | null;
  error: string | null;
  startedAt: string;
  elapsedMs: number;
  context: ExchangeContext;
}

export interface PolitenessOptions {
  delayMs: number;
  perHostConcurrency?: number;
  /** Failures in a row before a host is paused for the rest of the run. */
  maxHostFailures?: number;
  /** First backoff on 429/503 without Retry-After; doubles per repeat. */
  backoffMs?: number;
  /** Longest wait we accept from Retry-After before giving up on the host for this run. */
  maxBackoffMs?: number;
  userAgentToken: string;
  respectRobots?: boolean;
  /** Called for every exchange, awaited before the result is used (the archive comes first). */
  record?: (x: Exchange) => Promise<void>;
  /**
   * Called in the host's slot just before a request (or a redirect hop) goes out; throws (a LeaseLostError)
   * when this process may no longer talk to the host: several workers share hosts through leases
   * (store/host-leases.ts). What it returns is called again, synchronously with the write of the request once
   * the connection is up: a process stopped between the check and the send (a pause, a swapped-out machine)
   * learns there that its lease has run out by its own clock, instead of sending over its successor.
   */
  beforeRequest?: (host: string) => Promise<RequestTicket | void>;
}

/** What `beforeRequest` hands back: the check made again as the request is written, and what to do after it. */
export interface RequestTicket {
  stillHeld(): void;
  /** Called once the request has ended (a lease taken for this request alone is given back with the host's gap). */
  after?(): Promise<void>;
}

export type PoliteResult =
  | { kind: 'response'; response: HttpResponse }
  | { kind: 'disallowed'; reason: string }
  | { kind: 'paused'; reason: string }
  | { kind: 'failed'; reason: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sleeps until the clock reaches `at()`. A timer may fire a few milliseconds early by Date.now() (the event
 * loop's cached time lags on a busy machine): a gap is a minimum, so the rest is waited out too.
 */
async function waitUntil(at: () => number): Promise<void> {
  for (let wait = at() - Date.now(); wait > 0; wait = at() - Date.now()) await sleep(wait);
}

/** What a host's request log looked like, for the benchmark's politeness bound and tests. */
export interface RequestLogEntry { host: string; url: string; at: number }

export class HostScheduler {
  private queues = new Map<string, PQueue>();
  private states = new Map<string, HostState>();
  private robots = new Map<string, Robot | null>();
  private robotsLoading = new Map<string, Promise<void>>();
  readonly log: RequestLogEntry[] = [];
  keepLog = false;

  constructor(private client: HttpClient, private opts: PolitenessOptions, private store?: HostStateStore) {}

  state(host: string): HostState {
    let s = this.states.get(host);
    if (!s) {
      const saved = this.store?.loadHost(host);
      s = saved ? { ...saved, consecutiveFailures: 0, pausedUntil: null, pauseReason: null } : {
        host, nextAllowedAt: 0, crawlDelayMs: null, consecutiveFailures: 0, pausedUntil: null, pauseReason: null, robotsTxt: null,
      };
      this.states.set(host, s);
    }
    return s;
  }

  private queue(host: string): PQueue {
    let q = this.queues.get(host);
    if (!q) this.queues.set(host, (q = new PQueue({ concurrency: this.opts.perHostConcurrency ?? 1 })));
    return q;
  }

  gapMs(host: string): number {
    const s = this.state(host);
    return Math.max(this.opts.delayMs, s.crawlDelayMs ?? 0);
  }

  /**
   * What is left of the host's gap after this process's last request to it (0 when it has passed): a
   * duration measured on this machine, so another machine's clock never enters into it.
   */
  remainingGapMs(host: string): number {
    return Math.max(0, this.state(host).nextAllowedAt - Date.now());
  }

  /** No request to `host` before `ms` from now (a gap another process's request left, learned from the store). */
  holdOff(host: string, ms: number): void {
    const s = this.state(host);
    s.nextAllowedAt = Math.max(s.nextAllowedAt, Date.now() + ms);
  }

  /** One request through the host's queue, after the host's gap; the slot is held for the whole request. */
  slot<T>(host: string, url: string, fn: (confirm?: () => void) => Promise<T>): Promise<T> {
    return this.queue(host).add(async () => {
      const s = this.state(host);
      await waitUntil(() => s.nextAllowedAt);
      const ticket = await this.opts.beforeRequest?.(host);
      try {
        ticket?.stillHeld();
      } catch (e) {
        await ticket?.after?.();
        throw e;
      }
      if (this.keepLog) this.log.push({ host, url, at: Date.now() });
      try {
        // Asked again as the request is written: a process stopped while connecting learns it there.
        return await fn(ticket ? () => ticket.stillHeld() : undefined);
      } finally {
        s.nextAllowedAt = Math.max(s.nextAllowedAt, Date.now() + this.gapMs(host));
        await this.store?.saveHost(s);
        await ticket?.after?.();
      }
    }) as Promise<T>;
  }

  private async loadRobots(origin: string, host: string, seed?: string, context: ExchangeContext = {}): Promise<void> {
    if (this.robots.has(host)) return;
    let p = this.robotsLoading.get(host);
    if (!p) {
      p = (async () => {
        const s = this.state(host);
        let text: string | null = null;
        const r = await this.exchange({ url: `${origin}/robots.txt`, seed }, { agencyId: context.agencyId ?? null, purpose: 'robots', referrer: null });
        // An unreachable robots.txt: the host's own failure is seen on the real request.
        if (r.response && r.response.status >= 200 && r.response.status < 300) text = r.response.body.toString('utf8');
        s.robotsTxt = text;
        const robot = text !== null ? robotsParser(`${origin}/robots.txt`, text) : null;
        this.robots.set(host, robot);
        const cd = robot?.getCrawlDelay(this.opts.userAgentToken);
        if (cd !== undefined && cd !== null && Number.isFinite(Number(cd))) {
          s.crawlDelayMs = Math.round(Number(cd) * 1000);
          s.nextAllowedAt = Math.max(s.nextAllowedAt, Date.now() + s.crawlDelayMs);
        }
        await this.store?.saveHost(s);
      })();
      // A load that never asked (the lease on the host was lost meanwhile) is forgotten, so the next request to
      // the host, under a lease of its own, asks again instead of failing with the same error for ever.
      const loading = p;
      loading.catch(() => { if (this.robotsLoading.get(host) === loading) this.robotsLoading.delete(host); });
      this.robotsLoading.set(host, p);
    }
    await p;
  }

  async pause(host: string, reason: string, untilMs = Number.POSITIVE_INFINITY): Promise<void> {
    const s = this.state(host);
    s.pausedUntil = untilMs;
    s.pauseReason = reason;
    await this.store?.saveHost(s);
  }

  /** One request, each hop in its host's slot, recorded whatever happened. */
  private async exchange(req: Parameters<HttpClient['fetch']>[0], context: ExchangeContext): Promise<{ response: HttpResponse | null; error: unknown }> {
    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    let response: HttpResponse | null = null;
    let error: unknown = null;
    try {
      // Every hop waits for its own host's turn (a redirect to the same host included).
      response = await this.client.fetch(req, { gate: (url, send) => this.slot(hostKey(url), url, send) });
    } catch (e) {
      // Not a request that failed: none went out, and the item is no longer this worker's.
      if (e instanceof LeaseLostError) throw e;
      error = e;
    }
    const reason = error === null ? null : error instanceof NetworkError ? `${error.code}: ${error.message}` : (error as Error).message;
    await this.opts.record?.({ request: req, response, error: reason, startedAt, elapsedMs: Date.now() - t0, context });
    return { response, error };
  }

  isPaused(host: string): string | null {
    const s = this.state(host);
    return s.pausedUntil !== null && s.pausedUntil > Date.now() ? s.pauseReason : null;
  }

  /** Fetches politely, retrying overload/gateway statuses (RETRYABLE_STATUS) with backoff and transient network
   *  failures (FAILURES[code].retry) once; only failures that say the host is unwell count towards pausing it. */
  async fetch(req: Parameters<HttpClient['fetch']>[0], context: ExchangeContext = {}): Promise<PoliteResult> {
    const u = new URL(req.url);
    const host = u.host.toLowerCase();
    const paused = this.isPaused(host);
    if (paused) return { kind: 'paused', reason: paused };
    if (this.opts.respectRobots !== false) {
      // robots.txt is fetched once per host, on behalf of the agency whose request came first.
      await this.loadRobots(u.origin, host, req.seed, context);
      const robot = this.robots.get(host);
      if (robot && robot.isAllowed(req.url, this.opts.userAgentToken) === false) {
        return { kind: 'disallowed', reason: `robots.txt disallows ${u.pathname}` };
      }
    }
    const s = this.state(host);
    let backoff = this.opts.backoffMs ?? Math.max(4 * this.opts.delayMs, 100);
    let last = 0;
    let firstFailure: string | null = null;
    for (let attempt = 0; attempt < 4; attempt++) {
      const stillPaused = this.isPaused(host);
      if (stillPaused) return { kind: 'paused', reason: stillPaused };
      const x = await this.exchange(req, context);
      if (!x.response) {
        const e = x.error;
        const ne = e instanceof NetworkError ? e : null;
        // Only failures that say the host is unwell count towards pausing it (not one oversized file).
        if (!ne || ne.hostDown) s.consecutiveFailures++;
        const reason = ne ? ne.reason : (e as Error).message;
        if (s.consecutiveFailures >= (this.opts.maxHostFailures ?? 3)) await this.pause(host, `unreachable: ${reason}`);
        else await this.store?.saveHost(s);
        if (attempt < 1 && ne?.retryable) { firstFailure = ne.code; await sleep(backoff); continue; }
        // The last reason decides; a different first one is kept (an idle-timeout, then a too-large body).
        const first = firstFailure && firstFailure !== ne?.code ? `; first ${firstFailure}` : '';
        return { kind: 'failed', reason: attempt > 0 ? `${reason} (${attempt + 1} attempts${first})` : reason };
      }
      const r = x.response;
      if ((RETRYABLE_STATUS as readonly number[]).includes(r.status)) {
        last = r.status;
        const ra = retryAfterMs(r.headers['retry-after']);
        const wait = ra ?? backoff;
        backoff *= 2;
        if (wait > (this.opts.maxBackoffMs ?? 120_000)) {
          await this.pause(host, `HTTP ${r.status}, Retry-After ${Math.round(wait / 1000)} s`, Date.now() + wait);
          return { kind: 'paused', reason: `HTTP ${r.status} with Retry-After ${Math.round(wait / 1000)} s` };
        }
        s.nextAllowedAt = Math.max(s.nextAllowedAt, Date.now() + wait);
        s.consecutiveFailures++;
        await this.store?.saveHost(s);
        if (s.consecutiveFailures >= (this.opts.maxHostFailures ?? 3) + 2) {
          await this.pause(host, `HTTP ${r.status} repeatedly`);
          return { kind: 'paused', reason: `HTTP ${r.status} repeatedly` };
        }
        continue;
      }
      if (r.status >= 500) {
        s.consecutiveFailures++;
        if (s.consecutiveFailures >= (this.opts.maxHostFailures ?? 3)) await this.pause(host, `HTTP ${r.status} repeatedly`);
      } else {
        s.consecutiveFailures = 0;
      }
      await this.store?.saveHost(s);
      return { kind: 'response', response: r };
    }
    return { kind: 'failed', reason: `HTTP ${last} after 4 attempts` };
  }
}

export function retryAfterMs(v: string | undefined): number | null {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}
