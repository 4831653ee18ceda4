/**
 * The handlers of a report: REPORT_PAGE (the page is an original; its attachments are the report's files, also
 * when the page holds nothing but a link, a refresh or a script redirect to the PDF) and ATTACHMENT (a file,
 * linked from a report page or listed on a column as the report itself).
 */
import { basename } from 'node:path';
import { ingestOriginal, type IngestResult } from '../../pipeline/index.ts';
import { fetchItem, remember, type CrawlEnv, type CrawlItem, type Fetched, type ReportIdentity, type Send } from '../context.ts';
import { pageVerdict, readReportPage } from '../report.ts';
import { classifyTitle } from '../titles.ts';
import { isOwnHost } from '../url.ts';
import { refused } from './lists.ts';

/** Whose report and which year: the link title first, then what the page says; the column's agencies own it unless a title names another unit. */
async function identify(env: CrawlEnv, item: CrawlItem, page: { unit: string | null; year: number | null; title: string | null; publishedAt: string | null }): Promise<ReportIdentity> {
  const fromList = classifyTitle(item.title ?? '');
  const column = item.source ? await env.evidence.servedBy(item.source, item.agencyId) : [item.agencyId];
  const { agencyId, discovered } = env.book.owner(fromList.unit ?? page.unit, column);
  return { agencyId, agencyName: discovered, year: fromList.year ?? page.year, title: page.title || item.title || null,
    publishedAt: page.publishedAt ?? item.listDate ?? null };
}

/** Hands an original to the store: its report version (the exchange is already recorded), and the parse. */
async function ingest(env: CrawlEnv, f: Extract<Fetched, { ok: true }>, item: CrawlItem, who: ReportIdentity, kind: 'page' | 'attachment'): Promise<IngestResult> {
  const url = f.res.finalUrl;
  const r = await ingestOriginal(env.storage, {
    bytes: f.body, url, otherUrls: [item.url], contentType: f.contentType, kind, agencyId: who.agencyId, agencyName: who.agencyName,
    year: who.year, title: who.title, publishedAt: who.publishedAt, discoveredFrom: item.source,
    fileName: kind === 'attachment' ? decodeURIComponent(basename(new URL(url).pathname)) : null, ...(f.fetchId !== null ? { fetchId: f.fetchId } : {}),
  }, { runId: env.runId, parse: env.parse, ...(env.parser ? { parser: env.parser } : {}) });
  if (r.parseError) env.log(`parse failed for ${url}: ${r.parseError}`);
  if (env.queueParse && r.newVersion) await env.queueParse(r.versionId);
  if (env.onOriginal && r.newVersion) {
    try {
      await env.onOriginal({ sha256: r.sha256, bytes: f.body, url, contentType: f.contentType, kind, reportId: r.reportId, versionId: r.versionId,
        agencyId: who.agencyId, year: who.year, title: who.title ?? '', publishedAt: who.publishedAt });
    } catch (e) {
      env.log(`onOriginal failed for ${url}: ${(e as Error).message}`);
    }
  }
  return r;
}

export async function reportPage(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  // The URL is the canonical twin already: no tracking parameters, the desktop page rather than `_wap`.
  const f = await fetchItem(send, env, item, 'report-page', { conditional: true });
  if (!f.ok) {
    if (f.problem === 'gone') { await env.store.reports.markGone({ url: item.url }); return `gone: ${f.reason}`; }
    return refused(env, item, f, false);
  }
  const html = f.html ?? '';
  const verdict = pageVerdict(f.notModified ? 200 : f.res.status, html, f.res.finalUrl);
  if (verdict.kind === 'gone') { await env.store.reports.markGone({ url: item.url }); return `gone: ${verdict.reason}`; }
  const page = readReportPage(html, f.res.finalUrl, item.title ?? '');
  const who = await identify(env, item, page);
  const v = await ingest(env, f, item, who, 'page');
  const allowed = env.book.ownHosts(item.agencyId);
  allowed.add(new URL(item.url).host.toLowerCase());
  // An unchanged page (304) keeps its attachments: asking for each again would double a night's requests per host
  // for files whose links did not change (a replaced file nearly always gets a new name). Only attachments never
  // fetched whole (a failure last time) are asked for again.
  const atts: CrawlItem[] = [];
  for (const a of page.attachments) {
    if (!isOwnHost(a.url, allowed)) continue;
    if (f.notModified && (await env.store.crawlState.url(a.url))?.lastSha256) continue;
    atts.push({ label: 'ATTACHMENT', url: a.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth + 1, page: 0, title: a.text, report: who });
  }
  await env.enqueue(atts);
  await remember(env, item.url, f);
  return `${v.newReport ? 'new' : v.changed ? 'changed' : v.newVersion ? 'new version' : 'unchanged'} (${atts.length} attachments)`;
}

export async function attachment(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const f = await fetchItem(send, env, item, 'attachment', { conditional: true });
  if (!f.ok) {
    if (f.problem === 'gone') { await env.store.reports.markGone({ url: item.url }); return `gone: ${f.reason}`; }
    return refused(env, item, f, false);
  }
  // Listed directly on a column (a PDF as the report): the link title and its list date say whose.
  const who = item.report ?? await identify(env, item, { unit: null, year: null, title: null, publishedAt: null });
  const v = await ingest(env, f, item, who, 'attachment');
  await remember(env, item.url, f);
  return `${f.notModified ? 'not modified' : 'archived'} ${v.sha256.slice(0, 12)} (${f.body.length} bytes)`;
}
