/**
 * Crawl benchmark: a generated fixture farm of 500 agencies on 50 hosts (TRS columns, two list pages, four
 * reports each with a PDF attachment). Prints wall time against the politeness bound (the time the per-host
 * delays alone force), requests, peak memory; then the second night's requests and bytes.
 * Run: npx tsx bench/crawl.ts [--delay-ms 200] [--agencies 500] [--hosts 50]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { crawl } from '../src/crawl/index.ts';
import { parseSeeds } from '../src/seeds/index.ts';
import { startFarm } from '../test/helpers/farm.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const delayMs = arg('--delay-ms', 200);
const nAgencies = arg('--agencies', 500);
const nHosts = arg('--hosts', 50);
const farm = await startFarm({ hosts: nHosts, agencies: nAgencies });
const agencies = parseSeeds(farm.seeds);
const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-'));

let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
const t0 = Date.now();
const r1 = await crawl({ agencies, storageDir: dir, delayMs, concurrency: nHosts, useBrowser: false, keepRequestLog: true });
const wall1 = Date.now() - t0;
const perHost = new Map<string, number>();
for (const e of r1.scheduler.log) perHost.set(e.host, (perHost.get(e.host) ?? 0) + 1);
const bound = Math.max(...[...perHost.values()].map((n) => (n - 1) * delayMs));
const found = r1.agencies.reduce((s, a) => s + a.reportsFound, 0);
console.log(`farm: ${nAgencies} agencies on ${nHosts} hosts, delay ${delayMs} ms`);
console.log(`night 1: wall ${(wall1 / 1000).toFixed(1)} s, politeness bound ${(bound / 1000).toFixed(1)} s (ratio ${(wall1 / bound).toFixed(2)}), requests ${r1.requests}, bytes ${r1.bytes}, reports ${found}`);
const served1 = farm.served();
const t1 = Date.now();
const r2 = await crawl({ agencies, storageDir: dir, delayMs, concurrency: nHosts, useBrowser: false });
const wall2 = Date.now() - t1;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(`night 2: wall ${(wall2 / 1000).toFixed(1)} s, requests ${r2.requests} (server saw ${farm.served() - served1}), bytes ${r2.bytes}, new ${r2.agencies.reduce((s, a) => s + a.new, 0)}, changed ${r2.agencies.reduce((s, a) => s + a.changed, 0)}`);
console.log(`peak RSS ${(peak / 1048576).toFixed(0)} MB`);
// What the store holds: every exchange of both nights, one version per original (the crawl runs on the store).
const db = new Database(join(dir, 'nianbao.sqlite'), { readonly: true });
const q = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
console.log(`store: ${q('select count(*) n from fetches')} exchanges recorded (${q('select count(*) n from fetches where status = 304')} answered 304), ${q('select count(*) n from report_versions')} report versions, ${q('select count(*) n from work_items')} work items`);
db.close();
await farm.close();
