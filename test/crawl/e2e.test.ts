/**
 * The crawler end to end, as an operator runs it: `nianbao crawl` as a child process against the fixture
 * portal (test/portal/server.ts, real HTTP on 127.0.0.1), then `status`, `export-warc` and `verify` on what
 * it stored. Then the same crawl killed with SIGKILL at 20 seeded-random moments, restarted each time, and
 * compared with the uninterrupted one.
 *
 * Expected figures are read off the fixture pages, as a person reads them:
 * - 安平县人民政府 (county government, deadline 31 March): its page prints PubDate 2024-03-29.
 * - 安平县统计局 / 教育局 (departments, deadline 31 January): pages print 2024-01-26 / 2024-01-25. The
 *   统计局's own column /zwgk/zfxxgknb/bm/ is one page (`var countPage = 1`) holding one 统计局 report.
 * - 安平县城关镇 (township, 31 March): its report is a PDF listed on 2023n/ with the date 2024-01-29 beside it.
 * - 龙游县人民政府: Hanweb page 2024-01-30; its column is index.html plus dataproxy windows 4–48 and 49–50
 *   (50 records, 15 per page, 3 pages per window), i.e. three list reads, one of its own reports (2023).
 * - 广东省人民政府: gkmlpt pages print 2025-03-31 for both the 2023 and the 2024 report: the 2023 one is
 *   365 days after 2024-03-31, the 2024 one is on the deadline day.
 * - 青山镇 (township): 2023 page prints 2024-01-10.
 * - Without a browser, 北城区 (JS-only list) and 国家卫健委 (412 challenge) are blocked; 远山县 refuses connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WARCParser, type WARCRecord } from 'warcio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSeeds, startPortal, type Portal } from '../portal/server.ts';
import { rng } from '../helpers/random.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nianbao.mjs');
const dir = mkdtempSync(join(tmpdir(), 'nianbao-crawl-e2e-'));
const seeds = join(dir, 'seeds.csv');
const ref = join(dir, 'uninterrupted');
const CRAWL_ARGS = ['--delay-ms', '20', '--max-pages', '6', '--no-browser', '--json'];
let portal: Portal;
let crawlStarted = '';

function nianbao(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((res) => child.on('close', (code, signal) => res({ code, signal, out, err })));
  return { child, done };
}

beforeAll(async () => {
  portal = await startPortal();
  writeFileSync(seeds, fixtureSeeds(portal.url));
  crawlStarted = new Date().toISOString();
  const r = await nianbao(['crawl', '--seeds', seeds, '--storage', ref, ...CRAWL_ARGS]).done;
  // Three of the portal's agencies cannot be read without a browser or at all (above): the crawl says so (issue 13).
  if (r.code !== EXIT.someUnread) throw new Error(`crawl failed (exit ${r.code}): ${r.err}`);
}, 240_000);
afterAll(async () => {
  await portal?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, string | number | null>;
async function status(storage: string, year: number): Promise<Map<string, Row>> {
  const r = await nianbao(['status', '--storage', storage, '--year', String(year), '--today', '2025-04-20', '--json']).done;
  expect(r.code).toBe(0);
  return new Map((JSON.parse(r.out).rows as Row[]).map((x) => [String(x.agency_id), x]));
}

describe('nianbao crawl → status', () => {
  it('shows published reports with the dates the pages print, on time or late by the deadline', { timeout: 60_000 }, async () => {
    const rows = await status(ref, 2023);
    const pick = (id: string) => { const r = rows.get(id)!; return [r.status, r.published_date, r.days_late]; };
    expect(pick('130529')).toEqual(['on_time', '2024-03-29', null]);
    expect(pick('130529-tjj')).toEqual(['on_time', '2024-01-26', null]);
    expect(pick('130529-jyj')).toEqual(['on_time', '2024-01-25', null]);
    expect(pick('130529-cgz')).toEqual(['on_time', '2024-01-29', null]);
    expect(pick('330825')).toEqual(['on_time', '2024-01-30', null]);
    expect(pick('440000')).toEqual(['late', '2025-03-31', 365]);
    expect(pick('990002')).toEqual(['on_time', '2024-01-10', null]);
    expect(rows.get('990001')!.status).toBe('blocked');
    expect(rows.get('bm-nhc')!.status).toBe('blocked');
    expect(rows.get('990003')!.status).toBe('unreachable');
    expect(String(rows.get('990003')!.reason)).toMatch(/ECONNREFUSED|connection-refused/);
    // No published row says "no date shown".
    for (const r of rows.values()) if (r.published_date === null) expect(['blocked', 'unreachable']).toContain(r.status);
  });

  it('gives missing rows their evidence: when the column was last read and what it held', { timeout: 60_000 }, async () => {
    const rows = await status(ref, 2024);
    expect(rows.get('440000')!.status).toBe('on_time'); // 2025-03-31, the deadline day
    const tjj = rows.get('130529-tjj')!;
    expect(tjj.status).toBe('missing');
    expect(tjj.last_read_url).toBe(`${portal.url.county}/zwgk/zfxxgknb/bm/`);
    expect(String(tjj.last_read_at) >= crawlStarted && String(tjj.last_read_at) <= new Date().toISOString()).toBe(true);
    // The county portal is TRS (var countPage): the crawl says which platform it read.
    expect(tjj.last_read_held).toBe('1 list page(s) read, 1 report link(s) found, 1 new; platform trs');
    const lhy = rows.get('330825')!;
    expect(lhy.status).toBe('missing');
    expect(String(lhy.last_read_held)).toMatch(/^3 list page\(s\) read, 1 report link\(s\) found/);
    expect(String(lhy.evidence)).toContain('no 2024 report in');
  });
});

interface Rec { type: string; uri: string; id: string; concurrentTo: string | null; status: number | null; headers: Record<string, string>; payload: Buffer }

describe('nianbao crawl → export-warc', () => {
  it('has a request and a response record for every crawled original, the response holding its exact bytes', { timeout: 60_000 }, async () => {
    const out = join(dir, 'crawl.warc.gz');
    const r = await nianbao(['export-warc', '--storage', ref, '--out', out]).done;
    expect(r.code).toBe(0);
    const recs: Rec[] = [];
    for await (const w of new WARCParser(createReadStream(out) as never) as AsyncIterable<WARCRecord>) {
      const headers: Record<string, string> = {};
      for (const [k, v] of (w.httpHeaders?.headers ?? []) as unknown as Iterable<[string, string]>) headers[k.toLowerCase()] = v;
      recs.push({ type: w.warcType!, uri: w.warcTargetURI ?? '', id: w.warcHeader('WARC-Record-ID') ?? '', concurrentTo: w.warcHeader('WARC-Concurrent-To') ?? null,
        status: (w.httpHeaders?.statusCode as number | undefined) ?? null, headers, payload: Buffer.from(await w.readFully(false)) });
    }
    const db = new Database(join(ref, 'nianbao.sqlite'), { readonly: true });
    const versions = db.prepare('select source_url, sha256 from report_versions').all() as { source_url: string; sha256: string }[];
    db.close();
    expect(versions.length).toBeGreaterThanOrEqual(20);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    for (const v of versions) {
      const resp = recs.find((x) => x.type === 'response' && x.uri === v.source_url && sha(x.payload) === v.sha256)
        ?? recs.find((x) => x.type === 'revisit' && x.uri === v.source_url);
      expect(resp, v.source_url).toBeTruthy();
      const req = recs.find((x) => x.type === 'request' && x.concurrentTo === resp!.id);
      expect(req, v.source_url).toBeTruthy();
      expect(req!.headers['user-agent']).toMatch(/^nianbao\//);
    }
    // The Hanweb download is recorded hop by hop: downfile.jsp answered 302 to /attach/0/….
    const hop = recs.find((x) => x.type === 'response' && x.status === 302 && x.uri.includes('/module/download/downfile.jsp'));
    expect(hop?.headers.location).toMatch(/\/attach\/0\/\w+\.pdf$/);
    // robots.txt and list pages are exchanges too.
    expect(recs.some((x) => x.type === 'response' && x.uri === `${portal.url.county}/robots.txt`)).toBe(true);
    expect(recs.some((x) => x.type === 'response' && x.uri === `${portal.url.county}/zwgk/zfxxgknb/bm/`)).toBe(true);
  });
});


function facts(storage: string) {
  const db = new Database(join(storage, 'nianbao.sqlite'), { readonly: true });
  try {
    const reports = (db.prepare('select report_key from reports order by report_key').all() as { report_key: string }[]).map((r) => r.report_key);
    const originals = (db.prepare('select r.report_key, v.sha256 from report_versions v join reports r using (report_id) order by 1, 2').all() as { report_key: string; sha256: string }[])
      .map((v) => `${v.report_key} ${v.sha256}`);
    const dupVersions = (db.prepare('select count(*) n from (select report_id, sha256 from report_versions group by 1, 2 having count(*) > 1)').get() as { n: number }).n;
    const dupRecords = (db.prepare('select count(*) n from (select version_id from records where superseded_at is null group by 1 having count(*) > 1)').get() as { n: number }).n;
    const records = (db.prepare('select count(*) n from records').get() as { n: number }).n;
    const versions = originals.length;
    const runs = db.prepare(`select status from runs where kind = 'crawl'`).all() as { status: string }[];
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const pendingWork = (db.prepare(`select count(*) n from work_items where status in ('pending', 'running')`).get() as { n: number }).n;
    return { reports, originals, dupVersions, dupRecords, records, versions, runs, integrity, pendingWork };
  } finally {
    db.close();
  }
}

describe('kill and resume', () => {
  it('SIGKILLed at 20 seeded-random moments and restarted each time, ends with what an uninterrupted crawl stores', { timeout: 300_000 }, async () => {
    const killed = join(dir, 'killed');
    const random = rng(20250131);
    const landed: string[] = [];
    for (let i = 0; i < 20; i++) {
      // A moment in the crawl (counted from this life's first request, so start-up does not eat it): after a
      // random number of requests, or a random time (which also lands in parsing, when no request goes out),
      // whichever comes first.
      const afterHits = 1 + Math.floor(random() * 12);
      const afterMs = Math.floor(random() * 2500);
      const before = portal.hits.length;
      const { child, done } = nianbao(['crawl', '--seeds', seeds, '--storage', killed, ...CRAWL_ARGS]);
      const t0 = Date.now();
      let firstHitAt = 0;
      const timer = setInterval(() => {
        const hits = portal.hits.length - before;
        if (hits > 0 && !firstHitAt) firstHitAt = Date.now();
        if (hits >= afterHits || (firstHitAt && Date.now() - firstHitAt >= afterMs)) { clearInterval(timer); child.kill('SIGKILL'); }
      }, 5);
      const r = await done;
      clearInterval(timer);
      if (r.signal === 'SIGKILL') landed.push(`${portal.hits.length - before} requests, ${Date.now() - t0} ms`);
      else throw new Error(`life ${i + 1} ended by itself (code ${r.code}) before its kill moment: ${r.err.slice(-300)}`);
    }
    expect(landed.length).toBe(20);
    const last = await nianbao(['crawl', '--seeds', seeds, '--storage', killed, ...CRAWL_ARGS]).done;
    expect(last.code).toBe(EXIT.someUnread); // as the uninterrupted crawl: 北城区, 国家卫健委 blocked, 远山县 unreachable
    expect(JSON.parse(last.out).resumed, landed.join('; ')).toBe(true);

    const a = facts(ref);
    const b = facts(killed);
    expect(b.reports).toEqual(a.reports);
    expect(b.originals).toEqual(a.originals);
    expect(b.dupVersions).toBe(0);
    expect(b.dupRecords).toBe(0);
    // Every version parsed exactly once, as in the uninterrupted crawl.
    expect(b.records).toBe(b.versions);
    expect(a.records).toBe(a.versions);
    expect(b.runs).toEqual([{ status: 'ok' }]);
    expect(b.integrity).toEqual(['ok']);
    expect(b.pendingWork).toBe(0);
    const v = await nianbao(['verify', '--storage', killed, '--json']).done;
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).problems).toEqual([]);
  });
});
