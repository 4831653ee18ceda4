import { identitiesFor, type CellRef } from './identities.ts';
import type { CheckResult, TableKey, TableRecord } from './record.ts';

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

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
