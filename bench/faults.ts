/**
 * Fault benchmark: what the crawler's limits cost when servers misbehave. Against the fault portal
 * (test/portal/faults.ts, same process), prints for each hostile body how long the client took to stop it,
 * how many bytes the server wrote before it noticed, and the peak RSS growth; then a whole crawl over every
 * fault site. RSS includes the in-process server. Run: npx tsx bench/faults.ts [--max-bytes-mib 100]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFaultPortal, faultSeeds } from '../test/portal/faults.ts';
import { crawl, HttpClient } from '../src/crawl/index.ts';
import { DEFAULT_LIMITS, NetworkError } from '../src/crawl/http.ts';
import { parseSeeds } from '../src/seeds/index.ts';

const MiB = 1024 * 1024;
const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const maxBytes = arg('--max-bytes-mib', DEFAULT_LIMITS.maxBytes / MiB) * MiB;

async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; rssMiB: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, ms: performance.now() - t0, rssMiB: (peak - base) / MiB };
  } finally {
    clearInterval(t);
  }
}

const portal = await startFaultPortal();
const client = new HttpClient({ userAgent: 'nianbao-bench/0', maxBytes, totalTimeoutMs: 5000, idleTimeoutMs: 2000, connectTimeoutMs: 1000 });
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof NetworkError ? e.code : String(e)));

console.log(`limits: max-bytes ${maxBytes / MiB} MiB; total 5 s, idle 2 s, connect 1 s for these cases`);
console.log('case\toutcome\tms\tserver wrote MiB\tpeak RSS growth MiB');
const cases: [string, string, string][] = [
  ['gzip bomb (1 GiB inflated)', `${portal.url.bomb}/r/P020240129000002.pdf`, 'bomb /r/P020240129000002.pdf'],
  ['2 GiB, Content-Length declared', `${portal.url.huge}/r/P020240129000003.pdf`, 'huge /r/P020240129000003.pdf'],
  ['2 GiB, chunked', `${portal.url.huge}/r/P020240129000004.pdf`, 'huge /r/P020240129000004.pdf'],
  ['body dripping 20 B/s', `${portal.url.slow}/r/2023.html`, 'slow /r/2023.html'],
  ['never answers', `${portal.url.hang}/list/index.html`, 'hang /list/index.html'],
  ['never accepts', `${portal.url.connect}/list/index.html`, ''],
  ['redirect chain of 40', `${portal.url.redirects}/r/chain/0.html`, ''],
];
for (const [name, url, key] of cases) {
  const before = portal.sent.get(key) ?? 0;
  const m = await measure(() => outcome(client.fetch({ url })));
  const wrote = key ? ((portal.sent.get(key) ?? 0) - before) / MiB : 0;
  console.log(`${name}\t${m.value}\t${m.ms.toFixed(0)}\t${wrote.toFixed(1)}\t${m.rssMiB.toFixed(1)}`);
}

const agencies = parseSeeds(faultSeeds(portal.url));
const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-faults-'));
const m = await measure(() => crawl({ agencies, storageDir: dir, delayMs: 20, maxPages: 6, useBrowser: false,
  limits: { maxBytes, totalTimeoutMs: 5000, idleTimeoutMs: 2000, connectTimeoutMs: 1000 } }));
const r = m.value;
const problems = r.agencies.filter((a) => a.unreachable || a.blocked).length;
console.log(`fault crawl: ${agencies.length} agencies, ${r.requests} requests, finished ${r.finished}, ${problems} agencies unreachable/blocked, ` +
  `${(m.ms / 1000).toFixed(1)} s, peak RSS growth ${m.rssMiB.toFixed(1)} MiB`);
await portal.close();
process.exit(0);
