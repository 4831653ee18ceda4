/**
 * Reading a list page: its links (anchors, Hanweb `<datastore>` records, embedded JSON), its platform,
 * and every way real platforms paginate (portals.md §2 and §6.2). Pure functions over HTML text.
 */
import { todayInChina } from '../seeds/calendar.ts';
import * as cheerio from 'cheerio';
import { JS_SHELL, LIST_ENTRY_DATE, PLATFORMS } from './tables.ts';
import { resolveHref } from './url.ts';

export interface PageLink {
  url: string;
  text: string;
  /** The date printed beside the entry on the list (yyyy-mm-dd), when there is one. */
  date?: string | null;
}

/** A yyyy-mm-dd date in a piece of text, or null. */
export function dateIn(text: string | null | undefined, pattern = LIST_ENTRY_DATE): string | null {
  const m = text ? pattern.exec(text) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A further page of the same list: a GET of a page URL, or an API window. */
export type ListContinuation =
  | { kind: 'page'; url: string }
  | { kind: 'hanweb'; url: string; body: string; referer: string; start: number; perWindow: number; total: number | null }
  | { kind: 'gkmlpt'; url: string; page: number; catId: string; sid: string };

export interface ListPage {
  platform: string | null;
  links: PageLink[];
  continuations: ListContinuation[];
  /** Scripts build the list (no declared pagination): a browser may be needed if no report links are found. */
  looksJsOnly: boolean;
  title: string;
}

/**
 * Most pages a list may declare that we turn into URLs. A page can claim any total (`createPageHTML(99999999999,…)`);
 * building that many URLs would exhaust memory before the crawl's own list cap (`--max-pages`) is consulted.
 */
export const MAX_DECLARED_PAGES = 5000;

/** A declared page total as a safe count (0 when absent or absurd). */
function declaredTotal(raw: string | number | undefined | null): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), MAX_DECLARED_PAGES) : 0;
}

const NEXT_TEXT = /^\s*(下一页|下页|后一页|尾页|末页|最后一页|>>|»|›|>)\s*$/;

function anchors($: cheerio.CheerioAPI, pageUrl: string, base?: string): PageLink[] {
  const out: PageLink[] = [];
  $('a').each((_, el) => {
    const a = $(el);
    const url = resolveHref(a.attr('href'), a.attr('onclick'), pageUrl, base);
    if (!url) return;
    const text = (a.attr('title') || a.text()).replace(/\s+/g, ' ').trim();
    // The entry's date sits beside the link in the same list item or table row (TRS, Hanweb, most CMSs).
    const entry = a.closest('li, tr, dd');
    const date = entry.length && entry.find('a').length === 1 ? dateIn(entry.text().replace(text, '')) : null;
    out.push({ url, text, ...(date ? { date } : {}) });
  });
  return out;
}

/** TRS `createPageHTML` / `pageControl` in all argument orders: optional container id first, then total, current. */
function trsPages(html: string, pageUrl: string): string[] {
  const m = /(?:createPageHTML|pageControl)\s*\(([^)]*)\)/.exec(html);
  let total: number | null = null;
  let name = 'index';
  let ext: string | null = null;
  if (m) {
    const args = m[1]!.split(',').map((s) => s.trim().replace(/^['"]|['"]$/g, ''));
    if (args.length && !/^\d+$/.test(args[0]!)) args.shift(); // container id first ('paging', 'page_div')
    total = declaredTotal(args[0]);
    if (args[2] && /^[\w-]+$/.test(args[2])) name = args[2];
    if (args[3] && /^[a-z]+$/i.test(args[3])) ext = args[3];
  } else {
    const c = /var\s+countPage\s*=\s*(\d+)/.exec(html);
    if (c) total = declaredTotal(c[1]);
  }
  if (!total || !Number.isFinite(total)) return [];
  const dir = new URL('.', pageUrl).href;
  const e = ext ?? (/\.(\w+)$/.exec(new URL(pageUrl).pathname)?.[1] ?? 'html');
  const pages: string[] = [];
  for (let i = 1; i < total; i++) pages.push(`${dir}${name}_${i}.${e}`);
  return pages;
}

/** Shanghai `pagination("setPage",p,N)` / `totalPage: N` (one-based: page 1 = index.html, p = index_p.html). */
function oneBasedPages(html: string, pageUrl: string): string[] {
  const m = /pagination\(\s*["']setPage["']\s*,\s*\d+\s*,\s*(\d+)/.exec(html) ?? /totalPage\s*[:=]\s*(\d+)/.exec(html);
  if (!m) return [];
  const dir = new URL('.', pageUrl).href;
  const ext = /\.(\w+)$/.exec(new URL(pageUrl).pathname)?.[1] ?? 'html';
  return Array.from({ length: Math.max(0, declaredTotal(m[1]) - 1) }, (_, i) => `${dir}index_${i + 2}.${ext}`);
}

/** Query-parameter pagination declared in JS (Lonsun `Ls.pagination` pageCount, Henan `pagecount`, Shandong). */
function paramPages(html: string, pageUrl: string): string[] {
  const ls = /Ls\.pagination\([^]*?pageIndex=[^]*?pageCount\s*:\s*(\d+)/.exec(html);
  const u = new URL(pageUrl);
  if (ls) {
    return Array.from({ length: Math.max(0, declaredTotal(ls[1]) - 1) }, (_, i) => { const x = new URL(u); x.searchParams.set('pageIndex', String(i + 2)); return x.href; });
  }
  return [];
}

/** Hanweb jpage: inline `<datastore>` records and the `dataproxy.jsp` POST windows that continue it. */
function hanweb(html: string, pageUrl: string): { links: string[]; cont: ListContinuation[] } {
  const unescaped = html.includes('&lt;datastore&gt;') || html.includes('&lt;record&gt;')
    ? html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') : html;
  const records = [...unescaped.matchAll(/<record>\s*<!\[CDATA\[([^]*?)\]\]>\s*<\/record>/g)].map((m) => m[1]!);
  const cont: ListContinuation[] = [];
  const col = /columnid\s*[:=]\s*['"]?(\d+)/i.exec(unescaped) ?? /\/col\/col(\d+)\//.exec(pageUrl);
  if (records.length || /dataproxy\.jsp|jpage/.test(html)) {
    const unit = /unitid\s*[:=]\s*['"]?(\d+)/i.exec(unescaped)?.[1] ?? '';
    const webid = /webid\s*[:=]\s*['"]?(\d+)/i.exec(unescaped)?.[1] ?? '1';
    // A page's own perpage is trusted only within sane bounds (0 would repeat one window forever).
    const per = Math.min(Math.max(Number(/perpage\s*[:=]\s*['"]?(\d+)/i.exec(unescaped)?.[1] ?? 15), 1), 1000);
    const totalM = /totalRecord\s*[:=]\s*['"]?(\d+)|<totalrecord>(\d+)<\/totalrecord>/i.exec(unescaped);
    const total = totalM ? Number(totalM[1] ?? totalM[2]) : null;
    const proxy = /(\/module\/(?:web\/)?jpage\/dataproxy\.jsp)/.exec(unescaped)?.[1] ?? '/module/web/jpage/dataproxy.jsp';
    if (col) {
      const perWindow = per * 3; // jpage fetches three pages per request
      const start = records.length ? records.length + 1 : 1;
      if (total === null || start <= total) {
        const url = new URL(`${proxy}?startrecord=${start}&endrecord=${start + perWindow - 1}&perpage=${per}`, pageUrl).href;
        const body = new URLSearchParams({ col: '1', appid: '1', webid, path: '/', columnid: col[1]!, sourceContentType: '1',
          unitid: unit, webname: '', permissiontype: '0' }).toString();
        cont.push({ kind: 'hanweb', url, body, referer: pageUrl, start, perWindow, total });
      }
    }
  }
  const links: string[] = records;
  return { links, cont };
}

/**
 * Links from a Hanweb dataproxy XML answer. The XML is read with a regular expression over `<record>` CDATA,
 * never with an XML parser: a DOCTYPE with external (`SYSTEM "file:///etc/passwd"`, `SYSTEM "http://10.0.0.1/"`)
 * or nested internal entities (billion laughs) is inert text here, and cheerio (HTML mode) leaves `&xxe;` as is.
 */
export function hanwebRecords(xml: string): string[] {
  return [...xml.matchAll(/<record>\s*<!\[CDATA\[([^]*?)\]\]>\s*<\/record>/g)].map((m) => m[1]!);
}

/** The next window after a Hanweb answer with `got` records, or null at the end. */
export function nextHanwebWindow(c: Extract<ListContinuation, { kind: 'hanweb' }>, got: number): ListContinuation | null {
  if (got === 0) return null;
  const start = c.start + c.perWindow;
  if (c.total !== null && start > c.total) return null;
  const u = new URL(c.url);
  u.searchParams.set('startrecord', String(start));
  u.searchParams.set('endrecord', String(start + c.perWindow - 1));
  return { ...c, url: u.href, start };
}

/** gkmlpt: `window._CONFIG = { SID: '…' }` plus the category in the URL hash (`/gkmlpt/index#5`). */
function gkmlpt(html: string, pageUrl: string, $: cheerio.CheerioAPI): ListContinuation[] {
  const sid = /SID\s*:\s*['"]?(\d+)/.exec(html)?.[1];
  if (!sid) return [];
  let cat = /#(\d+)$/.exec(pageUrl)?.[1];
  if (!cat) {
    $('a').each((_, el) => {
      const href = $(el).attr('href') ?? '';
      const m = /#(\d+)$/.exec(href);
      if (!cat && m && /年报|年度报告/.test($(el).text())) cat = m[1];
    });
  }
  if (!cat) return [];
  return [{ kind: 'gkmlpt', url: new URL(`/gkmlpt/api/all/${cat}?page=1&sid=${sid}`, pageUrl).href, page: 1, catId: cat, sid }];
}

/** Links and continuation from one gkmlpt API answer. */
export function gkmlptAnswer(json: string, c: Extract<ListContinuation, { kind: 'gkmlpt' }>): { links: PageLink[]; next: ListContinuation | null } {
  let data: { total?: number; articles?: { title?: string; url?: string; post_url?: string; display_publish_time?: number | string; create_time?: number }[] };
  try { data = JSON.parse(json); } catch { return { links: [], next: null }; }
  const arts = data.articles ?? [];
  const links = arts.flatMap((a) => {
    const href = a.url ?? a.post_url;
    // gkmlpt times are Unix seconds; the publication date is the China calendar day.
    const t = Number(a.display_publish_time ?? a.create_time);
    const date = Number.isFinite(t) && t > 0 ? todayInChina(new Date(t * 1000)) : null;
    return href ? [{ url: new URL(href, c.url).href, text: a.title ?? '', ...(date ? { date } : {}) }] : [];
  });
  const seen = c.page * Math.max(arts.length, 1);
  const more = arts.length > 0 && (data.total === undefined || seen < data.total);
  if (!more) return { links, next: null };
  const u = new URL(c.url);
  u.searchParams.set('page', String(c.page + 1));
  return { links, next: { ...c, url: u.href, page: c.page + 1 } };
}

/** Title/url pairs in embedded JSON (Huzhou `var dataList=[…]`, avalon data, Shandong). */
function jsonLinks(html: string, pageUrl: string): PageLink[] {
  const out: PageLink[] = [];
  for (const m of html.matchAll(/\{[^{}]*?"title"\s*:\s*"([^"]*)"[^{}]*?"(?:url|link|href|post_url)"\s*:\s*"([^"]+)"[^{}]*\}|\{[^{}]*?"(?:url|link|href)"\s*:\s*"([^"]+)"[^{}]*?"title"\s*:\s*"([^"]*)"[^{}]*\}/g)) {
    const title = m[1] ?? m[4] ?? '';
    const href = (m[2] ?? m[3] ?? '').replace(/\\\//g, '/');
    try { out.push({ url: new URL(href, pageUrl).href, text: JSON.parse(`"${title}"`) }); } catch { /* not a URL */ }
  }
  return out;
}

export function readListPage(html: string, pageUrl: string): ListPage {
  const $ = cheerio.load(html);
  const base = $('base[href]').attr('href');
  const platform = PLATFORMS.find((p) => p.test.test(html))?.name ?? null;
  const links = anchors($, pageUrl, base);
  const continuations: ListContinuation[] = [];
  const hw = hanweb(html, pageUrl);
  for (const rec of hw.links) links.push(...anchors(cheerio.load(rec), pageUrl, base));
  continuations.push(...hw.cont);
  continuations.push(...gkmlpt(html, pageUrl, $));
  links.push(...jsonLinks(html, pageUrl));
  const declared = [...trsPages(html, pageUrl), ...oneBasedPages(html, pageUrl), ...paramPages(html, pageUrl)];
  for (const url of declared) continuations.push({ kind: 'page', url });
  // Generic fallback: next/尾页 links and numbered page links (the 100-city scraper's detect_pagination).
  $('a').each((_, el) => {
    const a = $(el);
    const text = a.text().trim();
    if (NEXT_TEXT.test(text) || /^\d{1,3}$/.test(text)) {
      const url = resolveHref(a.attr('href'), a.attr('onclick'), pageUrl, base);
      if (url && url !== pageUrl) continuations.push({ kind: 'page', url });
    }
  });
  const scripts = $('script').map((_, el) => $(el).html() ?? '').get().join('\n');
  // Whether scripts build the list; the crawler renders it only when no report links were found statically.
  const looksJsOnly = continuations.length === 0 && JS_SHELL.test(scripts);
  return { platform, links, continuations, looksJsOnly, title: $('title').text().trim() };
}
