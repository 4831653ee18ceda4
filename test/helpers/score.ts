import type { ReportRecord, TableKey } from '../../src/parse/index.ts';

/** What the labels hold: table → row → values in codebook column order (a row or table left out is not scored). */
export type Labels = Partial<Record<TableKey, Record<string, (number | null)[]> | undefined>>;

export interface Score {
  cells: number;
  /** Value equals the label. */
  right: number;
  /** Value differs from the label and the cell is not marked uncertain: a silent error. */
  wrongCertain: number;
  /** Differs (or null) but marked uncertain. */
  marked: number;
  misses: string[];
}

/** Scores a record against hand labels, cell by cell. */
export function score(record: ReportRecord, labels: Labels): Score {
  const s: Score = { cells: 0, right: 0, wrongCertain: 0, marked: 0, misses: [] };
  for (const [table, rows] of Object.entries(labels) as [TableKey, Record<string, (number | null)[]> | undefined][]) {
    if (!rows) continue;
    for (const [row, want] of Object.entries(rows)) {
      const cells = Object.values(record.tables[table].rows[row] ?? {});
      want.forEach((v, i) => {
        s.cells++;
        const c = cells[i];
        if (c && c.value === v) s.right++;
        else {
          if (c?.uncertain) s.marked++;
          else s.wrongCertain++;
          s.misses.push(`${table}.${row}[${i}]=${c?.value ?? 'null'}${c?.uncertain ? '?' : ''} want ${v}`);
        }
      });
    }
  }
  return s;
}

export const pct = (s: Score) => `${s.right}/${s.cells} (${((100 * s.right) / Math.max(1, s.cells)).toFixed(1)}%)`;
