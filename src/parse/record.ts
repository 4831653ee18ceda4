/**
 * The record of one annual report, as `spec/codebook.md` describes it. Table, row and column keys are
 * those of `spec/codebook.json`.
 */
export type TableKey = 'active' | 'requests' | 'appeals';
export type FormatVersion = '2021' | '2019';

export interface Cell {
  /** The number as printed; null for a blank, a dash, a slash, or a cell that could not be read. */
  value: number | null;
  /** The printed text of the cell, as read; null when nothing was printed for it. */
  text: string | null;
  /** The value was restored from an identity (for example a missing cell from its row total), not read. */
  inferred: boolean;
  /** Where the printed numbers could be placed in more than one way and the identities could not decide. */
  uncertain: boolean;
}

export interface TableRecord {
  found: boolean;
  /** Detected from the printed labels of this table, not from the report year; null when not found. */
  version: FormatVersion | null;
  /** rows[rowKey][colKey]; every row and column of the version is present when the table was found. */
  rows: Record<string, Record<string, Cell>>;
}

export type CheckRule =
  | 'balance'
  | 'row_total'
  | 'result_total'
  | 'appeals_total'
  | 'active_published_le_total'
  | 'carried_over_previous'
  | 'active_in_force_previous';

export interface CheckResult {
  table: TableKey;
  rule: CheckRule;
  /** The row the check is about (row_total, appeals_total), if any. */
  row: string | null;
  /** The column the check is about (balance, result_total), if any. */
  col: string | null;
  left: number;
  right: number;
  pass: boolean;
  /** Cells that were null and counted as 0, as "row.col". */
  nulls_as_zero: string[];
  /** Soft checks flag likely errors; hard checks are identities printed in the format itself. */
  soft: boolean;
}

export interface ReportRecord {
  schema: 'nianbao.record/1';
  parser_version: string;
  agency: string | null;
  year: number | null;
  title: string | null;
  tables: Record<TableKey, TableRecord>;
  checks: CheckResult[];
  /** What the parser noticed: rows with too many or too few numbers, unknown rows, missing tables. */
  warnings: string[];
  extraction: { method: string; quality: number; ocr: boolean };
}
