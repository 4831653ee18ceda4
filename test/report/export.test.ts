import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsvRows } from '../../src/seeds/index.ts';
import { writeExport } from '../../src/report/export.ts';
import type { ReportFacts } from '../../src/report/types.ts';
import { agency, read, record, version } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'nianbao-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Values as a person would copy them from a report: 12 new requests from natural persons, 3 from
// companies, 15 in total; fees of 1.25 万元; and a comma and a quote in the title to test CSV quoting.
const rec = record(
  { 'requests.new.natural_person': 12, 'requests.new.commercial': 3, 'requests.new.total': 15, 'active.fees.amount_10k_yuan': 1.25 },
  {
    checks: [{ table: 'requests', rule: 'balance', row: null, col: 'total', left: 15, right: 14, pass: false, nulls_as_zero: ['carried_over.total'], soft: false }],
    warnings: ['row "其他" has 6 numbers'],
  },
);
rec.tables.requests.rows['granted']!['total'] = { value: 9, text: null, inferred: true, uncertain: false };
const facts: ReportFacts = {
  agencies: [agency('a1', { name: '某市"交通"局, 二处' }), agency('a2', { kind: 'government' })],
  versions: [
    version('a1', 2023, { sha256: 'a'.repeat(64), title: '2023年度报告, "修订"', shownDate: '2024-02-14', shownDateSource: 'list page', parse: { ok: true, record: rec }, fetchedAt: '2024-02-20T08:00:00+08:00',
      listedOn: ['http://a1.localhost/nb/', 'http://gov.localhost/bm/'] }),
    version('a2', 2023, { sha256: 'b'.repeat(64), parse: { ok: false, problem: 'no text layer' } }),
  ],
  evidence: [read('a2')],
};

describe('nianbao export', async () => {
  const result = await writeExport(dir, facts, { today: '2024-04-20' });
  const csv = (name: string) => {
    const rows = parseCsvRows(readFileSync(join(dir, name), 'utf8'));
    const header = rows[0]!.cells;
    return rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r.cells[i]!])));
  };

  it('writes every file', () => {
    const names = result.files.map((f) => f.path.slice(dir.length + 1)).sort();
    expect(names).toEqual([
      // Issue 13: versions (every original) and cells_all (cells of every version) beside reports and cells.
      'agencies.csv', 'agencies.parquet', 'cells.csv', 'cells.parquet', 'cells_all.csv', 'cells_all.parquet', 'checks.csv', 'checks.parquet', 'codebook.json', 'codebook.md',
      'datapackage.json', 'reports.csv', 'reports.parquet', 'status.csv', 'status.parquet', 'versions.csv', 'versions.parquet',
    ]);
  });

  it('cells.csv is tidy: one value per row, blanks empty, printed text and inferred kept', () => {
    const cells = csv('cells.csv');
    // codebook.md: the 2021 format has 200 cells (active 10, requests 25 rows × 7, appeals 3 × 5).
    expect(cells.length).toBe(200);
    const get = (row: string, col: string) => cells.find((c) => c.table === 'requests' && c.row === row && c.column === col)!;
    expect(get('new', 'natural_person')).toMatchObject({ value: '12', text: '12', inferred: 'false', ocr: 'false', sha256: 'a'.repeat(64), agency_id: 'a1', year: '2023' });
    expect(get('new', 'total').value).toBe('15');
    expect(get('new', 'research')).toMatchObject({ value: '', text: '' });
    expect(get('granted', 'total')).toMatchObject({ value: '9', inferred: 'true' });
    expect(cells.find((c) => c.row === 'fees')!.value).toBe('1.25');
  });

  it('reports, checks, agencies and status re-read', () => {
    const reports = csv('reports.csv');
    expect(reports).toHaveLength(2);
    expect(reports[0]!.listed_on).toBe('http://a1.localhost/nb/ | http://gov.localhost/bm/');
    expect(reports[0]).toMatchObject({ title: '2023年度报告, "修订"', parsed: 'true', checks_failed: '1', shown_date: '2024-02-14', fetched_at: '2024-02-20T00:00:00.000Z' });
    expect(reports[1]).toMatchObject({ parsed: 'false', parse_problem: 'no text layer' });
    expect(csv('checks.csv')[0]).toMatchObject({ rule: 'balance', column: 'total', left: '15', right: '14', pass: 'false', nulls_as_zero: 'carried_over.total' });
    expect(csv('agencies.csv')[0]!.name).toBe('某市"交通"局, 二处');
    const status = csv('status.csv');
    expect(status.find((s) => s.agency_id === 'a1')).toMatchObject({ status: 'late', days_late: '14' });
    expect(status.find((s) => s.agency_id === 'a2')!.status).toBe('not_parsed');
  });

  it('Parquet reads back in DuckDB with the same numbers and types', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const q = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJS();
    const p = (n: string) => `'${join(dir, n)}'`;
    expect(await q(`SELECT value, text, inferred FROM ${p('cells.parquet')} WHERE "table"='requests' AND "row"='new' AND "column"='natural_person'`))
      .toEqual([{ value: 12, text: '12', inferred: false }]);
    expect(await q(`SELECT sum(value) AS s, count(value) AS n, count(*) AS all FROM ${p('cells.parquet')} WHERE "row"='new'`))
      .toEqual([{ s: 30, n: 3n, all: 7n }]);
    const r = await q(`SELECT year, typeof(year) AS ty, strftime(shown_date, '%Y-%m-%d') AS shown_date, typeof(shown_date) AS td, fetched_at, checks_failed FROM ${p('reports.parquet')} WHERE agency_id='a1'`);
    expect(r[0]).toMatchObject({ year: 2023n, ty: 'BIGINT', checks_failed: 1n });
    expect(r[0]).toMatchObject({ shown_date: '2024-02-14', td: 'DATE' });
    expect((r[0]!.fetched_at as Date).toISOString()).toBe('2024-02-20T00:00:00.000Z');
    // Issue 13: times are marked UTC in the Parquet file, not left zone-less.
    expect(await q(`SELECT typeof(fetched_at) AS t FROM ${p('reports.parquet')} LIMIT 1`)).toEqual([{ t: 'TIMESTAMP WITH TIME ZONE' }]);
    expect(await q(`SELECT days_late FROM ${p('status.parquet')} WHERE agency_id='a1' AND year=2023`)).toEqual([{ days_late: 14n }]);
    con.closeSync();
    db.closeSync();
  });

  it('datapackage.json describes every column of every file', () => {
    const pkg = JSON.parse(readFileSync(join(dir, 'datapackage.json'), 'utf8'));
    expect(pkg.profile).toBe('tabular-data-package');
    for (const res of pkg.resources.filter((r: { format: string }) => r.format === 'csv')) {
      const header = readFileSync(join(dir, res.path), 'utf8').split('\n')[0]!.split(',');
      expect(res.schema.fields.map((f: { name: string }) => f.name)).toEqual(header);
      for (const f of res.schema.fields) expect(f.description.length).toBeGreaterThan(3);
      expect(res.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    expect(JSON.parse(readFileSync(join(dir, 'codebook.json'), 'utf8')).formats['2021']).toBeTruthy();
  });
});
