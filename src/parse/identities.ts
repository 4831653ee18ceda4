import type { CheckRule, FormatVersion, TableKey } from './record.ts';
import { columnKeys, tableRows } from './codebook.ts';

/** A cell of a table: [row key, column key]. */
export type CellRef = [row: string, col: string];

/** An accounting identity of `codebook.md`: sum(left) = sum(right), or for soft ones sum(left) <= sum(right). */
export interface Identity {
  table: TableKey;
  rule: CheckRule;
  row: string | null;
  col: string | null;
  left: CellRef[];
  right: CellRef[];
  soft: boolean;
}

const APPLICANTS = ['natural_person', 'commercial', 'research', 'social_welfare', 'legal_service', 'other_org'];
const RESULT_ROW = /^(granted|partly_granted|denied_|unable_|rejected_|other)/;

/** Every identity that applies to one table of the given version, derived from the codebook. */
export function identitiesFor(table: TableKey, version: FormatVersion): Identity[] {
  const rows = tableRows(version, table);
  const ids: Identity[] = [];
  if (table === 'requests') {
    const cols = columnKeys(version, 'requests', 'new');
    for (const r of rows) {
      ids.push({
        table, rule: 'row_total', row: r.row, col: 'total', soft: false,
        left: [[r.row, 'total']], right: APPLICANTS.map((c) => [r.row, c] as CellRef),
      });
    }
    const results = rows.map((r) => r.row).filter((r) => RESULT_ROW.test(r));
    for (const c of cols) {
      ids.push({
        table, rule: 'balance', row: null, col: c, soft: false,
        left: [['new', c], ['carried_over', c]], right: [['total', c], ['carried_forward', c]],
      });
      ids.push({
        table, rule: 'result_total', row: 'total', col: c, soft: false,
        left: [['total', c]], right: results.map((r) => [r, c] as CellRef),
      });
    }
  } else if (table === 'appeals') {
    for (const r of rows) {
      ids.push({
        table, rule: 'appeals_total', row: r.row, col: 'total', soft: false,
        left: [[r.row, 'total']], right: ['upheld', 'corrected', 'other', 'pending'].map((c) => [r.row, c] as CellRef),
      });
    }
  } else if (version === '2019') {
    for (const row of ['regulations', 'normative_documents']) {
      ids.push({
        table, rule: 'active_published_le_total', row, col: 'new_published', soft: true,
        left: [[row, 'new_published']], right: [[row, 'total_published']],
      });
    }
  }
  return ids;
}
