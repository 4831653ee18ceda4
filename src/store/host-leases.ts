/**
 * Host leases: how several crawl processes, on one machine or several, sharing one PostgreSQL store, keep
 * to one request at a time per host with at least the politeness gap between requests. No queue library
 * does this across machines; a lease on the host's row does:
 *
 * - claim: lock host rows whose lease is free (or expired) and whose `next_allowed_at` has passed by the
 *   database's clock (or passes within a short lookahead, the wait left returned with the lease), skipping
 *   rows another claim holds (FOR UPDATE SKIP LOCKED), and take one pending item of each;
 * - renew while the work takes long (a big download, a Retry-After wait);
 * - complete: release the host with `next_allowed_at = now + delay` in the transaction that ends the item
 *   and adds its children, fenced by `lease_owner = me` and an unexpired lease, so a worker that lost its
 *   lease cannot complete work that is now another's;
 * - take over: a claim that takes an expired lease first puts that host's running items back to pending.
 *
 * On SQLite the same statements run without the row locks (one writer holds the whole file).
 */
import { sql, type Selectable } from 'kysely';
import { dbTime } from './clock.ts';
import { StoreError, type DbOrTx, type Engine } from './db.ts';
import type { Database } from './schema.ts';

/** A worker's exclusive right to talk to one host until `expiresAt` (the database's clock), unless renewed. */
export interface HostLease {
  host: string;
  owner: string;
  expiresAt: string;
  /** The owner before this claim, when it took over an expired lease (its running items were re-queued). */
  tookOverFrom: string | null;
  /**
   * How long, from the claim, until the host's gap has passed (0 when it had): a duration on the database's
   * clock, so the holder waits it out on its own clock before its first request (see `lookaheadMs`).
   */
  readyInMs: number;
}

/** A worker's lease ended (expired, or taken over) before it completed its item: the work is another's now. */
export class LeaseLostError extends StoreError {
  constructor(readonly lease: HostLease) {
    super(`lease on ${lease.host} is no longer held by ${lease.owner} (expired or taken over); its item is left to the new holder`);
    this.name = 'LeaseLostError';
  }
}

/** Hosts with pending, ready items in `queue`, found one host at a time (a loose index scan on work_items_host). */
function hostsWithWork(queue: string, at: string) {
  const ready = sql`w.queue = ${queue} and w.status = 'pending' and w.host is not null and (w.not_before is null or w.not_before <= ${at})`;
  return sql<{ host: string }>`
    with recursive hosts(host) as (
      select (select min(w.host) from work_items w where ${ready})
      union all
      select (select min(w.host) from work_items w where ${ready} and w.host > hosts.host) from hosts where hosts.host is not null
    )
    select host from hosts where host is not null`;
}

/**
 * `lookaheadMs`: also claim a host whose gap ends within this long (its lease says how long, `readyInMs`), so a
 * worker holds the host when the gap ends instead of finding it free only at its next poll for work.
 */
export async function claimLeasedItems(trx: DbOrTx, engine: Engine, queue: string, opts: { owner: string; limit: number; ttlMs: number; lookaheadMs?: number }): Promise<{ lease: HostLease; item: Selectable<Database['work_items']> }[]> {
  const clock = (await sql<{ t: string; soon: string }>`select ${dbTime(engine)} as t, ${dbTime(engine, opts.lookaheadMs ?? 0)} as soon`.execute(trx)).rows[0]!;
  const at = clock.t;
  // Candidates: hosts with ready work, and hosts whose lease expired with items still running (a dead worker's).
  const withWork = (await hostsWithWork(queue, at).execute(trx)).rows.map((r) => r.host);
  const expired = (await trx.selectFrom('host_state').select('host')
    .where('lease_owner', 'is not', null).where('lease_expires_at', '<=', at)
    .where((eb) => eb.exists(eb.selectFrom('work_items as w').select(sql`1`.as('one')).whereRef('w.host', '=', 'host_state.host').where('w.queue', '=', queue).where('w.status', '=', 'running')))
    .execute()).map((r) => r.host);
  const candidates = [...new Set([...withWork, ...expired])];
  if (!candidates.length) return [];
  // A host's row is created with its first work, so there is a row to lock. Only missing rows are inserted:
  // an insert that meets an existing row waits for whoever is updating it (a renewal, a release), a read does not.
  const have = new Set((await trx.selectFrom('host_state').select('host').where('host', 'in', candidates).execute()).map((r) => r.host));
  const missing = candidates.filter((h) => !have.has(h));
  for (let i = 0; i < missing.length; i += 500) {
    await trx.insertInto('host_state').values(missing.slice(i, i + 500).map((host) => ({ host, consecutive_failures: 0, updated_at: at })))
      .onConflict((oc) => oc.column('host').doNothing()).execute();
  }
  let q = trx.selectFrom('host_state').select(['host', 'lease_owner', 'next_allowed_at'])
    .where('host', 'in', candidates)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<=', at)]))
    .where((eb) => eb.or([eb('next_allowed_at', 'is', null), eb('next_allowed_at', '<=', clock.soon)]))
    .orderBy(sql`coalesce(next_allowed_at, '')`).orderBy('host').limit(opts.limit);
  if (engine === 'postgres') q = q.forUpdate().skipLocked();
  const hosts = await q.execute();
  if (!hosts.length) return [];
  const expiresAt = (await sql<{ t: string }>`select ${dbTime(engine, opts.ttlMs)} as t`.execute(trx)).rows[0]!.t;
  const out: { lease: HostLease; item: Selectable<Database['work_items']> }[] = [];
  for (const h of hosts) {
    if (h.lease_owner !== null) {
      // Taking over: whatever the last holder had running on this host is pending again.
      await trx.updateTable('work_items').set({ status: 'pending', updated_at: at }).where('host', '=', h.host).where('status', '=', 'running').execute();
    }
    let iq = trx.selectFrom('work_items').selectAll().where('queue', '=', queue).where('host', '=', h.host).where('status', '=', 'pending')
      .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
      .orderBy('priority', 'desc').orderBy('item_id').limit(1);
    if (engine === 'postgres') iq = iq.forUpdate().skipLocked();
    const item = await iq.executeTakeFirst();
    if (!item) {
      // Nothing left to do here after all: the host is free again, its politeness time untouched.
      if (h.lease_owner !== null) await trx.updateTable('host_state').set({ lease_owner: null, lease_expires_at: null }).where('host', '=', h.host).execute();
      continue;
    }
    await trx.updateTable('host_state').set({ lease_owner: opts.owner, lease_expires_at: expiresAt }).where('host', '=', h.host).execute();
    await trx.updateTable('work_items').set({ status: 'running', claimed_by: opts.owner, updated_at: at, attempts: sql`attempts + 1` })
      .where('item_id', '=', item.item_id).execute();
    // Both times are cut to the millisecond, and the release that set the gap cut its own clock too: 2 ms more.
    const readyInMs = h.next_allowed_at ? Math.max(0, Date.parse(h.next_allowed_at) - Date.parse(at) + 2) : 0;
    out.push({ lease: { host: h.host, owner: opts.owner, expiresAt, tookOverFrom: h.lease_owner, readyInMs }, item: { ...item, status: 'running', claimed_by: opts.owner, attempts: item.attempts + 1 } });
  }
  return out;
}

/**
 * A lease on one host without an item (a redirect to a host the worker was not given, its robots.txt): taken
 * when the host is free (or its lease expired: the last holder's running items are pending again) and its gap
 * has passed by the database's clock; null otherwise (the caller waits and asks again).
 */
export async function leaseHost(trx: DbOrTx, engine: Engine, host: string, owner: string, ttlMs: number): Promise<HostLease | null> {
  const at = (await sql<{ t: string }>`select ${dbTime(engine)} as t`.execute(trx)).rows[0]!.t;
  await trx.insertInto('host_state').values({ host, consecutive_failures: 0, updated_at: at }).onConflict((oc) => oc.column('host').doNothing()).execute();
  let q = trx.selectFrom('host_state').select(['host', 'lease_owner']).where('host', '=', host)
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<=', at)]))
    .where((eb) => eb.or([eb('next_allowed_at', 'is', null), eb('next_allowed_at', '<=', at)]));
  if (engine === 'postgres') q = q.forUpdate().skipLocked();
  const row = await q.executeTakeFirst();
  if (!row) return null;
  if (row.lease_owner !== null) {
    await trx.updateTable('work_items').set({ status: 'pending', updated_at: at }).where('host', '=', host).where('status', '=', 'running').execute();
  }
  const expiresAt = (await sql<{ t: string }>`select ${dbTime(engine, ttlMs)} as t`.execute(trx)).rows[0]!.t;
  await trx.updateTable('host_state').set({ lease_owner: owner, lease_expires_at: expiresAt }).where('host', '=', host).execute();
  return { host, owner, expiresAt, tookOverFrom: row.lease_owner, readyInMs: 0 };
}

/** Moves an unexpired lease's end to `ttlMs` from now; false when the lease is no longer this owner's. */
export async function renewLease(db: DbOrTx, engine: Engine, lease: HostLease, ttlMs: number): Promise<boolean> {
  const r = await db.updateTable('host_state').set({ lease_expires_at: dbTime(engine, ttlMs) })
    .where('host', '=', lease.host).where('lease_owner', '=', lease.owner).where('lease_expires_at', '>', dbTime(engine))
    .returning('lease_expires_at').executeTakeFirst();
  if (!r) return false;
  lease.expiresAt = r.lease_expires_at!;
  return true;
}

/**
 * The fence and the release in one statement: frees the host with its next allowed time `delayMs` from now
 * (never earlier than a time already set, such as a Retry-After), only while the lease is still this
 * owner's and unexpired; otherwise throws LeaseLostError, rolling back the caller's transaction.
 */
export async function completeUnderLease(trx: DbOrTx, engine: Engine, lease: HostLease, delayMs: number): Promise<void> {
  if (!(await releaseLease(trx, engine, lease, delayMs))) throw new LeaseLostError(lease);
}

/** Frees a host still leased by `lease.owner` (unexpired); false when the lease was already lost. */
export async function releaseLease(trx: DbOrTx, engine: Engine, lease: HostLease, delayMs: number): Promise<boolean> {
  const later = dbTime(engine, delayMs);
  const next = engine === 'postgres' ? sql<string>`greatest(coalesce(next_allowed_at, ''), ${later})` : sql<string>`max(coalesce(next_allowed_at, ''), ${later})`;
  const r = await trx.updateTable('host_state')
    .set({ lease_owner: null, lease_expires_at: null, next_allowed_at: next, updated_at: dbTime(engine) })
    .where('host', '=', lease.host).where('lease_owner', '=', lease.owner).where('lease_expires_at', '>', dbTime(engine))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
