/**
 * Shaanxi's 集约化 platform (county and city portals: 吴起, 子长, 杨凌, 延安 departments): 年报 columns by unit
 * type and year (`/zfxxgk/zfxxgknb/{bm,xj,szfnb}/{Y}n/`), list pages numbered files `1.html`, `2.html`, … in
 * the column's folder, reports named by a 19-digit id (`/1753311688616128514.html`). The count stands in the
 * pager (`共 N 页`) or is the highest numbered page it links.
 */
import { declaredTotal, pageCounterOf, pageDir } from '../pagers.ts';
import { byFingerprints, type ListPageInput, type ListReading, type PageContinuation, type Platform } from './types.ts';

const FACTS = {
  /** Report pages named by a snowflake id. */
  reportId: /\/\d{18,19}\.s?html?\b/,
  numberedPage: /^(\d{1,4})\.(s?html?)$/,
  defaultExt: 'html',
};

export const shaanxi: Platform = {
  name: 'shaanxi',
  title: 'Shaanxi 集约化 platform',
  notes: ['portals.md §2 (Shaanxi 集约化 row)', 'portal-snippets/04 §1–2 (snowflake ids)'],
  examples: ['http://www.wqx.gov.cn/zfxxgk/zfxxgknb/xj/', 'https://jyj.yanan.gov.cn/zfxxgk/zfxxgknb/1.html', 'http://www.zichang.gov.cn/zfxxgk/zfxxgknb/szfnb/2023n/1752504210521403394.html'],
  fingerprints: [FACTS.reportId],
  detect: (page) => byFingerprints(shaanxi.fingerprints)(page),
  readList,
};

function readList(page: ListPageInput): ListReading {
  const { dir, file } = pageDir(page.url);
  const here = FACTS.numberedPage.exec(file);
  let ext = here?.[2] ?? FACTS.defaultExt;
  const stated = declaredTotal(page.$('body').text());
  let total = stated;
  page.$('a[href]').each((_, el) => {
    let abs: string;
    try { abs = new URL(page.$(el).attr('href')!, page.url).href; } catch { return; }
    const m = FACTS.numberedPage.exec(pageDir(abs).file);
    if (!m || pageCounterOf(abs, here ? page.url : `${dir}1.${m[2]}`) === null) return;
    ext = m[2]!;
    if (!stated) total = Math.max(total, Number(m[1]));
  });
  const out: PageContinuation[] = [];
  for (let k = 2; k <= total; k++) if (k !== Number(here?.[1] ?? 1)) out.push({ kind: 'page', url: `${dir}${k}.${ext}`, declared: true });
  return { links: [], continuations: out };
}
