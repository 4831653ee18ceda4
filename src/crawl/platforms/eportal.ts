/**
 * Beijing's eportal (district portals): a column is `/eportal/ui?pageId=<id>`, its further pages the same URL
 * with `currentPage=N` (counted from 1); the count stands in the pager (`共 N 页`) and in its page links.
 */
import { declaredTotal, pageCounterOf, withParam } from '../pagers.ts';
import { byFingerprints, type ListPageInput, type ListReading, type PageContinuation, type Platform } from './types.ts';

const FACTS = {
  pageParam: 'currentPage',
};

export const eportal: Platform = {
  name: 'eportal',
  title: 'Beijing eportal',
  notes: ['portals.md §2 (Beijing others row)', 'portal-snippets/01 (Beijing: eportal ?currentPage=N)'],
  examples: ['http://www.bjpg.gov.cn/eportal/ui?pageId=559300', 'http://www.bjpg.gov.cn/eportal/ui?pageId=559300&currentPage=2'],
  fingerprints: [/\/eportal\/ui\?pageId=/i, /eportal\/ui/i],
  detect: (page) => byFingerprints(eportal.fingerprints)(page),
  readList,
};

function readList(page: ListPageInput): ListReading {
  // The count the pager states, else the highest page its links reach.
  let total = declaredTotal(page.$('body').text());
  if (!total) {
    page.$('a[href]').each((_, el) => {
      let abs: string;
      try { abs = new URL(page.$(el).attr('href')!, page.url).href; } catch { return; }
      const n = new URL(abs).searchParams.has(FACTS.pageParam) ? pageCounterOf(abs, page.url) : null;
      if (n !== null) total = Math.max(total, n);
    });
  }
  const out: PageContinuation[] = [];
  const here = Number(new URL(page.url).searchParams.get(FACTS.pageParam) ?? 1);
  for (let k = 2; k <= total; k++) if (k !== here) out.push({ kind: 'page', url: withParam(page.url, FACTS.pageParam, k), declared: true });
  return { links: [], continuations: out };
}
