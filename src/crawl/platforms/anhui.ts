/**
 * Anhui's county 信息公开 platform (a PHP CMS, one host for the government and all its departments, each a
 * `branch`): a unit's 年报 list is `/opennessAnnualReport/?branch_id=<24-hex id>`, further pages `&page=N`
 * (counted from 1, `page=0` is page 1), reports `/openness/detail/content/<24-hex id>.html`. Links to other
 * branches' lists sit on every page: they are other units' columns, not pages of this one.
 */
import { declaredTotal, withParam } from '../pagers.ts';
import { byFingerprints, type ListPageInput, type ListReading, type PageContinuation, type Platform } from './types.ts';

const FACTS = {
  listPath: /\/opennessAnnualReport\/?/i,
  unitParam: 'branch_id',
  pageParam: 'page',
};

export const anhui: Platform = {
  name: 'anhui-openness',
  title: 'Anhui 信息公开 platform (OpennessAnnualReport, branch_id)',
  notes: ['issue 12 (Anhui openness: OpennessAnnualReport, branch_id)', 'public CMS code: opennessAnnualReport/?branch_id=, openness/detail/content/<id>.html, page='],
  examples: ['/opennessAnnualReport/?branch_id=5a4c8b1e2f3d4e5f6a7b8c9d', '/opennessAnnualReport/?branch_id=5a4c8b1e2f3d4e5f6a7b8c9d&page=2', '/openness/detail/content/5f1e2d3c4b5a69788796a5b4.html'],
  fingerprints: [/opennessAnnualReport/i, /\/openness\/detail\/content\//i, /opennessContent\/\?branch_id=/i],
  detect: (page) => byFingerprints(anhui.fingerprints)(page),
  readList,
};

function readList(page: ListPageInput): ListReading {
  const here = new URL(page.url);
  const unit = here.searchParams.get(FACTS.unitParam);
  if (!unit || !FACTS.listPath.test(here.pathname)) return { links: [], continuations: [] };
  // The pager's stated count, else the highest page of this unit's list it links ("末页" included).
  let total = declaredTotal(page.$('body').text());
  if (!total) {
    page.$('a[href]').each((_, el) => {
      let u: URL;
      try { u = new URL(page.$(el).attr('href')!, page.url); } catch { return; }
      if (u.pathname !== here.pathname || u.searchParams.get(FACTS.unitParam) !== unit) return;
      const n = Number(u.searchParams.get(FACTS.pageParam));
      if (Number.isInteger(n) && n > 0 && n < 10_000) total = Math.max(total, n);
    });
  }
  const current = Math.max(1, Number(here.searchParams.get(FACTS.pageParam) ?? 1) || 1);
  const out: PageContinuation[] = [];
  for (let k = 2; k <= total; k++) if (k !== current) out.push({ kind: 'page', url: withParam(page.url, FACTS.pageParam, k), declared: true });
  return { links: [], continuations: out };
}
