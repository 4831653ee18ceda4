import type { Block, Span } from './document.ts';
import { isPageNumberText, joinFragments, tidyCell } from './cells.ts';

/**
 * Page layout → blocks, shared by the PDF, OFD and OCR readers. Coordinates are top-down (y grows
 * downwards), in points or pixels. Ruled tables become grids from their ruling lines; everything else
 * becomes text lines whose wide gaps are tabs, so column positions survive for the parser.
 */
export interface PlacedText {
  text: string;
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  /** Font size (line height), the unit for every gap test. */
  size: number;
}

/** An axis-aligned ruling line: horizontal when y1 === y2, vertical when x1 === x2. */
export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const SNAP = 2.5;

interface Ruling {
  pos: number;
  from: number;
  to: number;
}

interface RuledTable {
  xs: number[];
  ys: number[];
  top: number;
  bottom: number;
  left: number;
  right: number;
  hs: Ruling[];
  vs: Ruling[];
}

/** Merges collinear, touching segments into rulings. */
function mergeRulings(list: Ruling[]): Ruling[] {
  list.sort((a, b) => a.pos - b.pos || a.from - b.from);
  const out: Ruling[] = [];
  for (const r of list) {
    // Touching on both ends: a piece that lies before a ruling must not stretch it back over a gap.
    const last = [...out].reverse().find((o) => Math.abs(o.pos - r.pos) <= SNAP / 2 && r.from <= o.to + SNAP && r.to >= o.from - SNAP);
    if (last) {
      last.to = Math.max(last.to, r.to);
      last.from = Math.min(last.from, r.from);
    } else out.push({ ...r });
  }
  return out;
}

function cluster(values: number[], tol: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: number[][] = [];
  for (const v of sorted) {
    const last = out.at(-1);
    if (last && v - last.at(-1)! <= tol) last.push(v);
    else out.push([v]);
  }
  return out.map((g) => g.reduce((s, v) => s + v, 0) / g.length);
}

/** Groups rulings into tables: connected components of crossing horizontal and vertical lines. */
function findTables(segments: Segment[]): RuledTable[] {
  const hs = mergeRulings(
    segments.filter((s) => Math.abs(s.y1 - s.y2) < 1 && s.x2 - s.x1 > 4).map((s) => ({ pos: (s.y1 + s.y2) / 2, from: s.x1, to: s.x2 })),
  );
  const vs = mergeRulings(
    segments.filter((s) => Math.abs(s.x1 - s.x2) < 1 && s.y2 - s.y1 > 4).map((s) => ({ pos: (s.x1 + s.x2) / 2, from: s.y1, to: s.y2 })),
  );
  const n = hs.length + vs.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let i = 0; i < hs.length; i++)
    for (let j = 0; j < vs.length; j++) {
      const h = hs[i]!;
      const v = vs[j]!;
      if (v.pos >= h.from - SNAP && v.pos <= h.to + SNAP && h.pos >= v.from - SNAP && h.pos <= v.to + SNAP)
        parent[find(i)] = find(hs.length + j);
    }
  const groups = new Map<number, { hs: Ruling[]; vs: Ruling[] }>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(find(i)) ?? { hs: [], vs: [] };
    if (i < hs.length) g.hs.push(hs[i]!);
    else g.vs.push(vs[i - hs.length]!);
    groups.set(find(i), g);
  }
  const tables: RuledTable[] = [];
  for (const g of groups.values()) {
    tables.push(...splitAtWaists(g.hs, g.vs));
  }
  return tables.sort((a, b) => a.top - b.top);
}

/**
 * Cuts a group of rulings where no two vertical lines cross a band between horizontal ones: two tables
 * joined by one stray line (a heading between them) become two tables again.
 */
function splitAtWaists(hs: Ruling[], vs: Ruling[]): RuledTable[] {
  const ys = cluster(hs.map((h) => h.pos), SNAP);
  const out: RuledTable[] = [];
  let start = 0;
  const emit = (a: number, b: number) => {
    if (b - a < 1) return;
    const y0 = ys[a]!;
    const y1 = ys[b]!;
    const subH = hs.filter((h) => h.pos >= y0 - SNAP && h.pos <= y1 + SNAP);
    const subV = vs
      .filter((v) => v.to > y0 + SNAP && v.from < y1 - SNAP)
      .map((v) => ({ pos: v.pos, from: Math.max(v.from, y0), to: Math.min(v.to, y1) }));
    if (subH.length < 2 || subV.length < 2) return;
    const left = Math.min(...subV.map((v) => v.pos));
    const right = Math.max(...subV.map((v) => v.pos));
    if (right - left < 30 || y1 - y0 < 8) return;
    out.push({ xs: cluster(subV.map((v) => v.pos), SNAP), ys: ys.slice(a, b + 1), top: y0, bottom: y1, left, right, hs: subH, vs: subV });
  };
  for (let i = 0; i + 1 < ys.length; i++) {
    const crossing = vs.filter((v) => ruled([v], v.pos, ys[i]!, ys[i + 1]!)).length;
    if (crossing < 2) {
      emit(start, i);
      start = i + 1;
    }
  }
  emit(start, ys.length - 1);
  return out;
}

/**
 * A row cut by a page break has no border on the cut side: text just below (above) the table, inside
 * its columns, is one more row whose edge is where the text ends.
 */
function extendOpenEdges(t: RuledTable, items: PlacedText[]): void {
  const inside = (it: PlacedText) => it.x0 >= t.left - 1 && it.x1 <= t.right + 1 && it.text.trim() !== '';
  const below = items.filter((it) => inside(it) && it.top >= t.bottom - 1 && it.top < t.bottom + it.size * 1.2);
  const above = items.filter((it) => inside(it) && it.bottom <= t.top + 1 && it.bottom > t.top - it.size * 1.2);
  const stretch = (edge: number, to: number) => {
    for (const v of t.vs) {
      if (Math.abs(v.to - edge) <= SNAP && to > edge) v.to = to;
      if (Math.abs(v.from - edge) <= SNAP && to < edge) v.from = to;
    }
    t.hs.push({ pos: to, from: t.left, to: t.right });
  };
  // Only when the text spans several columns: a caption under a table is one run in one place.
  // and every piece sits inside one column (a heading above the table crosses the column lines).
  const fits = (it: PlacedText) => t.xs.some((x, k) => k + 1 < t.xs.length && it.x0 >= x - 1 && it.x1 <= t.xs[k + 1]! + 1);
  const spans = (list: PlacedText[]) =>
    list.every(fits) && new Set(list.map((it) => t.xs.findIndex((x) => x > (it.x0 + it.x1) / 2))).size >= 3;
  if (below.length && spans(below)) {
    const to = Math.max(...below.map((it) => it.bottom)) + 1;
    stretch(t.bottom, to);
    t.ys.push(to);
    t.bottom = to;
  }
  if (above.length && spans(above)) {
    const to = Math.min(...above.map((it) => it.top)) - 1;
    stretch(t.top, to);
    t.ys.unshift(to);
    t.top = to;
  }
}

/** Whether a ruling at `pos` covers most of the span [a, b]. */
function ruled(rulings: Ruling[], pos: number, a: number, b: number): boolean {
  let covered = 0;
  for (const r of rulings) {
    if (Math.abs(r.pos - pos) > SNAP) continue;
    covered += Math.max(0, Math.min(b, r.to + SNAP) - Math.max(a, r.from - SNAP));
  }
  return covered >= (b - a) * 0.6;
}

interface Piece {
  text: string;
  x0: number;
  x1: number;
  cy: number;
  size: number;
}

/** Cuts an item that runs over several column rulings at its spaces (a run "3001 53 0" over three cells). */
function splitAcross(it: PlacedText, xs: number[]): Piece[] {
  const cy = (it.top + it.bottom) / 2;
  const inner = xs.filter((x) => x > it.x0 + SNAP && x < it.x1 - SNAP);
  if (!inner.length || it.text.length < 2) return [{ text: it.text, x0: it.x0, x1: it.x1, cy, size: it.size }];
  const per = (it.x1 - it.x0) / it.text.length;
  const out: Piece[] = [];
  const re = /\S+/g;
  for (let m = re.exec(it.text); m; m = re.exec(it.text)) {
    out.push({ text: m[0], x0: it.x0 + m.index * per, x1: it.x0 + (m.index + m[0].length) * per, cy, size: it.size });
  }
  return out;
}

function indexIn(bounds: number[], v: number): number {
  for (let i = 0; i < bounds.length - 1; i++) if (v >= bounds[i]! - 0.5 && v < bounds[i + 1]! + 0.5) return i;
  return -1;
}

/** Text of one merged cell: its pieces in lines, lines joined as a wrapped label. */
function regionText(pieces: Piece[]): string {
  const lines = groupLines(pieces.map((p) => ({ ...p, top: p.cy - p.size / 2, bottom: p.cy + p.size / 2 })));
  return tidyCell(joinFragments(lines.map((l) => joinLine(l, false))));
}

function buildGrid(t: RuledTable, pieces: Piece[]): { rows: string[][]; spans: Span[][] } {
  const { xs, ys } = t;
  const R = ys.length - 1;
  const C = xs.length - 1;
  const id = (r: number, c: number) => r * C + c;
  const parent = Array.from({ length: R * C }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      if (c + 1 < C && !ruled(t.vs, xs[c + 1]!, ys[r]!, ys[r + 1]!)) parent[find(id(r, c + 1))] = find(id(r, c));
      if (r + 1 < R && !ruled(t.hs, ys[r + 1]!, xs[c]!, xs[c + 1]!)) parent[find(id(r + 1, c))] = find(id(r, c));
    }
  const byRegion = new Map<number, Piece[]>();
  for (const p of pieces) {
    const r = indexIn(ys, p.cy);
    const c = indexIn(xs, (p.x0 + p.x1) / 2);
    if (r < 0 || c < 0) continue;
    const k = find(id(r, c));
    (byRegion.get(k) ?? byRegion.set(k, []).get(k)!).push(p);
  }
  const texts = new Map<number, string>();
  for (const [k, ps] of byRegion) texts.set(k, regionText(ps));
  let cells = Array.from({ length: R }, (_, r) => Array.from({ length: C }, (_, c) => find(id(r, c))));
  // Columns (rows) that never separate two regions are artifacts of rulings elsewhere: drop them.
  const keepCol = Array.from({ length: C }, (_, c) => c === 0 || cells.some((row) => row[c] !== row[c - 1]));
  cells = cells.map((row) => row.filter((_, c) => keepCol[c]));
  cells = cells.filter((row, r) => r === 0 || row.some((k, c) => k !== cells[r - 1]![c]));
  const rows = cells.map((row) => row.map((k) => texts.get(k) ?? ''));
  // A region (cells with no ruling between them) is one cell: its span over the kept rows and columns.
  const spanOf = new Map<number, Span>();
  cells.forEach((row, r) => row.forEach((k, c) => {
    const s = spanOf.get(k);
    if (!s) spanOf.set(k, { row: r, col: c, rows: 1, cols: 1 });
    else {
      s.rows = Math.max(s.rows, r - s.row + 1);
      s.cols = Math.max(s.cols, c - s.col + 1);
    }
  }));
  const spans = cells.map((row) => row.map((k) => spanOf.get(k)!));
  const keep = rows.map((row) => row.some((c) => c !== ''));
  return { rows: rows.filter((_, r) => keep[r]), spans: spans.filter((_, r) => keep[r]) };
}

/** A rectangle in points, as PlacedText uses. */
export interface CellBox {
  x0: number;
  x1: number;
  top: number;
  bottom: number;
}

/** The cells of every ruled table on a page that are not merged with a neighbour (where numbers sit). */
export function singleCells(segments: Segment[]): CellBox[] {
  const out: CellBox[] = [];
  for (const t of findTables(segments)) {
    const { xs, ys } = t;
    for (let r = 0; r + 1 < ys.length; r++) {
      for (let c = 0; c + 1 < xs.length; c++) {
        const closed = ruled(t.vs, xs[c]!, ys[r]!, ys[r + 1]!) && ruled(t.vs, xs[c + 1]!, ys[r]!, ys[r + 1]!)
          && ruled(t.hs, ys[r]!, xs[c]!, xs[c + 1]!) && ruled(t.hs, ys[r + 1]!, xs[c]!, xs[c + 1]!);
        if (closed) out.push({ x0: xs[c]!, x1: xs[c + 1]!, top: ys[r]!, bottom: ys[r + 1]! });
      }
    }
  }
  return out;
}

interface LineItem extends PlacedText {}

/** Groups items into lines by vertical overlap, each sorted left to right. */
export function groupLines<T extends { top: number; bottom: number; x0: number }>(items: T[]): T[][] {
  const sorted = [...items].sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  const lines: { top: number; bottom: number; items: T[] }[] = [];
  for (const it of sorted) {
    const cy = (it.top + it.bottom) / 2;
    const line = lines.find((l) => cy > l.top && cy < l.bottom);
    if (line) {
      line.items.push(it);
      line.top = Math.min(line.top, it.top);
      line.bottom = Math.max(line.bottom, it.bottom);
      // Keep a line from swallowing the next one when a tall item joins it.
    } else lines.push({ top: it.top, bottom: it.bottom, items: [it] });
  }
  return lines.sort((a, b) => a.top - b.top).map((l) => l.items.sort((a, b) => a.x0 - b.x0));
}

/** Joins a line's items: a gap wider than about two characters becomes a tab when `tabs` is set. */
function joinLine(items: Array<{ text: string; x0: number; x1: number; size: number }>, tabs: boolean): string {
  let out = '';
  let prev: { x1: number; size: number; text: string } | null = null;
  for (const it of items) {
    const text = it.text;
    if (!text.trim()) continue;
    if (prev) {
      const gap = it.x0 - prev.x1;
      const unit = Math.max(prev.size, 1);
      if (tabs && gap > unit * 1.8) out += '\t';
      else if (gap > unit * 0.25 && !(/[\u2e80-\u9fff]$/.test(out) && /^[\u2e80-\u9fff]/.test(text))) out += ' ';
      else if (gap > unit * 0.6) out += ' ';
    }
    out += text;
    prev = it;
  }
  return out.replace(/ +/g, ' ');
}

/** One page of placed text and rulings → blocks in reading order. */
export function layoutPage(items: PlacedText[], segments: Segment[], page: number): Block[] {
  const tables = findTables(segments);
  for (const tb of tables) extendOpenEdges(tb, items);
  const inTable: Piece[][] = tables.map(() => []);
  const loose: LineItem[] = [];
  for (const it of items) {
    if (!it.text.trim()) continue;
    const cx = (it.x0 + it.x1) / 2;
    const cy = (it.top + it.bottom) / 2;
    const t = tables.findIndex((tb) => cx >= tb.left - 1 && cx <= tb.right + 1 && cy >= tb.top - 1 && cy <= tb.bottom + 1);
    if (t >= 0) inTable[t]!.push(...splitAcross(it, tables[t]!.xs));
    else loose.push(it);
  }
  const placed: Array<{ y: number; block: Block }> = [];
  tables.forEach((tb, i) => {
    const { rows, spans } = buildGrid(tb, inTable[i]!);
    if (rows.length) placed.push({ y: tb.top, block: { kind: 'table', rows, spans, page } });
  });
  for (const line of groupLines(loose)) {
    const text = joinLine(line, true);
    if (text.trim()) placed.push({ y: line[0]!.top, block: { kind: 'text', text, page } });
  }
  return placed.sort((a, b) => a.y - b.y).map((p) => p.block);
}

const isNumber = (c: string) => /^[+-]?[\d,]+(\.\d+)?$/.test(c.trim());
const trailingNumbers = (row: string[] | undefined) => {
  let n = 0;
  for (let i = (row?.length ?? 0) - 1; i >= 0 && isNumber(row![i]!); i--) n++;
  return n;
};

/** Whether the next page's first table continues the last one: same width, or the same run of data columns. */
function continues(prev: string[][], next: string[][]): boolean {
  if (prev[0]?.length === next[0]?.length) return true;
  const a = trailingNumbers(prev.at(-1));
  return a >= 2 && a === trailingNumbers(next[0]);
}

/**
 * Joins a table that runs over pages: when a page ends with a table (page numbers aside) and the next
 * starts with one of the same width, the rows continue one grid.
 */
export function joinPageTables(pages: Block[][]): Block[] {
  const out: Block[] = [];
  for (const blocks of pages) {
    const firstIdx = blocks.findIndex((b) => !(b.kind === 'text' && (isPageNumberText(b.text) || !b.text.trim())));
    const first = blocks[firstIdx];
    let lastTableIdx = -1;
    for (let i = out.length - 1; i >= 0; i--) {
      const b = out[i]!;
      if (b.kind === 'table') {
        lastTableIdx = i;
        break;
      }
      if (!(b.kind === 'text' && isPageNumberText(b.text))) break;
    }
    const prev = lastTableIdx >= 0 ? out[lastTableIdx] : undefined;
    if (first?.kind === 'table' && prev?.kind === 'table' && continues(prev.rows, first.rows)) {
      // Spans stay only when both parts have them; padded slots belong to the label cell they repeat.
      const spans = prev.spans && first.spans ? [prev.spans, first.spans] : null;
      // Parts of one table can keep different label columns; align them on the right (the data columns).
      const width = Math.max(prev.rows[0]!.length, first.rows[0]!.length);
      [prev.rows, first.rows].forEach((rows, part) => rows.forEach((r, i) => {
        const sp = spans?.[part]![i];
        while (r.length < width) {
          r.unshift(r[0] ?? '');
          sp?.unshift(sp[0] ?? { row: i, col: 0, rows: 1, cols: 1 });
        }
      }));
      // A row-spanning label cut by the page break (left blank on the new page) continues from above.
      const carry = prev.rows.at(-1)?.[0] ?? '';
      const carrySpan = prev.spans?.at(-1)?.[0];
      for (const [i, row] of first.rows.entries()) {
        if (row[0] !== '' || !carry || /^\d/.test(carry)) break;
        row[0] = carry;
        if (spans && carrySpan) spans[1]![i]![0] = carrySpan;
      }
      if (spans) prev.spans!.push(...spans[1]!);
      else delete prev.spans;
      prev.rows.push(...first.rows);
      out.push(...blocks.filter((_, i) => i !== firstIdx));
    } else out.push(...blocks);
  }
  return out;
}
