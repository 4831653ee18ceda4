import { readFileSync } from 'node:fs';
import { documentFromText } from '../../src/extract/index.ts';
import { parseDocument, tableRows, type ReportRecord, type TableKey } from '../../src/parse/index.ts';
import type { FormatVersion } from '../../src/parse/record.ts';

export { FIXTURES } from './fixtures.ts';
import { FIXTURES } from './fixtures.ts';

export function parseText(text: string, method: 'text' | 'markdown' = 'text'): ReportRecord {
  return parseDocument(documentFromText(text, method));
}

export function readFixture(path: string): string {
  return readFileSync(FIXTURES + path, 'utf8');
}

/** A table as rows of values, written by hand: [rowKey, values in codebook column order]. */
export type ExpectedTable = Record<string, (number | null)[]>;

/** Every row of a version filled with zeros, then the rows given. */
export function zerosExcept(version: FormatVersion, table: TableKey, rows: ExpectedTable = {}): ExpectedTable {
  const out: ExpectedTable = {};
  for (const r of tableRows(version, table)) out[r.row] = rows[r.row] ?? r.cols.map(() => 0);
  return out;
}

/** The record's table as rows of values, for comparison with a hand-written table. */
export function valuesOf(record: ReportRecord, table: TableKey): ExpectedTable {
  const t = record.tables[table];
  const out: ExpectedTable = {};
  for (const [row, cells] of Object.entries(t.rows)) out[row] = Object.values(cells).map((c) => c.value);
  return out;
}
