/**
 * Evidence per agency (issue 13, the crawl's side): what the crawl records of each agency's column is what that
 * agency's status can stand on. Agencies sharing a host or a page that fails all get the failure; a list only a
 * script fills is `blocked` ("needs a browser") without one, never a list read with no reports; a page read for
 * several agencies is read for each, with its platform and links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFarm, type Farm } from '../portal/farm/index.ts';
import { entry, listDoc, SiteBuilder, type FarmSite } from '../portal/farm/site.ts';
import { parseSeeds } from '../../src/seeds/index.ts';
import { crawl, type CrawlResult } from '../../src/crawl/index.ts';
import { openStore, type ListRead } from '../../src/store/index.ts';

/** Three hosts: one down (two agencies' columns on it), one whose shared column page errs (and a home two seeds share), one healthy. */
function sites(): FarmSite[] {
  const down = new SiteBuilder('www.shutdown.gov.cn');
  const flaky = new SiteBuilder('www.brokenlist.gov.cn');
  flaky.raw('/xxgk/nb/', { status: 500, body: '<h1>500 Internal Server Error</h1>' });
  flaky.raw('/', { status: 503, body: '<h1>503</h1>' });
  const ok = new SiteBuilder('www.sharedcol.gov.cn');
  ok.report({ path: '/xxgk/nb/202401/t20240120_1.html', owner: 'ev-gov', unit: '共县人民政府', year: 2023 });
  ok.report({ path: '/xxgk/nb/202401/t20240121_2.html', owner: 'ev-edu', unit: '共县教育局', year: 2023 });
  ok.html('/xxgk/nb/', listDoc({ title: '年报', charset: 'utf-8', body: `<ul>${entry('./202401/t20240120_1.html', '共县人民政府2023年政府信息公开工作年度报告')}${entry('./202401/t20240121_2.html', '共县教育局2023年政府信息公开工作年度报告')}</ul><script>createPageHTML(1, 0, "index", "html");</script>` }));
  ok.html('/shell/', listDoc({ title: '年报', charset: 'utf-8', body: '<ul id="list"></ul>', scripts: `<script>var cfg = { api: '/front/api/data/search?channel=nb' }; fetch(cfg.api).then(function (r) { return r.json(); });</script>` }));
  return [
    down.build('generic', 'host down', [
      { id: 'ev-down-1', name: '甲乡人民政府', list: 'http://www.shutdown.gov.cn/a/nb/' },
      { id: 'ev-down-2', name: '乙乡人民政府', list: 'http://www.shutdown.gov.cn/b/nb/' },
    ]),
    flaky.build('generic', 'a shared column page that errs, a shared home that errs', [
      { id: 'ev-list-1', name: '丙县人民政府', list: 'http://www.brokenlist.gov.cn/xxgk/nb/' },
      { id: 'ev-list-2', name: '丙县统计局', kind: 'department', list: 'http://www.brokenlist.gov.cn/xxgk/nb/' },
      { id: 'ev-home-1', name: '丙县教育局', kind: 'department', home: 'http://www.brokenlist.gov.cn/' },
      { id: 'ev-home-2', name: '丙县水利局', kind: 'department', home: 'http://www.brokenlist.gov.cn/' },
    ]),
    ok.build('trs', 'one column for two agencies; a script-only shell', [
      { id: 'ev-gov', name: '共县人民政府', list: 'http://www.sharedcol.gov.cn/xxgk/nb/' },
      { id: 'ev-edu', name: '共县教育局', kind: 'department', list: 'http://www.sharedcol.gov.cn/xxgk/nb/' },
      { id: 'ev-shell', name: '共县卫生健康局', kind: 'department', list: 'http://www.sharedcol.gov.cn/shell/' },
    ]),
  ];
}

let farm: Farm;
let result: CrawlResult;
let reads: ListRead[];
beforeAll(async () => {
  farm = await startFarm(sites());
  farm.failHost('www.shutdown.gov.cn', 502);
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-evidence-'));
  result = await crawl({ agencies: parseSeeds(farm.seeds()), storageDir: dir, proxy: farm.proxy, delayMs: 10, useBrowser: false, maxHostFailures: 2 });
  const store = await openStore(dir, { readonly: true });
  reads = await store.listReads.forRun(result.runId);
  await store.close();
}, 120_000);
afterAll(async () => { await farm?.close(); });

const agency = (id: string) => result.agencies.find((a) => a.agencyId === id)!;
const rowsOf = (id: string) => reads.filter((r) => r.agencyId === id);

describe('evidence per agency', () => {
  it('a host that is down is every agency\'s failure on it, with the reason', () => {
    for (const id of ['ev-down-1', 'ev-down-2']) {
      expect([id, agency(id).outcome]).toEqual([id, 'unreachable']);
      expect(agency(id).unreachable).toMatch(/HTTP 502/);
      expect(rowsOf(id).map((r) => r.outcome)).toEqual(['unreachable']);
    }
  });

  it('a column page two agencies share that fails is both agencies\' failure, read once', () => {
    for (const id of ['ev-list-1', 'ev-list-2']) {
      expect([id, agency(id).outcome, agency(id).listPages]).toEqual([id, 'unreachable', 0]);
      expect(rowsOf(id)).toMatchObject([{ url: 'http://www.brokenlist.gov.cn/xxgk/nb/', outcome: 'unreachable', reason: expect.stringMatching(/HTTP 500/) }]);
    }
    expect(farm.hits.filter((h) => h.path === '/xxgk/nb/' && h.host === 'www.brokenlist.gov.cn').length).toBeLessThanOrEqual(4); // one item, its retries
  });

  it('a home page two agencies share that fails is both agencies\' failure', () => {
    for (const id of ['ev-home-1', 'ev-home-2']) {
      expect([id, agency(id).outcome]).toEqual([id, 'unreachable']);
      expect(rowsOf(id)).toMatchObject([{ role: 'home', outcome: 'unreachable' }]);
    }
  });

  it('a list only a script fills, without a browser, is blocked: "needs a browser", naming the endpoint', () => {
    expect(agency('ev-shell').outcome).toBe('blocked');
    expect(agency('ev-shell').blocked).toMatch(/needs a browser.*\/front\/api\/data\/search/);
    expect(rowsOf('ev-shell')).toMatchObject([{ outcome: 'blocked', platform: 'generic' }]);
  });

  it('a column read for two agencies is read for each: platform, links, report links; each gets its own report', () => {
    for (const id of ['ev-gov', 'ev-edu']) {
      expect([id, agency(id).outcome, agency(id).listPages, agency(id).reportsFound]).toEqual([id, 'ok', 1, 1]);
      expect(rowsOf(id)).toMatchObject([{ url: 'http://www.sharedcol.gov.cn/xxgk/nb/', outcome: 'read', platform: 'trs', reportLinks: 2, fetchId: expect.any(Number) }]);
    }
    expect(farm.hits.filter((h) => h.host === 'www.sharedcol.gov.cn' && h.path === '/xxgk/nb/').length).toBe(1);
  });
});
