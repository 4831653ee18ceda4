/**
 * The crawl on portals built the ways real ones are (test/portal/farm: every platform module's renderings, each
 * on its own gov.cn-like host), all at once, through a recording proxy, the browser on. What is expected comes
 * from the farm's fixture data (the reports each site's author placed, and whose), never from the crawler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { gapViolations, startFarm, type Farm } from '../portal/farm/index.ts';
import { parseSeeds } from '../../src/seeds/index.ts';
import { crawl, PLATFORMS, type CrawlResult } from '../../src/crawl/index.ts';

const DELAY = 60;
let farm: Farm;
let dir: string;
let result: CrawlResult;
const lines: string[] = [];

beforeAll(async () => {
  farm = await startFarm();
  dir = mkdtempSync(join(tmpdir(), 'nianbao-farm-'));
  result = await crawl({ agencies: parseSeeds(farm.seeds()), storageDir: dir, proxy: farm.proxy, delayMs: DELAY, maxPages: 10, concurrency: 64, log: (l) => lines.push(l) });
  if (process.env.FARM_LOG) console.log(lines.join('\n'));
}, 240_000);
afterAll(async () => { await farm?.close(); });

/** What the store holds: one line per original of a report, `owner|year|host/path?query`. */
function stored(): string[] {
  const db = new Database(join(dir, 'nianbao.sqlite'), { readonly: true });
  try {
    const rows = db.prepare(`select r.agency_id, r.agency_name, r.year, v.source_url from reports r join report_versions v using (report_id) where r.gone_at is null`).all() as
      { agency_id: string | null; agency_name: string | null; year: number | null; source_url: string }[];
    return rows.map((r) => { const u = new URL(r.source_url); return `${r.agency_id ?? `name:${r.agency_name}`}|${r.year}|${u.host}${u.pathname}${u.search}`; }).sort();
  } finally {
    db.close();
  }
}

const expectedOf = (sites: Farm['sites']) => sites.flatMap((s) => s.reports.flatMap((r) => r.originals.map((p) => `${r.owner}|${r.year}|${s.host}${p}`))).sort();

describe('the portal farm, every platform and rendering at once', () => {
  it('has every platform module in at least four renderings', () => {
    for (const p of PLATFORMS) expect([p.name, farm.sites.filter((s) => s.platform === p.name).length >= 4]).toEqual([p.name, true]);
  });

  it('finds every report of every rendering, filed under its agency', () => {
    const got = new Set(stored());
    for (const s of farm.sites) {
      const want = expectedOf([s]);
      expect(want.filter((w) => !got.has(w)), `${s.platform}: ${s.variant} (${s.host})`).toEqual([]);
    }
  });

  it('collects nothing else (decoys, twins, trap pages, other units\' lists)', () => {
    const want = new Set(expectedOf(farm.sites));
    expect(stored().filter((g) => !want.has(g))).toEqual([]);
  });

  it('reads every agency\'s column, recognising its platform', () => {
    const db = new Database(join(dir, 'nianbao.sqlite'), { readonly: true });
    const platformOf = new Map<string, Set<string>>();
    for (const r of db.prepare(`select agency_id, platform from agency_list_reads where run_id = ? and outcome = 'read' and platform is not null`).all(result.runId) as { agency_id: string; platform: string }[]) {
      platformOf.set(r.agency_id, (platformOf.get(r.agency_id) ?? new Set()).add(r.platform));
    }
    db.close();
    for (const a of result.agencies) expect([a.agencyId, a.outcome]).toEqual([a.agencyId, 'ok']);
    for (const s of farm.sites) for (const seed of s.seeds) expect([seed.id, platformOf.get(seed.id)?.has(s.platform)]).toEqual([seed.id, true]);
  });

  it('keeps every host\'s gap, each request after the previous one ended, redirects and the browser\'s requests included', () => {
    expect(gapViolations(farm.hits, DELAY - 2)).toEqual([]);
    // The redirect and its target are two turns of the host.
    const moved = farm.hits.filter((h) => h.host === 'www.fucheng.gov.cn' && /t20240115_41/.test(h.path)).map((h) => h.path);
    expect(moved).toEqual(['/zwgk/zfxxgkndbg/202401/t20240115_41.htm', '/zwgk/zfxxgkndbg/202401/t20240115_41_1.htm']);
  });

  it('asks no host the seeds did not lead to (Chromium\'s own traffic included)', () => {
    expect(farm.hits.filter((h) => h.thirdParty).map((h) => `${h.method} ${h.host}`)).toEqual([]);
    // Nor https:// of an http:// page (Chromium's HTTPS upgrades would ask for it first).
    expect(farm.hits.filter((h) => h.method === 'CONNECT').map((h) => h.host)).toEqual([]);
    // The browser did run (the list only a script fills), through the same proxy.
    expect(result.browserRenders).toBeGreaterThan(0);
    expect(farm.hits.some((h) => h.host === 'www.luyang.gov.cn' && h.path.startsWith('/front/api/data/search'))).toBe(true);
  });

  it('bounds link families: no calendar day, no date archive, no page past the stated total', () => {
    expect(farm.hits.filter((h) => /calendar=|\/archive\//.test(h.path)).map((h) => h.path)).toEqual([]);
    expect(farm.hits.filter((h) => h.host === 'www.baohe.gov.cn' && /page=4/.test(h.path))).toEqual([]);
    // The calendar's list was still walked to its second page.
    expect(farm.hits.some((h) => h.host === 'www.yaohai.gov.cn' && h.path === '/xxgk/ndbg/index.jsp?pageNo=2')).toBe(true);
  });

  it('never asks for a _wap twin or a decoy', () => {
    expect(farm.hits.filter((h) => /_wap\.|\/decoy\//.test(h.path)).map((h) => `${h.host}${h.path}`)).toEqual([]);
  });

  it('night two downloads no original again: every report page and file answers 304', async () => {
    const before = farm.hits.length;
    const n2 = await crawl({ agencies: parseSeeds(farm.seeds()), storageDir: dir, proxy: farm.proxy, delayMs: DELAY, maxPages: 10, concurrency: 64 });
    const originals = new Set(farm.sites.flatMap((s) => s.reports.flatMap((r) => r.originals.map((p) => `${s.host}${p}`))));
    const again = farm.hits.slice(before).filter((h) => originals.has(`${h.host}${h.path}`));
    expect(again.length).toBeGreaterThan(0);
    expect(again.filter((h) => h.status !== 304).map((h) => `${h.host}${h.path} ${h.status}`)).toEqual([]);
    expect(n2.agencies.reduce((s, a) => s + a.new + a.changed, 0)).toBe(0);
    expect(n2.agencies.filter((a) => a.outcome !== 'ok')).toEqual([]);
  }, 240_000);
});
