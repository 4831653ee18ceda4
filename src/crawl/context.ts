/**
 * What every handler works with: the work item (a plain serializable record, the payload of a store work item),
 * the crawl's environment (the run, the narrow parts of the store it writes, the frontier, the agencies), and
 * one way to fetch (Crawlee's `sendRequest` over our client, with conditional GET and challenge detection).
 */
import type { Originals } from '../archive/index.ts';
import { decodeBody } from '../extract/charset.ts';
import { isTextual } from '../extract/sniff.ts';
import type { OriginalParser, Storage } from '../pipeline/index.ts';
import type { Store } from '../store/index.ts';
import type { AgencyBook } from './agencies.ts';
import { FetchRefused, type ExchangeTag, type RecordedAnswer } from './crawlee-http.ts';
import type { Evidence } from './evidence.ts';
import type { HttpResponse } from './http.ts';
import type { ApiContinuation, PagerMemo } from './platforms/index.ts';
import { pageVerdict } from './report.ts';

/** Whose report an original is, as far as the crawl can tell. */
export interface ReportIdentity {
  agencyId: string | null;
  /** Agency name as printed, when the agency is not in the seeds. */
  agencyName: string | null;
  year: number | null;
  title: string | null;
  /** The date the page or the list entry shows (yyyy-mm-dd). */
  publishedAt: string | null;
}

/**
 * Page kinds, each a router label: HOME (find the 年报 column), LIST (a column page), REPORT_PAGE, ATTACHMENT;
 * one label per platform that answers API continuations (HANWEB, GKMLPT); in the browser, BROWSER_LIST (render a
 * list only scripts fill) and CHALLENGE (earn a challenge's cookie, then run the plain request again). Discovery's:
 * VERIFY (a hinted home page), DISCLOSURE (a 专栏 on the way to the column), COLUMN, UNITS (a unit-type sub-column).
 */
export type Label = 'HOME' | 'LIST' | 'REPORT_PAGE' | 'ATTACHMENT' | 'BROWSER_LIST' | 'CHALLENGE' | (string & {});

/** The browser's labels: their items go to the browser's queue. */
export const BROWSER_LABELS: readonly string[] = ['BROWSER_LIST', 'CHALLENGE'];

/** The router label of a platform's API continuations. */
export const continuationLabel = (platform: string): string => platform.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

export interface CrawlItem {
  label: Label;
  url: string;
  /** The agency the item was queued for; a page may serve others too (agency_list_reads says which). */
  agencyId: string;
  /** The list (column) or report page this item was found on, for provenance and sub-column bounds. */
  source: string | null;
  /** Column root the list pages must stay under. */
  root: string | null;
  depth: number;
  /** List pages walked along this list so far (runaway cap). */
  page: number;
  /** Pages in a row along this list that gave no new report link (undeclared walks stop after a few). */
  barren?: number;
  title?: string;
  /** The date printed beside the link on the list. */
  listDate?: string | null;
  /** For an attachment of a report page: the report it belongs to. */
  report?: ReportIdentity;
  /** What the list's first page taught about its pager. */
  memo?: PagerMemo;
  /** For an API continuation: the window to ask for. */
  cont?: ApiContinuation;
  /** For CHALLENGE: the plain request to run again with the cookie the browser earns. */
  retry?: CrawlItem;
  /** 1 for the plain request run again after a challenge was passed (its own queue key; never handed over twice). */
  pass?: number;
  /** Discovery's items (VERIFY, DISCLOSURE, COLUMN, UNITS): what they carry beyond the page. */
  discover?: DiscoverState;
}

export interface DiscoverState {
  /** VERIFY over the other scheme: why the first failed, and whether it answered "not found". */
  tried?: { reason: string; gone: boolean };
  /** COLUMN, UNITS: how the column (or the unit-type sub-column) was found. */
  foundBy?: 'link-text' | 'platform-path';
  /** COLUMN: a year folder of the column, read for its unit-type sub-columns only. */
  yearFolder?: boolean;
  /** UNITS: the unit-type sub-column whose units these are: the list their reports are in. */
  column?: string;
}

/** The parts of the store a crawl writes through (narrow: the frontier is `frontier`, not `work`). */
export type CrawlStore = Pick<Store, 'crawlState' | 'reports' | 'agencyRuns' | 'listReads' | 'exchanges' | 'discoveries'>;

/** Counts for the final summary (Scrapy-style stats). */
export interface CrawlStats {
  requests: number;
  bytes: number;
  byStatus: Record<string, number>;
  itemsDone: number;
  itemsFailed: number;
}

export interface CrawlEnv {
  runId: number;
  store: CrawlStore;
  storage: Storage;
  /** Where originals are kept (a folder, or S3): read back for a 304. */
  originals: Originals;
  book: AgencyBook;
  evidence: Evidence;
  /** Queues items (to the browser's queue for browser labels); returns those that were new. */
  enqueue(items: CrawlItem[]): Promise<CrawlItem[]>;
  /** Whether the queue already holds these items (any state). */
  queued(items: CrawlItem[]): Promise<Set<string>>;
  keyOf(item: CrawlItem): string;
  useBrowser: boolean;
  maxPages: number;
  parse: boolean;
  parser?: OriginalParser;
  /** Shared store: a new original becomes a parse job any process may take (pipeline/parse-jobs.ts). */
  queueParse?: (versionId: number) => Promise<void>;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
  /** A page the walk could not read beyond the list evidence (a challenge the browser did not pass), for walks that record it. */
  unread?: (item: CrawlItem, reason: string) => Promise<void>;
  log(line: string): void;
}

/** An original as it arrived, after the store took it (observers only: the store already holds it). */
export interface ArrivedOriginal {
  sha256: string;
  bytes: Buffer;
  url: string;
  contentType: string | null;
  kind: 'page' | 'attachment';
  reportId: number;
  versionId: number;
  agencyId: string | null;
  year: number | null;
  title: string;
  publishedAt: string | null;
}

/** Crawlee's `sendRequest` as our handlers call it. */
export type Send = (options: Record<string, unknown>) => Promise<{ statusCode: number; body: unknown; exchange?: RecordedAnswer }>;

export type Fetched =
  | { ok: true; res: HttpResponse; body: Buffer; html: string | null; notModified: boolean; fetchId: number | null; sha256: string | null; contentType: string | null }
  | { ok: false; problem: 'blocked' | 'unreachable' | 'disallowed' | 'gone' | 'challenge'; reason: string };

/** Text bodies decoded (bytes sniffed for their charset); null for binaries. */
export function asText(body: Buffer, contentType: string | null): string | null {
  return isTextual(body, contentType) ? decodeBody(body, contentType) : null;
}

/**
 * One polite, recorded request for an item. With `conditional`, the URL's last ETag/Last-Modified go along and
 * a 304 hands back the body archived last time, so a handler reads a page the same way whether it changed or not.
 * A challenge page (412/521 with a cookie script) comes back as `challenge` for the browser to pass.
 */
export async function fetchItem(send: Send, env: CrawlEnv, item: CrawlItem, purpose: string,
  init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; conditional?: boolean } = {}): Promise<Fetched> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const prior = init.conditional ? await env.store.crawlState.url(item.url) : null;
  // Only ask "not modified?" when the last body is still in the archive to be read again.
  const usable = prior?.lastSha256 && await env.originals.has(prior.lastSha256) ? prior : null;
  if (usable?.etag) headers['if-none-match'] = usable.etag;
  if (usable?.lastModified) headers['if-modified-since'] = usable.lastModified;
  const exchange: ExchangeTag = { agencyId: item.agencyId, purpose, referrer: item.source, seed: env.book.seedOf(item.agencyId) ?? item.url };
  let answer: RecordedAnswer;
  try {
    const r = await send({ url: item.url, method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: init.body } : {}), responseType: 'buffer', exchange });
    answer = r.exchange!;
  } catch (e) {
    if (!(e instanceof FetchRefused)) throw e;
    return { ok: false, problem: e.kind === 'disallowed' ? 'disallowed' : 'unreachable', reason: e.reason };
  }
  const res = answer.response;
  if (res.status === 304) {
    if (!usable) return { ok: false, problem: 'unreachable', reason: 'HTTP 304 to an unconditional request' };
    const body = await env.originals.read(usable.lastSha256!);
    const contentType = (await env.store.exchanges.document(usable.lastSha256!))?.content_type ?? null;
    return { ok: true, res, body, html: asText(body, contentType), notModified: true, fetchId: answer.fetchId, sha256: usable.lastSha256!, contentType };
  }
  const contentType = res.headers['content-type'] ?? null;
  const html = asText(res.body, contentType);
  if (html !== null) {
    const v = pageVerdict(res.status, html, res.finalUrl);
    if (v.kind === 'challenge') return { ok: false, problem: 'challenge', reason: v.reason };
  }
  if (res.status >= 400) return { ok: false, problem: res.status === 404 || res.status === 410 ? 'gone' : 'unreachable', reason: `HTTP ${res.status}` };
  return { ok: true, res, body: res.body, html, notModified: false, fetchId: answer.fetchId, sha256: answer.sha256, contentType };
}

/** After a page was handled: its validators, so the next night asks "not modified?". */
export async function remember(env: CrawlEnv, url: string, f: Extract<Fetched, { ok: true }>): Promise<void> {
  if (f.notModified) return;
  await env.store.crawlState.setUrl({ url, etag: f.res.headers.etag ?? null, lastModified: f.res.headers['last-modified'] ?? null,
    lastSha256: f.sha256, lastStatus: f.res.status, lastFetchedAt: f.res.fetchedAt });
}
