/**
 * TRS WCM (拓尔思): static list pages `index.html`, `index_1.html`, … written by the CMS, the page count in a
 * pager call the template prints. Every form seen: `createPageHTML(total, current, name, ext)` and the
 * container-first `createPageHTML('paging', total, current, name, ext, records)`, the current page counted
 * from 0 or from 1, the call inline (and the function sometimes defined in the same inline script) or the
 * function in a script file; the older `pageControl(total, current, name, ext, size, id)`; `var countPage = N`;
 * and the avalon `pagebar: { prepage, recordCount }` config of Fujian sites.
 *
 * Page files: a list counting from 0 has `index` then `index_1` … `index_{N-1}`; one counting from 1 has
 * `index` then `index_2` … `index_N`. The first page tells which (its current page is 0 or 1); later pages are
 * numbered like their file in both, so the first page's answer is carried to them.
 */
import { callsOf, configValue, pageDir, safeCount, siblingPage, type ScriptValue } from '../pagers.ts';
import { byFingerprints, type ListPageInput, type PageContinuation, type Platform } from './types.ts';

const FACTS = {
  /** Pager functions TRS templates call: (total, current, name, ext, …), optionally a container id first. */
  pagerFunctions: ['createPageHTML', 'pageControl'],
  /** `var countPage = N` (with `var currentPage = c`), e.g. mva.gov.cn. */
  countVariable: 'countPage',
  currentVariable: 'currentPage',
  /** Fujian's avalon config: `pagebar: { prepage: 10, recordCount: '20' }` (page size, records; or pageCount). */
  pagebarBlock: /\bpagebar\s*:\s*\{([^{}]*)\}/,
  pagebarKeys: { size: 'prepage', records: 'recordCount', pages: 'pageCount' },
  defaultName: 'index',
};

export const trs: Platform = {
  name: 'trs',
  title: 'TRS WCM (拓尔思)',
  notes: ['portals.md §2 (TRS WCM row)', 'portal-snippets/01 §A', 'issue 12: inline definitions, container-first one-based calls, avalon pagebar'],
  examples: ['http://zwgk.mwr.gov.cn/zfxxgkndbg/', 'https://www.mva.gov.cn/gongkai/zfxxgkpt/zfxxgknb/index.html', 'https://www.hanyang.gov.cn/bmxxgk/zfgzjg/qrmzfbgs/zfxxgkndbg/'],
  fingerprints: [/createPageHTML\s*\(/, /pageControl\s*\(/, /\bcountPage\s*=/, /TRS_Editor|trs_editor_view/i, /\bpagebar\s*:\s*\{/, /\/t(19|20)\d{6}_\d+(_wap)?\.s?html?\b/],
  detect: (page) => byFingerprints(trs.fingerprints)(page),
  readList: (page) => ({ links: [], continuations: trsPages(page) }),
};

/** The page files a TRS-style pager declares beside `page` (shared with platforms that print the same pager). */
export function trsPages(page: ListPageInput): PageContinuation[] {
  const { ext: urlExt, file } = pageDir(page.url);
  const ext = /\.\w+$/.test(file) ? urlExt : (/\bindex(?:_\d+)?\.(s?html?)\b/.exec(page.html)?.[1] ?? 'html');
  const call = pagerCall(page.scripts);
  if (call) return numbered(page, call.total, call.current, call.name ?? stem(file), call.ext ?? ext);
  const count = safeCount(configValue(page.scripts, FACTS.countVariable));
  if (count) {
    const cur = configValue(page.scripts, FACTS.currentVariable);
    return numbered(page, count, cur !== null && /^\d+$/.test(cur) ? Number(cur) : null, stem(file), ext);
  }
  const bar = FACTS.pagebarBlock.exec(page.scripts) ?? FACTS.pagebarBlock.exec(page.html);
  if (bar) {
    const pages = safeCount(configValue(bar[1]!, FACTS.pagebarKeys.pages));
    const size = Number(configValue(bar[1]!, FACTS.pagebarKeys.size));
    const records = Number(configValue(bar[1]!, FACTS.pagebarKeys.records));
    const total = pages || (size > 0 && records > 0 ? safeCount(Math.ceil(records / size)) : 0);
    // The avalon pager counts from 0 like the static files it links (index, index_1, …).
    return numbered(page, total, 0, stem(file), ext);
  }
  return [];
}

/** The first pager call whose arguments hold a number: container id (strings before the numbers), total, current, name, ext. */
function pagerCall(scripts: string): { total: number; current: number | null; name: string | null; ext: string | null } | null {
  for (const fn of FACTS.pagerFunctions) {
    for (const args of callsOf(scripts, fn)) {
      const first = args.findIndex((a) => a.kind === 'number');
      if (first < 0) continue;
      const rest = args.slice(first);
      const nums = rest.filter((a): a is Extract<ScriptValue, { kind: 'number' }> => a.kind === 'number');
      const strs = rest.filter((a): a is Extract<ScriptValue, { kind: 'string' }> => a.kind === 'string').map((a) => a.value);
      const total = safeCount(nums[0]!.value);
      if (!total) continue;
      const name = strs[0] && /^[\w-]+$/.test(strs[0]) ? strs[0] : null;
      const ext = strs[1] && /^[a-z]{2,5}$/i.test(strs[1]) ? strs[1] : null;
      return { total, current: nums[1]?.value ?? null, name, ext };
    }
  }
  return null;
}

function stem(file: string): string {
  const m = /^([A-Za-z][\w-]*?)(?:_\d+)?\.\w+$/.exec(file);
  return m ? m[1]! : FACTS.defaultName;
}

/**
 * The other page files of a list of `total` pages. Where the list counts from is read on its first page (the
 * current page is 0 or 1 there); a later page passes on what the first one said (memo), else counts from 0.
 */
function numbered(page: ListPageInput, total: number, current: number | null, name: string, ext: string): PageContinuation[] {
  const file = pageDir(page.url).file;
  const here = new RegExp(`^${name}_(\\d+)\\.`).exec(file);
  const isFirst = !here;
  const firstIndex: 0 | 1 = isFirst ? (current === 1 ? 1 : 0) : (page.memo?.firstIndex ?? 0);
  const from = firstIndex === 0 ? 1 : 2;
  const to = firstIndex === 0 ? total - 1 : total;
  const out: PageContinuation[] = [];
  for (let k = from; k <= to; k++) out.push({ kind: 'page', url: siblingPage(page.url, name, ext, k), declared: true, memo: { firstIndex } });
  return out;
}

