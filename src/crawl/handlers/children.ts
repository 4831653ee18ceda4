/**
 * What a list page leads to: report pages and report files (by their link titles), sub-columns inside the
 * column (year and unit-type folders), and the list's further pages and API windows. Queued in one transaction;
 * every list child is attached to every agency the parent serves. A walk along pages nobody declared stops after
 * BARREN_PAGES_BEFORE_STOP pages without a new report link; declared pages are walked to `--max-pages`.
 */
import { continuationLabel, type CrawlEnv, type CrawlItem } from '../context.ts';
import type { PageLink } from '../links.ts';
import type { Continuation } from '../platforms/index.ts';
import {
  ATTACHMENT_EXT, ATTACHMENT_URL, BARREN_PAGES_BEFORE_STOP, REPORT_FILE_URL, SUBCOLUMN_LINK_TEXTS, SUBCOLUMN_URL_TOKENS,
} from '../tables.ts';
import { classifyTitle } from '../titles.ts';
import { canonicalUrl, isOwnHost } from '../url.ts';

/** Sub-columns nest at most this deep under a seed column. */
const MAX_DEPTH = 5;

/** The folder a list URL lives in: sub-columns and pages must stay under it. */
export function columnRoot(url: string): string {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return new URL('.', u).href;
}

export interface Children {
  reports: CrawlItem[];
  /** Sub-columns (one level deeper). */
  columns: CrawlItem[];
  /** Further pages and API windows of the same list. */
  further: { item: CrawlItem; declared: boolean; probe: boolean }[];
}

/**
 * Whether a link is a report: its title says so, or it is a report file (淮安 `/wzxxgknb/…pdf`) with a year. A
 * title without a year that leads to a list (the page itself, a folder, an index page) names the column, not a
 * report: "政府信息公开年报" in a portal's navigation.
 */
export function isReportLink(l: PageLink, pageUrl: string): { report: boolean; file: boolean } {
  const info = classifyTitle(l.text);
  const path = new URL(l.url).pathname;
  const file = ATTACHMENT_EXT.test(path) || ATTACHMENT_URL.some((re) => re.test(l.url));
  const fileReport = file && REPORT_FILE_URL.test(l.url) && (info.year !== null || /(19|20)\d{2}/.test(l.url));
  const listLike = l.url === pageUrl.replace(/#.*$/, '') || LIST_PATH.test(path);
  return { report: (info.isReport && l.text.length >= 6 && (info.year !== null || !listLike)) || fileReport, file };
}

/** Paths of list pages: a folder, an index page. */
const LIST_PATH = /\/$|\/index(_\d+)?\.\w+$/;

export function childrenOf(env: CrawlEnv, item: CrawlItem, links: PageLink[], conts: Continuation[]): Children {
  const out: Children = { reports: [], columns: [], further: [] };
  const allowed = env.book.ownHosts(item.agencyId);
  allowed.add(new URL(item.url).host.toLowerCase());
  const base = { agencyId: item.agencyId, source: item.url, root: item.root };
  for (const l of links) {
    const { report, file } = isReportLink(l, item.url);
    if (report) {
      if (!isOwnHost(l.url, allowed)) { env.log(`off-site report link ignored: ${l.url}`); continue; }
      out.reports.push({ ...base, label: file ? 'ATTACHMENT' : 'REPORT_PAGE', url: file ? l.url : canonicalUrl(l.url), depth: item.depth + 1, page: 0,
        title: l.text, listDate: l.date ?? null });
      continue;
    }
    const path = new URL(l.url).pathname;
    const inRoot = item.root ? l.url.startsWith(item.root) : false;
    const sub = inRoot && l.url !== item.url && (SUBCOLUMN_URL_TOKENS.test(path) || SUBCOLUMN_LINK_TEXTS.some((re) => re.test(l.text)));
    if (sub && item.depth < MAX_DEPTH) {
      out.columns.push({ ...base, label: item.label === 'BROWSER_LIST' ? 'BROWSER_LIST' : 'LIST', url: l.url, root: columnRoot(l.url), depth: item.depth + 1, page: 0 });
    }
  }
  for (const c of conts) {
    if (item.page + 1 >= env.maxPages) break;
    const page = item.page + 1;
    if (c.kind === 'page') {
      out.further.push({ declared: c.declared, probe: false, item: { ...base, label: item.label === 'BROWSER_LIST' ? 'BROWSER_LIST' : 'LIST', url: c.url, depth: item.depth,
        page: c.declared ? Math.max(page, pageNumber(c.url)) : page, ...(c.memo ? { memo: c.memo } : {}) } });
    } else {
      out.further.push({ declared: c.declared, probe: !!c.probe, item: { ...base, label: continuationLabel(c.platform), url: c.url, depth: item.depth, page, cont: c } });
    }
  }
  out.further = out.further.filter((f) => f.item.page < env.maxPages);
  return out;
}

/** A declared page's number in its list (`index_5.html`, `?page=5`), so `--max-pages` caps a list its first page declares whole. */
function pageNumber(url: string): number {
  const m = /_(\d+)\.\w+$/.exec(new URL(url).pathname) ?? /[?&](?:page|pageIndex|pageNum|currentPage|pageNo)=(\d+)/i.exec(url);
  return m ? Number(m[1]) : 0;
}

/**
 * Queues a list page's children (one transaction), attaching every list child to the agencies the page serves;
 * returns how many report links were new this run. Pages nobody declared are followed only while the walk keeps
 * finding new report links.
 */
export async function spawn(env: CrawlEnv, item: CrawlItem, children: Children, served: string[]): Promise<number> {
  const known = await env.queued(children.reports);
  const fresh = children.reports.filter((c) => !known.has(env.keyOf(c))).length;
  const isContinuation = item.page > 0 || !!item.cont;
  const barren = isContinuation && fresh === 0 ? (item.barren ?? 0) + 1 : 0;
  const further = children.further
    .filter((f) => f.declared || f.probe || barren < BARREN_PAGES_BEFORE_STOP)
    .map((f) => ({ ...f.item, barren }));
  for (const c of children.columns) await env.evidence.attach(served, c.url, 'column', item.url);
  for (const c of further) await env.evidence.attach(served, c.url, 'continuation', item.url);
  await env.enqueue([...children.reports, ...children.columns, ...further]);
  // Every column that lists a report is one of its sources, also when another column queued it first.
  await env.store.reports.noteLinkSources(children.reports.map((c) => ({ url: c.url, listUrl: item.url, agencyId: c.agencyId })));
  return fresh;
}
