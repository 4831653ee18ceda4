import { tidy } from './normalize.ts';

/** What one printed cell holds. */
export type PrintedValue =
  | { kind: 'number'; value: number; text: string }
  | { kind: 'blank'; text: string }
  | { kind: 'text'; text: string };

/** Printed marks that mean "nothing here": null, never 0. */
const BLANK_MARKS = new Set(['', '-', '—', '－', '–', '——', '/', '／', '\\', '无', '空', 'null', 'N/A', '/-', '—/—', '×']);

const NUMBER = /^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:元|万元|件|个|项|次)?$/;

/** Reads a printed cell: a number (signed and decimal allowed), a blank mark, or text. */
export function readPrinted(raw: string): PrintedValue {
  const text = tidy(raw);
  const t = text.replace(/\s+/g, '');
  if (BLANK_MARKS.has(t)) return { kind: 'blank', text };
  // 2019 tables print a decrease as "减4" and an increase as "增2".
  const signed = t.replace(/^减/, '-').replace(/^增/, '+');
  const m = NUMBER.exec(signed);
  if (m) {
    const digits = m[2]!.replace(/,/g, '') + (m[3] ?? '');
    const v = Number(digits) * (m[1] === '-' ? -1 : 1);
    if (Number.isFinite(v)) return { kind: 'number', value: v, text };
  }
  return { kind: 'text', text };
}

/** A standalone page number line: "-3-", "— 5 —", "第 3 页", "3/12", "- 4 -". */
export function isPageNumber(line: string): boolean {
  const t = line.normalize('NFKC').replace(/\s+/g, '');
  return /^[-—–－]+\d{1,3}[-—–－]+$/.test(t) || /^第\d{1,3}页(?:共\d{1,3}页)?$/.test(t) || /^\d{1,3}\/\d{1,3}$/.test(t);
}
