/**
 * `nianbao discover` against the discovery farm (test/portal/farm/discovery.ts: 衡水市 and its counties behind the
 * farm's recording proxy), as an operator runs it: a registry built from the package's division codes with the
 * farm's hints, discovery on the 河北 subset, the registry file written back. What the registry must hold
 * afterwards is written below by reading the farm's pages, not taken from the program.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startFarm, type Farm } from '../portal/farm/index.ts';
import { discoverySites, hintsCsv } from '../portal/farm/discovery.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const DELAY = 40;

interface Ran { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }
function nianbao(args: string[], o: { cwd?: string; onStart?: (p: ChildProcess) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: o.cwd ?? process.cwd() });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    o.onStart?.(p);
    p.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'nianbao-discover-'));
const hints = join(dir, 'hints.csv');
const patch = join(dir, 'patch.csv');
let farm: Farm;

/** A fresh registry file built from the package's codes and the farm's hints, as `nianbao registry build` writes it. */
async function freshRegistry(name: string): Promise<string> {
  const out = join(dir, name);
  const r = await nianbao(['registry', 'build', '--hints', hints, '--patch', patch, '--out', out]);
  expect(r.code, r.err).toBe(0);
  return out;
}
const discoverArgs = (registry: string, storage: string) => ['discover', '--seeds', registry, '--hints', hints, '--patch', patch, '--storage', storage,
  '--province', '河北', '--proxy', farm.proxy, '--delay-ms', String(DELAY), '--no-browser'];

// ---- what a person reading the farm's pages writes into the registry ------------------------------------------
// Columns: agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render,url_status,url_source,
// verified_at,column_found_by,hint_access,url_note; `<at>` where the time of the check goes.
const dept = (parent: string, name: string) => `${parent}-${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
const HS = 'http://www.hengshui.gov.cn';
const GC = 'http://www.gucheng.gov.cn';
const TC = 'http://www.taocheng.gov.cn';
const EXPECTED = [
  // 衡水市: SiteName 衡水市人民政府; 政务公开 → 政府信息公开年报; 市直部门 lists 2024 (two pages) and 2023 (2022 too old).
  `131100,衡水市人民政府,131100,city,government,130000,${HS}/,${HS}/zwgk/zfxxgknb/,http,verified,portal-hints+second-list,<at>,link-text,direct,`,
  ...['衡水市教育局', '衡水市财政局', '衡水市生态环境局', '衡水市体育局'].map((n) => `${dept('131100', n)},${n},131100,city,department,131100,,${HS}/zwgk/zfxxgknb/szbm/,http,verified,discover,<at>,link-text,,`),
  // 桃城区: titled 桃城区人民政府; the column only under 更多 (/zfxxgk/zfxxgknb/), the city's column linked by name ignored.
  `131102,衡水市桃城区人民政府,131102,county,government,131100,${TC}/,${TC}/zfxxgk/zfxxgknb/index.html,http,verified,portal-hints+second-list,<at>,platform-path,direct,`,
  `131102001,衡水市桃城区河西街道办事处,131102001,township,government,131102,,${TC}/zfxxgk/zfxxgknb/xzjd/,http,verified,discover,<at>,link-text,,`,
  `131102100,衡水市桃城区郑家河沿镇人民政府,131102100,township,government,131102,,${TC}/zfxxgk/zfxxgknb/xzjd/,http,verified,discover,<at>,link-text,,`,
  // 冀州区: no hint, nothing to check.
  '131103,衡水市冀州区人民政府,131103,county,government,131100,,,http,,,,,,',
  // 枣强县: SiteName 枣强县政府; the report on the home page is not the column.
  '131121,枣强县人民政府,131121,county,government,131100,http://www.zaoqiang.gov.cn/,http://www.zaoqiang.gov.cn/xxgk/zfxxgknb/,http,verified,portal-hints+second-list,<at>,link-text,direct,',
  // 武邑县: named only in its footer (主办 its office); 政务公开 → 年报.
  '131122,武邑县人民政府,131122,county,government,131100,http://www.wuyi.gov.cn/,http://www.wuyi.gov.cn/zwgk/nb/index.html,http,verified,portal-hints+second-list,<at>,link-text,direct,',
  // 武强县: no link text names the column, its path does.
  '131123,武强县人民政府,131123,county,government,131100,http://www.wuqiang.gov.cn/,http://www.wuqiang.gov.cn/zfxxgk/fdzdgknr/ndbg/,http,verified,portal-hints+second-list,<at>,platform-path,direct,',
  // 饶阳县: 信息公开年报 on the home page.
  '131124,饶阳县人民政府,131124,county,government,131100,http://www.raoyang.gov.cn/,http://www.raoyang.gov.cn/xxgk/xxgknb/,http,verified,portal-hints+second-list,<at>,link-text,direct,',
  // 安平县: listed over https, answers over http: the URL that answered, written by discover; two 专栏 pages down.
  '131125,安平县人民政府,131125,county,government,131100,http://www.anping.gov.cn/,http://www.anping.gov.cn/zwgk/zfxxgk/gknb/,http,verified,discover,<at>,link-text,protocol-switch,',
  // 故城县 (GBK): titled 故城县人民政府网; 政府信息公开 → 政府信息公开年度报告; 部门 lists four units over two pages (and the
  // county's own report), 乡镇 links three townships' own columns (not read: hints).
  `131126,故城县人民政府,131126,county,government,131100,${GC}/,${GC}/zwgk/zfxxgkndbg/,http,verified,portal-hints+second-list,<at>,link-text,direct,`,
  ...['故城县教育局', '故城县财政局', '故城县人民政府办公室', '故城县卫生健康局'].map((n) => `${dept('131126', n)},${n},131126,county,department,131126,,${GC}/zwgk/zfxxgkndbg/bm/,http,verified,discover,<at>,link-text,,`),
  `131126100,故城县郑口镇人民政府,131126100,township,government,131126,,${GC}/zwgk/zfxxgkndbg/xz/zkz/,http,hint,discover,,link-text,,`,
  `131126101,故城县夏庄镇人民政府,131126101,township,government,131126,,${GC}/zwgk/zfxxgkndbg/xz/xzz/,http,hint,discover,,link-text,,`,
  `131126200,故城县辛庄乡人民政府,131126200,township,government,131126,,${GC}/zwgk/zfxxgkndbg/xz/xzx/,http,hint,discover,,link-text,,`,
  // 景县: the hint is 衡水市's portal.
  `131127,景县人民政府,131127,county,government,131100,${HS}/,,http,failed,portal-hints,<at>,,direct,"names 衡水市人民政府 (meta), not 景县人民政府"`,
  // 阜城县: a maintenance page naming no government; 深州市: a challenge, no browser: both stay hints, with why.
  '131128,阜城县人民政府,131128,county,government,131100,http://www.hbfcx.gov.cn/,,http,hint,portal-hints+second-list,,,direct,http://www.hbfcx.gov.cn/ names no government (网站维护中)',
  '131182,深州市人民政府,131182,county,government,131100,http://www.shenzhou.gov.cn/,,browser,hint,portal-hints+second-list,,,none,HTTP 412 script challenge',
].sort();

/** The farm's rows of a registry file (衡水's code and the units filed under it), each check's time replaced by `<at>` once it is shown to be one. */
function farmRows(file: string, window: { from: number; to: number }): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('1311')).map((l) => {
    const at = /,(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ),/.exec(l)?.[1];
    if (!at) return l;
    const t = Date.parse(at);
    expect(t >= Math.floor(window.from / 1000) * 1000 && t <= window.to, `${at} is not a time of this run`).toBe(true);
    return l.replace(`,${at},`, ',<at>,');
  }).sort();
}

interface CoverageRow { province_code: string | null; level: string | null; governments: number; hint: number; verified: number; failed: number; column: number; departments: number }
async function coverageOf(file: string): Promise<CoverageRow[]> {
  const r = await nianbao(['registry', 'coverage', '--seeds', file, '--json']);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { rows: CoverageRow[] }).rows.filter((row) => row.province_code === '130000');
}

let registry: string;
let before: string;
let coverageBefore: CoverageRow[];
let first: Ran;
let window: { from: number; to: number };
let hitsOfFirst: Farm['hits'];

beforeAll(async () => {
  farm = await startFarm(discoverySites());
  writeFileSync(hints, hintsCsv());
  writeFileSync(patch, 'change,region_code,name,effective,source\n');
  registry = await freshRegistry('registry.csv');
  before = readFileSync(registry, 'utf8');
  coverageBefore = await coverageOf(registry);
  const from = Date.now();
  const start = farm.hits.length;
  first = await nianbao(discoverArgs(registry, join(dir, 'storage')));
  window = { from, to: Date.now() };
  hitsOfFirst = farm.hits.slice(start);
}, 120_000);
afterAll(async () => { await farm?.close(); });

describe('nianbao discover on the farm', () => {
  it('writes into the registry what the farm\'s pages say: hints verified or rejected, columns and how they were found, units with parent, kind and level', () => {
    expect(farmRows(registry, window)).toEqual(EXPECTED);
  });

  it('leaves every other row as it was', () => {
    const others = (text: string) => text.split('\n').filter((l) => !l.startsWith('1311'));
    expect(others(readFileSync(registry, 'utf8'))).toEqual(others(before));
  });

  it('writes what the generator writes: a rebuild from the file keeps every fact discovery wrote', async () => {
    const r = await nianbao(['registry', 'build', '--check', '--hints', hints, '--patch', patch, '--out', registry]);
    expect([r.code, r.out.trim()]).toEqual([0, `${registry}: up to date`]);
  });

  it('exits 3 naming the page it could not read, prints a line per government, the units, and its stats', () => {
    expect(first.code, first.err).toBe(EXIT.someUnread);
    const lines = first.err.split('\n').filter((l) => l.startsWith('nianbao: '));
    expect(lines).toEqual(['nianbao: 10 of 11 agencies read, 0 unreachable, 1 blocked (131182 blocked: HTTP 412 script challenge)']);
    const table = first.out.split('\n').filter((l) => /^1311\d\d\t/.test(l)).map((l) => l.split('\t').slice(0, 2).join(' '));
    expect(table).toEqual(['131100 verified', '131102 verified', '131121 verified', '131122 verified', '131123 verified', '131124 verified',
      '131125 verified', '131126 verified', '131127 failed', '131128 hint', '131182 hint']);
    // 衡水 4 departments, 桃城 2 townships, 故城 4 departments and 3 townships.
    expect(first.out.split('\n').filter((l) => l.startsWith('unit\t'))).toHaveLength(13);
    // Progress off a terminal: timestamped lines, like crawl's.
    expect(first.err).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z discover: \d+\/\d+ (\(\d+%\) )?items, \d+ requests/m);
    expect(first.out).toMatch(/^discover stats:$/m);
    expect(first.out).toMatch(/^ {2}homes_verified: +8$/m);
    expect(first.out).toMatch(/^ {2}homes_failed: +1$/m);
    expect(first.out).toMatch(/^ {2}columns_found: +8$/m);
    expect(first.out).toMatch(/^ {2}units_found: +13$/m);
    expect(first.out).toMatch(/registry\.csv: written, 13 units added$/m);
  });

  it('is polite like every crawl: robots.txt first, one request at a time per host with its gap, nothing off the farm, no report fetched', () => {
    const byHost = new Map<string, typeof hitsOfFirst>();
    for (const h of hitsOfFirst) if (h.method !== 'CONNECT') byHost.set(h.host, [...(byHost.get(h.host) ?? []), h]);
    const violations: string[] = [];
    for (const [host, hs] of byHost) {
      hs.sort((a, b) => a.start - b.start);
      // 安平's robots.txt was asked over https (the hint's scheme), which failed.
      if (host !== 'www.anping.gov.cn') expect([host, hs[0]!.path]).toEqual([host, '/robots.txt']);
      for (let i = 1; i < hs.length; i++) if (hs[i]!.start - hs[i - 1]!.end < DELAY - 2) violations.push(`${host}: ${hs[i - 1]!.path} → ${hs[i]!.path}`);
    }
    expect(violations).toEqual([]);
    expect(hitsOfFirst.filter((h) => h.thirdParty).map((h) => h.host)).toEqual([]);
    // Discovery reads home pages, 专栏 pages, columns and unit sub-columns; never a report or a unit's own column.
    expect(hitsOfFirst.filter((h) => /\/t\d{8}_\d+\.html$|\/decoy\/|\/xz\/\w+\/$|\/szbm\/2022n\//.test(h.path)).map((h) => `${h.host}${h.path}`)).toEqual([]);
    // The https hint was tried (two tunnels the proxy refused: robots.txt, the page) before http.
    expect(hitsOfFirst.filter((h) => h.method === 'CONNECT').map((h) => h.host)).toEqual(['www.anping.gov.cn', 'www.anping.gov.cn']);
  });

  it('records every exchange in the store', () => {
    const db = new Database(join(dir, 'storage', 'nianbao.sqlite'), { readonly: true });
    try {
      const fetched = new Set((db.prepare(`select url from fetches where run_id = 1`).all() as { url: string }[]).map((r) => r.url));
      const asked = hitsOfFirst.filter((h) => h.method === 'GET').map((h) => `http://${h.host}${h.path}`);
      expect(asked.filter((u) => !fetched.has(u))).toEqual([]);
      expect(fetched.has('https://www.anping.gov.cn/')).toBe(true);
      expect((db.prepare(`select kind, status from runs`).all())).toEqual([{ kind: 'discover', status: 'ok' }]);
    } finally {
      db.close();
    }
  });

  it('changes the coverage: verified, rejected, columns found, departments and townships discovered', async () => {
    const after = await coverageOf(registry);
    const pick = (rows: CoverageRow[], level: string) => {
      const r = rows.find((x) => x.level === level);
      return r ? { governments: r.governments, hint: r.hint, verified: r.verified, failed: r.failed, column: r.column, departments: r.departments } : null;
    };
    // Read off the farm: the city and ten counties hinted; 8 verified (the city, 7 counties), 景县 rejected, two left hints.
    const countiesBefore = pick(coverageBefore, 'county')!;
    expect(pick(after, 'county')).toEqual({ ...countiesBefore, hint: countiesBefore.hint - 8, verified: 7, failed: 1, column: 7, departments: 4 });
    const citiesBefore = pick(coverageBefore, 'city')!;
    expect(pick(after, 'city')).toEqual({ ...citiesBefore, hint: citiesBefore.hint - 1, verified: 1, column: 1, departments: 4 });
    expect(pick(coverageBefore, 'township')).toBeNull();
    // Townships are governments of their own level, each with the column its reports are listed in.
    expect(pick(after, 'township')).toEqual({ governments: 5, hint: 3, verified: 2, failed: 0, column: 5, departments: 0 });
  });

  it('a second run changes nothing: verified rows only have their columns read again', async () => {
    const text = readFileSync(registry, 'utf8');
    const start = farm.hits.length;
    const again = await nianbao([...discoverArgs(registry, join(dir, 'storage')), '--quiet']);
    expect(again.code, again.err).toBe(EXIT.someUnread);
    expect(readFileSync(registry, 'utf8')).toBe(text);
    const homes = farm.hits.slice(start).filter((h) => h.path === '/').map((h) => h.host).sort();
    // The hints still unsettled are checked again; verified homes are not.
    expect(homes).toEqual(['www.hbfcx.gov.cn', 'www.shenzhou.gov.cn']);
  }, 120_000);

  it('a discover killed with SIGKILL continues its run and ends with the same registry', async () => {
    const killed = await freshRegistry('killed.csv');
    const storage = join(dir, 'killed');
    const from = Date.now();
    const start = farm.hits.length;
    const life1 = await nianbao(discoverArgs(killed, storage), { onStart: (p) => {
      const t = setInterval(() => { if (farm.hits.length - start >= 14) { clearInterval(t); p.kill('SIGKILL'); } }, 2);
    } });
    expect(life1.signal).toBe('SIGKILL');
    expect(readFileSync(killed, 'utf8')).toBe(before); // nothing written by a run that did not finish
    const life2 = await nianbao(discoverArgs(killed, storage));
    expect(life2.code, life2.err).toBe(EXIT.someUnread);
    expect(life2.out).toMatch(/^run 1 \(resumed\)/m);
    expect(farmRows(killed, { from, to: Date.now() })).toEqual(EXPECTED);
    // What the first life finished is not asked again: both lives together ask no more than one run does and the
    // pages in flight at the kill (one per host).
    const gets = (hs: Farm['hits']) => hs.filter((h) => h.method === 'GET' && h.path !== '/robots.txt').length;
    expect(gets(farm.hits.slice(start))).toBeLessThanOrEqual(gets(hitsOfFirst) + farm.hosts.size);
  }, 120_000);

  it('SIGINT: the pages in flight finish, exit 130, nothing written; the next discover continues the run and writes', async () => {
    const stopped = await freshRegistry('stopped.csv');
    const storage = join(dir, 'stopped');
    const start = farm.hits.length;
    const life1 = await nianbao(discoverArgs(stopped, storage), { onStart: (p) => {
      const t = setInterval(() => { if (farm.hits.length - start >= 6) { clearInterval(t); p.kill('SIGINT'); } }, 2);
    } });
    expect(life1.code, life1.err).toBe(EXIT.interrupted);
    expect(life1.err).toMatch(/^nianbao: discover: SIGINT: finishing the pages in flight/m);
    expect(life1.err).toMatch(/^nianbao: discover interrupted; run 1 continues with the next discover$/m);
    expect(readFileSync(stopped, 'utf8')).toBe(before);
    const life2 = await nianbao(discoverArgs(stopped, storage));
    expect(life2.code, life2.err).toBe(EXIT.someUnread);
    expect(farmRows(stopped, { from: 0, to: Date.now() })).toEqual(EXPECTED);
  }, 120_000);

  it('refuses a plain seed file: it writes into a registry', async () => {
    const plain = join(dir, 'plain.csv');
    writeFileSync(plain, 'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render\nx,甲县人民政府,,county,government,,http://www.raoyang.gov.cn/,,http\n');
    const r = await nianbao(['discover', '--seeds', plain, '--storage', join(dir, 'plain'), '--proxy', farm.proxy]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/^nianbao: .*plain\.csv is a plain seed file: discover writes into a registry/);
  });
});

/** A port where nothing listens: every request through it is refused at once. */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('without --seeds: the registry the program ships', () => {
  it('crawl and discover run on seeds/registry.csv from any working directory, with --province, --level and --limit for a first try', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'nianbao-cwd-'));
    const proxy = `http://127.0.0.1:${await deadPort()}`;
    const subset = ['--province', '河北', '--level', 'city', '--limit', '2', '--proxy', proxy, '--no-browser', '--quiet', '--json'];
    const crawl = await nianbao(['crawl', '--storage', join(elsewhere, 's1'), '--no-parse', ...subset], { cwd: elsewhere });
    expect(crawl.code, crawl.err).toBe(EXIT.noneRead);
    expect((JSON.parse(crawl.out) as { agencies: { agency_id: string; name: string }[] }).agencies.map((a) => `${a.agency_id} ${a.name}`))
      .toEqual(['130100 石家庄市人民政府', '130200 唐山市人民政府']);
    const shipped = fileURLToPath(new URL('../../seeds/registry.csv', import.meta.url));
    const text = readFileSync(shipped, 'utf8');
    const disc = await nianbao(['discover', '--storage', join(elsewhere, 's2'), '--no-write', ...subset], { cwd: elsewhere });
    expect(disc.code, disc.err).toBe(EXIT.noneRead);
    const out = JSON.parse(disc.out) as { agencies: { agency_id: string; outcome: string }[]; written: unknown };
    expect(out.agencies.map((a) => `${a.agency_id} ${a.outcome}`)).toEqual(['130100 unreachable', '130200 unreachable']);
    expect(out.written).toBeNull();
    expect(readFileSync(shipped, 'utf8')).toBe(text);
  }, 120_000);
});
