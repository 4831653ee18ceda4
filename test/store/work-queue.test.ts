/**
 * The store's crawl-facing methods: fair claims across hosts, atomic batches of work, taking over a run a
 * killed crawl left running, agency problems noted during a run, and what happened to reports since a time.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { dropDatabase, ENGINES, freshStoreOptions } from '../helpers/postgres.ts';

let dir: string;
let store: Store | null = null;
let db: string | undefined;

// Every test runs on an embedded SQLite file and on a PostgreSQL server, each store fresh.
describe.each(ENGINES)('on $title', ({ engine, skip }) => {
beforeEach(async ({ skip: skipTest }) => {
  if (skip) return skipTest();
  dir = mkdtempSync(join(tmpdir(), 'nianbao-work-'));
  db = (await freshStoreOptions(engine)).db;
  store = await openStore(dir, { db });
});
afterEach(async () => {
  await store?.close();
  store = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (db) await dropDatabase(db);
  db = undefined;
});

describe('work items for the crawl', () => {
  it('claims the first item of every host before the second of any, skipping busy hosts', async () => {
    // Host a was seeded first with three items: oldest-first would hand out a, a, a.
    for (const [host, n] of [['a.gov.cn', 3], ['b.gov.cn', 2], ['c.gov.cn', 1]] as const) {
      for (let i = 0; i < n; i++) await store!.work.add('q', `${host}/${i}`, { host, i }, { host });
    }
    const first = await store!.work.claimFair<{ host: string; i: number }>('q', 10);
    expect(first.map((w) => `${w.payload.host}/${w.payload.i}`).sort()).toEqual(['a.gov.cn/0', 'b.gov.cn/0', 'c.gov.cn/0']);
    expect(first.every((w) => w.status === 'running' && w.attempts === 1)).toBe(true);
    const next = await store!.work.claimFair<{ host: string; i: number }>('q', 10, { skipHosts: ['a.gov.cn'] });
    expect(next.map((w) => `${w.payload.host}/${w.payload.i}`)).toEqual(['b.gov.cn/1']);
    expect(await store!.work.claimFair('q', 0)).toEqual([]);
    expect(await store!.work.count('q')).toEqual({ pending: 2, running: 4 });
  });

  it('orders hosts by when their politeness gap ends (host_state)', async () => {
    await store!.work.add('q', 'x', { h: 'slow' }, { host: 'slow.gov.cn' });
    await store!.work.add('q', 'y', { h: 'ready' }, { host: 'ready.gov.cn' });
    await store!.crawlState.setHost({ host: 'slow.gov.cn', nextAllowedAt: '2099-01-01T00:00:00.000Z' });
    await store!.crawlState.setHost({ host: 'ready.gov.cn', nextAllowedAt: '2000-01-01T00:00:00.000Z' });
    const [w] = await store!.work.claimFair<{ h: string }>('q', 1);
    expect(w!.payload.h).toBe('ready');
  });

  it('keeps a host\'s cookies beside its politeness state, and leaves them alone when other fields change', async () => {
    await store!.crawlState.setHost({ host: 'nhc.gov.cn', cookies: { FSSBBIl1UgzbN7N80T: 'cleared' } });
    await store!.crawlState.setHost({ host: 'nhc.gov.cn', nextAllowedAt: '2025-01-01T00:00:01.000Z', consecutiveFailures: 0 });
    expect(await store!.crawlState.host('nhc.gov.cn')).toMatchObject({ cookies: { FSSBBIl1UgzbN7N80T: 'cleared' }, nextAllowedAt: '2025-01-01T00:00:01.000Z' });
  });

  it('adds a batch once: keys already queued are left alone and reported as not added', async () => {
    expect(await store!.work.addBatch('q', [{ key: 'k1', payload: 1, host: 'a' }, { key: 'k2', payload: 2, host: 'a' }])).toEqual([true, true]);
    expect(await store!.work.addBatch('q', [{ key: 'k2', payload: 22, host: 'a' }, { key: 'k3', payload: 3, host: 'b' }])).toEqual([false, true]);
    expect([...await store!.work.existing('q', ['k1', 'k3', 'k9'])].sort()).toEqual(['k1', 'k3']);
    const all = await store!.work.claimFair<number>('q', 10, { perHost: 10 });
    expect(all.map((w) => w.payload).sort()).toEqual([1, 2, 3]);
  });
});

describe('runs and their facts', () => {
  it('takes over the run a killed crawl left running, and only that', async () => {
    expect(await store!.runs.takeOver('crawl')).toBeNull();
    const id = await store!.runs.start('crawl');
    await store!.runs.start('reparse');
    const taken = await store!.runs.takeOver('crawl');
    expect(taken?.run_id).toBe(id);
    expect(taken?.pid).toBe(process.pid);
    await store!.runs.finish(id, 'ok');
    expect(await store!.runs.takeOver('crawl')).toBeNull();
  });

  it('keeps the first problem of each kind an agency had during a run', async () => {
    const run = await store!.runs.start('crawl');
    await store!.agencyRuns.noteProblem(run, 'A', 'unreachable', 'connection-refused (http://a/)');
    await store!.agencyRuns.noteProblem(run, 'A', 'unreachable', 'again');
    await store!.agencyRuns.noteProblem(run, 'A', 'blocked', 'HTTP 412 script challenge');
    const p = await store!.agencyRuns.problems(run);
    expect(p.get('A')).toEqual([{ outcome: 'unreachable', reason: 'connection-refused (http://a/)' }, { outcome: 'blocked', reason: 'HTTP 412 script challenge' }]);
    // Until the run's summary replaces it, the row is evidence for status.
    expect((await store!.agencyRuns.list({ runId: run }))[0]).toMatchObject({ outcome: 'unreachable', reason: 'connection-refused (http://a/)' });
  });

  it('tells new, changed, unchanged and gone reports since a time', async () => {
    const t0 = '2025-01-01T00:00:00.000Z';
    const t1 = '2025-02-01T00:00:00.000Z';
    const t2 = '2025-03-01T00:00:00.000Z';
    const v = (agencyId: string, text: string, seenAt: string, url = `http://x.gov.cn/${agencyId}.html`) =>
      store!.reports.recordVersion({ agencyId, year: 2024, sourceUrl: url, sha256: createHash('sha256').update(text).digest('hex'), size: text.length, seenAt });
    await v('same', 'a', t0);
    await v('edited', 'b', t0);
    await v('deleted', 'c', t0);
    await v('same', 'a', t2);
    await v('edited', 'b2', t2);
    await v('fresh', 'd', t2);
    await store!.reports.markGone({ url: 'http://x.gov.cn/deleted.html' }, t2);
    const act = await store!.reports.activity(t1);
    const by = (a: string) => act.find((r) => r.agencyId === a)!;
    expect(by('same')).toMatchObject({ isNew: false, changed: false, gone: false });
    expect(by('edited')).toMatchObject({ isNew: false, changed: true, gone: false });
    expect(by('fresh')).toMatchObject({ isNew: true, changed: false, gone: false });
    expect(by('deleted')).toMatchObject({ gone: true });
    expect(act.length).toBe(4);
  });
});
});
