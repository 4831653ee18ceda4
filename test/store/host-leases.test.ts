/**
 * Host leases in the work queue (store/host-leases.ts): claim, renew, complete fenced by the lease, take over
 * an expired lease, and the politeness gap by the database's clock. Two owners on one handle on both engines;
 * on PostgreSQL also several processes' worth of clients (separate pools) claiming at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError, openStore, type Store } from '../../src/store/index.ts';
import { dropDatabase, ENGINES, freshStoreOptions, PG_SKIPPED, TEST_PG } from '../helpers/postgres.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const Q = 'crawl:1';

let dir: string;
let db: string | undefined;
let stores: Store[] = [];
const open = async () => { const s = await openStore(dir, { db }); stores.push(s); return s; };

async function seed(store: Store, hosts: Record<string, number>): Promise<void> {
  for (const [host, n] of Object.entries(hosts)) {
    await store.work.addBatch(Q, Array.from({ length: n }, (_, i) => ({ key: `${host}/${i}`, payload: { host, i }, host })));
  }
}

describe.each(ENGINES)('host leases on $title', ({ engine, skip }) => {
  beforeEach(async ({ skip: skipTest }) => {
    if (skip) return skipTest();
    dir = mkdtempSync(join(tmpdir(), 'nianbao-lease-'));
    db = (await freshStoreOptions(engine)).db;
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (db) await dropDatabase(db);
    db = undefined;
  });

  it('leases each host to one owner with its first item, and none while the lease is held', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 2, 'b.gov.cn': 1 });
    const a = await s.work.claimLeased<{ host: string; i: number }>(Q, { owner: 'A', limit: 10, ttlMs: 60_000 });
    expect(a.map((x) => `${x.item.payload.host}/${x.item.payload.i}`).sort()).toEqual(['a.gov.cn/0', 'b.gov.cn/0']);
    expect(a.every((x) => x.lease.owner === 'A' && x.item.status === 'running' && x.lease.tookOverFrom === null)).toBe(true);
    // a.gov.cn/1 is pending, but A holds a.gov.cn: B gets nothing.
    expect(await s.work.claimLeased(Q, { owner: 'B', limit: 10, ttlMs: 60_000 })).toEqual([]);
    expect(await s.work.count(Q)).toEqual({ pending: 1, running: 2 });
  });

  it('releases a host with its next allowed time by the database clock, in the transaction that completes the item and adds its children', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 2 });
    const [x] = await s.work.claimLeased<{ i: number }>(Q, { owner: 'A', limit: 1, ttlMs: 60_000 });
    const before = Date.now();
    await s.work.completeLeased(x!.lease, x!.item.itemId, { delayMs: 400, children: { queue: Q, items: [{ key: 'child', payload: { host: 'a.gov.cn', i: 9 }, host: 'a.gov.cn' }] } });
    const h = await s.crawlState.host('a.gov.cn');
    // 400 ms after the release: not before the call started plus 400, not much after it returned plus 400.
    expect(Date.parse(h!.nextAllowedAt!)).toBeGreaterThanOrEqual(before + 400 - 5);
    expect(Date.parse(h!.nextAllowedAt!)).toBeLessThanOrEqual(Date.now() + 400 + 5);
    expect(await s.work.count(Q)).toEqual({ done: 1, pending: 2 });
    // Free, but its gap has not passed: nobody gets it yet.
    expect(await s.work.claimLeased(Q, { owner: 'B', limit: 1, ttlMs: 60_000 })).toEqual([]);
    await sleep(Date.parse(h!.nextAllowedAt!) - Date.now() + 20);
    const [y] = await s.work.claimLeased<{ i: number }>(Q, { owner: 'B', limit: 1, ttlMs: 60_000 });
    expect(y!.item.payload.i).toBe(1);
    // A gap already set further out (a Retry-After) is not shortened by the release.
    await s.crawlState.setHost({ host: 'a.gov.cn', nextAllowedAt: '2099-01-01T00:00:00.000Z' });
    await s.work.completeLeased(y!.lease, y!.item.itemId, { delayMs: 10 });
    expect((await s.crawlState.host('a.gov.cn'))!.nextAllowedAt).toBe('2099-01-01T00:00:00.000Z');
  });

  it('with a lookahead, leases a host whose gap is about to end and says how long is left of it', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 2 });
    const [x] = await s.work.claimLeased<{ i: number }>(Q, { owner: 'A', limit: 1, ttlMs: 60_000 });
    expect(x!.lease.readyInMs).toBe(0); // a host never asked has no gap to wait
    await s.work.completeLeased(x!.lease, x!.item.itemId, { delayMs: 800 });
    // 800 ms of gap: not within a 300 ms lookahead, within a 2 s one.
    expect(await s.work.claimLeased(Q, { owner: 'B', limit: 1, ttlMs: 60_000, lookaheadMs: 300 })).toEqual([]);
    const [y] = await s.work.claimLeased<{ i: number }>(Q, { owner: 'B', limit: 1, ttlMs: 60_000, lookaheadMs: 2000 });
    expect(y!.item.payload.i).toBe(1);
    expect(y!.lease.readyInMs).toBeGreaterThan(300);
    expect(y!.lease.readyInMs).toBeLessThanOrEqual(802);
    // Held: nobody else gets the host while B waits out the gap.
    expect(await s.work.claimLeased(Q, { owner: 'C', limit: 1, ttlMs: 60_000, lookaheadMs: 2000 })).toEqual([]);
  });

  it('leases a host for one request without an item: only when free and past its gap; an expired holder\'s running item is pending again', async () => {
    const s = await open();
    // A host nobody queued work for (a redirect's target): its row is made.
    const a = await s.work.leaseHost('c.gov.cn', 'A', 60_000);
    expect(a).toMatchObject({ host: 'c.gov.cn', owner: 'A', tookOverFrom: null });
    expect(await s.work.leaseHost('c.gov.cn', 'B', 60_000)).toBeNull();
    await s.work.releaseLease(a!, null, 300);
    expect(await s.work.leaseHost('c.gov.cn', 'B', 60_000)).toBeNull(); // free, but within its gap
    await sleep(350);
    expect(await s.work.leaseHost('c.gov.cn', 'B', 60_000)).toMatchObject({ owner: 'B' });
    // A worker that claimed an item and stopped: once its lease expires, a request lease takes the host over.
    await seed(s, { 'd.gov.cn': 1 });
    const [x] = await s.work.claimLeased(Q, { owner: 'C', limit: 1, ttlMs: 200 });
    expect(await s.work.leaseHost('d.gov.cn', 'D', 60_000)).toBeNull();
    await sleep(250);
    expect(await s.work.leaseHost('d.gov.cn', 'D', 60_000)).toMatchObject({ owner: 'D', tookOverFrom: 'C' });
    expect(await s.work.count(Q)).toEqual({ pending: 1 });
    await expect(s.work.completeLeased(x!.lease, x!.item.itemId, { delayMs: 0 })).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('renews a lease still held, and not one that expired', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 1 });
    const [x] = await s.work.claimLeased(Q, { owner: 'A', limit: 1, ttlMs: 300 });
    const first = x!.lease.expiresAt;
    await sleep(100);
    expect(await s.work.renewLease(x!.lease, 300)).toBe(true);
    expect(x!.lease.expiresAt > first).toBe(true);
    await sleep(400);
    expect(await s.work.renewLease(x!.lease, 300)).toBe(false);
  });

  it('fences: a worker whose lease expired and was taken over cannot complete its item; the taker re-does it', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 1 });
    const [a] = await s.work.claimLeased(Q, { owner: 'A', limit: 1, ttlMs: 150 });
    await sleep(250);
    // B takes the expired lease: A's running item is pending again and handed to B, a second attempt.
    const [b] = await s.work.claimLeased(Q, { owner: 'B', limit: 1, ttlMs: 60_000 });
    expect(b!.item.itemId).toBe(a!.item.itemId);
    expect(b!.item.attempts).toBe(2);
    expect(b!.lease.tookOverFrom).toBe('A');
    // A finishes late: nothing it would write is written, its children included.
    await expect(s.work.completeLeased(a!.lease, a!.item.itemId, { delayMs: 0, children: { queue: Q, items: [{ key: 'from-A', payload: {}, host: 'a.gov.cn' }] } }))
      .rejects.toBeInstanceOf(LeaseLostError);
    expect(await s.work.existing(Q, ['from-A'])).toEqual(new Set());
    expect(await s.work.count(Q)).toEqual({ running: 1 });
    await s.work.completeLeased(b!.lease, b!.item.itemId, { delayMs: 0 });
    expect(await s.work.count(Q)).toEqual({ done: 1 });
  });

  it('fences an expired lease nobody took over, and the next claim (its own worker\'s too) re-queues the item', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 1, 'b.gov.cn': 1 });
    const taken = await s.work.claimLeased(Q, { owner: 'A', limit: 2, ttlMs: 150 });
    expect(taken).toHaveLength(2);
    await sleep(250);
    await expect(s.work.completeLeased(taken[0]!.lease, taken[0]!.item.itemId, { delayMs: 0 })).rejects.toThrow(/no longer held by A/);
    const again = await s.work.claimLeased(Q, { owner: 'A2', limit: 5, ttlMs: 60_000 });
    expect(again.map((x) => x.item.itemId).sort()).toEqual(taken.map((x) => x.item.itemId).sort());
    expect(again.every((x) => x.lease.tookOverFrom === 'A' && x.item.attempts === 2)).toBe(true);
  });

  it('gives a lease back without completing: the item is pending again and the host free after its gap', async () => {
    const s = await open();
    await seed(s, { 'a.gov.cn': 1 });
    const [x] = await s.work.claimLeased(Q, { owner: 'A', limit: 1, ttlMs: 60_000 });
    await s.work.releaseLease(x!.lease, x!.item.itemId, 0);
    expect(await s.work.count(Q)).toEqual({ pending: 1 });
    const [y] = await s.work.claimLeased(Q, { owner: 'B', limit: 1, ttlMs: 60_000 });
    expect(y!.item.itemId).toBe(x!.item.itemId);
  });
});

describe.skipIf(!TEST_PG)(`host leases with concurrent clients on PostgreSQL${TEST_PG ? '' : ` (${PG_SKIPPED})`}`, () => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nianbao-lease-'));
    db = (await freshStoreOptions('postgres')).db;
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    stores = [];
    rmSync(dir, { recursive: true, force: true });
    if (db) await dropDatabase(db);
  });

  it('four clients claiming at once never hold one host together, and keep the gap between a release and the next claim', async () => {
    const clients = [await open(), await open(), await open(), await open()];
    const HOSTS = 6;
    const PER_HOST = 5;
    const DELAY = 60;
    await seed(clients[0]!, Object.fromEntries(Array.from({ length: HOSTS }, (_, h) => [`h${h}.gov.cn`, PER_HOST])));
    /** Per host: [claimed (after the claim returned), released (before the completing call)], by this machine's clock (the server's too). */
    const spans = new Map<string, [number, number][]>();
    const handled: number[] = [];
    await Promise.all(clients.map(async (s, n) => {
      for (;;) {
        const got = await s.work.claimLeased(Q, { owner: `worker-${n}`, limit: 2, ttlMs: 30_000 });
        const claimedAt = Date.now();
        if (!got.length) {
          const c = await s.work.count(Q);
          if (!c.pending && !c.running) return;
          await sleep(5);
          continue;
        }
        await Promise.all(got.map(async ({ lease, item }) => {
          await sleep(10 + (item.itemId % 3) * 7); // the request
          const releasedAt = Date.now();
          (spans.get(lease.host) ?? spans.set(lease.host, []).get(lease.host)!).push([claimedAt, releasedAt]);
          handled.push(item.itemId);
          await s.work.completeLeased(lease, item.itemId, { delayMs: DELAY });
        }));
      }
    }));
    expect(handled.length).toBe(HOSTS * PER_HOST);
    expect(new Set(handled).size).toBe(HOSTS * PER_HOST); // each item once
    for (const [host, list] of spans) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) {
        // The next claim of the host came after the last release plus the delay (2 ms for timer rounding).
        expect(list[i]![0] - list[i - 1]![1], `${host} gap ${i}`).toBeGreaterThanOrEqual(DELAY - 2);
      }
    }
    expect(await clients[0]!.work.count(Q)).toEqual({ done: HOSTS * PER_HOST });
  });
});
