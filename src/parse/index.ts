import type { ExtractedDocument } from '../extract/document.ts';
import { runChecks } from './checks.ts';
import { documentLines } from './lines.ts';
import { findRegions } from './regions.ts';
import { buildTable } from './tables.ts';
import { flagMisreads } from './misreads.ts';
import { readTitle } from './title.ts';
import type { FormatVersion, ReportRecord, TableKey, TableRecord } from './record.ts';

export type { Cell, CheckResult, FormatVersion, ReportRecord, TableKey, TableRecord } from './record.ts';
export { codebook, columnKeys, tableRows, TABLE_KEYS } from './codebook.ts';
export { runCrossYearChecks } from './checks.ts';

/** Changes whenever the parser would read some document differently; stored beside every record. */
export const PARSER_VERSION = '1.0.0';

export interface ParseHints {
  fileName?: string;
}

/** The shared parser: one neutral document in, one codebook record out. */
export function parseDocument(doc: ExtractedDocument, _hints: ParseHints = {}): ReportRecord {
  const lines = documentLines(doc);
  const regions = findRegions(lines);
  const warnings: string[] = [...doc.warnings.map((w) => `extract: ${w}`)];
  const requests = buildTable('requests', regions.get('requests'), '2021', warnings);
  const active = buildTable('active', regions.get('active'), requests.version ?? '2021', warnings);
  // Table 四 is the same in both versions; it follows the report's requests table.
  const appeals = buildTable('appeals', regions.get('appeals'), (requests.version ?? active.version ?? '2021') as FormatVersion, warnings);
  const tables: Record<TableKey, TableRecord> = { active, requests, appeals };
  if (doc.ocr) flagMisreads(tables, warnings);
  const title = readTitle(lines, doc.meta.title, doc.meta.publisher);
  if (active.version && requests.version && active.version !== requests.version) {
    warnings.push(`mixed format: table 二 reads as ${active.version}, table 三 as ${requests.version}`);
  }
  return {
    schema: 'nianbao.record/1',
    parser_version: PARSER_VERSION,
    agency: title.agency,
    year: title.year,
    title: title.title,
    tables,
    checks: runChecks(tables),
    warnings,
    extraction: { method: doc.method, quality: doc.quality, ocr: doc.ocr },
  };
}
