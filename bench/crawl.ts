/**
 * Crawl benchmark on the multi-platform farm (test/portal/farm: every platform module's renderings on their own
 * gov.cn-like hosts, behind a recording proxy): night 1's wall time against its politeness bound (the time the
 * per-host gaps alone force: the busiest host's requests times the delay), peak memory (Node and its browser),
 * CPU seconds; then night 2 (conditional GETs: what was downloaded again).
 * Run: npm run bench -- crawl [--delay-ms 1000] [--no-browser]
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { crawl } from '../src/crawl/index.ts';
import { parseSeeds } from '../src/seeds/index.ts';
import { startFarm } from '../test/portal/farm/index.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const delayMs = arg('--delay-ms', 1000);
const useBrowser = !process.argv.includes('--no-browser');

/** RSS of this process and every descendant (Chromium's processes), from /proc. */
function treeRssBytes(pid = process.pid): number {
  const page = 4096;
  let total = 0;
  try { total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * page; } catch { return 0; }
  for (const tid of (() => { try { return readdirSync(`/proc/${pid}/task`); } catch { return []; } })()) {
    let kids: string[] = [];
    try { kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { kids = []; }
    for (const k of kids) total += treeRssBytes(Number(k));
  }
  return total;
}

/** CPU seconds of this process and of its children that have exited (Chromium, parse workers' are threads). */
function cpuSeconds(): { self: number; children: number } {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100;
  return { self: (u.user + u.system) / 1e6, children: (Number(fields[13]) + Number(fields[14])) / ticks };
}

const farm = await startFarm();
const agencies = parseSeeds(farm.seeds());
const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-'));
let peakNode = 0;
let peakTree = 0;
const sampler = setInterval(() => { peakNode = Math.max(peakNode, process.memoryUsage().rss); peakTree = Math.max(peakTree, treeRssBytes()); }, 100);

const cpu0 = cpuSeconds();
const t0 = Date.now();
const r1 = await crawl({ agencies, storageDir: dir, proxy: farm.proxy, delayMs, concurrency: 64, useBrowser });
const wall1 = Date.now() - t0;
const cpu1 = cpuSeconds();
const hits1 = farm.hits.length;
const perHost = new Map<string, number>();
for (const h of farm.hits) if (!h.thirdParty) perHost.set(h.host, (perHost.get(h.host) ?? 0) + 1);
const [busiest, most] = [...perHost].sort((a, b) => b[1] - a[1])[0]!;
const bound = (most - 1) * delayMs;
const found = r1.agencies.reduce((s, a) => s + a.reportsFound, 0);
console.log(`farm: ${farm.sites.length} sites (${new Set(farm.sites.map((s) => s.platform)).size} platforms) on ${perHost.size} hosts, ${agencies.length} agencies, delay ${delayMs} ms, browser ${useBrowser ? 'on' : 'off'}`);
console.log(`night 1: wall ${(wall1 / 1000).toFixed(1)} s, politeness bound ${(bound / 1000).toFixed(1)} s (busiest host ${busiest}: ${most} requests), ratio ${(wall1 / bound).toFixed(2)}`);
console.log(`night 1: ${r1.requests} requests, ${(r1.bytes / 1048576).toFixed(1)} MB, ${found} reports, ${r1.browserRenders} browser renders, agencies ${r1.agencies.filter((a) => a.outcome === 'ok').length}/${r1.agencies.length} read`);
console.log(`night 1: CPU ${(cpu1.self - cpu0.self).toFixed(1)} s node + ${(cpu1.children - cpu0.children).toFixed(1)} s exited children (Chromium)`);

const t1 = Date.now();
const r2 = await crawl({ agencies, storageDir: dir, proxy: farm.proxy, delayMs, concurrency: 64, useBrowser });
const wall2 = Date.now() - t1;
clearInterval(sampler);
const night2 = farm.hits.slice(hits1);
console.log(`night 2: wall ${(wall2 / 1000).toFixed(1)} s, requests ${r2.requests} (${night2.filter((h) => h.status === 304).length} answered 304), ${(r2.bytes / 1024).toFixed(0)} KB, new ${r2.agencies.reduce((s, a) => s + a.new, 0)}, changed ${r2.agencies.reduce((s, a) => s + a.changed, 0)}`);
console.log(`peak RSS: node ${(peakNode / 1048576).toFixed(0)} MB, node + browser ${(peakTree / 1048576).toFixed(0)} MB`);
const db = new Database(join(dir, 'nianbao.sqlite'), { readonly: true });
const q = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
console.log(`store: ${q('select count(*) n from fetches')} exchanges recorded, ${q('select count(*) n from report_versions')} report versions, ${q('select count(*) n from work_items')} work items, ${q('select count(*) n from agency_list_reads')} list reads`);
db.close();
await farm.close();
