import type { LineParts } from './lines.ts';
import type { PrintedRow, TableRegion } from './regions.ts';

/**
 * A table's rows are printed in the codebook's order, whatever happens to their labels (wrapped away,
 * left in the text above a markdown table, lost in a one-cell-per-line rendering). Rows named by their
 * own label are anchors (those out of order are not trusted); between two anchors, when the rows of
 * numbers found equal the rows the template has there, they take those rows in order. Otherwise only
 * a nearby label can place a row, and the rest stay unplaced.
 */
export function orderRows(region: TableRegion, template: string[], warnings: string[], minNumbers = 3): PrintedRow[] {
  const pos = new Map(template.map((r, i) => [r, i]));
  const rowLike = (parts: LineParts) => looksLikeRow(parts, minNumbers);
  const items: Array<{ line: number; parts: LineParts; own?: string; near?: string }> = [
    // A row named only by a nearby label must look like a row (a stray "1" under a label is not one); a
    // row named for the other format version ("（六）其他处理" heading three 2021 rows) is unnamed here.
    ...region.rows.filter((r) => (r.how === 'own' && pos.has(r.row)) || rowLike(r.parts)).map((r) => ({
      line: r.line, parts: r.parts, ...(!pos.has(r.row) ? {} : r.how === 'own' ? { own: r.row } : { near: r.row }),
    })),
    ...region.orphans.filter((o) => rowLike(o.parts)).map((o) => ({ line: o.line, parts: o.parts })),
  ].sort((a, b) => a.line - b.line);
  // Anchors: the longest run of own-labelled rows in template order (a duplicate or stray label drops out).
  const owned = items.map((it, i) => [i, it.own ? pos.get(it.own)! : -1] as const).filter(([, p]) => p >= 0);
  const anchors = new Set(longestIncreasing(owned.map(([, p]) => p)).map((k) => owned[k]![0]));
  const out: PrintedRow[] = [];
  const used = new Set<number>();
  let prevItem = -1;
  let prevPos = -1;
  const fill = (from: number, to: number, lo: number, hi: number) => {
    const gap = items.slice(from + 1, to).filter((it) => !(it.own && used.has(pos.get(it.own)!)));
    const rows = template.slice(lo + 1, hi).filter((_, k) => !used.has(lo + 1 + k));
    if (!gap.length || !rows.length) return;
    if (gap.length === rows.length) {
      gap.forEach((it, k) => out.push({ row: rows[k]!, parts: it.parts, line: it.line, how: 'near' }));
      for (const r of rows) used.add(pos.get(r)!);
      return;
    }
    // Counts differ: only rows named nearby, in order, are placed.
    let last = lo;
    for (const it of gap) {
      const key = it.near ?? it.own;
      const p = key === undefined ? -1 : pos.get(key)!;
      if (p > last && p < hi && !used.has(p)) {
        out.push({ row: key!, parts: it.parts, line: it.line, how: 'near' });
        used.add(p);
        last = p;
      } else if (rowLike(it.parts)) {
        warnings.push(`${region.table}: numbers on line ${it.line + 1} fit no row between ${template[lo] ?? 'the start'} and ${template[hi] ?? 'the end'} (${it.parts.slots.map((s) => s.text).join(' ')})`);
      }
    }
  };
  items.forEach((it, i) => {
    if (!anchors.has(i)) return;
    const p = pos.get(it.own!)!;
    fill(prevItem, i, prevPos, p);
    out.push({ row: it.own!, parts: it.parts, line: it.line, how: 'own' });
    used.add(p);
    prevItem = i;
    prevPos = p;
  });
  fill(prevItem, items.length, prevPos, template.length);
  // A row named by its own label out of order (a converter moved a table's first rows to its end) is
  // still that row; it only does not anchor the others.
  items.forEach((it, i) => {
    if (it.own && !anchors.has(i) && !used.has(pos.get(it.own)!) && !out.some((o) => o.line === it.line)) {
      out.push({ row: it.own, parts: it.parts, line: it.line, how: 'own' });
      used.add(pos.get(it.own)!);
    }
  });
  return out.sort((a, b) => a.line - b.line);
}

/** A line that can be a row: enough numbers (three for table 三), or one run of digits long enough for seven. */
function looksLikeRow(parts: LineParts, minNumbers: number): boolean {
  const numbers = parts.slots.filter((s) => s.kind !== 'text');
  if (numbers.length >= minNumbers) return true;
  return numbers.length > 0 && numbers.reduce((n, s) => n + s.text.replace(/\D/g, '').length, 0) >= 7;
}

/** Indexes of one longest strictly increasing subsequence. */
function longestIncreasing(xs: number[]): number[] {
  const best: number[] = xs.map(() => 1);
  const prev: number[] = xs.map(() => -1);
  for (let i = 0; i < xs.length; i++)
    for (let j = 0; j < i; j++)
      if (xs[j]! < xs[i]! && best[j]! + 1 > best[i]!) {
        best[i] = best[j]! + 1;
        prev[i] = j;
      }
  let end = best.indexOf(Math.max(0, ...best));
  const out: number[] = [];
  for (; end >= 0; end = prev[end]!) out.unshift(end);
  return out;
}
