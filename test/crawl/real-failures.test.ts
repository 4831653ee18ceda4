/**
 * Issue 12's failures, each as it was met on a portal the crawler had never seen, read the way a person reads
 * the page. (The farm, test/crawl/farm.test.ts, runs all of them in whole crawls: every report found, nothing
 * else, no politeness violation, no request of Chromium's own reaching the network.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readListPage } from '../../src/crawl/listing.ts';
import { pageVerdict, readReportPage } from '../../src/crawl/report.ts';
import { AgencyBook } from '../../src/crawl/agencies.ts';
import { unitMatches } from '../../src/crawl/titles.ts';
import { HttpClient } from '../../src/crawl/http.ts';
import { HostScheduler } from '../../src/crawl/politeness.ts';
import { parseSeeds } from '../../src/seeds/index.ts';

const urls = (html: string, at: string) => readListPage(html, at).continuations.map((c) => c.url);

describe('issue 12, one failure at a time', () => {
  it('a TRS list that defines createPageHTML in its inline script before calling it is paged by the call', () => {
    const html = `<ul><li><a href="./202401/t20240101_1.html">某县2023年政府信息公开工作年度报告</a></li></ul><script>
      function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) { for (var i = 1; i < _nPageCount; i++) document.write(i); }
      createPageHTML(3, 0, "index", "html");</script>`;
    expect(urls(html, 'http://x.gov.cn/nb/index.html')).toEqual(['http://x.gov.cn/nb/index_1.html', 'http://x.gov.cn/nb/index_2.html']);
  });

  it('a gkmlpt shell whose window._CONFIG is JSON calls the API with its SID', () => {
    const html = `<div id="app"></div><script>window._CONFIG = {"SID":"768031","SITE_NAME":"江门市人民政府","TREE":[]};</script>`;
    const c = readListPage(html, 'http://www.jiangmen.gov.cn/gkmlpt/index#1473').continuations;
    expect(c.map((x) => x.url)).toEqual(['http://www.jiangmen.gov.cn/gkmlpt/api/all/1473?page=1&sid=768031']);
    expect(readListPage(html, 'http://www.jiangmen.gov.cn/gkmlpt/index#1473').needsBrowser).toBeNull();
  });

  it("createPageHTML('page_div', 2, 1, 'index', 'shtml', 11) on a list's first page: page 2 is index_2.shtml", () => {
    expect(urls(`<div id="page_div"></div><script>createPageHTML('page_div', 2, 1, 'index', 'shtml', 11);</script>`, 'http://x.gov.cn/nb/index.shtml'))
      .toEqual(['http://x.gov.cn/nb/index_2.shtml']);
  });

  it('a detail page whose only content is a link to the PDF is a report page with that file (a 0404 in its name is no 404)', () => {
    const html = '<html><head><meta charset="utf-8"><title></title></head><body><p><a href="./P020220404123456789.pdf">P020220404123456789.pdf</a></p></body></html>';
    const url = 'http://x.gov.cn/nb/202201/t20220125_31.shtml';
    expect(pageVerdict(200, html, url)).toEqual({ kind: 'ok' });
    expect(readReportPage(html, url, '景县人民政府2021年政府信息公开工作年度报告').attachments.map((a) => a.url)).toEqual(['http://x.gov.cn/nb/202201/P020220404123456789.pdf']);
    // The same when the page only sends the browser there.
    for (const only of ['<meta http-equiv="refresh" content="0;url=./P020220404123456789.pdf">', '<script>window.location.href = "./P020220404123456789.pdf";</script>']) {
      expect(readReportPage(`<html><head>${only}</head><body></body></html>`, url, '景县人民政府2021年政府信息公开工作年度报告').attachments.map((a) => a.url))
        .toEqual(['http://x.gov.cn/nb/202201/P020220404123456789.pdf']);
    }
  });

  it('a calendar of per-day links is no pager: none of its 31 days (nor a date archive) is a further page', () => {
    const days = Array.from({ length: 31 }, (_, d) => `<a href="/nb/list.jsp?calendar=2024-01&day=${d + 1}">${d + 1}</a>`).join('');
    const html = `<ul><li><a href="/nb/show.jsp?id=1">某县2023年政府信息公开工作年度报告</a></li></ul>${days}<a href="/nb/archive/2024/01/05.html">5</a><a href="/nb/list.jsp?pageNo=2">下一页</a>`;
    expect(urls(html, 'http://x.gov.cn/nb/list.jsp')).toEqual(['http://x.gov.cn/nb/list.jsp?pageNo=2']);
    // Already inside the calendar, the next day is no page either.
    expect(urls(days, 'http://x.gov.cn/nb/list.jsp?calendar=2024-01&day=3')).toEqual([]);
  });

  it('reports titled with a government\'s short name belong to the formal name the registry holds', () => {
    const book = new AgencyBook(parseSeeds('agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render\nfj,平潭综合实验区管理委员会,350128,county,government,,,http://www.pingtan.gov.cn/zwgk/zfxxgknb/,http\n'));
    expect(book.owner('平潭综合实验区', ['fj'])).toEqual({ agencyId: 'fj', discovered: null });
    // A unit the title names that is not the column's agency is recorded under its own name.
    expect(book.owner('平潭综合实验区财政金融局', ['fj'])).toEqual({ agencyId: null, discovered: '平潭综合实验区财政金融局' });
    const forms: [string, string, boolean][] = [
      ['平潭综合实验区', '平潭综合实验区管理委员会', true], ['平潭综合实验区管委会', '平潭综合实验区管理委员会', true],
      ['苏州工业园区', '苏州工业园区党工委管委会', true], ['安平县', '安平县人民政府', true], ['河北省衡水市安平县', '安平县人民政府', true],
      ['福建省平潭综合实验区', '平潭综合实验区管理委员会', true], ['安平县水利局', '安平县人民政府', false], ['饶阳县', '安平县人民政府', false],
    ];
    for (const [unit, name, same] of forms) expect([unit, name, unitMatches(unit, name)]).toEqual([unit, name, same]);
  });

  it("the avalon pagebar config { prepage: 10, recordCount: '20' } has a page index_1.htm", () => {
    const html = `<script>var vm = avalon.define({ $id: 'list', pagebar: { prepage: 10, recordCount: '20' } });</script><ul><li><a href="./202402/t20240208_2023.htm">平潭综合实验区2023年政府信息公开工作年度报告</a></li></ul>`;
    expect(urls(html, 'http://www.pingtan.gov.cn/zwgk/zfxxgknb/index.htm')).toEqual(['http://www.pingtan.gov.cn/zwgk/zfxxgknb/index_1.htm']);
  });
});

describe('a redirect waits for its host\'s turn', () => {
  let server: http.Server;
  const at: { path: string; t: number }[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      at.push({ path: req.url!, t: Date.now() });
      if (req.url === '/a') { res.writeHead(302, { location: '/b' }); res.end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => { server.close(); });

  it('the hop to the same host comes a full gap after the request that earned it', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const scheduler = new HostScheduler(new HttpClient({ userAgent: 'nianbao-test' }), { delayMs: 300, userAgentToken: 'nianbao-test', respectRobots: false });
    const r = await scheduler.fetch({ url: `${base}/a` });
    expect(r.kind === 'response' && r.response.finalUrl).toBe(`${base}/b`);
    expect(at.map((x) => x.path)).toEqual(['/a', '/b']);
    expect(at[1]!.t - at[0]!.t).toBeGreaterThanOrEqual(295);
  });
});
