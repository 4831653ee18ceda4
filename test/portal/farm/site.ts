/**
 * What a farm site is: a gov.cn-like host serving one portal platform in one rendering, the seed rows that lead
 * to it, and the reports a person reads off its pages (the answer the crawl is checked against). Pages are a
 * static map from request to response, built once; helpers render pages the ways real portals do (charset in
 * the header or only in <meta> as GBK, links relative, root-relative or absolute, scripts inline or external).
 */
import iconv from 'iconv-lite';
import { reportPage } from '../server.ts';

export interface FarmResponse { status?: number; type?: string; body: Buffer | string; headers?: Record<string, string> }

/** A request as a dynamic page sees it. */
export interface FarmRequest { method: string; path: string; query: URLSearchParams; body: string }
export type FarmPage = FarmResponse | ((req: FarmRequest) => FarmResponse | null);

/** A report as the fixture author placed it: whose (a seed's id, or `name:<printed name>` for a unit no seed names), which year, its originals. */
export interface FarmReport {
  owner: string;
  year: number;
  /** Paths of every original of the report: its page and its files (what the store must hold, no more). */
  originals: string[];
}

export interface SeedRow {
  id: string;
  name: string;
  level?: string;
  kind?: string;
  parent?: string;
  region?: string;
  home?: string;
  list?: string;
  render?: string;
}

export interface FarmSite {
  host: string;
  platform: string;
  /** How this site renders its platform (for messages). */
  variant: string;
  seeds: SeedRow[];
  reports: FarmReport[];
  /** `METHOD path?query`, `path?query`, `METHOD path` or `path` → response (or a function of the request). */
  pages: Map<string, FarmPage>;
}

export type Charset = 'utf-8' | 'gbk';
export type LinkStyle = 'relative' | 'root' | 'absolute';

/** A site under construction. */
export class SiteBuilder {
  readonly pages = new Map<string, FarmPage>();
  readonly reports: FarmReport[] = [];
  constructor(readonly host: string, readonly charset: Charset = 'utf-8', readonly links: LinkStyle = 'relative') {
    this.pages.set('/robots.txt', { type: 'text/plain', body: 'User-agent: *\nAllow: /\n' });
  }

  /** An href to `path` as this site writes links from a page at `from`. */
  href(path: string, from: string): string {
    if (this.links === 'absolute') return `http://${this.host}${path}`;
    if (this.links === 'root') return path;
    return relative(from, path);
  }

  /** A page in the site's charset: GBK pages declare it only in <meta> (the header says text/html). */
  html(path: string, html: string, key = path): void {
    this.pages.set(key, this.encode(html));
  }

  /** An HTML answer in the site's charset. */
  encode(html: string, type = 'text/html'): FarmResponse {
    return this.charset === 'gbk' ? { type, body: iconv.encode(html, 'gbk') } : { type: `${type}; charset=utf-8`, body: html };
  }

  raw(key: string, r: FarmPage): void {
    this.pages.set(key, r);
  }

  /**
   * A report page (TRS-like template, or a Word-paste body), optionally with files, and the report it is. A file
   * may be linked through another URL (a download proxy that redirects to it): `{ link, file }`.
   */
  report(o: { path: string; owner: string; unit: string; year: number; title?: string; files?: (string | { link: string; file: string })[]; pubDate?: string; wordPaste?: boolean }): void {
    const title = o.title ?? `${o.unit}${o.year}年政府信息公开工作年度报告`;
    const files = (o.files ?? []).map((f) => (typeof f === 'string' ? { link: f, file: f } : f));
    const attachments = files.map((f) => `<p>附件：<a href="${this.href(f.link, o.path)}">${title}.pdf</a></p>`).join('');
    const body = o.wordPaste ? wordPastePage(title, o.unit, o.year, attachments, this.charset) : reportPage({ title, unit: o.unit, year: o.year, pubDate: o.pubDate ?? `${o.year + 1}-01-20`, attachments, charset: this.charset === 'gbk' ? 'gb2312' : 'utf-8' });
    this.html(o.path, body);
    for (const f of files) {
      this.file(f.file);
      if (f.link !== f.file) this.pages.set(f.link, { status: 302, headers: { location: f.file }, body: '' });
    }
    this.reports.push({ owner: o.owner, year: o.year, originals: [o.path, ...files.map((f) => f.file)] });
  }

  /** A file (PDF): distinct bytes per path. */
  file(path: string): void {
    this.pages.set(path, { type: 'application/pdf', body: Buffer.from(`%PDF-1.4\n% ${this.host}${path}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`) });
  }

  build(platform: string, variant: string, seeds: SeedRow[]): FarmSite {
    return { host: this.host, platform, variant, seeds, reports: this.reports, pages: this.pages };
  }
}

/** `./a/b.html` from the page at `from` to `to` (both site paths). */
export function relative(from: string, to: string): string {
  const f = from.split('/').slice(0, -1);
  const t = to.split('/');
  let i = 0;
  while (i < f.length && i < t.length - 1 && f[i] === t[i]) i++;
  const up = f.length - i;
  return (up ? '../'.repeat(up) : './') + t.slice(i).join('/');
}

/** A list page in the portal's chrome: `<meta>` charset, title, a body, scripts. */
export function listDoc(o: { title: string; body: string; charset: Charset; head?: string; scripts?: string }): string {
  const cs = o.charset === 'gbk' ? 'gb2312' : 'utf-8';
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=${cs}"><title>${o.title}</title>${o.head ?? ''}</head><body>` +
    `<div class="top"><a href="/">首页</a> <a href="/xxgk/">政府信息公开</a> <span>无障碍</span></div>` +
    `<div class="position">当前位置：首页 &gt; 政府信息公开 &gt; ${o.title}</div>${o.body}${o.scripts ?? ''}` +
    `<div class="foot">网站地图 ICP备案</div></body></html>`;
}

/** A list entry as TRS and most CMSs print it: the link (title attribute carries the full title) and the date. */
export const entry = (href: string, title: string, date = '2024-01-29') => `<li><a href="${href}" title="${title}" target="_blank">${title}</a><span class="date">${date}</span></li>`;

/** Links that carry the words but are no reports (snippet 04 §3), and news: on every list, never collected. */
export function decoys(href: (p: string) => string, dir: string, unit: string): string {
  return entry(href(`${dir}decoy/notice.html`), `关于${unit}2023年政府信息公开工作年度报告有关事项的通知`) +
    entry(href(`${dir}decoy/perf.html`), `${unit}2023年度部门整体支出绩效评价报告`) +
    entry(href(`${dir}decoy/news.html`), `${unit}召开政务公开工作会议`);
}

/** A report body pasted from Word: MsoNormal paragraphs, spans, &nbsp;, a table of cells holding paragraphs. */
function wordPastePage(title: string, unit: string, year: number, attachments: string, charset: Charset): string {
  const p = (t: string) => `<p class="MsoNormal" style="text-indent:32.0pt"><span style="font-family:仿宋_GB2312">${t}</span><span lang="EN-US"><o:p>&nbsp;</o:p></span></p>`;
  const cell = (t: string) => `<td style="border:solid windowtext 1.0pt"><p class="MsoNormal" align="center"><span lang="EN-US">${t}<o:p></o:p></span></p></td>`;
  return `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=${charset === 'gbk' ? 'gb2312' : 'utf-8'}"><title>${title}</title></head>` +
    `<body><div class="WordSection1"><p class="MsoTitle" align="center"><b><span>${title}</span></b></p>${p('一、总体情况')}${p(`${year}年，${unit}认真贯彻落实《条例》。`)}` +
    `${p('二、主动公开政府信息情况')}<table class="MsoNormalTable" border="1"><tr>${cell('信息内容')}${cell('本年制发件数')}${cell('本年废止件数')}${cell('现行有效件数')}</tr>` +
    `<tr>${cell('规章')}${cell('0')}${cell('0')}${cell('0')}</tr><tr>${cell('行政规范性文件')}${cell('3')}${cell('1')}${cell('12')}</tr></table>` +
    `${p('三、收到和处理政府信息公开申请情况')}${p('六、其他需要报告的事项')}${attachments}</div></body></html>`;
}

/**
 * A column paged over static files: `pages[k]` holds page k's reports (each `{ path, year, unit?, owner? }`), every
 * page the decoys too; `pager(k, path)` is page k's pager markup (links or a script), placed after the list.
 */
export function pagedColumn(b: SiteBuilder, o: {
  paths: string[]; title: string; unit: string; owner: string; pages: { path: string; year: number; unit?: string; owner?: string; title?: string; files?: string[] }[][];
  pager: (k: number, path: string) => string; head?: string;
}): void {
  o.paths.forEach((path, k) => {
    const dir = path.replace(/[^/]*$/, '');
    const items = o.pages[k]!.map((r) => {
      const unit = r.unit ?? o.unit;
      b.report({ path: r.path, owner: r.owner ?? o.owner, unit, year: r.year, ...(r.title ? { title: r.title } : {}), ...(r.files ? { files: r.files } : {}) });
      return entry(b.href(r.path, path), r.title ?? `${unit}${r.year}年政府信息公开工作年度报告`);
    }).join('');
    b.html(path, listDoc({ title: o.title, charset: b.charset, head: o.head, body: `<ul class="doc_list">${items}${decoys((p) => b.href(p, path), dir, o.unit)}</ul><div class="pagination">${o.pager(k, path)}</div>` }));
  });
}
