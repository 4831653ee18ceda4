import type { ExtractedDocument, Span } from '../extract/document.ts';
import { isPageNumber, readPrinted, type PrintedValue } from './values.ts';

/**
 * The parser reads every document as a sequence of lines of fields: a table grid row is a line of its
 * cells, a tab-separated text line is split at its tabs (empty fields kept), and a layout text line
 * (pdftotext -layout) is split at runs of two or more spaces.
 */
export interface Line {
  index: number;
  fields: string[];
  /** grid: from a table; tab: tab-separated text; space: aligned with spaces (no blanks visible). */
  source: 'grid' | 'tab' | 'space';
  text: string;
}

export function documentLines(doc: ExtractedDocument): Line[] {
  const lines: Line[] = [];
  const push = (fields: string[], source: Line['source'], text: string) =>
    lines.push({ index: lines.length, fields, source, text });
  for (const block of doc.blocks) {
    if (block.kind === 'table') {
      block.rows.forEach((row, r) => {
        const fields = cellsOf(row, block.spans?.[r]);
        push(fields, 'grid', fields.join('\t'));
      });
      continue;
    }
    for (const raw of block.text.split(/\r\n|\r|\n/)) {
      const text = raw.replace(/\u00A0/g, ' ');
      if (isPageNumber(text)) continue;
      if (text.includes('\t')) push(text.split('\t').map((f) => f.trim()), 'tab', text);
      else push(text.trim().split(/\s{2,}|\u3000+/).filter((f) => f !== ''), 'space', text);
    }
  }
  return lines;
}

/**
 * A grid row as its printed cells: slots of one merged cell (the same span) are one field, so a value
 * printed once across two columns is read once. Without spans every slot is a cell.
 */
function cellsOf(row: string[], spans: Span[] | undefined): string[] {
  if (!spans) return row.map((c) => c ?? '');
  const out: string[] = [];
  row.forEach((c, i) => {
    if (i > 0 && spans[i] === spans[i - 1]) return;
    out.push(c ?? '');
  });
  return out;
}

/** A line cut into its label (the text before the numbers) and its data slots (the numbers at its end). */
export interface LineParts {
  label: string;
  /** Printed numbers and blank marks, in printed order. */
  slots: PrintedValue[];
  /** The data run before trailing empty fields were dropped (text sources end rows with stray tabs). */
  rawSlots: PrintedValue[];
  /** Whether blank cells are visible in this line's source, so positions can be trusted. */
  positional: boolean;
  /** How many label fields preceded the data (0 for a line of numbers only). */
  labelFields: number;
  /** From a table grid. */
  grid: boolean;
}

export function splitLine(line: Line): LineParts {
  const parts = dataRun(line.fields, line.source);
  if (line.source === 'grid') return parts;
  let end = line.fields.length;
  while (end > 0 && line.fields[end - 1]!.trim() === '') end--;
  if (end === line.fields.length) return parts;
  const trimmed = dataRun(line.fields.slice(0, end), line.source);
  return { ...trimmed, rawSlots: parts.slots.length ? parts.slots : trimmed.slots };
}

function dataRun(fields: string[], source: Line['source']): LineParts {
  // Numbers separated from their label by single spaces ("（七）总计 1 0 0") are data too.
  const expanded: string[] = [];
  for (const f of fields) expanded.push(...peelTrailingNumbers(f));
  let start = expanded.length;
  while (start > 0 && readPrinted(expanded[start - 1]!).kind !== 'text') start--;
  const data = expanded.slice(start);
  const labelParts = expanded.slice(0, start).filter((f) => f.trim() !== '');
  // A grid row's leading empty cells belong to the data only when no label precedes them.
  let slots = data.map(readPrinted);
  // In tab text, empty fields between a label and its numbers are the label's merged cells, not blanks.
  if (source === 'tab' && labelParts.length > 0) {
    while (slots.length && slots[0]!.kind === 'blank' && slots[0]!.text === '') slots = slots.slice(1);
  }
  // A row of blank marks ("—", "/") is data; a row of empty fields is only a label.
  if (!slots.some((s) => s.kind === 'number' || (s.kind === 'blank' && s.text !== ''))) slots = [];
  return {
    label: labelParts.join('\t'), // field boundaries kept: the last field alone may name the row
    slots,
    rawSlots: slots,
    positional: source !== 'space',
    labelFields: labelParts.length,
    grid: source === 'grid',
  };
}

function peelTrailingNumbers(field: string): string[] {
  const tokens = field.trim().split(/\s+/);
  if (tokens.length < 2) return [field];
  let i = tokens.length;
  while (i > 0 && readPrinted(tokens[i - 1]!).kind === 'number') i--;
  if (i === tokens.length) return [field];
  if (i === 0) return tokens;
  return [tokens.slice(0, i).join(' '), ...tokens.slice(i)];
}
