/**
 * 开普云 UCAP (www.gov.cn, 运城, 吕梁): report bodies in `#UCAP-CONTENT`, its script helpers under `ucap`
 * names; its lists are static pages like TRS's, paged by the container-first pager
 * `createPageHTML('page_div', total, current, 'index', 'shtml', records)`, counting from 1 on the first page.
 */
import { trsPages } from './trs.ts';
import { byFingerprints, type Platform } from './types.ts';

export const ucap: Platform = {
  name: 'ucap',
  title: '开普云 UCAP',
  notes: ['portals.md §2 (开普云 UCAP row)', 'portal-snippets/05 §3 (#UCAP-CONTENT)', 'issue 12: createPageHTML(\'page_div\', 2, 1, \'index\', \'shtml\', 11)'],
  examples: ['https://www.gov.cn/zhengce/content/202401/content_6925870.htm'],
  fingerprints: [/UCAP-CONTENT/, /ucapCommonFun/, /\/ucap\/[\w/.-]*\.js/i, /\bucap[-_]?(?:list|page|pager)\b/i],
  detect: (page) => byFingerprints(ucap.fingerprints)(page),
  readList: (page) => ({ links: [], continuations: trsPages(page) }),
};
