/**
 * The work queue: plain serializable items (the crawl frontier, parse jobs, any other job), each claimed by
 * one process at a time. Items are keyed per queue, so adding is idempotent and a killed run re-seeds safely.
 * On PostgreSQL several processes claim from the same table: claims lock the rows they take and skip rows
 * another claim holds (FOR UPDATE SKIP LOCKED), and crawl items are claimed under host leases (host-leases.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type Selectable, type SelectQueryBuilder } from 'kysely';
import { now, Repository, type DbOrTx } from './db.ts';
import { claimLeasedItems, completeUnderLease, leaseHost, releaseLease, renewLease, type HostLease } from './host-leases.ts';
import type { Database } from './schema.ts';

/** An item to add: its key in the queue, its payload, and the host it will contact (crawl work). */
export interface NewWorkItem { key: string; payload: unknown; host?: string | null; priority?: number }

/** How a claimed item ended: done, or failed (back to pending at `retryAt`, else failed for good). */
export type ItemOutcome = { status: 'done' } | { status: 'failed'; error: string; retryAt?: string | null };

/** A crawl item claimed together with the lease on its host. */
export interface LeasedItem<T = unknown> { lease: HostLease; item: WorkItem<T> }

/** Who claims: host, pid and a random part, so a restarted process (same pid, another boot) is someone else. */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export interface WorkItem<T = unknown> {
  itemId: number;
  queue: string;
  key: string;
  payload: T;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  priority: number;
  notBefore: string | null;
  lastError: string | null;
  /** The host the item will contact, when it is crawl work. */
  host: string | null;
}

export class WorkQueue extends Repository {
  /** Adds an item unless (queue, key) exists; returns true when added. Payload must be JSON-serializable. */
  async add(queue: string, key: string, payload: unknown, opts: { priority?: number; notBefore?: string | null; host?: string | null } = {}): Promise<boolean> {
    this.assertWritable();
    const at = now();
    const r = await this.db.insertInto('work_items').values({
      queue, key, payload: JSON.stringify(payload), status: 'pending', attempts: 0, priority: opts.priority ?? 0,
      not_before: opts.notBefore ?? null, last_error: null, claimed_by: null, created_at: at, updated_at: at, host: opts.host ?? null,
    }).onConflict((oc) => oc.columns(['queue', 'key']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Claims up to `limit` pending items (highest priority first, then oldest), marking them running; with
   * `keyPrefix`, only items whose key starts with it (no % or _, see countKeys).
   */
  async claim<T = unknown>(queue: string, limit = 1, opts: { keyPrefix?: string } = {}): Promise<WorkItem<T>[]> {
    this.assertWritable();
    const at = now();
    return this.db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('work_items').selectAll();
      if (opts.keyPrefix !== undefined) q = q.where('key', 'like', `${likePrefix(opts.keyPrefix)}%`);
      const rows = await this.locking(q
        .where('queue', '=', queue).where('status', '=', 'pending')
        .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
        .orderBy('priority', 'desc').orderBy('item_id').limit(limit)).execute();
      if (!rows.length) return [];
      await trx.updateTable('work_items')
        .set({ status: 'running', claimed_by: `${hostname()}:${process.pid}`, updated_at: at, attempts: sql`attempts + 1` })
        .where('item_id', 'in', rows.map((r) => r.item_id)).execute();
      return rows.map((r) => workItemOf<T>({ ...r, status: 'running', attempts: r.attempts + 1 }));
    });
  }

  /**
   * Adds several items in one transaction, so a process killed while adding them leaves all or none; (queue,
   * key) pairs already there are left alone. Returns, per item, whether it was added.
   */
  async addBatch(queue: string, items: NewWorkItem[]): Promise<boolean[]> {
    this.assertWritable();
    if (!items.length) return [];
    return retryDeadlock(() => this.db.transaction().execute((trx) => addItems(trx, queue, items)));
  }

  /** Which of these keys the queue already holds (any status). */
  async existing(queue: string, keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db.selectFrom('work_items').select('key').where('queue', '=', queue).where('key', 'in', keys.slice(i, i + 500)).execute();
      for (const r of rows) found.add(r.key);
    }
    return found;
  }

  /**
   * Claims pending crawl items (those with a host) fairly across hosts: at most `perHost` per host, hosts in
   * `skipHosts` (busy in this process) left out, and the first items of every host before the later ones of any. Hosts whose politeness
   * gap (host_state.next_allowed_at) ends soonest come first, so a worker never claims work it would only
   * sleep on while another host is ready. Within a host, highest priority then oldest first.
   *
   * The hosts with ready work are found by a loose index scan (a recursive CTE stepping from one host to the
   * next on work_items_host), so a claim costs per host, not per pending item: a national frontier holds
   * hundreds of thousands of items on a few thousand hosts. WITH RECURSIVE is SQLite and PostgreSQL alike.
   */
  async claimFair<T = unknown>(queue: string, limit: number, opts: { skipHosts?: Iterable<string>; perHost?: number } = {}): Promise<WorkItem<T>[]> {
    this.assertWritable();
    if (limit <= 0) return [];
    const at = now();
    const skip = [...(opts.skipHosts ?? [])];
    const perHost = opts.perHost ?? 1;
    // Busy hosts are dropped after the scan, not inside it: inside, each step would walk every item of a busy host.
    const ready = sql`w.queue = ${queue} and w.status = 'pending' and w.host is not null and (w.not_before is null or w.not_before <= ${at})`;
    return this.db.transaction().execute(async (trx) => {
      const hosts = (await sql<{ host: string }>`
        with recursive hosts(host) as (
          select (select min(w.host) from work_items w where ${ready})
          union all
          select (select min(w.host) from work_items w where ${ready} and w.host > hosts.host) from hosts where hosts.host is not null
        )
        select hosts.host from hosts left join host_state h on h.host = hosts.host
        where hosts.host is not null ${skip.length ? sql`and hosts.host not in (${sql.join(skip)})` : sql``}
        order by coalesce(h.next_allowed_at, ''), hosts.host
        limit ${limit}`.execute(trx)).rows.map((r) => r.host);
      const rows: Selectable<Database['work_items']>[] = [];
      for (let round = 0; round < perHost && rows.length < limit; round++) {
        for (const host of hosts) {
          if (rows.length >= limit) break;
          const taken = rows.filter((r) => r.host === host).map((r) => r.item_id);
          let q = trx.selectFrom('work_items').selectAll().where('queue', '=', queue).where('status', '=', 'pending').where('host', '=', host)
            .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]));
          if (taken.length) q = q.where('item_id', 'not in', taken);
          const next = await this.locking(q.orderBy('priority', 'desc').orderBy('item_id').limit(1)).executeTakeFirst();
          if (next) rows.push(next);
        }
      }
      if (!rows.length) return [];
      await trx.updateTable('work_items')
        .set({ status: 'running', claimed_by: `${hostname()}:${process.pid}`, updated_at: at, attempts: sql`attempts + 1` })
        .where('item_id', 'in', rows.map((r) => r.item_id)).execute();
      return rows.map((r) => workItemOf<T>({ ...r, status: 'running', attempts: r.attempts + 1 }));
    });
  }

  /** Marks an item done; with `children`, adds them in the same transaction (all or nothing). */
  async complete(itemId: number, children?: { queue: string; items: NewWorkItem[] }): Promise<void> {
    this.assertWritable();
    if (!children?.items.length) return endItem(this.db, itemId, { status: 'done' });
    await retryDeadlock(() => this.db.transaction().execute(async (trx) => {
      await endItem(trx, itemId, { status: 'done' });
      await addItems(trx, children.queue, children.items);
    }));
  }

  /** Records a failure; with `retryAt` the item goes back to pending, else it stays failed. */
  async fail(itemId: number, error: string, retryAt?: string | null): Promise<void> {
    this.assertWritable();
    await endItem(this.db, itemId, { status: 'failed', error, retryAt });
  }

  /** Items left running by a killed process go back to pending (call at the start of a run). */
  async requeueRunning(queue?: string): Promise<number> {
    this.assertWritable();
    let q = this.db.updateTable('work_items').set({ status: 'pending', updated_at: now() }).where('status', '=', 'running');
    if (queue) q = q.where('queue', '=', queue);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Claims up to `limit` hosts with ready work in `queue` and one item of each, under a lease held by
   * `owner` for `ttlMs` (see host-leases.ts): a host whose lease is free or expired and whose politeness gap
   * has ended by the database's clock. Taking over an expired lease first puts the host's running items
   * back to pending (their worker is gone or too late), so they are claimed again, here or elsewhere.
   */
  async claimLeased<T = unknown>(queue: string, opts: { owner: string; limit: number; ttlMs: number; lookaheadMs?: number }): Promise<LeasedItem<T>[]> {
    this.assertWritable();
    if (opts.limit <= 0) return [];
    const rows = await retryDeadlock(() => this.db.transaction().execute((trx) => claimLeasedItems(trx, this.engine, queue, opts)));
    return rows.map(({ lease, item }) => ({ lease, item: workItemOf<T>(item) }));
  }

  /** Extends a lease still held (a long download); false when it was lost (expired, or taken over). */
  async renewLease(lease: HostLease, ttlMs: number): Promise<boolean> {
    this.assertWritable();
    return renewLease(this.db, this.engine, lease, ttlMs);
  }

  /**
   * Ends a leased item in one transaction, fenced by the lease: the host is released with its next allowed
   * time `delayMs` from now (database clock, never earlier than one already set), the item is done or
   * failed, and `children` are added to `queue`. A worker whose lease expired or was taken over gets a
   * LeaseLostError and nothing is written: its item is re-done by the lease's new holder.
   */
  async completeLeased(lease: HostLease, itemId: number, opts: { delayMs: number; outcome?: ItemOutcome; children?: { queue: string; items: NewWorkItem[] } | { queue: string; items: NewWorkItem[] }[] }): Promise<void> {
    this.assertWritable();
    const children = opts.children === undefined ? [] : Array.isArray(opts.children) ? opts.children : [opts.children];
    await retryDeadlock(() => this.db.transaction().execute(async (trx) => {
      await completeUnderLease(trx, this.engine, lease, opts.delayMs);
      await endItem(trx, itemId, opts.outcome ?? { status: 'done' });
      for (const c of children) if (c.items.length) await addItems(trx, c.queue, c.items);
    }));
  }

  /** Leases a host without an item when it is free and its gap has passed (see host-leases.ts `leaseHost`); else null. */
  async leaseHost(host: string, owner: string, ttlMs: number): Promise<HostLease | null> {
    this.assertWritable();
    return retryDeadlock(() => this.db.transaction().execute((trx) => leaseHost(trx, this.engine, host, owner, ttlMs)));
  }

  /** Gives a lease back without completing its item (a worker stopping): the item goes back to pending. */
  async releaseLease(lease: HostLease, itemId: number | null, delayMs: number): Promise<void> {
    this.assertWritable();
    await this.db.transaction().execute(async (trx) => {
      if (await releaseLease(trx, this.engine, lease, delayMs) && itemId !== null) {
        await trx.updateTable('work_items').set({ status: 'pending', updated_at: now() }).where('item_id', '=', itemId).where('status', '=', 'running').execute();
      }
    });
  }

  /**
   * How many items of `queue` whose key starts with `keyPrefix` are in each status (the parse jobs of one
   * run). The prefix is matched with LIKE, whose escape character the engines spell differently: no % or _.
   */
  async countKeys(queue: string, keyPrefix: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('work_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue).where('key', 'like', `${likePrefix(keyPrefix)}%`).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Items in flight (running) of a queue, with who claimed them; a crawl's end waits for these. */
  async running(queue: string): Promise<{ itemId: number; host: string | null; claimedBy: string | null }[]> {
    const rows = await this.db.selectFrom('work_items').select(['item_id', 'host', 'claimed_by']).where('queue', '=', queue).where('status', '=', 'running').execute();
    return rows.map((r) => ({ itemId: r.item_id, host: r.host, claimedBy: r.claimed_by }));
  }

  /** On PostgreSQL, rows a claim reads are locked for it and rows another claim holds are skipped. */
  private locking<Q extends SelectQueryBuilder<Database, 'work_items', Selectable<Database['work_items']>>>(q: Q): Q {
    return (this.engine === 'postgres' ? q.forUpdate().skipLocked() : q) as Q;
  }

  /**
   * Items of `queue` running since before `before` go back to pending: jobs without a host lease (parse
   * jobs) whose process died. Only for queues whose items never legitimately run that long.
   */
  async requeueStale(queue: string, before: string): Promise<number> {
    this.assertWritable();
    const r = await this.db.updateTable('work_items').set({ status: 'pending', updated_at: now() })
      .where('queue', '=', queue).where('status', '=', 'running').where('updated_at', '<', before).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Marks a running item alive (its `updated_at`), so requeueStale leaves it to its worker. */
  async touch(itemId: number): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('work_items').set({ updated_at: now() }).where('item_id', '=', itemId).where('status', '=', 'running').execute();
  }

  async count(queue: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('work_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

/**
 * Runs a transaction again when PostgreSQL ended it as a deadlock victim: two workers adding overlapping
 * children (one report linked from two lists) lock the same keys in different orders. The transaction was
 * rolled back whole, so running it again is safe.
 */
async function retryDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}

/** A key prefix for LIKE, whose escape character the engines spell differently: refuse wildcards instead. */
function likePrefix(prefix: string): string {
  if (/[%_\\]/.test(prefix)) throw new Error(`key prefix "${prefix}" holds a LIKE wildcard`);
  return prefix;
}

/** Adds items unless (queue, key) exists; per item, whether it was added. */
async function addItems(db: DbOrTx, queue: string, items: NewWorkItem[]): Promise<boolean[]> {
  const at = now();
  const out: boolean[] = [];
  for (const it of items) {
    const r = await db.insertInto('work_items').values({
      queue, key: it.key, payload: JSON.stringify(it.payload), status: 'pending', attempts: 0, priority: it.priority ?? 0,
      not_before: null, last_error: null, claimed_by: null, created_at: at, updated_at: at, host: it.host ?? null,
    }).onConflict((oc) => oc.columns(['queue', 'key']).doNothing()).executeTakeFirst();
    out.push(Number(r.numInsertedOrUpdatedRows ?? 0) > 0);
  }
  return out;
}

async function endItem(db: DbOrTx, itemId: number, outcome: ItemOutcome): Promise<void> {
  const set = outcome.status === 'done' ? { status: 'done', last_error: null }
    : { status: outcome.retryAt ? 'pending' : 'failed', not_before: outcome.retryAt ?? null, last_error: outcome.error };
  await db.updateTable('work_items').set({ ...set, updated_at: now() }).where('item_id', '=', itemId).execute();
}

export function workItemOf<T>(r: Selectable<Database['work_items']>): WorkItem<T> {
  return {
    itemId: r.item_id, queue: r.queue, key: r.key, payload: JSON.parse(r.payload) as T, status: r.status as WorkItem['status'],
    attempts: r.attempts, priority: r.priority, notBefore: r.not_before, lastError: r.last_error, host: r.host ?? null,
  };
}
