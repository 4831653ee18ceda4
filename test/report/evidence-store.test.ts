/**
 * Issue 13's "done when": agencies sharing a failing host, agencies sharing one list URL, a JavaScript-only
 * list shell and a report reached at several URLs, written into a real store the way the crawler records
 * them today (one list fetch under the first agency of a shared URL, a final summary "ok, 0 pages" for the
 * others, a JS-only shell noted as blocked). Expected statuses, worked out by hand for report year 2023 on
 * 2024-04-20 (every agency a department: deadline 2024-01-31):
 *   s1  its list on shared.localhost refused the connection            → unreachable (ECONNREFUSED)
 *   s2  same host, its own list never fetched (host failed first)      → unreachable, the host's failure
 *   s3  same host, its own list read (200) in the same run, no report → missing (its own read decides)
 *   l1  list http://county.localhost/nb/ answered 503                   → unreachable
 *   l2  the same list URL (fetched under l1)                           → unreachable, the list it shares
 *   m1  list http://city.localhost/bm/ read (fetched under m1), has m1's 2023 report (shown 2024-01-20) → on time
 *   m2  the same list, read under m1, no m2 report                     → missing, naming the page and its capture
 *   js  list read (200) but a JavaScript shell; the crawl noted it     → blocked ("list needs JavaScript")
 *   q   report at 4 URLs (page, PDF, quoted copy, _wap twin), the PDF corrected once → on time, one report:
 *       versions 2 (the PDF's change), sources 4, current = the corrected PDF
 *   nc  nothing tried                                                  → not_checked
 *   r1  its list answered 503, the retry 200, no 2023 report            → missing (the last attempt counts)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openStorage, type Storage } from '../../src/pipeline/index.ts';
import { writeExport } from '../../src/report/export.ts';
import { loadFacts } from '../../src/report/source.ts';
import { computeStatus, type StatusRow } from '../../src/report/status.ts';
import { agencyToRow, parseCsvRows } from '../../src/seeds/index.ts';
import { record } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'nianbao-evidence-'));
const dir = join(root, 'storage');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const A = (agencyId: string, lists: string[], regionCode = '640200') => ({
  agencyId, name: `测试${agencyId}`, kind: 'department' as const, regionCode, level: 'city', parentId: null, homeUrl: null, reportListUrls: lists, render: 'http',
});
const AGENCIES = [
  A('s1', ['http://shared.localhost/s1/nb/']), A('s2', ['http://shared.localhost/s2/nb/']), A('s3', ['http://shared.localhost/s3/nb/']),
  A('l1', ['http://county.localhost/nb/']), A('l2', ['http://county.localhost/nb/']),
  A('m1', ['http://city.localhost/bm/']), A('m2', ['http://city.localhost/bm/']),
  A('js', ['http://js.localhost/nb/']), A('q', ['http://q.localhost/nb/'], '110105'), A('nc', ['http://nc.localhost/nb/']),
  A('r1', ['http://r1.localhost/nb/']),
];
const AT = '2024-04-15T02:00:00.000Z';
const SHELL = '<html><body><div id="app"></div><script>var api="/api/list?col=nb"</script></body></html>';
const M2_LIST = '<ul><li><a href="/bm/m1-2023.html">测试m1 2023年政府信息公开工作年度报告</a></li></ul>';
const sha = { m2List: '', q: { page: '', pdf: '', pdf2: '', copy: '', wap: '' } };

/** The crawler's final per-agency summary (crawler.ts, when a run finishes): the AgencySummary as details. */
async function summary(s: Storage, runId: number, agencyId: string, o: { pages?: number; found?: number; blocked?: string | null; unreachable?: string | null } = {}) {
  const outcome = o.blocked ? 'blocked' : o.unreachable ? 'unreachable' : 'ok';
  await s.store.agencyRuns.record({
    runId, agencyId, listPagesRead: o.pages ?? 0, reportsFound: o.found ?? 0, reportsNew: o.found ?? 0, reportsChanged: 0, outcome,
    reason: o.blocked ?? o.unreachable ?? null, finishedAt: AT,
    details: { agencyId, name: `测试${agencyId}`, listPages: o.pages ?? 0, reportsFound: o.found ?? 0, new: o.found ?? 0, changed: 0, unchanged: 0, gone: 0,
      blocked: o.blocked ?? null, unreachable: o.unreachable ?? null },
  });
}

/** No table found: a report page that only links to its attachment, or a twin whose text the parser could not place. */
function noTables() {
  const r = record({});
  for (const t of Object.values(r.tables)) t.found = false;
  return r;
}

beforeAll(async () => {
  const s = await openStorage(dir);
  try {
    await s.store.agencies.upsert(AGENCIES.map(agencyToRow));
    const runId = await s.store.runs.start('crawl');
    const list = (agencyId: string, url: string, x: { status?: number | null; error?: string; body?: string }) =>
      s.recordExchange({ runId, agencyId, purpose: 'list', url, status: x.status === undefined ? 200 : x.status, error: x.error ?? null, fetchedAt: AT,
        body: x.body === undefined ? null : Buffer.from(x.body), responseHeaders: x.body === undefined ? null : { 'content-type': 'text/html' } });

    // A shared host that refuses: only s1's request was made; s2's turn never came; s3's list had been read before.
    await list('s3', 'http://shared.localhost/s3/nb/', { body: '<ul><li>2021年报</li></ul>' });
    await list('s1', 'http://shared.localhost/s1/nb/', { status: null, error: 'connect ECONNREFUSED 127.0.0.1:80' });
    await s.store.agencyRuns.noteProblem(runId, 's1', 'unreachable', 'connect ECONNREFUSED 127.0.0.1:80 (http://shared.localhost/s1/nb/)');
    // A shared list URL that fails: one work item, under the first agency.
    await list('l1', 'http://county.localhost/nb/', { status: 503 });
    await s.store.agencyRuns.noteProblem(runId, 'l1', 'unreachable', 'HTTP 503 (http://county.localhost/nb/)');
    // A shared list URL that is read: one fetch under m1; its one report link is m1's.
    sha.m2List = (await list('m1', 'http://city.localhost/bm/', { body: M2_LIST })).sha256!;
    await s.store.reports.noteLinkSources([{ url: 'http://city.localhost/bm/m1-2023.html', listUrl: 'http://city.localhost/bm/', agencyId: 'm1' }]);
    const m1 = await s.recordVersion({ agencyId: 'm1', year: 2023, sourceUrl: 'http://city.localhost/bm/m1-2023.html', bytes: Buffer.from('<html>m1 2023</html>'),
      contentType: 'text/html', publishedAt: '2024-01-20', runId, seenAt: AT });
    await s.store.records.save(m1.versionId, record({ 'requests.new.total': 4, 'requests.total.total': 4 }));
    // A JavaScript shell: fetched fine, no links, the crawl (without a browser) notes it blocked.
    await list('js', 'http://js.localhost/nb/', { body: SHELL });
    await s.store.agencyRuns.noteProblem(runId, 'js', 'blocked', 'list needs JavaScript: http://js.localhost/nb/');

    // A server error, retried with success.
    await list('r1', 'http://r1.localhost/nb/', { status: 503 });
    await list('r1', 'http://r1.localhost/nb/', { body: '<ul><li>2022年报</li></ul>' });

    // q's report at four URLs: the page (links to the PDF, no table of its own), the PDF, a city column's
    // quoted copy (only two tables came through), the page's _wap twin; later the PDF is corrected.
    await list('q', 'http://q.localhost/nb/', { body: '<ul><li><a href="2023.html">2023年度报告</a></li></ul>' });
    const qv = async (url: string, bytes: string, seenAt: string, rec: ReturnType<typeof record>, publishedAt: string | null = null) => {
      const v = await s.recordVersion({ agencyId: 'q', year: 2023, sourceUrl: url, bytes: Buffer.from(bytes), contentType: url.endsWith('.pdf') ? 'application/pdf' : 'text/html',
        publishedAt, runId, seenAt });
      await s.store.records.save(v.versionId, rec);
      return v.sha256;
    };
    const full = (newTotal: number) => record({ 'requests.new.total': newTotal, 'requests.total.total': newTotal, 'appeals.review.total': 1 });
    const partial = full(12);
    partial.tables.appeals.found = false;
    sha.q.page = await qv('http://q.localhost/nb/2023.html', '<html>q 2023 page, see attachment</html>', '2024-01-20T02:00:00.000Z', noTables(), '2024-01-20');
    sha.q.pdf = await qv('http://q.localhost/nb/2023.pdf', '%PDF-1.4 q 2023', '2024-01-20T02:05:00.000Z', full(12));
    sha.q.copy = await qv('http://city.localhost/bm/q-2023.html', '<html>city quotes q 2023</html>', '2024-01-22T02:00:00.000Z', partial);
    sha.q.wap = await qv('http://q.localhost/nb/2023_wap.html', '<html>q 2023 wap</html>', '2024-01-23T02:00:00.000Z', noTables());
    sha.q.pdf2 = await qv('http://q.localhost/nb/2023.pdf', '%PDF-1.4 q 2023 corrected', '2024-02-10T02:00:00.000Z', full(13));

    // The crawl finishes: a summary for every agency it was given (nc was not among them).
    await summary(s, runId, 's1', { unreachable: 'connect ECONNREFUSED 127.0.0.1:80 (http://shared.localhost/s1/nb/)' });
    await summary(s, runId, 's2');
    await summary(s, runId, 's3', { pages: 1 });
    await summary(s, runId, 'l1', { unreachable: 'HTTP 503 (http://county.localhost/nb/)' });
    await summary(s, runId, 'l2');
    await summary(s, runId, 'm1', { pages: 1, found: 1 });
    await summary(s, runId, 'm2');
    await summary(s, runId, 'js', { pages: 1, blocked: 'list needs JavaScript: http://js.localhost/nb/' });
    await summary(s, runId, 'q', { pages: 1, found: 1 });
    await summary(s, runId, 'r1', { pages: 1 });
    await s.store.runs.finish(runId, 'ok');
  } finally {
    await s.close();
  }
});

async function status(): Promise<Record<string, StatusRow>> {
  const s = await openStorage(dir, { readonly: true });
  try {
    return Object.fromEntries(computeStatus(await loadFacts(s, { year: 2023 }), 2023, '2024-04-20').rows.map((r) => [r.agencyId, r]));
  } finally {
    await s.close();
  }
}

describe('status from what was read, per agency', () => {
  it('a failing shared host is every sharing agency\'s failure, unless it read its own column', async () => {
    const by = await status();
    expect(by['s1']).toMatchObject({ status: 'unreachable', lastReadUrl: 'http://shared.localhost/s1/nb/' });
    expect(by['s1']!.reason).toContain('ECONNREFUSED');
    expect(by['s2']).toMatchObject({ status: 'unreachable', lastReadUrl: 'http://shared.localhost/s1/nb/' });
    expect(by['s2']!.reason).toBe('connect ECONNREFUSED 127.0.0.1:80 (http://shared.localhost/s1/nb/, a failure of the host its column is on)');
    expect(by['s3']).toMatchObject({ status: 'missing', lastReadUrl: 'http://shared.localhost/s3/nb/' });
  });

  it('a shared list URL counts for every agency whose column it is', async () => {
    const by = await status();
    expect(by['l1']).toMatchObject({ status: 'unreachable', reason: 'HTTP 503 (http://county.localhost/nb/)' });
    expect(by['l2']).toMatchObject({ status: 'unreachable', reason: 'HTTP 503 (http://county.localhost/nb/, a list page it shares)' });
    expect(by['m1']).toMatchObject({ status: 'on_time', publishedDate: '2024-01-20' });
    expect(by['m2']).toMatchObject({ status: 'missing', lastReadUrl: 'http://city.localhost/bm/', lastReadSha256: sha.m2List });
    expect(by['m2']!.lastReadHeld).toBe('1 list page(s) read, 0 report link(s) found; its pages held 1 report link(s) in all');
    // The evidence names the page and its archived capture.
    expect(by['m2']!.evidence).toContain(`http://city.localhost/bm/ (capture sha256:${sha.m2List}; shared list)`);
  });

  it('a JavaScript-only shell is blocked, not missing; nothing tried is not_checked', async () => {
    const by = await status();
    expect(by['js']).toMatchObject({ status: 'blocked', reason: 'list needs JavaScript: http://js.localhost/nb/' });
    expect(by['nc']).toMatchObject({ status: 'not_checked', lastReadUrl: null, lastReadAt: null });
    expect(by['r1']).toMatchObject({ status: 'missing', lastReadHeld: '1 list page(s) read, 0 report link(s) found' });
  });

  it('a report at four URLs is one report: two versions (one change at one source), four sources', async () => {
    const q = (await status())['q']!;
    expect(q).toMatchObject({ status: 'on_time', publishedDate: '2024-01-20', versions: 2, revisions: 1, sources: 4, sha256: sha.q.pdf2, url: 'http://q.localhost/nb/2023.pdf' });
  });
});

describe('one report per agency-year in the dataset', () => {
  const out = join(root, 'out');
  const csv = (name: string) => {
    const rows = parseCsvRows(readFileSync(join(out, name), 'utf8'));
    const header = rows[0]!.cells;
    return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i]!])));
  };
  beforeAll(async () => {
    const s = await openStorage(dir, { readonly: true });
    try {
      await writeExport(out, await loadFacts(s), { today: '2024-04-20', parquet: false });
    } finally {
      await s.close();
    }
  });

  it('reports.csv: one row per agency-year, from the current version, with every source', () => {
    const reports = csv('reports.csv');
    expect(reports.map((r) => `${r.agency_id}/${r.year}`).sort()).toEqual(['m1/2023', 'q/2023']);
    const q = reports.find((r) => r.agency_id === 'q')!;
    expect(q).toMatchObject({ sha256: sha.q.pdf2, url: 'http://q.localhost/nb/2023.pdf', versions: '2', first_captured_at: '2024-01-20T02:00:00.000Z' });
    expect(q.sources!.split(' | ').sort()).toEqual(['http://city.localhost/bm/q-2023.html', 'http://q.localhost/nb/2023.html', 'http://q.localhost/nb/2023.pdf', 'http://q.localhost/nb/2023_wap.html']);
  });

  it('versions.csv: every original, one current per report; cells.csv: the current version only', () => {
    const versions = csv('versions.csv').filter((v) => v.agency_id === 'q');
    expect(versions).toHaveLength(5);
    expect(versions.filter((v) => v.current === 'true').map((v) => v.sha256)).toEqual([sha.q.pdf2]);
    expect(versions.find((v) => v.sha256 === sha.q.pdf)!.replaced_at).toBe('2024-02-10T02:00:00.000Z');
    const cells = csv('cells.csv').filter((c) => c.agency_id === 'q');
    // The 2021 format has 200 cells, once: the corrected PDF's.
    expect(cells).toHaveLength(200);
    expect(new Set(cells.map((c) => c.sha256))).toEqual(new Set([sha.q.pdf2]));
    expect(cells.find((c) => c.table === 'requests' && c.row === 'new' && c.column === 'total')!.value).toBe('13');
    // Every version's cells: both PDFs (200 each), the quoted copy's two tables (10 + 175), none from page and twin.
    const all = csv('cells_all.csv').filter((c) => c.agency_id === 'q');
    expect(all).toHaveLength(200 + 200 + 185);
    expect(all.filter((c) => c.current === 'true')).toHaveLength(200);
  });
});

describe('status --seeds takes the registry and a subset of it', () => {
  it('an agency of the seed file never reached is not_checked; --province chooses', async () => {
    const seeds = join(root, 'seeds.csv');
    writeFileSync(seeds, 'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render\n'
      + 'q,测试q,110105,city,department,,,http://q.localhost/nb/,http\n'
      + 'new1,新机构,110105,county,department,,http://new1.localhost/,,http\n'
      + 'm2,测试m2,640200,city,department,,,http://city.localhost/bm/,http\n');
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((x: string) => { out.push(x); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['status', '--year', '2023', '--storage', dir, '--today', '2024-04-20', '--json', '--seeds', seeds, '--province', '北京']);
    } finally { process.stdout.write = write; }
    expect(code).toBe(0);
    const j = JSON.parse(out.join(''));
    expect(j.rows.map((r: { agency_id: string; status: string }) => `${r.agency_id}:${r.status}`)).toEqual(['q:on_time', 'new1:not_checked']);
    expect(j.rows[1].last_read_url).toBeNull();
  });
});
