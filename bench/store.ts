/**
 * Storage and archive figures, run by hand:  npx tsx bench/store.ts  [originals] [reports] [reparse]
 * 1. originals stored per second: raw archive puts (temp + fsync + link), and through the store with a
 *    fetch row and a report version each (what the crawler does per attachment);
 * 2. database size per 10,000 reports, each with a fetch, a version and a parsed record (tidy cells, checks);
 * 3. reparse speed: a few thousand archived text reports extracted and parsed again, no network.
 * Everything is written to a temp directory that is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Archive } from '../src/archive/index.ts';
import { extractOriginal } from '../src/extract/index.ts';
import { parseDocument } from '../src/parse/index.ts';
import { openStorage, reparseArchive } from '../src/pipeline/index.ts';
import { renderReport, SYNTHETIC } from '../test/helpers/synthetic.ts';

const N_ORIGINALS = Number(process.argv[2] ?? 2000);
const N_REPORTS = Number(process.argv[3] ?? 10_000);
const N_REPARSE = Number(process.argv[4] ?? 3000);
const ORIGINAL_SIZE = 150 * 1024; // a typical 年报 PDF is 100-300 KB

const root = mkdtempSync(join(tmpdir(), 'nianbao-bench-'));
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const dirSize = (d: string): number => readdirSync(d, { withFileTypes: true })
  .reduce((s, e) => s + (e.isDirectory() ? dirSize(join(d, e.name)) : statSync(join(d, e.name)).size), 0);

function report(i: number): Buffer {
  return Buffer.from(renderReport(SYNTHETIC, { sep: i % 2 ? 'tab' : 'spaces', version: '2021' }, `第${i}号市某某局`, 2019 + (i % 6)));
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), temp dir ${root}`);

  // 1a. raw archive puts
  {
    const a = Archive.open(join(root, 'raw'));
    const bodies = Array.from({ length: N_ORIGINALS }, () => randomBytes(ORIGINAL_SIZE));
    const t0 = performance.now();
    for (const b of bodies) a.put(b);
    const s = (performance.now() - t0) / 1000;
    console.log(`archive.put: ${N_ORIGINALS} originals of ${ORIGINAL_SIZE / 1024} KB in ${s.toFixed(2)} s = ${(N_ORIGINALS / s).toFixed(0)} originals/s (${(N_ORIGINALS * ORIGINAL_SIZE / 1024 / 1024 / s).toFixed(0)} MB/s), each fsynced`);
  }

  // 1b. through the store: fetch row + report version per original
  {
    const storage = await openStorage(join(root, 'via-store'));
    const run = await storage.store.runs.start('bench');
    const bodies = Array.from({ length: N_ORIGINALS }, () => randomBytes(ORIGINAL_SIZE));
    const t0 = performance.now();
    for (let i = 0; i < bodies.length; i++) {
      const url = `http://127.0.0.1/a${i % 500}/r${i}.pdf`;
      const f = await storage.recordExchange({ runId: run, agencyId: `A${i % 500}`, purpose: 'attachment', url, status: 200, responseHeaders: { 'Content-Type': 'application/pdf' }, requestHeaders: { 'User-Agent': 'nianbao' }, body: bodies[i]!, durationMs: 100 });
      await storage.recordVersion({ agencyId: `A${i % 500}`, year: 2019 + Math.floor(i / 500), sourceUrl: url, sha256: f.sha256!, fetchId: f.fetchId, runId: run, contentType: 'application/pdf', fileName: `r${i}.pdf`, title: '2023年政府信息公开工作年度报告', publishedAt: '2024-01-20', discoveredFrom: `http://127.0.0.1/a${i % 500}/list.html` });
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`storage.recordExchange + recordVersion: ${N_ORIGINALS} originals in ${s.toFixed(2)} s = ${(N_ORIGINALS / s).toFixed(0)} originals/s`);
    await storage.close();
  }

  // 2. database size per 10,000 reports (fetch + version + parsed record with cells and checks)
  {
    const dir = join(root, 'size');
    const storage = await openStorage(dir);
    const run = await storage.store.runs.start('bench');
    const parsed = parseDocument(await extractOriginal(report(1), { fileName: 'r.txt' }));
    const t0 = performance.now();
    for (let i = 0; i < N_REPORTS; i++) {
      const url = `http://www.example${i % 3000}.gov.cn/zwgk/ndbg/2024/art_${i}_${1000 + i}.html`;
      const f = await storage.recordExchange({
        runId: run, agencyId: `A${i % 3000}`, purpose: 'report-page', url, status: 200, durationMs: 240, referrer: `http://www.example${i % 3000}.gov.cn/zwgk/ndbg/`,
        requestHeaders: { 'User-Agent': 'nianbao/0.1 (+https://example.org/nianbao)', Accept: '*/*' },
        responseHeaders: { 'Content-Type': 'text/html; charset=utf-8', Server: 'nginx', Date: new Date().toUTCString(), ETag: `"${i}"`, 'Last-Modified': new Date().toUTCString() },
        body: Buffer.from(`report ${i}`),
      });
      const v = await storage.recordVersion({ agencyId: `A${i % 3000}`, year: 2019 + Math.floor(i / 3000), sourceUrl: url, sha256: f.sha256!, fetchId: f.fetchId, runId: run, title: `第${i}号市某某局2024年政府信息公开工作年度报告`, publishedAt: '2025-01-20', discoveredFrom: `http://www.example${i % 3000}.gov.cn/zwgk/ndbg/`, contentType: 'text/html' });
      await storage.store.records.save(v.versionId, { ...parsed, agency: `第${i}号市某某局` }, { runId: run });
    }
    const s = (performance.now() - t0) / 1000;
    storage.store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const cells = (storage.store.sqlite.prepare('select count(*) n from cells').get() as { n: number }).n;
    await storage.close();
    const dbBytes = statSync(join(dir, 'nianbao.sqlite')).size;
    const per10k = dbBytes / N_REPORTS * 10_000;
    console.log(`database: ${N_REPORTS} reports (fetch + version + record with ${cells / N_REPORTS} cells each) written in ${s.toFixed(1)} s (${(N_REPORTS / s).toFixed(0)} reports/s); nianbao.sqlite ${mb(dbBytes)} MB = ${mb(per10k)} MB per 10,000 reports`);
  }

  // 3. reparse speed over archived text reports
  {
    const dir = join(root, 'reparse');
    const storage = await openStorage(dir);
    for (let i = 0; i < N_REPARSE; i++) {
      await storage.recordVersion({ agencyName: `第${i}号市某某局`, year: 2019 + (i % 6), sourceUrl: `http://127.0.0.1/r${i}.txt`, bytes: report(i), fileName: `r${i}.txt`, contentType: 'text/plain' });
    }
    const originalsMb = mb(dirSize(join(dir, 'originals')));
    for (const workers of [1, Math.min(availableParallelism(), 4)]) {
      const r = await reparseArchive(storage, { workers });
      console.log(`reparse (${workers} ${workers === 1 ? 'thread' : 'worker threads'}): ${r.parsed} text reports (${originalsMb} MB of originals) extracted + parsed + saved in ${(r.elapsedMs / 1000).toFixed(1)} s = ${(r.parsed / (r.elapsedMs / 1000)).toFixed(0)} reports/s, ${r.failed.length} failed`);
    }
    await storage.close();
  }
}

try {
  await main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
