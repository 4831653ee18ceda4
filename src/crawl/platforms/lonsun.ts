/**
 * Lonsun (龙讯, the "Ls" JS platform of Anhui's provincial departments): column pages `/content/column/{id}`
 * paged by `?pageIndex=N`, the count in `Ls.pagination("#page_{id}", function(pageIndex){ location.href='…?pageIndex='
 * + pageIndex; }, { currPage: (0+1), pageCount: 3 })` (keys bare or quoted). Pages count from 1.
 */
import { configValue, safeCount, withParam } from '../pagers.ts';
import { byFingerprints, type ListPageInput, type ListReading, type PageContinuation, type Platform } from './types.ts';

const FACTS = {
  pagerFunction: 'Ls.pagination',
  /** The page URL the callback builds: `location.href = '<url>' + pageIndex`. */
  callbackUrl: /location(?:\.href)?\s*=\s*(['"])([^'"]*?)\1\s*\+\s*\w+/,
  countKey: 'pageCount',
  defaultParam: 'pageIndex',
};

export const lonsun: Platform = {
  name: 'lonsun',
  title: 'Lonsun "Ls" platform (Anhui departments)',
  notes: ['portals.md §2 (Anhui (Lonsun "Ls") row)', 'portal-snippets/01 §E'],
  examples: ['https://hrss.ah.gov.cn/content/column/6791573?pageIndex=2'],
  fingerprints: [/Ls\.pagination\s*\(/, /\/content\/column\/\d+/],
  detect: (page) => byFingerprints(lonsun.fingerprints)(page),
  readList,
};

function readList(page: ListPageInput): ListReading {
  const at = page.scripts.indexOf(FACTS.pagerFunction);
  if (at < 0) return { links: [], continuations: [] };
  const call = page.scripts.slice(at, at + 2000);
  const total = safeCount(configValue(call, FACTS.countKey));
  const template = FACTS.callbackUrl.exec(call)?.[2];
  const out: PageContinuation[] = [];
  for (let k = 2; k <= total; k++) {
    // The callback's URL ends in `pageIndex=`; without one, the list's own URL with the page parameter.
    const url = template && /[?&][\w]+=$/.test(template) ? new URL(`${template}${k}`, page.url).href : withParam(page.url, FACTS.defaultParam, k);
    out.push({ kind: 'page', url, declared: true });
  }
  return { links: [], continuations: out };
}
