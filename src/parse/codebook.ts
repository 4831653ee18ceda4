import { readFileSync } from 'node:fs';
import type { FormatVersion, TableKey } from './record.ts';

/** One row of a table as `spec/codebook.json` defines it. */
export interface CodebookRow {
  row: string;
  label: string;
  cols: [key: string, label: string][];
}

export interface Codebook {
  schema: string;
  formats: Record<FormatVersion, { source: string; tables: Record<TableKey, CodebookRow[]> }>;
}

export const codebook: Codebook = JSON.parse(
  readFileSync(new URL('../../spec/codebook.json', import.meta.url), 'utf8'),
) as Codebook;

export const TABLE_KEYS: TableKey[] = ['active', 'requests', 'appeals'];
export const VERSIONS: FormatVersion[] = ['2021', '2019'];

export function tableRows(version: FormatVersion, table: TableKey): CodebookRow[] {
  return codebook.formats[version].tables[table];
}

export function columnKeys(version: FormatVersion, table: TableKey, row: string): string[] {
  const r = tableRows(version, table).find((x) => x.row === row);
  if (!r) throw new Error(`codebook: no row ${table}.${row} in ${version}`);
  return r.cols.map(([k]) => k);
}
