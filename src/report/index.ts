/**
 * The report stage: publication status (who is late, who is missing, on what evidence), the research
 * export, the static dashboard and the nightly run. Everything reads plain facts (`types.ts`), which
 * `source.ts` loads from the store.
 */
import { statusRows, tableDef } from './dataset.ts';
import { toCsv } from './csv.ts';
import { loadFacts } from './source.ts';
import { STATUS_KINDS, type StatusReport } from './status.ts';
import type { AgencyFacts, ReportFacts } from './types.ts';

export type { AgencyFacts, ListEvidence, ReportFacts, ReportVersion } from './types.ts';
export { deadlineFor, todayInChina, timeliness, normalizeShownDate } from './deadline.ts';
export { computeStatus, STATUS_KINDS, STATUS_MEANING, type StatusKind, type StatusReport, type StatusRow } from './status.ts';
export { writeExport, type ExportOptions, type ExportResult } from './export.ts';
export { writeDashboard, dashboardData, type DashboardOptions } from './dashboard.ts';
export { loadFacts } from './source.ts';
export { TABLES } from './dataset.ts';

/** Status rows with the agency's name, region, level and kind first (for CSV and JSON output). */
export function statusTable(report: StatusReport): Record<string, string | number | boolean | null>[] {
  const base = statusRows(report.rows, report.today);
  return report.rows.map((r, i) => {
    const { agency_id: _id, ...rest } = base[i]!;
    return { agency_id: r.agencyId, name: r.name, region_code: r.regionCode, province: r.province, level: r.level, kind: r.kind, ...rest };
  });
}

export function statusCsv(report: StatusReport): string {
  const cols = ['agency_id', 'name', 'region_code', 'province', 'level', 'kind', ...tableDef('status').fields.map((f) => f.name).filter((n) => n !== 'agency_id')];
  return toCsv(cols, statusTable(report));
}

const ORDER = ['late', 'missing', 'unreachable', 'blocked', 'not_parsed', 'published_undated', 'not_checked', 'not_yet_due', 'on_time'];

/** The readable view: one line per agency, worst first, then totals by group. */
export function statusText(report: StatusReport): string {
  const out: string[] = [`Report year ${report.year}, as of ${report.today}: ${report.rows.length} agencies`];
  const rows = [...report.rows].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status) || a.agencyId.localeCompare(b.agencyId));
  for (const r of rows) {
    const label = r.status === 'late' ? `late ${r.daysLate}d` : r.status;
    out.push(`  ${label.padEnd(18)} ${r.agencyId}  ${r.name}`);
    out.push(`  ${''.padEnd(18)} ${r.evidence}${r.url && !r.evidence.includes(r.url) ? `  <${r.url}>` : ''}`);
  }
  out.push('', 'Totals');
  const kinds = STATUS_KINDS.filter((k) => report.totals.groups['all']![k] > 0);
  out.push(`  ${'group'.padEnd(18)}${'agencies'.padStart(9)}${kinds.map((k) => k.padStart(Math.max(k.length, 6) + 1)).join('')}`);
  for (const [g, c] of Object.entries(report.totals.groups).sort(([a], [b]) => (a === 'all' ? -1 : b === 'all' ? 1 : a.localeCompare(b)))) {
    out.push(`  ${g.padEnd(18)}${String(c.agencies).padStart(9)}${kinds.map((k) => String(c[k]).padStart(Math.max(k.length, 6) + 1)).join('')}`);
  }
  return out.join('\n') + '\n';
}
export { exportWarc, cdxjLines, type WarcExportOptions, type WarcExportResult } from './warc.ts';
