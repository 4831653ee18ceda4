/**
 * Hanweb jcms (大汉): a column page `/col/col{id}/index.html` carries its first records inline as
 * `<datastore><record><![CDATA[<li>…</li>]]></record>…` (sometimes entity-escaped), and the rest come from
 * `dataproxy.jsp`: POST windows `?startrecord=&endrecord=&perpage=` with a form naming the column (jpage asks
 * for three pages per window), or on older sites GET `?page=N&columnid=…`. The answer is the same XML.
 *
 * The XML is read with a regular expression over `<record>` CDATA, never with an XML parser: a DOCTYPE with
 * external (`SYSTEM "file:///etc/passwd"`) or nested entities (billion laughs) stays inert text.
 */
import * as cheerio from 'cheerio';
import { anchors, type PageLink } from '../links.ts';
import { configValue, safeCount } from '../pagers.ts';
import { byFingerprints, type ApiContinuation, type ListPageInput, type ListReading, type Platform } from './types.ts';

const FACTS = {
  record: /<record>\s*<!\[CDATA\[([^]*?)\]\]>\s*<\/record>/g,
  escapedMarkers: ['&lt;datastore&gt;', '&lt;record&gt;'],
  totalInAnswer: /<totalrecord>\s*(\d+)\s*<\/totalrecord>/i,
  columnInUrl: /\/col\/col(\d+)\//,
  /** The POST window proxy (and its path on older sites, GET with `page=`). */
  windowProxy: /(\/module\/web\/jpage\/dataproxy\.jsp)/,
  pageProxy: /(\/module\/jpage\/dataproxy\.jsp)/,
  defaultWindowProxy: '/module/web/jpage/dataproxy.jsp',
  defaultPerPage: 15,
  /** jpage fetches this many pages per window. */
  pagesPerWindow: 3,
  configKeys: { column: 'columnid', unit: 'unitid', web: 'webid', perPage: 'perpage', total: 'totalRecord', webName: 'webname' },
};

export const hanweb: Platform = {
  name: 'hanweb',
  title: 'Hanweb jcms (大汉)',
  notes: ['portals.md §2 (Hanweb row)', 'portal-snippets/01 §C'],
  examples: ['https://www.longyou.gov.cn/col/col1229114055/index.html', 'https://fzggw.jiangsu.gov.cn/col/col282/index.html?uid=423656&pageNum=1'],
  fingerprints: [/<datastore>|&lt;datastore&gt;/, /dataproxy\.jsp/, /\/module\/(web\/)?jpage\//, /\/col\/col\d+\//],
  detect: (page) => byFingerprints(hanweb.fingerprints)(page),
  readList,
  follow,
};

function unescape(html: string): string {
  return FACTS.escapedMarkers.some((m) => html.includes(m))
    ? html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : html;
}

/** The CDATA of every `<record>` of a datastore (page or dataproxy answer). */
export function hanwebRecords(xml: string): string[] {
  return [...xml.matchAll(FACTS.record)].map((m) => m[1]!);
}

function linksOf(records: string[], pageUrl: string): PageLink[] {
  return records.flatMap((r) => anchors(cheerio.load(r), pageUrl));
}

function readList(page: ListPageInput): ListReading {
  const text = unescape(page.html);
  const records = hanwebRecords(text);
  const links = linksOf(records, page.url);
  const k = FACTS.configKeys;
  const column = configValue(text, k.column) ?? FACTS.columnInUrl.exec(page.url)?.[1] ?? null;
  if (!column || !/^\d+$/.test(column)) return { links, continuations: [] };
  const unit = configValue(text, k.unit) ?? '';
  const web = configValue(text, k.web) ?? '1';
  // A page's own perpage is trusted only within sane bounds (0 would repeat one window for ever).
  const per = Math.min(Math.max(Number(configValue(text, k.perPage) ?? FACTS.defaultPerPage) || FACTS.defaultPerPage, 1), 1000);
  const total = safeCount(configValue(text, k.total)) || null;
  const form = { col: '1', appid: '1', webid: web, path: '/', columnid: column, sourceContentType: '1', unitid: unit, webname: '', permissiontype: '0' };
  const older = FACTS.pageProxy.exec(text)?.[1];
  if (older && !FACTS.windowProxy.test(text)) {
    const q = new URLSearchParams({ page: '2', appid: '1', webid: web, path: '/', columnid: column, unitid: unit, permissiontype: '0' });
    return { links, continuations: [pageWindow(new URL(`${older}?${q}`, page.url).href, page.url, 2)] };
  }
  const perWindow = per * FACTS.pagesPerWindow;
  const start = records.length + 1;
  if (total !== null && start > total) return { links, continuations: [] };
  const proxy = FACTS.windowProxy.exec(text)?.[1] ?? FACTS.defaultWindowProxy;
  const url = new URL(`${proxy}?startrecord=${start}&endrecord=${start + perWindow - 1}&perpage=${per}`, page.url).href;
  return { links, continuations: [{
    kind: 'api', platform: 'hanweb', url, method: 'POST', body: new URLSearchParams(form).toString(), declared: total !== null,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest', referer: page.url },
    state: { mode: 'window', referer: page.url, start, perWindow, total },
  }] };
}

function pageWindow(url: string, referer: string, page: number): ApiContinuation {
  return { kind: 'api', platform: 'hanweb', url, method: 'GET', declared: false, headers: { referer }, state: { mode: 'page', referer, page } };
}

function follow(answer: { text: string }, c: ApiContinuation): ListReading {
  const referer = String(c.state.referer);
  const links = linksOf(hanwebRecords(answer.text), referer);
  if (!links.length) return { links, continuations: [] };
  if (c.state.mode === 'page') {
    const u = new URL(c.url);
    const next = Number(c.state.page) + 1;
    u.searchParams.set('page', String(next));
    return { links, continuations: [pageWindow(u.href, referer, next)] };
  }
  const total = safeCount(FACTS.totalInAnswer.exec(answer.text)?.[1]) || (c.state.total === null ? null : Number(c.state.total));
  const perWindow = Number(c.state.perWindow);
  const start = Number(c.state.start) + perWindow;
  if (total !== null && start > total) return { links, continuations: [] };
  const u = new URL(c.url);
  u.searchParams.set('startrecord', String(start));
  u.searchParams.set('endrecord', String(start + perWindow - 1));
  return { links, continuations: [{ ...c, url: u.href, declared: total !== null, state: { ...c.state, start, total } }] };
}
