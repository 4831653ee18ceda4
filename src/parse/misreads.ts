import { identitiesFor, type CellRef } from './identities.ts';
import type { TableKey, TableRecord } from './record.ts';

/**
 * OCR misreads, flagged by the identities (never rewritten): a cell in two failing identities (its row's
 * 总计 and its column's balance or result total) is the likely misread; where a failing identity shares
 * no cell with another, all its cells are in doubt. Flagged cells keep their value and are marked
 * uncertain; the checks still record the failure. Empty cells are marked too: OCR cannot tell a blank
 * from a cell it failed to read.
 */
export function flagMisreads(tables: Record<TableKey, TableRecord>, warnings: string[]): void {
  // OCR cannot tell a blank cell from one it failed to read: every empty cell of a found table is in doubt.
  for (const key of ['active', 'requests', 'appeals'] as const) {
    const t = tables[key];
    if (!t.found) continue;
    for (const row of Object.values(t.rows)) for (const cell of Object.values(row)) if (cell.value === null) cell.uncertain = true;
  }
  for (const key of ['requests', 'appeals'] as const) {
    const t = tables[key];
    if (!t.found || !t.version) continue;
    const value = ([r, c]: CellRef) => t.rows[r]?.[c]?.value ?? null;
    const failing = identitiesFor(key, t.version).filter((id) => {
      if (id.soft) return false;
      const cells = [...id.left, ...id.right];
      if (cells.every((ref) => value(ref) === null)) return false;
      const sum = (refs: CellRef[]) => refs.reduce((s, ref) => s + (value(ref) ?? 0), 0);
      return Math.abs(sum(id.left) - sum(id.right)) > 1e-9;
    });
    const count = new Map<string, number>();
    for (const id of failing) for (const [r, c] of [...id.left, ...id.right]) count.set(`${r}.${c}`, (count.get(`${r}.${c}`) ?? 0) + 1);
    const flagged = new Set<string>();
    for (const id of failing) {
      const cells = [...id.left, ...id.right].map(([r, c]) => `${r}.${c}`);
      const shared = cells.filter((k) => count.get(k)! > 1);
      for (const k of shared.length ? shared : cells) flagged.add(k);
    }
    for (const k of flagged) {
      const [r, c] = k.split('.') as [string, string];
      const cell = t.rows[r]?.[c];
      if (!cell || cell.uncertain) continue;
      cell.uncertain = true;
      warnings.push(`${key}.${r}.${c}: OCR value ${cell.value ?? 'blank'} fails the identities; marked uncertain, kept as read`);
    }
  }
}
