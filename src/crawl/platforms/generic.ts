/**
 * The fallback for portals no module recognises (and the pager of last resort for those it does): "next" and
 * numbered page links that only change a page counter (a 100-city budget scraper's detect_pagination), the
 * jQuery pager of Shanghai's portal (`pagination("setPage", p, N)`, `totalPage: N`, pages counted from 1), and
 * title/url pairs in JSON a page embeds (湖州's `var dataList=[…]`). Links that vary a date (calendars, date
 * archives) and page numbers past a stated total are not pages.
 */
import { NEXT_LINK_TEXT } from '../tables.ts';
import type { PageLink } from '../links.ts';
import { callsOf, declaredTotal, pageCounterOf, pageDir, safeCount, siblingPage } from '../pagers.ts';
import { resolveHref } from '../url.ts';
import type { ListPageInput, ListReading, PageContinuation, Platform } from './types.ts';

const FACTS = {
  /** Shanghai: `$(".pagination").pagination("setPage", current, total)`; `totalPage: N`. */
  setPageFunction: 'pagination',
  setPageVerb: 'setPage',
  totalPageVar: /\btotalPage\s*:\s*(\d+)/,
  /** Numbered page links: the anchor text is the page number. */
  numberedText: /^\s*\d{1,3}\s*$/,
  /** Embedded JSON records with a title and a URL, in either order. */
  jsonRecord: /\{[^{}]*?"title"\s*:\s*"([^"]*)"[^{}]*?"(?:url|link|href|post_url)"\s*:\s*"([^"]+)"[^{}]*\}|\{[^{}]*?"(?:url|link|href)"\s*:\s*"([^"]+)"[^{}]*?"title"\s*:\s*"([^"]*)"[^{}]*\}/g,
};

export const generic: Platform = {
  name: 'generic',
  title: 'any other portal',
  notes: ['portals.md §2 (generic fallback: detect_pagination)', 'portal-snippets/01 §B (Shanghai), §E (Huzhou dataList)'],
  examples: ['https://shanghai.gov.cn/nw12344/index.html', 'http://zzb.huzhou.gov.cn/gbgz/gwykl/lygs/'],
  fingerprints: [],
  detect: () => true,
  readList: (page) => ({ links: jsonLinks(page), continuations: [...oneBasedPages(page), ...linkedPages(page)] }),
};

/** Shanghai's one-based pager: page 1 is the list itself, page p is `index_p.html`. */
function oneBasedPages(page: ListPageInput): PageContinuation[] {
  const call = callsOf(page.scripts, FACTS.setPageFunction).find((a) => a[0]?.kind === 'string' && a[0].value === FACTS.setPageVerb);
  const last = call?.[2];
  const total = last?.kind === 'number' ? safeCount(last.value) : safeCount(FACTS.totalPageVar.exec(page.scripts)?.[1]);
  const name = /^([A-Za-z][\w-]*?)(?:_\d+)?\.\w+$/.exec(pageDir(page.url).file)?.[1] ?? 'index';
  const out: PageContinuation[] = [];
  for (let k = 2; k <= total; k++) out.push({ kind: 'page', url: siblingPage(page.url, name, pageDir(page.url).ext, k), declared: true });
  return out;
}

/** "Next", "last" and numbered links that are further pages of this list, within the total the page states. */
export function linkedPages(page: ListPageInput): PageContinuation[] {
  const stated = declaredTotal(page.$('body').text() + page.scripts);
  const out: PageContinuation[] = [];
  const seen = new Set<string>();
  page.$('a').each((_, el) => {
    const a = page.$(el);
    const text = a.text();
    if (!NEXT_LINK_TEXT.test(text) && !FACTS.numberedText.test(text)) return;
    const url = resolveHref(a.attr('href'), a.attr('onclick'), page.url, page.base);
    if (!url || url === page.url || seen.has(url)) return;
    const n = pageCounterOf(url, page.url);
    if (n === null || (stated && n > stated)) return;
    seen.add(url);
    out.push({ kind: 'page', url, declared: false });
  });
  return out;
}

/** Title/url pairs in JSON a page embeds (湖州 `dataList`, avalon data). */
function jsonLinks(page: ListPageInput): PageLink[] {
  const out: PageLink[] = [];
  for (const m of page.html.matchAll(FACTS.jsonRecord)) {
    const title = m[1] ?? m[4] ?? '';
    const href = (m[2] ?? m[3] ?? '').replace(/\\\//g, '/');
    try { out.push({ url: new URL(href, page.url).href, text: JSON.parse(`"${title}"`) as string }); } catch { /* not a URL or not JSON text */ }
  }
  return out;
}
