/** Reading a report page: is it real (soft 404, meta refresh to the parent), whose, which year, which attachments. */
import * as cheerio from 'cheerio';
import { findReportBody } from '../extract/html.ts';
import { dateIn } from './links.ts';
import {
  ATTACHMENT_EXT, ATTACHMENT_URL, CHALLENGE_BODY, CHALLENGE_STATUS, PUBLISHED_LABELS, PUBLISHED_META_NAMES, SOFT_404, SOFT_404_MAX_CHARS,
} from './tables.ts';
import { classifyTitle } from './titles.ts';
import { hrefFromScript, resolveHref } from './url.ts';

export interface ReportPage {
  title: string;
  year: number | null;
  /** Unit from title, then `<meta name=ContentSource>`, then 发布机构, then the first body sentence. */
  unit: string | null;
  unitSource: 'title' | 'meta' | 'header' | 'body' | null;
  attachments: { url: string; text: string }[];
  bodyText: string;
  /** The publication date the page shows (yyyy-mm-dd): `<meta name=PubDate>`, else the 发布日期 header. */
  publishedAt: string | null;
}

export type PageVerdict =
  | { kind: 'ok' }
  | { kind: 'gone'; reason: string }
  | { kind: 'challenge'; reason: string };

/** Classifies a fetched HTML page before reading it. */
export function pageVerdict(status: number, html: string, url: string): PageVerdict {
  if (CHALLENGE_STATUS.includes(status) && CHALLENGE_BODY.test(html)) return { kind: 'challenge', reason: `HTTP ${status} script challenge` };
  if (status === 404 || status === 410) return { kind: 'gone', reason: `HTTP ${status}` };
  const refresh = /<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d+\s*;\s*url\s*=\s*([^"'>\s]+)/i.exec(html);
  if (refresh) {
    const target = new URL(refresh[1]!, url);
    const here = new URL(url);
    const parent = new URL('.', here);
    if (target.pathname === '/' || here.pathname.startsWith(target.pathname) || target.href === parent.href) {
      return { kind: 'gone', reason: `meta refresh to ${target.pathname} (deleted)` };
    }
  }
  const text = cheerio.load(html)('body').text().replace(/\s+/g, '');
  if (text.length < SOFT_404_MAX_CHARS && SOFT_404.test(text) && !/年度报告/.test(text)) return { kind: 'gone', reason: 'soft 404' };
  if (text.length < 400 && CHALLENGE_BODY.test(html) && /<script/i.test(html)) return { kind: 'challenge', reason: `HTTP ${status} script page` };
  return { kind: 'ok' };
}

const PUBLISHER_HEADER = /(发布机构|发文机关|来源|信息来源)[：:\s]*([\u4e00-\u9fa5（）()]{3,30}?)(?=\s|成文|发布|日期|时间|$|索引|文号|分类)/;
const BODY_UNIT = /(?:19|20)\d{2}\s*年(?:度)?[，,]\s*([\u4e00-\u9fa5]{2,20}?(?:局|委|办|厅|院|中心|政府|街道|乡|镇|委员会|办公室|部|署|所|站|队))/;

export function readReportPage(html: string, url: string, fallbackTitle = ''): ReportPage {
  const $ = cheerio.load(html);
  const base = $('base[href]').attr('href');
  const metaTitle = $('meta[name="ArticleTitle"]').attr('content')?.trim();
  const h = $('h1').first().text().trim() || $('.title, #title, .article-title').first().text().trim();
  const title = metaTitle || (classifyTitle(h).isReport ? h : '') || $('title').text().trim().split(/[_|-]/)[0]!.trim() || fallbackTitle;
  const info = classifyTitle(title || fallbackTitle);
  const fb = classifyTitle(fallbackTitle);
  // The article body as the extractor finds it (one judgement of where a portal puts it).
  const found = findReportBody($);
  const body = found ? $(found.element).text().replace(/\s+/g, ' ').trim() : '';
  let unit: string | null = info.unit ?? fb.unit;
  let unitSource: ReportPage['unitSource'] = unit ? 'title' : null;
  const meta = $('meta[name="ContentSource"]').attr('content')?.trim();
  if (!unit && meta) { unit = meta; unitSource = 'meta'; }
  if (!unit) {
    const m = PUBLISHER_HEADER.exec($('body').text().replace(/[ \t]+/g, ' '));
    if (m) { unit = m[2]!; unitSource = 'header'; }
  }
  if (!unit) {
    const m = BODY_UNIT.exec(body);
    if (m) { unit = m[1]!; unitSource = 'body'; }
  }
  const attachments: ReportPage['attachments'] = [];
  const seen = new Set<string>();
  const consider = (u: string | null, text: string) => {
    if (!u || seen.has(u)) return;
    if (ATTACHMENT_EXT.test(new URL(u).pathname) || ATTACHMENT_URL.some((re) => re.test(u))) {
      seen.add(u);
      attachments.push({ url: u, text });
    }
  };
  $('a').each((_, el) => {
    const a = $(el);
    consider(resolveHref(a.attr('href'), a.attr('onclick'), url, base), a.text().trim());
  });
  // A page that is only a way to its file: a refresh or a script sending the browser to the PDF.
  const refresh = /url\s*=\s*['"]?([^'"\s>;]+)/i.exec($('meta[http-equiv="refresh" i]').attr('content') ?? '')?.[1];
  if (refresh) consider(resolveHref(refresh, undefined, url, base), title);
  for (const el of $('script').toArray()) {
    const target = hrefFromScript($(el).html() ?? '');
    if (target) consider(resolveHref(target, undefined, url, base), title);
  }
  let publishedAt: string | null = null;
  for (const name of PUBLISHED_META_NAMES) {
    publishedAt = dateIn($(`meta[name="${name}"]`).attr('content'));
    if (publishedAt) break;
  }
  publishedAt ??= dateIn($('body').text().replace(/\s+/g, ' '), PUBLISHED_LABELS);
  return { title: title || fallbackTitle, year: info.year ?? fb.year, unit, unitSource, attachments, bodyText: body, publishedAt };
}
