/**
 * Links as a list page shows them: every anchor (href, or the URL inside a `javascript:`/onclick handler),
 * its text (the `title` attribute first: lists cut long titles), and the date printed beside it.
 */
import type { CheerioAPI } from 'cheerio';
import { LIST_ENTRY_DATE } from './tables.ts';
import { resolveHref } from './url.ts';

export interface PageLink {
  url: string;
  text: string;
  /** The date printed beside the entry on the list (yyyy-mm-dd), when there is one. */
  date?: string | null;
}

/** A yyyy-mm-dd date in a piece of text, or null. */
export function dateIn(text: string | null | undefined, pattern = LIST_ENTRY_DATE): string | null {
  const m = text ? pattern.exec(text) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Collapses whitespace (Word-pasted titles carry line breaks and &nbsp;). */
export const clean = (s: string): string => s.replace(/[\s\u00a0\u3000]+/g, ' ').trim();

/** Every navigable anchor of a document (or of a fragment loaded on its own), resolved against the page and its `<base>`. */
export function anchors($: CheerioAPI, pageUrl: string, base?: string): PageLink[] {
  const out: PageLink[] = [];
  $('a').each((_, el) => {
    const a = $(el);
    const url = resolveHref(a.attr('href'), a.attr('onclick'), pageUrl, base);
    if (!url) return;
    const text = clean(a.attr('title') || a.text());
    // The entry's date sits beside the link in the same list item or table row (TRS, Hanweb, most CMSs).
    const entry = a.closest('li, tr, dd');
    const date = entry.length && entry.find('a').length === 1 ? dateIn(entry.text().replace(text, '')) : null;
    out.push({ url, text, ...(date ? { date } : {}) });
  });
  return out;
}
