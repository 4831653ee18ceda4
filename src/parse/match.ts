import { compact, stripNumbering } from './normalize.ts';
import { ROW_ALIASES, type RowAliases } from './labels.ts';
import type { TableKey } from './record.ts';

export interface RowMatch {
  row: string;
  alias: RowAliases;
  /** Where the phrase ends in the compact label: the rightmost match names the row. */
  end: number;
  fuzzy: boolean;
}

/** Finds which row of `table` a printed label names, tolerating split labels and small typos. */
export function matchRow(table: TableKey, label: string): RowMatch | null {
  const c = compact(label);
  if (!c) return null;
  let best: RowMatch | null = null;
  let bestLen = 0;
  for (const alias of ROW_ALIASES[table]) {
    for (const phrase of alias.phrases) {
      const at = c.lastIndexOf(phrase);
      if (at < 0) continue;
      const end = at + phrase.length;
      if (!best || end > best.end || (end === best.end && phrase.length > bestLen)) {
        best = { row: alias.row, alias, end, fuzzy: false };
        bestLen = phrase.length;
      }
    }
  }
  // Whole-label aliases: the last label field alone, numbering stripped ("3.其他", "(七)总计"). It names
  // the row unless a phrase reaches into that field: in "（六）其他处理 | 3.其他" the group label is left of it.
  const lastField = compact(lastLabelField(label));
  const bare = stripNumbering(lastField);
  if (!best || best.end <= c.length - lastField.length) {
    for (const alias of ROW_ALIASES[table]) {
      if (alias.whole?.includes(bare) || (!best && alias.whole?.includes(stripNumbering(c)))) {
        return { row: alias.row, alias, end: c.length, fuzzy: false };
      }
    }
  }
  return best ?? fuzzyMatch(table, c);
}

/** The last field of a label: cells and runs of spaces separate fields, and so does a new sub-item number. */
export function lastLabelField(label: string): string {
  return label.split(/\s{2,}|\t| (?=\d{1,2}[.、])/).pop() ?? label;
}

/** Typos like "其他法律行政止公开": a long phrase most of whose characters appear in order. */
function fuzzyMatch(table: TableKey, c: string): RowMatch | null {
  let best: RowMatch | null = null;
  let bestRatio = 0;
  for (const alias of ROW_ALIASES[table]) {
    for (const phrase of alias.phrases) {
      if (phrase.length < 6 || c.length > phrase.length * 2 + 4) continue;
      const ratio = lcs(phrase, c) / phrase.length;
      if (ratio >= 0.7 && ratio > bestRatio) {
        bestRatio = ratio;
        best = { row: alias.row, alias, end: c.length, fuzzy: true };
      }
    }
  }
  return best;
}

function lcs(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, prev[j - 1]!);
      diag = up;
    }
  }
  return prev[b.length]!;
}
