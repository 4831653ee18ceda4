/**
 * The contract our frontier relies on, pinned against the installed Crawlee (3.18): its options validator
 * rejects the documented `requestManager` option, accepts our manager as `requestQueue` and then runs it as the
 * manager; a thrown handler is retried through `reclaimRequest` and its last failure marked in the store; a run
 * killed with items claimed hands them out again after `requeueRunning`; one item per host is in flight; and
 * `run()`'s own SIGINT listener is removed while ours stay. Crawlee 4 changes these interfaces: this test says so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicCrawler, createBasicRouter, Log, LogLevel } from 'crawlee';
import { openStore, type Store } from '../../src/store/index.ts';
import { asCrawleeQueue, StoreFrontier, type FrontierUserData } from '../../src/crawl/frontier.ts';
import { crawleeConfig, withoutCrawleeSigint } from '../../src/crawl/engine.ts';

interface Item { label: string; url: string }
const keyOf = (i: Item) => `${i.label} ${i.url}`;
const hostOf = (i: Item) => new URL(i.url).host;
let store: Store | null = null;
afterEach(async () => { await store?.close(); store = null; });

async function freshStore(): Promise<Store> {
  store = await openStore(mkdtempSync(join(tmpdir(), 'nianbao-frontier-')));
  return store;
}

function crawler(frontier: StoreFrontier<Item>, handle: (item: Item) => Promise<void>, concurrency = 4): BasicCrawler {
  const router = createBasicRouter();
  router.addDefaultHandler(async (ctx) => handle((ctx.request.userData as FrontierUserData<Item>).item));
  return new BasicCrawler({ ...asCrawleeQueue(frontier), requestHandler: router, useSessionPool: false, maxRequestRetries: 2, minConcurrency: concurrency,
    maxConcurrency: concurrency, statusMessageLoggingInterval: 3600, log: new Log({ level: LogLevel.OFF }) }, crawleeConfig());
}

describe('our frontier under Crawlee 3.18', () => {
  it('is refused as `requestManager` and accepted as `requestQueue` (the workaround in frontier.ts)', async () => {
    const s = await freshStore();
    const frontier = new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf });
    expect(() => new BasicCrawler({ requestManager: frontier, requestHandler: async () => undefined } as never, crawleeConfig())).toThrow(/requestManager/);
    expect(() => crawler(frontier, async () => undefined)).not.toThrow();
  });

  it('runs every item once, one per host at a time, and completes them in the store', async () => {
    const s = await freshStore();
    const frontier = new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf });
    const items = ['a', 'b', 'c'].flatMap((h) => [1, 2, 3, 4].map((n) => ({ label: 'X', url: `http://${h}.gov.cn/${n}` })));
    await frontier.add(items);
    const seen: string[] = [];
    const busy = new Set<string>();
    let overlap = 0;
    await crawler(frontier, async (item) => {
      const h = hostOf(item);
      if (busy.has(h)) overlap++;
      busy.add(h);
      await new Promise((r) => setTimeout(r, 15));
      busy.delete(h);
      seen.push(item.url);
    }, 6).run();
    expect(seen.sort()).toEqual(items.map((i) => i.url).sort());
    expect(overlap).toBe(0);
    expect(await s.work.count('q')).toEqual({ done: 12 });
  });

  it('retries a handler that throws through reclaimRequest, and marks the item failed after its last attempt', async () => {
    const s = await freshStore();
    const frontier = new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf });
    await frontier.add([{ label: 'X', url: 'http://a.gov.cn/flaky' }, { label: 'X', url: 'http://b.gov.cn/broken' }]);
    const tries = new Map<string, number>();
    await crawler(frontier, async (item) => {
      tries.set(item.url, (tries.get(item.url) ?? 0) + 1);
      if (item.url.endsWith('broken') || tries.get(item.url)! < 2) throw new Error(`no good: ${item.url}`);
    }).run();
    expect(Object.fromEntries(tries)).toEqual({ 'http://a.gov.cn/flaky': 2, 'http://b.gov.cn/broken': 3 });
    expect(await s.work.count('q')).toEqual({ done: 1, failed: 1 });
  });

  it('after a kill (items left running), hands every unfinished item out again', async () => {
    const s = await freshStore();
    const first = new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf });
    await first.add([1, 2, 3].map((n) => ({ label: 'X', url: `http://h${n}.gov.cn/` })));
    // A process claims two items and dies before handling them.
    expect(await first.fetchNextRequest()).not.toBeNull();
    expect(await first.fetchNextRequest()).not.toBeNull();
    expect((await s.work.count('q')).running).toBe(2);
    await s.work.requeueRunning('q');
    const seen: string[] = [];
    await crawler(new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf }), async (item) => { seen.push(item.url); }).run();
    expect(seen.sort()).toEqual(['http://h1.gov.cn/', 'http://h2.gov.cn/', 'http://h3.gov.cn/']);
  });

  it('takes Crawlee\'s SIGINT listener away while run() runs, and leaves the caller\'s', async () => {
    const s = await freshStore();
    const frontier = new StoreFrontier<Item>(s.work, 'q', { keyOf, hostOf });
    await frontier.add([{ label: 'X', url: 'http://a.gov.cn/' }]);
    const ours = () => undefined;
    process.on('SIGINT', ours);
    const before = process.listeners('SIGINT').length;
    let during: Function[] = [];
    try {
      await withoutCrawleeSigint(() => crawler(frontier, async () => {
        await new Promise((r) => setTimeout(r, 20));
        during = process.listeners('SIGINT');
      }).run());
    } finally {
      process.off('SIGINT', ours);
    }
    expect(during).toContain(ours);
    expect(during.length).toBe(before);
    expect(during.some((l) => /Pausing/.test(String(l)))).toBe(false);
    // Without the guard Crawlee's listener is there: the test can tell.
    await frontier.add([{ label: 'X', url: 'http://b.gov.cn/' }]);
    let unguarded: Function[] = [];
    await crawler(frontier, async () => { unguarded = process.listeners('SIGINT'); }).run();
    expect(unguarded.some((l) => /Pausing/.test(String(l)))).toBe(true);
  });
});
