import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import type { Block, DocumentMeta, ExtractedDocument, Span } from './document.ts';
import { joinFragments, tidyCell } from './cells.ts';
import { decodeText, type CharsetChoice } from './charset.ts';

type CheerioAPI = cheerio.CheerioAPI;

export interface DecodedHtml {
  html: string;
  /** The charset the bytes were read with. */
  charset: string;
  /** Which evidence decided (see chooseCharset). */
  source: CharsetChoice['by'];
}

/** Decodes an HTML page's bytes with the one decoder the crawler uses too (declarations checked against the bytes). */
export function decodeHtml(bytes: Buffer, contentTypeHeader?: string): DecodedHtml {
  const d = decodeText(bytes, contentTypeHeader);
  return { html: d.text, charset: d.charset, source: d.by };
}

/** Containers CMS templates put the article body in (05-detail-page-anatomy.md §3); a match earns a bonus, not a win. */
export const BODY_SELECTORS = [
  '#ivs_content', '#webeditorview', '.TRS_Editor', '.trs_editor', '.trs_editor_view', '.TRS_UEDITOR', '.Custom_UnionStyle',
  '.webeditorview', '#zoom', '#Zoom', '#article', '#articleContent', '.article-content', '.detail-content',
  '.xxgk_content', 'article', '#mainContent', '.zw-content', '.main-content', '#content', 'main', '#UCAP-CONTENT',
  '.pages_content', '#contentText', '#info_content', '.news_content_content', '.news_content_text', 'div.bt-box-main',
  'div.news_cont_d_wrap', 'td.heise', '#detailContent', '.content', '.article', '.zoom',
];

/** Words that mark report content (raise a candidate's score). */
const REPORT_SIGNALS: Array<[RegExp, number]> = [
  [/政府信息公开(工作)?年度报告/, 8],
  [/总体情况/, 4],
  [/主动公开政府信息情况/, 6],
  [/收到和处理政府信息公开(的)?申请情况/, 6],
  [/行政复议、?行政诉讼情况|被申请行政复议/, 6],
  [/存在的主要问题/, 4],
  [/其他需要报告的事项/, 3],
  [/本年新收政府信息公开申请数量/, 6],
];

/** Page chrome (lowers a candidate's score: the container holds more than the article). */
const CHROME_SIGNALS = [
  '繁體版', '繁体版', '无障碍', '长者版', '当前位置', '网站地图', 'ICP备', '网站标识码', '版权所有', '主办单位',
  '联系我们', '设为首页', '加入收藏', '上一篇', '下一篇', '相关链接', '打印本页', '关闭窗口', '分享到', '政务微博',
];

export interface BodyCandidate {
  element: Element;
  score: number;
  selector?: string;
}

/**
 * Finds the report body among the page chrome: every known container and every block element holding a
 * table or a report signal is scored; report signals and tables raise it, chrome and extra length lower it.
 */
export function findReportBody($: CheerioAPI): BodyCandidate | null {
  const candidates = new Map<Element, BodyCandidate>();
  const consider = (el: Element, selector?: string) => {
    const prior = candidates.get(el);
    if (prior) {
      prior.selector ??= selector;
      return;
    }
    candidates.set(el, { element: el, score: 0, selector });
  };
  for (const sel of BODY_SELECTORS) $(sel).each((_, el) => consider(el as Element, sel));
  $('div, td, section, article, main, body').each((_, el) => {
    const $el = $(el);
    if ($el.find('table').length > 0 || /政府信息公开|年度报告/.test($el.text())) consider(el as Element);
  });
  let best: BodyCandidate | null = null;
  for (const c of candidates.values()) {
    const $el = $(c.element);
    const text = $el.text().replace(/\s+/g, '');
    if (text.length < 20) continue;
    let score = 0;
    for (const [re, w] of REPORT_SIGNALS) if (re.test(text)) score += w;
    const tables = $el.find('table').filter((_, t) => /\d/.test($(t).text())).length;
    score += Math.min(tables, 4) * 5;
    for (const w of CHROME_SIGNALS) if (text.includes(w)) score -= 4;
    const linkText = $el.find('a').text().replace(/\s+/g, '').length;
    score -= (linkText / Math.max(text.length, 1)) * 20;
    // Prefer the tightest container: every 2,000 characters beyond the article cost a point.
    score -= text.length / 2000;
    if (c.selector) score += 3;
    c.score = score;
    if (!best || score > best.score) best = c;
  }
  return best;
}

/** Metadata the page declares: meta tags first, then the 信息公开 header text. */
export function pageMeta($: CheerioAPI, url?: string): DocumentMeta {
  const meta = (name: string) => $(`meta[name="${name}"]`).attr('content')?.trim() || undefined;
  const text = $('body').text().replace(/\s+/g, ' ');
  const title =
    meta('ArticleTitle') ?? ($('title').first().text().trim() || undefined) ?? ($('h1').first().text().trim() || undefined);
  const dateRaw =
    meta('PubDate') ?? meta('pubdate') ?? meta('publishdate') ?? /发布(?:日期|时间)\s*[:：]?\s*(\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2})/.exec(text)?.[1];
  const publisher =
    meta('ContentSource') ?? /发布机构\s*[:：]\s*([^\s|:：]{2,30})/.exec(text)?.[1];
  const out: DocumentMeta = {};
  if (title) out.title = title;
  const iso = dateRaw ? isoDate(dateRaw) : undefined;
  if (iso) out.publishedAt = iso;
  if (publisher) out.publisher = publisher;
  if (url) out.url = url;
  return out;
}

function isoDate(s: string): string | undefined {
  const m = /(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})/.exec(s);
  if (!m) return undefined;
  return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
}

/** Expands an HTML table into a full grid: rowspan/colspan cells repeat their text in every slot they cover. */
export function tableGrid($: CheerioAPI, table: Element): string[][] {
  return tableCells($, table).rows;
}

/** The grid of an HTML table and, per slot, the cell (span) that covers it. */
export function tableCells($: CheerioAPI, table: Element): { rows: string[][]; spans: Span[][] } {
  const grid: string[][] = [];
  const spanGrid: Span[][] = [];
  const rows = $(table).find('tr').filter((_, tr) => $(tr).closest('table').get(0) === table);
  rows.each((r, tr) => {
    grid[r] ??= [];
    spanGrid[r] ??= [];
    let c = 0;
    $(tr)
      .children('td, th')
      .each((_, cell) => {
        while (grid[r]![c] !== undefined) c++;
        const text = cellText($, cell as Element);
        const rowspan = clampSpan($(cell).attr('rowspan'), 200);
        const colspan = clampSpan($(cell).attr('colspan'), 50);
        const span: Span = { row: r, col: c, rows: rowspan, cols: colspan };
        for (let dr = 0; dr < rowspan; dr++) {
          const row = (grid[r + dr] ??= []);
          const srow = (spanGrid[r + dr] ??= []);
          for (let dc = 0; dc < colspan; dc++) {
            row[c + dc] = text;
            srow[c + dc] = span;
          }
        }
        c += colspan;
      });
  });
  const width = Math.max(0, ...grid.map((r) => r.length));
  // A rowspan reaching past the last <tr> made rows with nothing of their own: drop those.
  const own = rows.length;
  const out = grid.slice(0, Math.max(own, 0)).map((row) => Array.from({ length: width }, (_, i) => row[i] ?? ''));
  // Slots no cell reaches (short rows) are empty cells of their own.
  const spans = spanGrid.slice(0, Math.max(own, 0)).map((row, r) =>
    Array.from({ length: width }, (_, i) => row[i] ?? { row: r, col: i, rows: 1, cols: 1 }));
  return { rows: out, spans };
}

function clampSpan(v: string | undefined, max: number): number {
  const n = Number.parseInt(v ?? '1', 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, max) : 1;
}

/** A cell's text: paragraphs and <br> joined without inventing spaces between CJK characters. */
function cellText($: CheerioAPI, cell: Element): string {
  const parts: string[] = [];
  let cur = '';
  const walk = (node: AnyNode) => {
    if (node.type === 'text') {
      cur += (node as unknown as { data: string }).data;
      return;
    }
    if (node.type !== 'tag') return;
    const el = node as Element;
    const name = el.name.toLowerCase();
    if (name === 'script' || name === 'style') return;
    if (name === 'br') {
      parts.push(cur);
      cur = '';
      return;
    }
    const block = BLOCK_TAGS.has(name);
    if (block) {
      parts.push(cur);
      cur = '';
    }
    for (const child of el.children) walk(child);
    if (block) {
      parts.push(cur);
      cur = '';
    }
  };
  for (const child of cell.children) walk(child);
  parts.push(cur);
  return joinFragments(parts.map(tidyCell).filter((p) => p !== ''));
}

const BLOCK_TAGS = new Set([
  'p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'section', 'article', 'header', 'footer',
  'blockquote', 'pre', 'tr', 'table', 'center', 'dd', 'dt', 'dl', 'form', 'main', 'nav', 'aside', 'hr',
]);

/** Walks a container in reading order: text blocks for paragraphs, grids for data tables. */
export function blocksFromElement($: CheerioAPI, root: Element): Block[] {
  const blocks: Block[] = [];
  let cur = '';
  const flush = () => {
    const t = cur.replace(/[ \t\u00a0\u3000]+/g, ' ').trim();
    if (t) blocks.push({ kind: 'text', text: t });
    cur = '';
  };
  const walk = (node: AnyNode) => {
    if (node.type === 'text') {
      cur += (node as unknown as { data: string }).data.replace(/\s+/g, ' ');
      return;
    }
    if (node.type !== 'tag') return;
    const el = node as Element;
    const name = el.name.toLowerCase();
    if (name === 'script' || name === 'style' || name === 'noscript' || name === 'head') return;
    if (name === 'br') return flush();
    if (name === 'table') {
      // A table whose cells hold tables is page layout: read through it.
      if ($(el).find('table').length === 0) {
        flush();
        const grid = tableCells($, el);
        const keep = grid.rows.map((r) => r.some((c) => c !== ''));
        const rows = grid.rows.filter((_, i) => keep[i]);
        if (rows.length) blocks.push({ kind: 'table', rows, spans: grid.spans.filter((_, i) => keep[i]) });
        return;
      }
    }
    const block = BLOCK_TAGS.has(name) || name === 'td' || name === 'th';
    if (block) flush();
    for (const child of el.children) walk(child);
    if (block) flush();
  };
  walk(root);
  flush();
  return blocks;
}

export interface HtmlOptions {
  url?: string;
  contentType?: string;
  /** Read the whole page instead of looking for the report body (converted Word files have no chrome). */
  wholePage?: boolean;
  method?: ExtractedDocument['method'];
}

/** HTML bytes or text → the neutral document. */
export function documentFromHtml(input: Buffer | string, opts: HtmlOptions = {}): ExtractedDocument {
  const warnings: string[] = [];
  let html: string;
  if (typeof input === 'string') html = input;
  else {
    const decoded = decodeHtml(input, opts.contentType);
    html = decoded.html;
    if (decoded.source === 'detected' || decoded.source === 'bytes') warnings.push(`charset ${decoded.charset} read from the bytes (${decoded.source === 'bytes' ? 'the declared charset did not fit them' : 'none declared'})`);
  }
  const $ = cheerio.load(html);
  const meta = pageMeta($, opts.url);
  let root: Element | undefined;
  if (!opts.wholePage) {
    const body = findReportBody($);
    if (body) root = body.element;
  }
  root ??= ($('body').get(0) as Element | undefined) ?? ($.root().get(0) as unknown as Element);
  const blocks = blocksFromElement($, root);
  if (!blocks.some((b) => b.kind === 'table')) warnings.push('no table found in the page body');
  return { blocks, meta, method: opts.method ?? 'html-dom', quality: 1, warnings, ocr: false };
}
