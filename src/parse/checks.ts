import { identitiesFor, type CellRef } from './identities.ts';
import { columnKeys } from './codebook.ts';
import type { CheckResult, CheckRule, ReportRecord, TableKey, TableRecord } from './record.ts';

/** Every accounting check of `codebook.md` that applies within one report, with both sides as printed. */
export function runChecks(tables: Record<TableKey, TableRecord>): CheckResult[] {
  const results: CheckResult[] = [];
  for (const table of ['active', 'requests', 'appeals'] as const) {
    const t = tables[table];
    if (!t.found || !t.version) continue;
    for (const id of identitiesFor(table, t.version)) {
      const cells = [...id.left, ...id.right];
      const value = ([r, c]: CellRef) => t.rows[r]?.[c]?.value ?? null;
      if (cells.every((ref) => value(ref) === null)) continue;
      const nulls = cells.filter((ref) => value(ref) === null).map(([r, c]) => `${r}.${c}`);
      const left = round(id.left.reduce((s, ref) => s + (value(ref) ?? 0), 0));
      const right = round(id.right.reduce((s, ref) => s + (value(ref) ?? 0), 0));
      results.push({
        table,
        rule: id.rule,
        row: id.row,
        col: id.col,
        left,
        right,
        pass: id.soft ? left <= right : left === right,
        nulls_as_zero: nulls,
        soft: id.soft,
      });
    }
  }
  return results;
}

/** A cell of this year's report or of the same agency's report for the year before. */
type YearCellRef = [which: 'this' | 'previous', row: string, col: string];

interface CrossYearRule {
  table: TableKey;
  rule: CheckRule;
  soft: boolean;
  /** The rows the rule is about (one check per row and column), with the identity for one cell. */
  rows: string[];
  cols: (t: TableRecord) => string[];
  left: (row: string, col: string) => YearCellRef[];
  right: (row: string, col: string) => YearCellRef[];
  /** Subtracted on the right (in force = in force before + issued - repealed). */
  minus?: (row: string, col: string) => YearCellRef[];
  /** Only when both years use this format version. */
  version?: TableRecord['version'];
}

/** codebook.md rule 4 and the soft continuity of table 二: the checks across two consecutive years. */
const CROSS_YEAR: CrossYearRule[] = [
  {
    table: 'requests', rule: 'carried_over_previous', soft: false, rows: ['carried_over'],
    cols: (t) => columnKeys(t.version!, 'requests', 'carried_over'),
    left: (_r, c) => [['this', 'carried_over', c]], right: (_r, c) => [['previous', 'carried_forward', c]],
  },
  {
    table: 'active', rule: 'active_in_force_previous', soft: true, version: '2021', rows: ['regulations', 'normative_documents'],
    cols: () => ['in_force'],
    left: (r) => [['this', r, 'in_force']],
    right: (r) => [['previous', r, 'in_force'], ['this', r, 'issued']],
    minus: (r) => [['this', r, 'repealed']],
  },
];

/**
 * The checks between an agency's report for year N and its report for N-1 (`previous`). Cells counted as
 * 0 are named "previous:row.col" when they belong to the earlier report.
 */
export function runCrossYearChecks(current: ReportRecord, previous: ReportRecord): CheckResult[] {
  const results: CheckResult[] = [];
  for (const rule of CROSS_YEAR) {
    const now = current.tables[rule.table];
    const before = previous.tables[rule.table];
    if (!now.found || !before.found || !now.version || now.version !== before.version) continue;
    if (rule.version && now.version !== rule.version) continue;
    const value = ([which, r, c]: YearCellRef) => (which === 'this' ? now : before).rows[r]?.[c]?.value ?? null;
    const name = ([which, r, c]: YearCellRef) => `${which === 'previous' ? 'previous:' : ''}${r}.${c}`;
    for (const row of rule.rows) {
      for (const col of rule.cols(now)) {
        const left = rule.left(row, col);
        const right = rule.right(row, col);
        const minus = rule.minus?.(row, col) ?? [];
        const cells = [...left, ...right, ...minus];
        if (cells.every((ref) => value(ref) === null)) continue;
        const sum = (refs: YearCellRef[]) => refs.reduce((s, ref) => s + (value(ref) ?? 0), 0);
        const l = round(sum(left));
        const r = round(sum(right) - sum(minus));
        results.push({
          table: rule.table, rule: rule.rule, row, col, left: l, right: r, pass: l === r,
          nulls_as_zero: cells.filter((ref) => value(ref) === null).map(name), soft: rule.soft,
        });
      }
    }
  }
  return results;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
