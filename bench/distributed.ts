/**
 * Beyond one machine: night 1 on the portal farm (test/portal/farm: every platform in its renderings, through
 * its recording proxy, without the browser) and on a generated farm of many hosts (test/helpers/farm.ts),
 * each crawled by 1 and by 3 `nianbao crawl` processes sharing PostgreSQL + S3 (s3rver), beside the embedded
 * crawl; then the archive of real
 * reports (test/fixtures/real-reports, each file under several agencies) moved into PostgreSQL + S3 and
 * re-parsed by 1 and by 2 parse processes (`nianbao reparse` alone, then with `nianbao work --only parse`).
 * PostgreSQL: $NIANBAO_TEST_PG, else a throwaway server from .ci/postgres (run as root, or as a user that
 * can run PostgreSQL).
 * Run: npx tsx bench/distributed.ts [--hosts 20] [--agencies 80] [--delay-ms 100] [--copies 20]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REAL_REPORTS } from '../test/helpers/fixtures.ts';
import { startFarm } from '../test/helpers/farm.ts';
import { startFarm as startPortalFarm } from '../test/portal/farm/index.ts';
import { startS3 } from '../test/helpers/s3.ts';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const nHosts = arg('--hosts', 20);
const nAgencies = arg('--agencies', 80);
const delayMs = arg('--delay-ms', 100);
const copies = arg('--copies', 20);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'nianbao.mjs');
const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-dist-'));

let pgDir: string | null = null;
if (!process.env.NIANBAO_TEST_PG) {
  // A folder of its own under /tmp: the server runs as the postgres user, who cannot enter our private `dir`.
  pgDir = mkdtempSync(join(tmpdir(), 'nianbao-bench-pg-'));
  const r = spawnSync(join(ROOT, '.ci', 'postgres'), ['start', pgDir], { encoding: 'utf8' });
  if (r.status !== 0) { console.log(`no PostgreSQL: ${r.stderr.trim()} (set NIANBAO_TEST_PG)`); process.exit(0); }
  process.env.NIANBAO_TEST_PG = r.stdout.trim();
}
const { dropDatabase, freshDatabase } = await import('../test/helpers/postgres.ts');
const s3 = await startS3();
const dbs: string[] = [];

function run(args: string[]): Promise<{ code: number | null; out: string; err: string; child: ReturnType<typeof spawn> }> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const p = new Promise((res) => child.on('close', (code) => res({ code, out, err, child }))) as Promise<{ code: number | null; out: string; err: string; child: ReturnType<typeof spawn> }> & { child: ReturnType<typeof spawn> };
  p.child = child;
  return p;
}
async function shared(): Promise<string[]> {
  const db = await freshDatabase();
  dbs.push(db);
  return ['--storage', join(dir, 'local'), '--db', db, '--blobs', s3.blobs()];
}
/** Seconds until every process ended, and their exit: `exit`, or with null whatever the first's was (all the same). */
async function timed(label: string, lives: ReturnType<typeof run>[], exit: number | null = 0): Promise<[number, number | null]> {
  const t0 = Date.now();
  const ends = await Promise.all(lives);
  const s = (Date.now() - t0) / 1000;
  const want = exit ?? ends[0]!.code;
  for (const e of ends) if (e.code !== want) throw new Error(`${label}: exit ${e.code}: ${e.err.slice(-400)}`);
  return [s, want];
}

const SETUPS = [['embedded (SQLite, folder)', 1, null], ['PostgreSQL + S3, 1 process', 1, 'shared'], ['PostgreSQL + S3, 3 processes', 3, 'shared']] as const;

try {
  // ---- night 1 on the portal farm: the busiest host bounds it, whatever the number of processes ----
  {
    const farm = await startPortalFarm();
    const seeds = join(dir, 'portal-farm.csv');
    writeFileSync(seeds, farm.seeds());
    const crawlArgs = ['crawl', '--seeds', seeds, '--proxy', farm.proxy, '--delay-ms', String(delayMs), '--max-pages', '10', '--no-browser', '--quiet'];
    // The embedded crawl's exit (3: the farm's script-only lists are blocked without the browser) is every worker's.
    let exit: number | null = null;
    for (const [label, n, where] of SETUPS) {
      const before = farm.hits.length;
      const storage = where ? await shared() : ['--storage', join(dir, 'portal-farm')];
      const [s, code] = await timed(label, Array.from({ length: n }, () => run([...crawlArgs, ...storage])), exit);
      exit = code;
      const hits = farm.hits.slice(before).filter((h) => !h.thirdParty);
      const perHost = new Map<string, number>();
      for (const h of hits) perHost.set(h.host, (perHost.get(h.host) ?? 0) + 1);
      const most = Math.max(...perHost.values());
      console.log(`portal farm night 1, ${label}: ${s.toFixed(1)} s wall, ${hits.length} requests on ${perHost.size} hosts; bound ${((most - 1) * delayMs / 1000).toFixed(1)} s (busiest host ${most} requests)`);
    }
    await farm.close();
  }

  // ---- night 1 on the generated farm of many hosts ----
  const farm = await startFarm({ hosts: nHosts, agencies: nAgencies });
  const seeds = join(dir, 'seeds.csv');
  writeFileSync(seeds, farm.seeds);
  const crawlArgs = ['crawl', '--seeds', seeds, '--delay-ms', String(delayMs), '--no-browser', '--quiet'];
  const perHost = Math.ceil(nAgencies / nHosts) * 10 + 1; // per agency 2 lists, 4 pages, 4 PDFs; robots.txt
  const bound = ((perHost - 1) * delayMs) / 1000;
  console.log(`farm: ${nAgencies} agencies on ${nHosts} hosts, delay ${delayMs} ms; ${nAgencies * 10 + nHosts} requests, politeness bound ${bound.toFixed(1)} s (the per-host gaps alone)`);
  const figures: [string, number, number][] = [];
  for (const [label, n, where] of SETUPS) {
    const before = farm.served();
    const storage = where ? await shared() : ['--storage', join(dir, 'embedded')];
    const [s] = await timed(label, Array.from({ length: n }, () => run([...crawlArgs, ...storage])));
    figures.push([label, s, farm.served() - before]);
    console.log(`night 1, ${label}: ${s.toFixed(1)} s wall (${(s / bound).toFixed(2)} × the bound), ${farm.served() - before} requests, ${(nAgencies * 4 / s).toFixed(1)} reports/s`);
  }
  await farm.close();

  // ---- reparse of an archive of real reports ----
  const files = readdirSync(REAL_REPORTS).filter((f) => /\.(pdf|txt)$/.test(f)).sort();
  const embedded = join(dir, 'reports');
  const { openStorage } = await import('../src/pipeline/index.ts');
  const st = await openStorage(embedded);
  for (let c = 0; c < copies; c++) {
    for (const f of files) await st.recordVersion({ agencyId: `r${c}-${f}`, year: 2024, sourceUrl: `http://127.0.0.1/${c}/${f}`, fileName: f, bytes: readFileSync(join(REAL_REPORTS, f)) });
  }
  await st.close();
  const versions = copies * files.length;
  const target = await shared();
  const t0 = Date.now();
  const m = await run(['migrate-storage', '--from', embedded, ...target]);
  if (m.code !== 0) throw new Error(`migrate-storage: ${m.out} ${m.err.slice(-400)}`);
  console.log(`migrate-storage: ${versions} versions of ${files.length} originals into PostgreSQL + S3, verified, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const reparse = ['reparse', ...target, '--workers', '1', '--no-ocr', '--json'];
  const [one] = await timed('reparse, 1 process', [run(reparse)]);
  console.log(`reparse, 1 parse process: ${versions} versions in ${one.toFixed(1)} s = ${(versions / one).toFixed(2)} reports/s`);
  // The second process is started first and given time to start up (its parser thread loads the extractors):
  // the figure is two processes parsing, not one starting.
  const helper = run(['work', '--only', 'parse', ...target, '--workers', '1', '--no-ocr', '--follow', '--json']);
  await new Promise((r) => setTimeout(r, 5000));
  const [two] = await timed('reparse, 2 processes', [run(reparse)]);
  helper.child.kill('SIGTERM');
  const h = await helper;
  console.log(`reparse, 2 parse processes: ${versions} versions in ${two.toFixed(1)} s = ${(versions / two).toFixed(2)} reports/s (the second took ${JSON.parse(h.out.trim() || '{}').parsed ?? '?'} parsed + ${JSON.parse(h.out.trim() || '{}').failed ?? '?'} failed); ${(one / two).toFixed(2)}× on ${(await import('node:os')).availableParallelism()} cores`);
} finally {
  await s3.close();
  for (const db of dbs) await dropDatabase(db).catch(() => undefined);
  if (pgDir) { spawnSync(join(ROOT, '.ci', 'postgres'), ['stop', pgDir]); rmSync(pgDir, { recursive: true, force: true }); }
  rmSync(dir, { recursive: true, force: true });
}
