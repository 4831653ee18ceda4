/**
 * Text normalisation for matching labels: full-width digits, letters and brackets become half-width
 * (NFKC), whitespace inside labels disappears, and the many ways of numbering a sub-item ("1、",
 * "1．", "1.") become one.
 */
export function compact(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\s\u3000*#`|]+/g, '')
    .replace(/[、．]/g, '.')
    .replace(/[“”"「」]/g, '"');
}

/** Half-width, trimmed cell text with inner whitespace collapsed (for printed-text display). */
export function tidy(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/** Drops leading outline numbering such as "三、", "(一)", "1." so the label's words remain. */
export function stripNumbering(s: string): string {
  let t = s;
  for (;;) {
    // "3其他": OCR and flattening lose the dot after a sub-item number; a digit before Chinese is numbering.
    const next = t.replace(/^(?:[一二三四五六七八九十]+[.、]|\([一二三四五六七八九十]+\)|\d{1,2}\.(?!\d)|\d{1,2}(?=[\u4e00-\u9fff]))/, '');
    if (next === t) return t;
    t = next;
  }
}
