/**
 * Registry coverage: per province and level, how many governments there are, how their portal URLs are
 * known (hint, verified, failed, none), how many have their 年报 column found, and how many departments
 * were discovered under them.
 */
import type { Agency } from './index.ts';
import { provinceCode, provinces } from './regions.ts';

export interface CoverageRow {
  /** `440000`; null for agencies without a region code (national ministries). */
  provinceCode: string | null;
  province: string | null;
  /** null in a total over every level. */
  level: string | null;
  governments: number;
  /** Governments whose URL is a hint, verified, failed; with no URL; with a URL but no url_status (a plain seed file). */
  hint: number;
  verified: number;
  failed: number;
  noUrl: number;
  noStatus: number;
  /** Governments with a 年报 column (report_list_url). */
  column: number;
  /** Agencies of another kind filed under a government of the group (through parent_id). */
  departments: number;
}

export interface Coverage {
  /** One row per province and level, in code and level order. */
  rows: CoverageRow[];
  /** One row per level over all provinces, then one over everything (level null). */
  totals: CoverageRow[];
}

const LEVEL_ORDER = ['national', 'province', 'city', 'county', 'township'];

const emptyRow = (provinceCode: string | null, province: string | null, level: string | null): CoverageRow => ({
  provinceCode, province, level, governments: 0, hint: 0, verified: 0, failed: 0, noUrl: 0, noStatus: 0, column: 0, departments: 0,
});

function add(row: CoverageRow, a: Agency, asGovernment: boolean): void {
  if (!asGovernment) { row.departments++; return; }
  row.governments++;
  const status = a.provenance?.urlStatus ?? null;
  if (!a.homeUrl && !a.reportListUrls.length) row.noUrl++;
  else if (status) row[status]++;
  else row.noStatus++;
  if (a.reportListUrls.length) row.column++;
}

export function coverage(agencies: Agency[]): Coverage {
  const byId = new Map(agencies.map((a) => [a.agencyId, a]));
  // A department counts where the government it belongs to counts; one with none, where its own code puts it.
  const governmentOf = (a: Agency): Agency => {
    const seen = new Set<string>();
    let at = a;
    while (at.kind !== 'government' && at.parentId && !seen.has(at.parentId) && byId.has(at.parentId)) {
      seen.add(at.agencyId);
      at = byId.get(at.parentId)!;
    }
    return at;
  };
  const names = new Map(provinces().map((p) => [p.code, p.name]));
  const groups = new Map<string, CoverageRow>();
  const totals = new Map<string, CoverageRow>();
  const all = emptyRow(null, null, null);
  for (const a of agencies) {
    const asGovernment = a.kind === 'government';
    const home = asGovernment ? a : governmentOf(a);
    const p = provinceCode(home.regionCode);
    const level = home.level ?? '';
    const key = `${p ?? ''} ${level}`;
    if (!groups.has(key)) groups.set(key, emptyRow(p, p ? names.get(p) ?? null : null, home.level));
    if (!totals.has(level)) totals.set(level, emptyRow(null, null, home.level));
    for (const row of [groups.get(key)!, totals.get(level)!, all]) add(row, a, asGovernment);
  }
  const levelRank = (l: string | null) => { const i = LEVEL_ORDER.indexOf(l ?? ''); return i < 0 ? LEVEL_ORDER.length : i; };
  const byLevel = (a: CoverageRow, b: CoverageRow) => levelRank(a.level) - levelRank(b.level) || (a.level ?? '').localeCompare(b.level ?? '');
  return {
    // Agencies without a province (national ministries) last.
    rows: [...groups.values()].sort((a, b) => Number(a.provinceCode === null) - Number(b.provinceCode === null)
      || (a.provinceCode ?? '').localeCompare(b.provinceCode ?? '') || byLevel(a, b)),
    totals: [...[...totals.values()].sort(byLevel), all],
  };
}

const COUNT_COLUMNS: [keyof CoverageRow, string][] = [
  ['governments', 'governments'], ['hint', 'hint'], ['verified', 'verified'], ['failed', 'failed'], ['noUrl', 'no_url'],
  ['noStatus', 'no_status'], ['column', 'column'], ['departments', 'departments'],
];

/** A plain-text table: numbers aligned, the province's name last (Chinese names do not pad evenly). */
export function coverageText(c: Coverage): string {
  const head = ['province', 'level', ...COUNT_COLUMNS.map(([, h]) => h), 'name'];
  const line = (r: CoverageRow, province: string) => [province, r.level ?? 'all', ...COUNT_COLUMNS.map(([k]) => String(r[k])), r.province ?? ''];
  const lines = [head, ...c.rows.map((r) => line(r, r.provinceCode ?? '-')), ...c.totals.map((r) => line(r, 'all'))];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : i === l.length - 1 ? v : v.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** The JSON form: snake_case keys as in the CSV. */
export function coverageJson(c: Coverage): { rows: Record<string, unknown>[]; totals: Record<string, unknown>[] } {
  const json = (r: CoverageRow) => ({
    province_code: r.provinceCode, province: r.province, level: r.level,
    ...Object.fromEntries(COUNT_COLUMNS.map(([k, h]) => [h, r[k]])),
  });
  return { rows: c.rows.map(json), totals: c.totals.map(json) };
}
