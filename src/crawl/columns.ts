/**
 * Where a page leads towards the 年报 column (portals.md §6.1): a link that is the column, named by its text or
 * by a platform's path token, or a link to the 政府信息公开 专栏 that usually holds it. The crawl's HOME items
 * and discovery read a home page the same way. Only links of the page's own site count: a county's portal
 * links its city's column too.
 */
import type { PageLink } from './links.ts';
import { COLUMN_LINK_TEXTS, COLUMN_URL_TOKENS, DISCLOSURE_LINK_TEXTS } from './tables.ts';
import { classifyTitle } from './titles.ts';
import { isOwnHost } from './url.ts';

export type ColumnLead =
  | { kind: 'column'; url: string; foundBy: 'link-text' | 'platform-path' }
  | { kind: 'disclosure'; url: string };

const isColumnPath = (u: string): boolean => {
  const p = new URL(u).pathname;
  return COLUMN_URL_TOKENS.test(p + (p.endsWith('/') ? '' : '/'));
};

/** The column, else the 专栏 to look in next, among a page's links on the site of `pageUrl`; null when neither is linked. */
export function columnLead(links: PageLink[], pageUrl: string): ColumnLead | null {
  const site = new Set([new URL(pageUrl).host.toLowerCase()]);
  // A report's title names the column's words too, with its year; a column's name has none.
  const own = links.filter((l) => isOwnHost(l.url, site) && classifyTitle(l.text).year === null);
  const byText = own.find((l) => COLUMN_LINK_TEXTS.some((re) => re.test(l.text)));
  if (byText) return { kind: 'column', url: byText.url, foundBy: 'link-text' };
  const byPath = own.find((l) => isColumnPath(l.url));
  if (byPath) return { kind: 'column', url: byPath.url, foundBy: 'platform-path' };
  const disclosure = own.find((l) => DISCLOSURE_LINK_TEXTS.some((re) => re.test(l.text)) && l.url !== pageUrl);
  return disclosure ? { kind: 'disclosure', url: disclosure.url } : null;
}
