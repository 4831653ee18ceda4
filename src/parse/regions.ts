import { compact } from './normalize.ts';
import { TABLE_STARTS, TABLES_END } from './labels.ts';
import { splitLine, type Line, type LineParts } from './lines.ts';
import { lastLabelField, matchRow } from './match.ts';
import type { TableKey } from './record.ts';

/** A printed row of a table: its key, and the slots of numbers found for it. */
export interface PrintedRow {
  row: string;
  parts: LineParts;
  line: number;
  /** own: the line's own label names the row; near: a label line just above or below it does. */
  how: 'own' | 'near';
}

export interface TableRegion {
  table: TableKey;
  /** Lines of the region (headers included), for version detection. */
  lines: Line[];
  rows: PrintedRow[];
  /** Lines with numbers that no label claimed. */
  orphans: { line: number; parts: LineParts }[];
}

/** Which table a line starts, if it is a heading or a header of one. */
function tableStartedBy(line: Line): TableKey | null {
  const c = compact(line.fields.join(''));
  if (!c) return null;
  for (const table of ['requests', 'appeals', 'active'] as const) {
    const s = TABLE_STARTS[table];
    if (c.length <= 40 && s.headings.some((re) => re.test(c))) return table;
    if (s.headers.some((h) => c.includes(h))) return table;
  }
  return null;
}

function endsTables(line: Line): boolean {
  const c = compact(line.fields.join(''));
  return c.length <= 40 && TABLES_END.some((re) => re.test(c));
}

/**
 * Walks the lines once: a heading or header switches to its table, the 五/六 headings end the tables,
 * and inside a table every line with numbers becomes a row of the label it carries, of the label
 * just above it (wrapped labels), or of the label just below it (numbers printed first).
 */
export function findRegions(lines: Line[]): Map<TableKey, TableRegion> {
  const regions = new Map<TableKey, TableRegion>();
  let current = null as TableRegion | null;
  let pending: { row: string; line: number }[] = [];
  let held: { line: number; parts: LineParts } | null = null;
  const filled = () => new Set(current?.rows.map((r) => r.row));

  let skip = -1;
  for (const [i, line] of lines.entries()) {
    if (i === skip) continue;
    const started = tableStartedBy(line);
    if (started && started !== current?.table) {
      if (current && held) current.orphans.push(held);
      held = null;
      pending = [];
      current = regions.get(started) ?? { table: started, lines: [], rows: [], orphans: [] };
      regions.set(started, current);
    } else if (endsTables(line)) {
      if (current && held) current.orphans.push(held);
      current = null;
      held = null;
      continue;
    }
    if (!current) continue;
    current.lines.push(line);
    const parts = splitLine(line);
    let match = parts.label ? matchRow(current.table, parts.label) : null;
    // Cells run together with their label ("一、本年新收政府信息公开申请数量21710000218"): the digits are the row's.
    if (!parts.slots.length) match = gluedLabel(current.table, line, parts) ?? match;
    const hasNumbers = parts.slots.length > 0;
    if (hasNumbers && parts.label) {
      const cont = continuation(current.table, parts.label, lines[i + 1]);
      if (cont) {
        match = cont;
        skip = i + 1;
      }
    }
    pending = pending.filter((p) => line.index - p.line <= 3 && !filled().has(p.row));
    if (held && line.index - held.line > 2) {
      current.orphans.push(held);
      held = null;
    }
    if (hasNumbers && match) {
      current.rows.push({ row: match.row, parts, line: line.index, how: 'own' });
    } else if (hasNumbers && current.table === 'appeals') {
      // Table 四's labels are column headers: its numbers come as lines of numbers only.
      current.orphans.push({ line: line.index, parts });
    } else if (hasNumbers) {
      const owner = pending.pop();
      if (owner) current.rows.push({ row: owner.row, parts, line: line.index, how: 'near' });
      else {
        if (held) current.orphans.push(held);
        held = { line: line.index, parts };
      }
    } else if (match && !filled().has(match.row)) {
      if (held) {
        current.rows.push({ row: match.row, parts: held.parts, line: held.line, how: 'near' });
        held = null;
      } else pending.push({ row: match.row, line: line.index });
    }
  }
  if (current && held) current.orphans.push(held);
  return regions;
}

/**
 * A label wrapped after its numbers: "4.保护第三方合 0 0 …" then "法权益". The next line continues the
 * label when it has no numbers, does not open a new numbered item, and completes a row's phrase.
 */
function continuation(table: TableKey, label: string, next: Line | undefined) {
  if (!next) return null;
  const nextParts = splitLine(next);
  const nextText = compact(nextParts.label);
  if (nextParts.slots.length || !nextText || OUTLINE_START.test(nextText) || tableStartedBy(next) || endsTables(next)) return null;
  // A label whose last field names its own row is complete ("行政处罚" then "行政强制" on the next line).
  const own = matchRow(table, lastLabelField(label));
  if (own && !own.fuzzy) return null;
  const joined = compact(label) + nextText;
  const m = matchRow(table, joined);
  if (!m || m.fuzzy || m.end <= compact(label).length) return null;
  return m;
}

const OUTLINE_START = /^(?:\d{1,2}[.、]|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、)/;

/**
 * "行政许可0", "正、行政机关不再处理其政府信6730010071": a label with its numbers glued on, as portals
 * flatten tables. The digits are the line's data whether or not the label names a row (a wrapped label's
 * middle line names none; the label above or below it does).
 */
function gluedLabel(table: TableKey, line: Line, parts: LineParts) {
  const m = /^(.*[\u4e00-\u9fff）)”"’])(\d+(?:\.\d+)?)$/.exec(line.fields.join('').trim());
  if (!m) return null;
  const match = matchRow(table, m[1]!);
  if (!match && !/^[\u4e00-\u9fff、，,（(]/.test(lastLabelField(m[1]!).slice(-1))) return null;
  parts.label = m[1]!;
  parts.slots = [{ kind: 'number', value: Number(m[2]), text: m[2]! }];
  parts.rawSlots = parts.slots;
  parts.positional = false;
  return match;
}
