/**
 * The frontier as Crawlee's request manager: Crawlee's loop asks for the next request, marks it handled or
 * gives it back for a retry; the store's work queue remains the source of truth (items claimed fairly across
 * hosts, one item per host in flight, a killed run's running items re-queued at the next start).
 *
 * The workaround lives here and only here: Crawlee 3.18 documents a `requestManager` option but its options
 * validator rejects it; an object passed as `requestQueue` is accepted when it has `fetchNextRequest` and
 * `addRequest`, and is then used as the manager (test/crawl/frontier.test.ts pins that contract, since
 * Crawlee 4 changes these interfaces).
 */
import {
  Request, RequestState, type AddRequestsBatchedResult, type IRequestManager, type RequestOptions, type RequestQueue,
  type RequestQueueOperationInfo, type Source,
} from 'crawlee';
import { LeaseLostError, type HostLease, type NewWorkItem, type WorkItem, type WorkQueue } from '../store/index.ts';

/**
 * What the frontier needs of the store's work queue (one implementation on both engines): fair claims for one
 * process, claims and completions under host leases for several.
 */
export type FrontierQueue = Pick<WorkQueue, 'addBatch' | 'claimFair' | 'complete' | 'fail' | 'count' | 'claimLeased' | 'completeLeased' | 'renewLease'>;

/**
 * Several processes on one PostgreSQL store: items are claimed with a lease on their host (store/host-leases.ts),
 * renewed while in flight, and completed under it with the host's next allowed time.
 */
export interface FrontierLeases {
  owner: string;
  ttlMs: number;
  /** The gap still owed to a host when its item is done (released with the database's clock plus this). */
  delayOf(host: string): number;
  /** A host claimed before its gap has passed (the claim's lookahead): no request to it for `ms` from now. */
  holdOff(host: string, ms: number): void;
  log(line: string): void;
}

/** Children of in-flight items by request id, each with the queue it goes to. */
export type DeferredChildren = Map<string, { queue: string; items: NewWorkItem[] }[]>;

/**
 * How far ahead a shared claim looks for a host whose gap is about to end: Crawlee asks for work every half
 * second when it has none, so without it a host would sit free for up to that long after its gap. At most a
 * third of the lease, which the renewal in flight (every third) keeps while the gap is waited out.
 */
const CLAIM_LOOKAHEAD_MS = 1000;

/** A unit of crawl work as the queue stores it: plain JSON with a label (the router's) and a URL. */
export interface FrontierItem { label: string; url: string }

export interface FrontierOptions<T extends FrontierItem> {
  /** The queue's dedupe key of an item (adding an item whose key exists is a no-op). */
  keyOf(item: T): string;
  /** The host an item will contact: one item per host is in flight at a time. */
  hostOf(item: T): string;
  /** Called after an item was handled or given up (progress, partial runs). */
  onSettled?(item: T, outcome: 'done' | 'failed'): void;
  /** Shared store: claim under host leases. */
  leases?: FrontierLeases;
  /**
   * Children an in-flight item found, by request id, added when it completes and in the same transaction
   * (shared store): an item re-done after its worker lost the host must not find its own children queued
   * already, or it would take its list for a pagination trap and stop early.
   */
  deferred?: DeferredChildren;
}

/** What a Crawlee request carries of its work item. */
export interface FrontierUserData<T> { item: T; itemId: number }

/** Crawlee's `requestQueue` option for our request manager (the 3.18 workaround, see the module comment). */
export function asCrawleeQueue(manager: IRequestManager): { requestQueue: RequestQueue } {
  return { requestQueue: manager as unknown as RequestQueue };
}

export class StoreFrontier<T extends FrontierItem> implements IRequestManager {
  /** Claimed items not handed to Crawlee yet (`isEmpty` claims ahead, so it never answers "not empty" for nothing). */
  private buffer: Request<FrontierUserData<T>>[] = [];
  private inFlight = new Map<string, { itemId: number; host: string; item: T; lease: HostLease | null; renewal: NodeJS.Timeout | null }>();
  /** The lease held on each host in flight (shared store): a request goes out only while it is still held. */
  readonly leases = new Map<string, HostLease>();
  private busyHosts = new Set<string>();
  private claiming: Promise<unknown> = Promise.resolve();
  private counts = { total: 0, pending: 0 };
  /** Set by Crawlee's BasicCrawler on its queue; kept so the object looks like one. */
  internalTimeoutMillis = 0;
  requestLockSecs = 0;

  constructor(private readonly queue: FrontierQueue, readonly name: string, private readonly opts: FrontierOptions<T>) {}

  /** Adds items in one transaction (all or none when the process dies); returns those that were new. */
  async add(items: T[]): Promise<T[]> {
    if (!items.length) return [];
    const added = await this.queue.addBatch(this.name, items.map((item) => ({ key: this.opts.keyOf(item), payload: item, host: this.opts.hostOf(item) })));
    return items.filter((_, i) => added[i]);
  }

  private toRequest(w: WorkItem<T>): Request<FrontierUserData<T>> {
    const r = new Request<FrontierUserData<T>>({ url: w.payload.url, uniqueKey: w.key, label: w.payload.label, userData: { item: w.payload, itemId: w.itemId }, keepUrlFragment: true });
    r.id = String(w.itemId);
    // Attempts survive a restart in the store; Crawlee counts retries from its own request.
    r.retryCount = Math.max(0, w.attempts - 1);
    return r;
  }

  /** Claims one item on a host with nothing in flight (serialized: two claims must not pick the same host). */
  private claim(): Promise<void> {
    const next = this.claiming.then(async () => {
      if (this.buffer.length) return;
      const l = this.opts.leases;
      const claimed = l ? await this.queue.claimLeased<T>(this.name, { owner: l.owner, limit: 1, ttlMs: l.ttlMs, lookaheadMs: Math.min(l.ttlMs / 3, CLAIM_LOOKAHEAD_MS) })
        : (await this.queue.claimFair<T>(this.name, 1, { skipHosts: this.busyHosts })).map((item) => ({ item, lease: null }));
      for (const { item: w, lease } of claimed) {
        const host = w.host ?? this.opts.hostOf(w.payload);
        this.busyHosts.add(host);
        const r = this.toRequest(w);
        // A long download or a Retry-After wait must not let the lease lapse while this worker is still at it.
        const renewal = lease && l ? setInterval(() => { void this.queue.renewLease(lease, l.ttlMs).catch(() => undefined); }, l.ttlMs / 3) : null;
        if (lease) { this.leases.set(host, lease); if (lease.readyInMs > 0) l?.holdOff(host, lease.readyInMs); }
        this.inFlight.set(r.id!, { itemId: w.itemId, host, item: w.payload, lease, renewal });
        this.buffer.push(r);
      }
    });
    this.claiming = next.catch(() => undefined);
    return next;
  }

  async fetchNextRequest<U extends Record<string, unknown>>(): Promise<Request<U> | null> {
    if (!this.buffer.length) await this.claim();
    return (this.buffer.shift() as Request<U> | undefined) ?? null;
  }

  async isEmpty(): Promise<boolean> {
    if (!this.buffer.length) await this.claim();
    return this.buffer.length === 0;
  }

  /** Nothing pending, nothing running (here or, after a crash, left by another process), nothing claimed ahead. */
  async isFinished(): Promise<boolean> {
    if (this.buffer.length || this.inFlight.size) return false;
    const c = await this.queue.count(this.name);
    this.counts = { total: Object.values(c).reduce((a, b) => a + b, 0), pending: (c.pending ?? 0) + (c.running ?? 0) };
    return this.counts.pending === 0;
  }

  private settle(request: Request): { itemId: number; item: T; host: string; lease: HostLease | null } | null {
    const f = this.inFlight.get(request.id ?? '');
    if (!f) return null;
    this.inFlight.delete(request.id!);
    this.busyHosts.delete(f.host);
    if (f.renewal) clearInterval(f.renewal);
    if (f.lease) this.leases.delete(f.host);
    return f;
  }

  /**
   * Ends an item: under its lease (shared store: fenced, the host released with its next allowed time in
   * the same transaction), or plainly. A lost lease leaves the item to the worker that took the host over.
   */
  private async end(f: { itemId: number; host: string; lease: HostLease | null; item: T }, outcome: { status: 'done' } | { status: 'failed'; error: string; retryAt: string | null }): Promise<boolean> {
    const children = this.opts.deferred?.get(String(f.itemId)) ?? [];
    this.opts.deferred?.delete(String(f.itemId));
    if (f.lease && this.opts.leases) {
      try {
        await this.queue.completeLeased(f.lease, f.itemId, { delayMs: this.opts.leases.delayOf(f.host), outcome, ...(outcome.status === 'done' ? { children } : {}) });
      } catch (e) {
        if (!(e instanceof LeaseLostError)) throw e;
        this.opts.leases.log(`${f.item.label} ${f.item.url}: lease on ${f.host} lost before the item completed; left to its new holder`);
        return false;
      }
      return true;
    }
    if (outcome.status === 'done') await this.queue.complete(f.itemId);
    else await this.queue.fail(f.itemId, outcome.error, outcome.retryAt);
    return true;
  }

  async markRequestHandled(request: Request): Promise<RequestQueueOperationInfo | null> {
    const f = this.settle(request);
    if (!f) return null;
    // Crawlee marks a request handled after its last failed attempt too, while still in its error handler.
    const failed = request.state === RequestState.ERROR_HANDLER;
    const ended = await this.end(f, failed ? { status: 'failed', error: (request.errorMessages.at(-1) ?? 'failed').split('\n')[0]!, retryAt: null } : { status: 'done' });
    if (ended) this.opts.onSettled?.(f.item, failed ? 'failed' : 'done');
    return { requestId: request.id!, uniqueKey: request.uniqueKey, wasAlreadyPresent: true, wasAlreadyHandled: true, forefront: false };
  }

  async reclaimRequest(request: Request): Promise<RequestQueueOperationInfo | null> {
    const f = this.settle(request);
    if (!f) return null;
    await this.end(f, { status: 'failed', error: (request.errorMessages.at(-1) ?? 'retry').split('\n')[0]!, retryAt: new Date().toISOString() });
    return { requestId: request.id!, uniqueKey: request.uniqueKey, wasAlreadyPresent: true, wasAlreadyHandled: false, forefront: false };
  }

  /** Crawlee's own add path (`crawler.addRequests`, `enqueueLinks`): the request's userData.item, or a bare label + URL. */
  private itemOf(source: Source): T {
    const o = (typeof source === 'string' ? { url: source } : source) as RequestOptions & { userData?: { item?: T } };
    return o.userData?.item ?? ({ label: o.label ?? (o.userData as { label?: string } | undefined)?.label ?? 'LIST', url: o.url } as T);
  }

  async addRequest(source: Source): Promise<RequestQueueOperationInfo> {
    const item = this.itemOf(source);
    const [added] = await this.queue.addBatch(this.name, [{ key: this.opts.keyOf(item), payload: item, host: this.opts.hostOf(item) }]);
    return { requestId: this.opts.keyOf(item), uniqueKey: this.opts.keyOf(item), wasAlreadyPresent: !added, wasAlreadyHandled: false, forefront: false };
  }

  async addRequestsBatched(requests: Parameters<IRequestManager['addRequestsBatched']>[0]): Promise<AddRequestsBatchedResult> {
    const items: T[] = [];
    for await (const r of requests as AsyncIterable<Source> | Iterable<Source>) items.push(this.itemOf(r));
    const added = await this.add(items);
    const addedRequests = added.map((item) => ({ requestId: this.opts.keyOf(item), uniqueKey: this.opts.keyOf(item), wasAlreadyPresent: false, wasAlreadyHandled: false }));
    return { addedRequests, waitForAllRequestsToBeAdded: Promise.resolve([]) };
  }

  async handledCount(): Promise<number> {
    const c = await this.queue.count(this.name);
    return (c.done ?? 0) + (c.failed ?? 0);
  }

  getTotalCount(): number { return this.counts.total; }
  getPendingCount(): number { return this.counts.pending; }

  async *[Symbol.asyncIterator](): AsyncGenerator<Request> {
    for (;;) {
      const r = await this.fetchNextRequest();
      if (!r) return;
      yield r;
    }
  }
}
