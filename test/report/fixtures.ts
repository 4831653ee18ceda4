/**
 * Hand-made facts for the report tests. Every date and number here was chosen by hand, so the expected
 * statuses, day counts and values in the tests are worked out on paper, not copied from the code.
 */
import { tableRows, type ReportRecord, type TableKey, type TableRecord } from '../../src/parse/index.ts';
import type { AgencyFacts, ListEvidence, ReportVersion } from '../../src/report/types.ts';

export function agency(id: string, over: Partial<AgencyFacts> = {}): AgencyFacts {
  return {
    agencyId: id, name: `机构${id}`, regionCode: '640200', level: 'city', kind: 'department', parentId: null,
    homeUrl: `http://${id}.localhost/`, reportListUrls: [`http://${id}.localhost/nb/`], render: 'http', ...over,
  };
}

/** A 2021-format record whose cells are all blank except the ones given as "table.row.col" → value. */
export function record(values: Record<string, number>, over: Partial<ReportRecord> = {}): ReportRecord {
  const tables = {} as Record<TableKey, TableRecord>;
  for (const t of ['active', 'requests', 'appeals'] as TableKey[]) {
    const rows: TableRecord['rows'] = {};
    for (const r of tableRows('2021', t)) {
      rows[r.row] = {};
      for (const [c] of r.cols) {
        const v = values[`${t}.${r.row}.${c}`];
        rows[r.row]![c] = { value: v ?? null, text: v === undefined ? null : String(v), inferred: false, uncertain: false };
      }
    }
    tables[t] = { found: true, version: '2021', rows };
  }
  return {
    schema: 'nianbao.record/1', parser_version: 'test', agency: null, year: null, title: null, tables, checks: [], warnings: [],
    extraction: { method: 'text', quality: 1, ocr: false }, ...over,
  };
}

let n = 0;
export function version(agencyId: string, year: number, over: Partial<ReportVersion> = {}): ReportVersion {
  n++;
  return {
    agencyId, year, url: `http://${agencyId}.localhost/nb/${year}-${n}.html`, sha256: n.toString(16).padStart(64, '0'),
    fetchedAt: '2024-04-15T02:00:00.000Z', shownDate: null, shownDateSource: null, title: `${year}年政府信息公开工作年度报告`,
    current: true, archivePath: null, parse: { ok: true, record: record({}) }, ...over,
  };
}

export function read(agencyId: string, over: Partial<ListEvidence> = {}): ListEvidence {
  return {
    agencyId, url: `http://${agencyId}.localhost/nb/`, readAt: '2024-04-15T02:00:00.000Z', outcome: 'ok', httpStatus: 200,
    reason: null, held: '3 report links; newest: 2022年政府信息公开工作年度报告', sha256: null, ...over,
  };
}
