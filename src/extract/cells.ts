/** Text helpers shared by every reader: cell tidying and joining wrapped fragments. */

const WIDE = /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’、，。：；（）《》]/;

/** Collapses whitespace (and &nbsp;) and drops spaces a renderer put between CJK characters ("商 业 企 业"). */
export function tidyCell(s: string): string {
  let t = s.replace(/[\s\u00a0\u3000\u200b\ufeff]+/g, ' ').trim();
  t = t.replace(new RegExp(`(?<=${WIDE.source}) (?=${WIDE.source})`, 'g'), '');
  return t;
}

/** Joins the lines of a wrapped cell: nothing between CJK, one space between Latin words or numbers. */
export function joinFragments(parts: string[]): string {
  let out = '';
  for (const p of parts) {
    if (!p) continue;
    if (!out) out = p;
    else if (WIDE.test(out.at(-1)!) || WIDE.test(p[0]!)) out += p;
    else out += ' ' + p;
  }
  return out;
}

/** Page furniture that is not content: "-3-", "— 5 —", "第 3 页", "3/12". */
export function isPageNumberText(line: string): boolean {
  const t = line.normalize('NFKC').replace(/\s+/g, '');
  return /^[-—–－]*\d{1,3}[-—–－]*$/.test(t) && /[-—–－]/.test(t)
    ? true
    : /^第\d{1,3}页(?:共\d{1,3}页)?$/.test(t) || /^\d{1,3}\/\d{1,3}$/.test(t);
}
