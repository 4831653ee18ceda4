/**
 * Report-stage benchmark (run by hand: `npx tsx bench/report.ts [agencies]`): status, export (CSV +
 * Parquet) and dashboard over synthetic facts, and loading facts from a real SQLite store.
 * Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableRows, type ReportRecord, type TableKey } from '../src/parse/index.ts';
import { computeStatus } from '../src/report/status.ts';
import { writeExport } from '../src/report/export.ts';
import { writeDashboard } from '../src/report/dashboard.ts';
import { loadFacts } from '../src/report/source.ts';
import type { AgencyFacts, ReportFacts, ReportVersion } from '../src/report/types.ts';
import { openStorage } from '../src/pipeline/index.ts';
import { agencyToRow } from '../src/seeds/index.ts';
import { record } from '../test/report/fixtures.ts';

const N = Number(process.argv[2] ?? 2000);
const YEARS = [2019, 2020, 2021, 2022, 2023];
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

function rec(): ReportRecord {
  const values: Record<string, number> = {};
  for (const t of ['active', 'requests', 'appeals'] as TableKey[]) {
    for (const r of tableRows('2021', t)) {
      for (const [c] of r.cols) if (rnd() >= 0.2) values[`${t}.${r.row}.${c}`] = Math.floor(rnd() * 100);
    }
  }
  return record(values, {
    parser_version: 'bench', extraction: { method: 'bench', quality: 1, ocr: false },
    checks: [{ table: 'requests', rule: 'balance', row: null, col: 'total', left: 1, right: rnd() < 0.3 ? 2 : 1, pass: rnd() > 0.3, nulls_as_zero: [], soft: false }],
  });
}

function facts(n: number): ReportFacts {
  const agencies: AgencyFacts[] = [];
  const versions: ReportVersion[] = [];
  for (let i = 0; i < n; i++) {
    const id = `a${i}`;
    agencies.push({ agencyId: id, name: `机构${i}`, regionCode: `${11 + (i % 30)}0100`, level: i % 5 ? 'county' : 'city', kind: i % 4 ? 'department' : 'government', parentId: null, homeUrl: null, reportListUrls: [], render: 'http' });
    for (const y of YEARS) {
      if (rnd() < 0.15) continue;
      const day = 1 + Math.floor(rnd() * 80);
      const d = new Date(Date.UTC(y + 1, 0, day)).toISOString();
      versions.push({ agencyId: id, year: y, url: `http://x.localhost/${id}/${y}`, sha256: `${i}-${y}`.padStart(64, '0'), fetchedAt: d,
        shownDate: rnd() < 0.8 ? d.slice(0, 10) : null, shownDateSource: 'page', title: null, current: true, archivePath: null, parse: { ok: true, record: rec() } });
    }
  }
  return { agencies, versions, evidence: agencies.map((a) => ({ agencyId: a.agencyId, url: 'http://x.localhost/', readAt: '2024-04-15T00:00:00Z', outcome: 'ok' as const, httpStatus: 200, reason: null, held: null, sha256: null })) };
}

const time = async <T>(label: string, f: () => Promise<T> | T): Promise<T> => {
  const t = performance.now();
  const r = await f();
  console.log(`${label.padEnd(48)} ${(performance.now() - t).toFixed(0).padStart(7)} ms`);
  return r;
};

const dir = mkdtempSync(join(tmpdir(), 'nianbao-bench-report-'));
try {
  const f = await time(`synthetic facts: ${N} agencies × ${YEARS.length} years`, () => facts(N));
  console.log(`  ${f.versions.length} report versions, ${f.versions.length * 200} cells`);
  await time(`status, ${YEARS.length} years`, () => { for (const y of YEARS) computeStatus(f, y, '2024-04-20'); });
  const ex = await time('export CSV + Parquet + datapackage', () => writeExport(join(dir, 'export'), f, { today: '2024-04-20' }));
  for (const file of ex.files) if (/cells|reports/.test(file.path)) console.log(`  ${file.path.split('/').pop()!.padEnd(16)} ${file.rows ?? ''} rows ${(file.bytes / 1e6).toFixed(1)} MB`);
  const dash = await time('dashboard', () => writeDashboard(join(dir, 'site'), f, { today: '2024-04-20' }));
  console.log(`  index.html ${(statSync(dash.index).size / 1e6).toFixed(1)} MB`);

  const m = Math.min(N, 300);
  const small = facts(m);
  const storage = await openStorage(join(dir, 'storage'));
  await time(`storage fill: ${m} agencies, ${small.versions.length} versions (storage API)`, async () => {
    await storage.store.agencies.upsert(small.agencies.map(agencyToRow));
    for (const v of small.versions) {
      const r = await storage.recordVersion({ agencyId: v.agencyId, year: v.year, sourceUrl: v.url, bytes: Buffer.from(v.url), publishedAt: v.shownDate, seenAt: v.fetchedAt });
      if (v.parse.ok) await storage.store.records.save(r.versionId, v.parse.record);
    }
  });
  await storage.close();
  const ro = await openStorage(join(dir, 'storage'), { readonly: true });
  const loaded = await time('loadFacts from the store', () => loadFacts(ro));
  await ro.close();
  console.log(`  ${loaded.versions.length} versions loaded`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
