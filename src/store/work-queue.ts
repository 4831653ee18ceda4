/**
 * The work queue: plain serializable items (the crawl frontier, and any other job), each claimed by one
 * process at a time. Items are keyed per queue, so adding is idempotent and a killed run re-seeds safely.
 */
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

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

  /** Claims up to `limit` pending items (highest priority first, then oldest), marking them running. */
  async claim<T = unknown>(queue: string, limit = 1): Promise<WorkItem<T>[]> {
    this.assertWritable();
    const at = now();
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('work_items').selectAll()
        .where('queue', '=', queue).where('status', '=', 'pending')
        .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
        .orderBy('priority', 'desc').orderBy('item_id').limit(limit).execute();
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
  async addBatch(queue: string, items: { key: string; payload: unknown; host?: string | null; priority?: number }[]): Promise<boolean[]> {
    this.assertWritable();
    if (!items.length) return [];
    const at = now();
    return this.db.transaction().execute(async (trx) => {
      const out: boolean[] = [];
      for (const it of items) {
        const r = await trx.insertInto('work_items').values({
          queue, key: it.key, payload: JSON.stringify(it.payload), status: 'pending', attempts: 0, priority: it.priority ?? 0,
          not_before: null, last_error: null, claimed_by: null, created_at: at, updated_at: at, host: it.host ?? null,
        }).onConflict((oc) => oc.columns(['queue', 'key']).doNothing()).executeTakeFirst();
        out.push(Number(r.numInsertedOrUpdatedRows ?? 0) > 0);
      }
      return out;
    });
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
          const next = await q.orderBy('priority', 'desc').orderBy('item_id').limit(1).executeTakeFirst();
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

  async complete(itemId: number): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('work_items').set({ status: 'done', updated_at: now(), last_error: null }).where('item_id', '=', itemId).execute();
  }

  /** Records a failure; with `retryAt` the item goes back to pending, else it stays failed. */
  async fail(itemId: number, error: string, retryAt?: string | null): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('work_items')
      .set({ status: retryAt ? 'pending' : 'failed', not_before: retryAt ?? null, last_error: error, updated_at: now() })
      .where('item_id', '=', itemId).execute();
  }

  /** Items left running by a killed process go back to pending (call at the start of a run). */
  async requeueRunning(queue?: string): Promise<number> {
    this.assertWritable();
    let q = this.db.updateTable('work_items').set({ status: 'pending', updated_at: now() }).where('status', '=', 'running');
    if (queue) q = q.where('queue', '=', queue);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async count(queue: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('work_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

function workItemOf<T>(r: Selectable<Database['work_items']>): WorkItem<T> {
  return {
    itemId: r.item_id, queue: r.queue, key: r.key, payload: JSON.parse(r.payload) as T, status: r.status as WorkItem['status'],
    attempts: r.attempts, priority: r.priority, notBefore: r.not_before, lastError: r.last_error, host: r.host ?? null,
  };
}
