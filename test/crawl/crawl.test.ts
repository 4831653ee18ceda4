import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import Database from 'better-sqlite3';
import { startPortal, fixtureSeeds, type Portal } from '../portal/server.ts';
import { parseSeeds } from '../../src/seeds/index.ts';
import { crawl, type CrawlResult } from '../../src/crawl/index.ts';
import { readListPage } from '../../src/crawl/listing.ts';
import { Archive } from '../../src/archive/index.ts';

let portal: Portal;
let dir: string;
let night1: CrawlResult;
const tmp = () => mkdtempSync(join(tmpdir(), 'nianbao-crawl-'));
/** The store's database, read with plain SQLite (what any reader of the storage sees). */
const storeDb = (d: string) => new Database(join(d, 'nianbao.sqlite'), { readonly: true });
/** Reports not gone, each with the URL of its first original (the report page, or the file listed as the report). */
const reports = (d: string) => storeDb(d).prepare(`select r.report_id, r.agency_id, r.agency_name discovered_name, r.year, r.title, r.published_at,
    (select source_url from report_versions v where v.report_id = r.report_id order by version_id limit 1) canonical_url
  from reports r where r.gone_at is null order by canonical_url`).all() as { report_id: number; canonical_url: string; agency_id: string | null; discovered_name: string | null; year: number | null; title: string; published_at: string | null }[];
const byAgency = (r: CrawlResult, id: string) => r.agencies.find((a) => a.agencyId === id)!;

beforeAll(async () => {
  portal = await startPortal();
  dir = tmp();
  night1 = await crawl({ agencies: parseSeeds(fixtureSeeds(portal.url)), storageDir: dir, delayMs: 30, maxPages: 6, keepRequestLog: true });
}, 120_000);
afterAll(async () => { await portal?.close(); });

describe('night one over the fixture portal', () => {
  it('finds every real report and only those (decoys, mirror, robots-disallowed, deleted and soft-404 pages excluded)', () => {
    const rows = reports(dir);
    const path = (u: string) => new URL(u).pathname;
    const got = rows.map((r) => `${r.agency_id ?? `discovered:${r.discovered_name}`} ${r.year} ${path(r.canonical_url)}`).sort();
    // Read off the fixture by hand: which links are reports and whose.
    expect(got.filter((g) => g.includes('/zwgk/'))).toEqual([
      '130529 2023 /zwgk/zfxxgknb/2023n/202403/t20240329_1001.html',
      '130529-cgz 2023 /zwgk/zfxxgknb/2023n/202401/P020240131000001.pdf',
      '130529-jyj 2023 /zwgk/zfxxgknb/bm/202401/t20240125_2001.html',
      '130529-tjj 2023 /zwgk/zfxxgknb/2023n/202401/t20240126_1004.html',
      'bm-nhc 2023 /zwgk/zfxxgknb/202401/t20240131_501.html',
      'discovered:安平县水利局 2023 /zwgk/zfxxgknb/bm/202401/t20240125_2002.html',
    ].sort());
    expect(rows.some((r) => /公布情况|绩效|有关事项/.test(r.title))).toBe(false);
    expect(portal.hits.some((h) => h.site === 'mirror')).toBe(false);
    expect(portal.hits.some((h) => h.path.startsWith('/private/'))).toBe(false);
  });

  it('walks Hanweb inline records and dataproxy.jsp POST windows, surviving a 429 with Retry-After', () => {
    const hw = reports(dir).filter((r) => r.canonical_url.startsWith(portal.url.hanweb!));
    expect(hw.length).toBe(6); // ids 89890 (inline) and every 9th of 50 records: 9,18,27,36,45
    expect(hw.find((r) => r.canonical_url.endsWith('_89890.html'))!.agency_id).toBe('330825');
    const posts = portal.hits.filter((h) => h.site === 'hanweb' && h.method === 'POST');
    expect(posts[0]!.status).toBe(429);
    expect(posts.filter((p) => p.status === 200).length).toBeGreaterThanOrEqual(2);
    const after429 = posts[1]!.at - posts[0]!.at;
    expect(after429).toBeGreaterThanOrEqual(950);
    // downfile.jsp → 302 → /attach/0/x.pdf was followed and archived
    expect(portal.hits.some((h) => h.site === 'hanweb' && h.path.startsWith('/attach/0/'))).toBe(true);
  });

  it('reads the gkmlpt JSON API pages and the JS-only list through Chromium', () => {
    const gd = reports(dir).filter((r) => r.agency_id === '440000').map((r) => r.year).sort();
    expect(gd).toEqual([2023, 2024]);
    expect(portal.hits.filter((h) => h.site === 'gkmlpt' && h.path.startsWith('/gkmlpt/api/all/5')).map((h) => h.path)).toEqual(['/gkmlpt/api/all/5?page=1&sid=2', '/gkmlpt/api/all/5?page=2&sid=2']);
    expect(reports(dir).filter((r) => r.agency_id === '990001').map((r) => r.year).sort()).toEqual([2023, 2024]);
  });

  it('passes the 412 challenge in the browser once, then reuses the cookie over plain HTTP with its own User-Agent', () => {
    const ch = portal.hits.filter((h) => h.site === 'challenge' && h.path !== '/robots.txt');
    expect(ch[0]!.status).toBe(412);
    const reportHits = ch.filter((h) => h.path.endsWith('t20240131_501.html'));
    expect(reportHits.map((h) => h.status)).toEqual([200]);
    const report = reportHits[0]!;
    expect(report.cookie).toContain('FSSBBIl1UgzbN7N80T=cleared');
    expect(report.ua).toMatch(/^nianbao\//);
  });

  it('stores one report listed in two columns once; _wap and ?isMobile twins collapse', () => {
    const db = storeDb(dir);
    const r = db.prepare(`select distinct report_id from report_urls where url like '%t20240126_1004.html%'`).all() as { report_id: number }[];
    expect(r.length).toBe(1);
    // Listed on 2023n/index_1.html and (with ?isMobile=false) on bm/: fetched once, found from one of them.
    const v = db.prepare(`select source_url, discovered_from from report_versions where report_id = ?`).all(r[0]!.report_id) as { source_url: string; discovered_from: string }[];
    expect(v.length).toBe(1);
    expect(['/zwgk/zfxxgknb/2023n/index_1.html', '/zwgk/zfxxgknb/bm/']).toContain(new URL(v[0]!.discovered_from).pathname);
    // ...and both columns are recorded as its sources.
    const sources = db.prepare(`select distinct l.list_url from link_sources l join report_urls u on u.url = l.url where u.report_id = ?`)
      .all(r[0]!.report_id) as { list_url: string }[];
    expect(sources.map((x) => new URL(x.list_url).pathname).sort()).toEqual(['/zwgk/zfxxgknb/2023n/index_1.html', '/zwgk/zfxxgknb/bm/']);
    expect(portal.hits.filter((h) => h.site === 'county' && /t20240126_1004/.test(h.path)).length).toBe(1);
    const gov = portal.hits.filter((h) => h.site === 'county' && /t20240329_1001/.test(h.path));
    expect(gov.length).toBe(1);
    // The relative PDF and the onclick .doc are versions of 安平县人民政府's report, found from its page.
    const arch = Archive.open(dir);
    const atts = db.prepare(`select v.sha256, v.source_url, v.discovered_from from report_versions v join reports r using (report_id)
      where r.agency_id = '130529' and r.year = 2023 order by v.source_url`).all() as { sha256: string; source_url: string; discovered_from: string }[];
    expect(atts.map((a) => new URL(a.source_url).pathname.split('/').pop())).toEqual(['P020240329385561234567.pdf', 'P020240329385561234568.doc', 't20240329_1001.html']);
    expect(atts[0]!.discovered_from).toMatch(/t20240329_1001\.html$/);
    for (const a of atts) expect(arch.has(a.sha256)).toBe(true);
  });

  it('records every exchange in the store: one fetch row per request the portal saw, robots.txt and failures included', () => {
    const db = storeDb(dir);
    const fetches = db.prepare(`select url, purpose, status, error, agency_id, body_sha256 from fetches where run_id = ?`).all(night1.runId) as { url: string; purpose: string; status: number | null; error: string | null; agency_id: string | null; body_sha256: string | null }[];
    // Sites the browser never visits: every request they answered is one recorded exchange.
    for (const site of ['county', 'hanweb', 'gkmlpt', 'trap']) {
      const answered = fetches.filter((f) => f.status !== null && f.url.startsWith(portal.url[site]!));
      const hops = portal.hits.filter((h) => h.site === site).length;
      // A redirect is one exchange with its hop recorded inside (downfile.jsp → /attach/0/…).
      const redirects = site === 'hanweb' ? portal.hits.filter((h) => h.site === 'hanweb' && h.status === 302).length : 0;
      expect(answered.length).toBe(hops - redirects);
    }
    const robots = fetches.filter((f) => f.purpose === 'robots');
    expect(robots.length).toBeGreaterThanOrEqual(6);
    // Each on behalf of an agency of that host (the one whose request came first).
    expect(robots.find((f) => f.url === `${portal.url.hanweb}/robots.txt`)?.agency_id).toBe('330825');
    const dead = fetches.filter((f) => f.url.startsWith(portal.url.dead!));
    expect(dead.some((f) => f.status === null && /ECONNREFUSED|connection-refused/.test(f.error ?? '') && f.agency_id === '990003')).toBe(true);
    // The 429 before the Hanweb window is an exchange too.
    expect(fetches.some((f) => f.status === 429 && f.purpose === 'list' && f.agency_id === '330825')).toBe(true);
    const arch = Archive.open(dir);
    for (const f of fetches) if (f.body_sha256) expect(arch.has(f.body_sha256)).toBe(true);
  });

  it('takes the publication date from the page (meta PubDate) or, for a file listed as the report, from its list entry', () => {
    const pub = (agency: string, year: number) => reports(dir).find((r) => r.agency_id === agency && r.year === year)?.published_at;
    expect(pub('130529', 2023)).toBe('2024-03-29'); // <meta name="PubDate" content="2024-03-29 09:30">
    expect(pub('130529-tjj', 2023)).toBe('2024-01-26');
    expect(pub('130529-cgz', 2023)).toBe('2024-01-29'); // the PDF's list entry: <span class="date">2024-01-29</span>
    expect(pub('440000', 2023)).toBe('2025-03-31');
    expect(pub('330825', 2023)).toBe('2024-01-30');
  });

  it('keeps politeness and conditional-GET state in the store', () => {
    const db = storeDb(dir);
    const hosts = db.prepare(`select host, next_allowed_at from host_state`).all() as { host: string; next_allowed_at: string | null }[];
    for (const site of ['county', 'hanweb', 'gkmlpt', 'trap']) expect(hosts.find((h) => h.host === new URL(portal.url[site]!).host)?.next_allowed_at).toBeTruthy();
    const st = db.prepare(`select etag, last_sha256 from url_state where url = ?`).get(`${portal.url.county}/zwgk/zfxxgknb/bm/`) as { etag: string; last_sha256: string };
    expect(st.etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(Archive.open(dir).has(st.last_sha256)).toBe(true);
    const items = db.prepare(`select status, count(*) n from work_items where queue = ? group by status`).all(`crawl:${night1.runId}`) as { status: string; n: number }[];
    expect(items).toEqual([{ status: 'done', n: expect.any(Number) }]);
  });

  it('stops a repeating list on "no new links" and caps a runaway list', () => {
    const same = portal.hits.filter((h) => h.site === 'trap' && h.path.startsWith('/same/index'));
    expect(same.map((h) => h.path)).toEqual(['/same/index.html', '/same/index_1.html']);
    const endless = portal.hits.filter((h) => h.site === 'trap' && h.path.startsWith('/endless/index'));
    expect(endless.length).toBe(6);
  });

  it('reports the refusing host as unreachable, and decodes GBK pages', () => {
    expect(byAgency(night1, '990003').unreachable).toMatch(/ECONNREFUSED/);
    expect(reports(dir).find((r) => r.canonical_url.endsWith('t20240125_2001.html'))!.title).toBe('安平县教育局2023年政府信息公开工作年度报告');
  });

  it('keeps one request at a time per host with the configured gap', () => {
    const byHost = new Map<string, number[]>();
    for (const e of night1.scheduler.log) byHost.set(e.host, [...(byHost.get(e.host) ?? []), e.at]);
    for (const times of byHost.values()) for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(28);
  });

  it('night two: conditional GETs, no unchanged original downloaded again, a changed and a deleted report noticed', async () => {
    portal.changeReport('county', '/zwgk/zfxxgknb/bm/202401/t20240125_2001.html');
    portal.deleteReport('gkmlpt', '/gkmlpt/content/4/4688/post_4688993.html');
    const before = portal.hits.length;
    const n2 = await crawl({ agencies: parseSeeds(fixtureSeeds(portal.url)), storageDir: dir, delayMs: 30, maxPages: 6 });
    const hits = portal.hits.slice(before);
    expect(byAgency(n2, '130529-jyj').changed).toBe(1);
    expect(byAgency(n2, '440000').gone).toBe(1);
    expect(byAgency(n2, '130529').new).toBe(0);
    expect(hits.filter((h) => h.path.endsWith('.pdf') && h.status === 200).length).toBe(0);
    expect(hits.filter((h) => h.site === 'county' && h.status === 304).length).toBeGreaterThan(5);
    expect(n2.bytes).toBeLessThan(night1.bytes / 10);
    // The clearance cookie the browser earned on night one is kept in the store (host_state): no new challenge.
    expect(hits.filter((h) => h.site === 'challenge' && h.status === 412)).toEqual([]);
    expect(n2.browserRenders).toBe(1); // only the JS-only list
  }, 120_000);
});

describe('politeness bounds', () => {
  it('honours robots.txt Crawl-delay over a smaller --delay-ms', async () => {
    const p = await startPortal();
    p.setCrawlDelay(0.3);
    try {
      const seeds = parseSeeds(fixtureSeeds(p.url)).filter((a) => a.agencyId === '130529-tjj');
      await crawl({ agencies: seeds, storageDir: tmp(), delayMs: 10, useBrowser: false });
      const t = p.hits.filter((h) => h.site === 'county').map((h) => h.at);
      expect(t.length).toBeGreaterThanOrEqual(4);
      for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBeGreaterThanOrEqual(295);
    } finally { await p.close(); }
  });

  it('defaults to at least 1 s between requests to one host', async () => {
    const p = await startPortal();
    try {
      const seeds = parseSeeds(fixtureSeeds(p.url)).filter((a) => a.agencyId === '130529-tjj');
      const r = await crawl({ agencies: seeds, storageDir: tmp(), useBrowser: false });
      const t = p.hits.filter((h) => h.site === 'county').map((h) => h.at);
      expect(t.length).toBe(r.requests);
      for (let i = 1; i < t.length; i++) expect(t[i]! - t[i - 1]!).toBeGreaterThanOrEqual(995);
    } finally { await p.close(); }
  }, 30_000);
});

describe('--proxy', () => {
  it('sends every request, the browser included, through the HTTP proxy', async () => {
    const p = await startPortal();
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const u = new URL(req.url!);
      if (u.hostname !== '127.0.0.1') { res.writeHead(403); res.end(); return; } // never forward off this machine
      const up = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode ?? 502, r.headers); r.pipe(res); });
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const seeds = parseSeeds(fixtureSeeds(p.url)).filter((a) => a.agencyId === '990001');
      const r = await crawl({ agencies: seeds, storageDir: tmp(), delayMs: 20, proxy: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}` });
      expect(byAgency(r, '990001').reportsFound).toBe(2);
      const direct = p.hits.filter((h) => h.site === 'jsonly').length;
      expect(seen.filter((s) => s.startsWith(p.url.jsonly!)).length).toBe(direct);
      expect(seen.filter((s) => s.endsWith('/xxgk/ndbg/index.html')).length).toBe(2); // HTTP, then the browser
    } finally { proxy.close(); await p.close(); }
  }, 60_000);
});

describe('list page readers', () => {
  it('reads createPageHTML in both argument orders and Shanghai one-based pagination', () => {
    const a = readListPage('<script>createPageHTML(3, 0, "index", "shtml");</script>', 'http://x.gov.cn/a/index.shtml').continuations.map((c) => c.url);
    expect(a).toEqual(['http://x.gov.cn/a/index_1.shtml', 'http://x.gov.cn/a/index_2.shtml']);
    // Container first, current page 1 on the list's first page: the list counts from 1 (Hunan's
    // createPageHTML('paging',25,1,…)), so page 2 is index_2 (issue 12: page 2 of such a list was never fetched).
    const b = readListPage("<script>createPageHTML('paging',3,1,'index','html',500);</script>", 'http://x.gov.cn/b/').continuations.map((c) => c.url);
    expect(b).toEqual(['http://x.gov.cn/b/index_2.html', 'http://x.gov.cn/b/index_3.html']);
    const c = readListPage('<script>totalPage: 3; $(".pagination").pagination("setPage",1,3);</script>', 'http://x.gov.cn/c/index.html').continuations.map((x) => x.url);
    expect(c).toEqual(['http://x.gov.cn/c/index_2.html', 'http://x.gov.cn/c/index_3.html']);
  });
  it('reads entity-escaped Hanweb records and Huzhou embedded JSON', () => {
    const h = readListPage('<div>&lt;datastore&gt;&lt;record&gt;&lt;![CDATA[&lt;a href="/art/2024/1/2/art_1_2.html"&gt;某局2023年政府信息公开工作年度报告&lt;/a&gt;]]&gt;&lt;/record&gt;&lt;/datastore&gt;</div><script>columnid:1;</script>', 'http://h.gov.cn/col/col1/index.html');
    expect(h.links.map((l) => l.url)).toContain('http://h.gov.cn/art/2024/1/2/art_1_2.html');
    const j = readListPage('<script>var dataList=[{"infolist":[{"channelid":1,"title":"某局2023年政府信息公开工作年度报告","daytime":"2024-01-08","url":"http://zzb.huzhou.gov.cn/a/20240108/i1234.html"}]}];</script>', 'http://zzb.huzhou.gov.cn/');
    expect(j.links).toEqual([{ url: 'http://zzb.huzhou.gov.cn/a/20240108/i1234.html', text: '某局2023年政府信息公开工作年度报告' }]);
  });
});
