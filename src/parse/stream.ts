import { compact } from './normalize.ts';
import { splitLine, type Line, type LineParts } from './lines.ts';
import { matchRow } from './match.ts';
import type { PrintedRow, TableRegion } from './regions.ts';
import { columnKeys } from './codebook.ts';
import type { FormatVersion, TableKey } from './record.ts';
import type { PrintedValue } from './values.ts';

/**
 * One cell per line: what `pdftotext` without -layout and many PDF libraries give. A table's values
 * come one a line, row by row (a blank line between cells) or column by column for a block of rows
 * (a column's cells on consecutive lines, a blank line between columns), with the labels elsewhere.
 * The rows are recovered from the column count and the order of the template: a block is seven runs
 * of the same length (column-major) or seven single values (row-major), and the row totals choose
 * where the two readings differ.
 */
export function isCellPerLine(region: TableRegion): boolean {
  let single = 0;
  let other = 0;
  for (const line of region.lines) {
    const p = splitLine(line);
    // A run of seven or more digits is a whole row run together, not one cell; so is a label glued to digits.
    const glued = !p.slots.length && /[\u4e00-\u9fff）)”"’]\d+(?:\.\d+)?$/.test(line.fields.join('').trim());
    if (glued) other++;
    if (!p.slots.length) continue;
    if (p.labelFields === 0 && p.slots.length === 1 && p.slots[0]!.text.replace(/\D/g, '').length < 7) single++;
    else other++;
  }
  return single >= 6 && single >= 4 * other;
}

interface Run {
  values: PrintedValue[];
  lines: number[];
  /** The row a label line just before the run names, if any. */
  label?: string;
}

/** Runs of value lines: consecutive lines holding one value each, cut by blank lines and text. */
function runsOf(table: TableKey, lines: Line[]): Run[] {
  const runs: Run[] = [];
  let cur: Run | null = null;
  let label: string | undefined;
  for (const line of lines) {
    const p = splitLine(line);
    if (p.labelFields === 0 && p.slots.length === 1) {
      if (!cur) {
        cur = { values: [], lines: [], ...(label ? { label } : {}) };
        runs.push(cur);
        label = undefined;
      }
      cur.values.push(p.slots[0]!);
      cur.lines.push(line.index);
      continue;
    }
    cur = null;
    const text = compact(line.fields.join(''));
    if (!text) continue;
    label = matchRow(table, line.fields.join(''))?.row;
  }
  return runs;
}

type Block = { rows: PrintedValue[][]; lines: number[]; label?: string };

const holds = (row: PrintedValue[]) => {
  const v = row.map((s) => (s.kind === 'number' ? s.value : 0));
  return v.length === 7 && v.slice(0, 6).reduce((a, b) => a + b, 0) === v[6] ? 1 : 0;
};

/**
 * Cuts the runs into blocks of rows of `n` cells, maximising the rows whose total holds (ties: fewer
 * skipped runs). Runs that fit no block are skipped and reported.
 */
function blocksOf(runs: Run[], n: number): { blocks: Block[]; skipped: Run[] } {
  const best: Array<{ score: number; skipped: number; prev: number; block: Block | null } | undefined> = [{ score: 0, skipped: 0, prev: -1, block: null }];
  const better = (i: number, score: number, skipped: number, prev: number, block: Block | null) => {
    const b = best[i];
    if (!b || score > b.score || (score === b.score && skipped < b.skipped)) best[i] = { score, skipped, prev, block };
  };
  for (let i = 0; i < runs.length; i++) {
    const here = best[i];
    if (!here) continue;
    better(i + 1, here.score, here.skipped + 1, i, null);
    const r = runs[i]!;
    if (r.values.length === n) {
      const row = r.values;
      better(i + 1, here.score + holds(row) + 0.01, here.skipped, i, { rows: [row], lines: r.lines, ...(r.label ? { label: r.label } : {}) });
    }
    if (i + n <= runs.length) {
      const group = runs.slice(i, i + n);
      const k = group[0]!.values.length;
      if (group.every((g) => g.values.length === k)) {
        const rows = Array.from({ length: k }, (_, j) => group.map((g) => g.values[j]!));
        const label = k === 1 ? group[0]!.label : undefined;
        better(i + n, here.score + rows.reduce((s, row) => s + holds(row), 0) + 0.01, here.skipped, i,
          { rows, lines: group.flatMap((g) => g.lines), ...(label ? { label } : {}) });
      }
    }
  }
  const blocks: Block[] = [];
  const skipped: Run[] = [];
  for (let i = runs.length; i > 0; ) {
    const b = best[i]!;
    if (b.block) blocks.unshift(b.block);
    else skipped.unshift(runs[b.prev]!);
    i = b.prev;
  }
  return { blocks, skipped };
}

/** Table 三 read from one value a line: its rows in printed order, labelled where a label came just before. */
export function requestsFromCells(region: TableRegion, warnings: string[]): TableRegion {
  const { blocks, skipped } = blocksOf(runsOf('requests', region.lines), 7);
  for (const r of skipped) warnings.push(`requests: values on lines ${r.lines[0]! + 1}-${r.lines.at(-1)! + 1} fit no row of seven (${r.values.map((v) => v.text).join(' ')})`);
  const rows: PrintedRow[] = [];
  const orphans: TableRegion['orphans'] = [];
  for (const b of blocks) {
    b.rows.forEach((slots, j) => {
      const line = b.lines[0]! + j / 100;
      const parts: LineParts = { label: '', slots, rawSlots: slots, positional: true, labelFields: 0, grid: false };
      if (j === 0 && b.label) rows.push({ row: b.label, parts, line, how: 'own' });
      else orphans.push({ line, parts });
    });
  }
  return { ...region, rows, orphans };
}

/** All the values of a region in printed order (table 四's fifteen). */
export function valuesInOrder(region: TableRegion): PrintedValue[] {
  return runsOf('appeals', region.lines).flatMap((r) => r.values);
}

/**
 * Table 二 from one value a line: each 第二十条第（X）项 section holds a few rows whose labels and values
 * come in any interleaving ("本年处理决定数量 / 550 / 行政许可"); when a section's values are exactly as
 * many as its rows' columns, they fill the rows in order.
 */
export function activeFromCells(region: TableRegion, version: FormatVersion): PrintedRow[] {
  const out: PrintedRow[] = [];
  let rows: string[] = [];
  let values: PrintedValue[] = [];
  let lines: number[] = [];
  const flush = () => {
    const widths = rows.map((r) => columnKeys(version, 'active', r).length);
    if (rows.length && values.length === widths.reduce((a, b) => a + b, 0)) {
      let k = 0;
      rows.forEach((row, i) => {
        const slots = values.slice(k, k + widths[i]!);
        out.push({ row, parts: { label: '', slots, rawSlots: slots, positional: true, labelFields: 0, grid: false }, line: lines[k]!, how: 'own' });
        k += widths[i]!;
      });
    } else out.push(...region.rows.filter((r) => rows.includes(r.row)));
    rows = [];
    values = [];
    lines = [];
  };
  for (const line of region.lines) {
    const p = splitLine(line);
    if (/第二十条第/.test(compact(line.fields.join('')))) {
      flush();
      continue;
    }
    if (p.labelFields === 0 && p.slots.length === 1) {
      values.push(p.slots[0]!);
      lines.push(line.index);
      continue;
    }
    const m = p.slots.length ? null : matchRow('active', line.fields.join(''));
    if (m && !rows.includes(m.row)) rows.push(m.row);
  }
  flush();
  return out;
}
