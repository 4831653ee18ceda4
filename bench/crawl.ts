/**
 * Crawl benchmark: a generated fixture farm of 500 agencies on 50 hosts (TRS columns, two list pages, four
 * reports each with a PDF attachment). Prints wall time against the politeness bound (the time the per-host
 * delays alone force), requests, peak memory; then the second night's requests and bytes.
 * Run: npx tsx bench/crawl.ts [--delay-ms 200] [--agencies 500] [--hosts 50]
 */
import { REAL_REPORTS } from '../test/helpers/fixtures.ts';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { crawl } from '../src/crawl/index.ts';
import { parseSeeds } from '../src/seeds/index.ts';
import { reportPage } from '../test/portal/server.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const delayMs = arg('--delay-ms', 200);
const nAgencies = arg('--agencies', 500);
const nHosts = arg('--hosts', 50);
const pdf = readFileSync(REAL_REPORTS + '/003_hongze_qu_2024.pdf').subarray(0, 20_000);
let served = 0;

function route(path: string): { type: string; body: Buffer } | null {
  if (path === '/robots.txt') return { type: 'text/plain', body: Buffer.from('User-agent: *\nAllow: /\n') };
  const m = /^\/a(\d+)\/zfxxgknb\/(index(?:_1)?\.html|(\d{6})\/t(\d+)_(\d)\.html|(\d{6})\/P0(\d+)_(\d)\.pdf)$/.exec(path);
  if (!m) return null;
  const a = Number(m[1]);
  const name = `第${a}局`;
  if (m[2]!.startsWith('index')) {
    const page = m[2] === 'index.html' ? 0 : 1;
    const items = [0, 1].map((k) => { const r = page * 2 + k; return `<li><a href="./202401/t2024012${r}_${r}.html">${name}${2023 - r}年政府信息公开工作年度报告</a></li>`; }).join('');
    return { type: 'text/html; charset=utf-8', body: Buffer.from(`<html><body><ul>${items}</ul><script>createPageHTML(2, ${page}, "index", "html");</script></body></html>`) };
  }
  if (m[4]) {
    const r = Number(m[5]);
    return { type: 'text/html; charset=utf-8', body: Buffer.from(reportPage({ title: `${name}${2023 - r}年政府信息公开工作年度报告`, unit: name, year: 2023 - r, pubDate: '2024-01-20',
      attachments: `<a href="./P0${a}${r}_${r}.pdf">附件</a>` })) };
  }
  return { type: 'application/pdf', body: Buffer.concat([pdf, Buffer.from(`%${a}-${m[8]}`)]) };
}

const servers: http.Server[] = [];
const hosts: string[] = [];
for (let h = 0; h < nHosts; h++) {
  const s = http.createServer((req, res) => {
    served++;
    const r = route((req.url ?? '/').split('?')[0]!);
    if (!r) { res.writeHead(404); res.end(); return; }
    const etag = `"${createHash('sha1').update(r.body).digest('hex').slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) { res.writeHead(304, { etag }); res.end(); return; }
    res.writeHead(200, { 'content-type': r.type, etag });
    res.end(r.body);
  });
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  servers.push(s);
  hosts.push(`http://127.0.0.1:${(s.address() as net.AddressInfo).port}`);
}
const csv = ['agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render',
  ...Array.from({ length: nAgencies }, (_, a) => `b${a},第${a}局,,county,department,,,${hosts[a % nHosts]}/a${a}/zfxxgknb/index.html,http`)].join('\n');
const agencies = parseSeeds(csv);
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
const served1 = served;
const t1 = Date.now();
const r2 = await crawl({ agencies, storageDir: dir, delayMs, concurrency: nHosts, useBrowser: false });
const wall2 = Date.now() - t1;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(`night 2: wall ${(wall2 / 1000).toFixed(1)} s, requests ${r2.requests} (server saw ${served - served1}), bytes ${r2.bytes}, new ${r2.agencies.reduce((s, a) => s + a.new, 0)}, changed ${r2.agencies.reduce((s, a) => s + a.changed, 0)}`);
console.log(`peak RSS ${(peak / 1048576).toFixed(0)} MB`);
// What the store holds: every exchange of both nights, one version per original (the crawl runs on the store).
const db = new Database(join(dir, 'nianbao.sqlite'), { readonly: true });
const q = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
console.log(`store: ${q('select count(*) n from fetches')} exchanges recorded (${q('select count(*) n from fetches where status = 304')} answered 304), ${q('select count(*) n from report_versions')} report versions, ${q('select count(*) n from work_items')} work items`);
db.close();
for (const s of servers) s.close();
