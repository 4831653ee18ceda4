/**
 * What each run read of each agency's column (agency_list_reads): a page attached to several agencies is
 * recorded for all at once; an agency attached later to a page already read gets its outcome, and the pages that
 * page led to; the latest run's rows answer "was this agency's column read?".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';

let dir: string;
let store: Store;
beforeEach(async () => { dir = mkdtempSync(join(tmpdir(), 'nianbao-reads-')); store = await openStore(dir); });
afterEach(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });

const col = 'http://x.gov.cn/nb/';
const page2 = 'http://x.gov.cn/nb/index_1.html';
const sub = 'http://x.gov.cn/nb/2023n/';

describe('agency list reads', () => {
  it('records one read for every agency the page serves', async () => {
    const run = await store.runs.start('crawl', {});
    await store.listReads.attach(run, [{ agencyId: 'A', url: col, role: 'column' }, { agencyId: 'B', url: col, role: 'column' }]);
    expect((await store.listReads.forRun(run)).map((r) => `${r.agencyId} ${r.outcome}`)).toEqual(['A pending', 'B pending']);
    expect(await store.listReads.record(run, col, { outcome: 'unreachable', reason: 'HTTP 500 after 4 attempts' })).toEqual(['A', 'B']);
    expect((await store.listReads.forRun(run)).map((r) => `${r.agencyId} ${r.outcome} ${r.reason}`)).toEqual(['A unreachable HTTP 500 after 4 attempts', 'B unreachable HTTP 500 after 4 attempts']);
  });

  it('gives an agency attached late the page\'s outcome, and the pages it led to', async () => {
    const run = await store.runs.start('crawl', {});
    await store.listReads.attach(run, [{ agencyId: 'A', url: col, role: 'column' }]);
    await store.listReads.record(run, col, { outcome: 'read', platform: 'trs', linksFound: 12, reportLinks: 3 });
    await store.listReads.attach(run, [{ agencyId: 'A', url: page2, role: 'continuation', source: col }, { agencyId: 'A', url: sub, role: 'column', source: col }]);
    await store.listReads.record(run, sub, { outcome: 'blocked', reason: 'robots.txt disallows /nb/2023n/' });
    // B's home page links the same column, read already for A.
    await store.listReads.attach(run, [{ agencyId: 'B', url: col, role: 'column', source: 'http://x.gov.cn/' }]);
    const b = (await store.listReads.forRun(run)).filter((r) => r.agencyId === 'B').map((r) => `${r.url} ${r.role} ${r.outcome}`).sort();
    expect(b).toEqual([`${col} column read`, `${sub} column blocked`, `${page2} continuation pending`].sort());
    // A page read later is recorded for both.
    await store.listReads.record(run, page2, { outcome: 'read', platform: 'trs' });
    expect((await store.listReads.forRun(run)).filter((r) => r.url === page2).map((r) => `${r.agencyId} ${r.outcome}`)).toEqual(['A read', 'B read']);
  });

  it('answers from an agency\'s most recent run with rows', async () => {
    const one = await store.runs.start('crawl', {});
    await store.listReads.attach(one, [{ agencyId: 'A', url: col, role: 'column' }]);
    await store.listReads.record(one, col, { outcome: 'unreachable', reason: 'dns' });
    await store.runs.finish(one, 'ok', null);
    const two = await store.runs.start('crawl', {});
    await store.listReads.attach(two, [{ agencyId: 'A', url: col, role: 'column' }]);
    await store.listReads.record(two, col, { outcome: 'read', platform: 'hanweb' });
    expect((await store.listReads.latestFor('A')).map((r) => `${r.runId} ${r.outcome} ${r.platform}`)).toEqual([`${two} read hanweb`]);
    expect(await store.listReads.latestFor('nobody')).toEqual([]);
  });
});
