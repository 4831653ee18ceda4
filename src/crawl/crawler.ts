/**
 * The crawl: a router of small labelled handlers (HOME, LIST, HANWEB, GKMLPT, BROWSER_LIST, REPORT_PAGE,
 * ATTACHMENT) over the store's work items, each request through the per-host scheduler. Everything the crawl
 * knows lives in the store (nianbao.sqlite): the frontier (work items, one queue per run), conditional-GET
 * state (url_state), politeness (host_state), every exchange (fetches, bodies archived), reports and their
 * versions. Each write is idempotent, so a crawl killed at any moment runs again and continues its run.
 */
import { basename } from 'node:path';
import { enqueueParseJobs, ingestOriginal, openStorage, ParsePool, workParseJobs, type ExchangeInput, type IngestResult, type OriginalParser, type Storage } from '../pipeline/index.ts';
import { agencyToRow, type Agency } from '../seeds/index.ts';
import { LeaseLostError, newWorkerId, type HostLease, type NewWorkItem, type Store, type WorkItem } from '../store/index.ts';
import { BrowserSession } from './browser.ts';
import { decodeBody } from '../extract/charset.ts';
import { isTextual } from '../extract/sniff.ts';
import { fetchInputOf, HttpClient, type HttpLimits, type HttpResponse } from './http.ts';
import {
  gkmlptAnswer, hanwebRecords, nextHanwebWindow, readListPage, type ListContinuation, type PageLink,
} from './listing.ts';
import { HostScheduler, StoredHostStates, type ExchangeContext } from './politeness.ts';
import { pageVerdict, readReportPage } from './report.ts';
import {
  ATTACHMENT_EXT, ATTACHMENT_URL, COLUMN_LINK_TEXTS, COLUMN_URL_TOKENS, DEFAULT_DELAY_MS, DEFAULT_MAX_PAGES_PER_LIST,
  DEFAULT_USER_AGENT, DISCLOSURE_LINK_TEXTS, REPORT_FILE_URL, SUBCOLUMN_LINK_TEXTS, SUBCOLUMN_URL_TOKENS,
} from './tables.ts';
import { classifyTitle, unitMatches } from './titles.ts';
import { canonicalUrl, isOwnHost } from './url.ts';

export type Label = 'HOME' | 'LIST' | 'HANWEB' | 'GKMLPT' | 'BROWSER_LIST' | 'REPORT_PAGE' | 'ATTACHMENT';

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

/** One unit of crawl work: a plain serializable record (the payload of a store work item). */
export interface CrawlItem {
  label: Label;
  url: string;
  agencyId: string;
  /** The list (column) or report page this item was found on, for provenance and sub-column bounds. */
  source: string | null;
  /** Column root the list pages must stay under. */
  root: string | null;
  depth: number;
  /** List pages walked along this list so far (runaway cap). */
  page: number;
  title?: string;
  /** The date printed beside the link on the list. */
  listDate?: string | null;
  /** For an attachment of a report page: the report it belongs to. */
  report?: ReportIdentity;
  extra?: Record<string, unknown>;
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

export interface CrawlOptions {
  agencies: Agency[];
  storageDir: string;
  /** The open storage of `storageDir` (the CLI's); otherwise the crawl opens and closes one. */
  storage?: Storage;
  userAgent?: string;
  proxy?: string;
  delayMs?: number;
  maxPages?: number;
  /** Hosts fetched at the same time (each host still one request at a time). */
  concurrency?: number;
  respectRobots?: boolean;
  useBrowser?: boolean;
  timeoutMs?: number;
  /** Caps on each exchange (connect/idle/total time, body bytes, redirects); see HttpLimits. */
  limits?: Partial<HttpLimits>;
  maxHostFailures?: number;
  /** Parse each new original with the shared parser as it arrives (default false: `nianbao reparse --only-stale` does it). */
  parse?: boolean;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
  /** Stop after this many completed work items (tests and partial runs); the run stays open for resume. */
  stopAfterItems?: number;
  /**
   * On a PostgreSQL store: how long a host's lease lasts unless renewed (renewed every third of it while an
   * item is handled). A worker killed mid-item holds its hosts this long before another takes them over.
   */
  leaseMs?: number;
  keepRequestLog?: boolean;
  log?: (line: string) => void;
}

export interface AgencySummary {
  agencyId: string;
  name: string;
  listPages: number;
  reportsFound: number;
  new: number;
  changed: number;
  unchanged: number;
  gone: number;
  blocked: string | null;
  unreachable: string | null;
}

export interface CrawlResult {
  /** The store's run id. */
  runId: number;
  resumed: boolean;
  finished: boolean;
  agencies: AgencySummary[];
  discovered: { name: string; url: string; year: number | null }[];
  requests: number;
  bytes: number;
  browserRenders: number;
  scheduler: HostScheduler;
}

const MAX_DEPTH = 5;
/** Longest a browser render may take, page load and challenge included. */
const BROWSER_DEADLINE_MS = 60_000;
/** Attempts of one work item that throws before it is given up (network failures are not throws). */
const MAX_ATTEMPTS = 3;

/** The fetch context a handler passes down; the exchange recorder fills in what the store gave it. */
interface FetchContext extends ExchangeContext { fetchId?: number; bodySha256?: string | null }

type Fetched =
  | { ok: true; res: HttpResponse; body: Buffer; html: string | null; notModified: boolean; fetchId: number; sha256: string | null; contentType: string | null }
  | { ok: false; problem: 'blocked' | 'unreachable' | 'disallowed' | 'gone'; reason: string };

/** Time one original may take to extract and parse during a crawl (a hostile PDF must not stall the walk). */
export const PARSE_TIME_LIMIT_MS = 5 * 60_000;

/** A host lease's default length on a shared (PostgreSQL) store; see CrawlOptions.leaseMs. */
export const DEFAULT_LEASE_MS = 60_000;

export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const storage = opts.storage ?? await openStorage(opts.storageDir, { command: 'nianbao crawl' });
  // Embedded: originals are parsed in a worker thread, with a time limit and a memory cap, while the walk goes
  // on. Shared (PostgreSQL): they become parse jobs any process may take (pipeline/parse-jobs.ts).
  const pool = opts.parse && storage.store.engine === 'sqlite' ? new ParsePool(1, { ocr: true, timeoutMs: PARSE_TIME_LIMIT_MS }) : null;
  try {
    return await crawlOn(storage, opts, pool ? (bytes, hints, fileName) => pool.parse(bytes, hints, fileName) : undefined);
  } finally {
    await pool?.close();
    if (!opts.storage) await storage.close();
  }
}

async function crawlOn(storage: Storage, opts: CrawlOptions, parser: OriginalParser | undefined): Promise<CrawlResult> {
  const { store, originals } = storage;
  const userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES_PER_LIST;
  const log = opts.log ?? (() => undefined);
  const byId = new Map(opts.agencies.map((a) => [a.agencyId, a]));
  const ownHosts = (a: Agency | undefined) => new Set([a?.homeUrl, ...(a?.reportListUrls ?? [])].filter((u): u is string => !!u).map((u) => new URL(u).host.toLowerCase()));

  await store.agencies.upsert(opts.agencies.map(agencyToRow));
  // Several workers share a PostgreSQL store: each claims hosts under a lease (store/host-leases.ts).
  const shared = store.engine === 'postgres';
  const runArgs = { delayMs: opts.delayMs, maxPages, agencies: opts.agencies.length };
  let runId: number;
  let since: string;
  let resumed: boolean;
  if (shared) {
    // The run under way is joined (other workers are on it, or it was left by killed ones); else one starts.
    const { run, joined } = await store.runs.joinOrStart('crawl', runArgs);
    runId = run.run_id; since = run.started_at; resumed = joined;
  } else {
    // A run left running by a killed (or stopped) crawl is continued; otherwise a new one starts.
    const taken = await store.runs.takeOver('crawl');
    runId = taken?.run_id ?? await store.runs.start('crawl', runArgs);
    since = taken?.started_at ?? (await store.runs.get(runId))!.started_at;
    resumed = taken !== null;
  }
  const queue = `crawl:${runId}`;
  // Shared: running items may be other workers' at work; a dead worker's come back when its leases expire.
  if (resumed && !shared) await store.work.requeueRunning(queue);
  const workerId = newWorkerId();
  log(`run ${runId}${resumed ? ' (resumed)' : ''}${shared ? `, worker ${workerId}` : ''}`);

  /** Shared: the lease this worker holds on each host it is working on. */
  const leases = new Map<string, HostLease>();
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;

  // Politeness state is the store's: a restarted process (or another worker) waits out the same gaps.
  const hostStates = await StoredHostStates.load(store.crawlState);

  const client = new HttpClient({ userAgent, proxy: opts.proxy, timeoutMs: opts.timeoutMs, ...opts.limits });
  // Cookies a browser earned on earlier nights (challenge clearances) go out with plain requests again.
  client.cookies.load(Object.fromEntries(hostStates.records().filter((h) => h.cookies).map((h) => [h.host, h.cookies!])));
  // The seed URL each request is made for: non-public addresses are reachable only in the seed's own class.
  const seedOf = (agencyId: string) => { const a = byId.get(agencyId); return a?.reportListUrls[0] ?? a?.homeUrl ?? undefined; };
  const scheduler = new HostScheduler(client, {
    delayMs: opts.delayMs ?? DEFAULT_DELAY_MS, userAgentToken: userAgent.split('/')[0]!, respectRobots: opts.respectRobots,
    maxHostFailures: opts.maxHostFailures,
    // Every exchange, robots.txt, retries and failures included, goes to the store before it is acted on.
    // Shared: a request goes out only while this worker still holds its host's lease (checked and renewed here),
    // so a worker that stalled past its lease (a pause, a swapped-out machine) cannot talk over its successor.
    ...(shared ? { beforeRequest: async (host: string) => {
      const lease = leases.get(host);
      if (lease && !(await store.work.renewLease(lease, leaseMs))) throw new LeaseLostError(lease);
    } } : {}),
    record: async (x) => {
      const ctx = x.context as FetchContext;
      const requestHeaders = { 'user-agent': userAgent, ...(x.request.headers ?? {}) };
      const base = { runId, agencyId: ctx.agencyId ?? null, purpose: ctx.purpose ?? 'other', method: x.request.method ?? 'GET', requestHeaders, referrer: ctx.referrer ?? null };
      const input: ExchangeInput = x.response ? fetchInputOf(x.response, base)
        : { ...base, url: x.request.url, fetchedAt: x.startedAt, durationMs: x.elapsedMs, error: x.error ?? 'no response' };
      const r = await storage.recordExchange(input);
      ctx.fetchId = r.fetchId;
      ctx.bodySha256 = r.sha256;
    },
  }, hostStates);
  scheduler.keepLog = !!opts.keepRequestLog;
  const browser = new BrowserSession({ userAgent, proxy: opts.proxy });

  const key = (label: Label, url: string, extra = '') => `${label} ${url}${extra}`;
  const hostOf = (url: string) => new URL(url).host.toLowerCase();
  /**
   * The children an item found, added when the item completes, in the same transaction (and, shared, under
   * the host's lease): an item killed half way, or whose lease was lost, is re-done and finds them again.
   */
  const foundChildren = new WeakMap<CrawlItem, NewWorkItem[]>();
  const addChildren = (parent: CrawlItem, items: NewWorkItem[]) => {
    (foundChildren.get(parent) ?? foundChildren.set(parent, []).get(parent)!).push(...items);
  };
  const enqueue = (parent: CrawlItem, item: CrawlItem, extra = '') => addChildren(parent, [{ key: key(item.label, item.url, extra), payload: item, host: hostOf(item.url) }]);

  // Seeding is idempotent, so a run killed while seeding is seeded again in full.
  await store.work.addBatch(queue, opts.agencies.flatMap((a) => {
    const items: CrawlItem[] = a.reportListUrls.map((url) => ({ label: a.render === 'browser' ? 'BROWSER_LIST' : 'LIST', url, agencyId: a.agencyId, source: null, root: columnRoot(url), depth: 0, page: 0 }));
    if (!items.length && a.homeUrl) items.push({ label: 'HOME', url: a.homeUrl, agencyId: a.agencyId, source: null, root: null, depth: 0, page: 0 });
    return items.map((item) => ({ key: key(item.label, item.url), payload: item, host: hostOf(item.url) }));
  }));

  // ---- fetching ----------------------------------------------------------------------------------------

  /**
   * One polite request, recorded. With `conditional`, the URL's last ETag/Last-Modified go along, and a 304
   * hands back the body archived last time, so every handler reads a page the same way whether it changed or not.
   */
  async function get(item: CrawlItem, purpose: string, init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; conditional?: boolean } = {}): Promise<Fetched> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const prior = init.conditional ? await store.crawlState.url(item.url) : null;
    // Only ask "not modified?" when the last body is still in the archive to be read again.
    const usable = prior?.lastSha256 && await originals.has(prior.lastSha256) ? prior : null;
    if (usable?.etag) headers['if-none-match'] = usable.etag;
    if (usable?.lastModified) headers['if-modified-since'] = usable.lastModified;
    const ctx: FetchContext = { agencyId: item.agencyId, purpose, referrer: item.source };
    const r = await scheduler.fetch({ url: item.url, method: init.method, body: init.body, headers, seed: seedOf(item.agencyId) }, ctx);
    if (r.kind === 'disallowed') return { ok: false, problem: 'disallowed', reason: r.reason };
    if (r.kind !== 'response') return { ok: false, problem: 'unreachable', reason: r.reason };
    let res = r.response;
    if (res.status === 304) {
      if (!usable) return { ok: false, problem: 'unreachable', reason: 'HTTP 304 to an unconditional request' };
      const body = await originals.read(usable.lastSha256!);
      const contentType = (await store.exchanges.document(usable.lastSha256!))?.content_type ?? null;
      return { ok: true, res, body, html: asText(body, contentType), notModified: true, fetchId: ctx.fetchId!, sha256: usable.lastSha256!, contentType };
    }
    let html = asText(res.body, res.headers['content-type'] ?? null);
    if (html !== null) {
      const v = pageVerdict(res.status, html, res.finalUrl);
      if (v.kind === 'challenge') {
        if (opts.useBrowser === false) return { ok: false, problem: 'blocked', reason: v.reason };
        const solved = await passChallenge(item.url, item.agencyId);
        if (!solved) return { ok: false, problem: 'blocked', reason: `${v.reason}; browser did not pass it` };
        // Re-fetch with the earned cookie over plain HTTP: the archive keeps the server's own bytes.
        const again = await scheduler.fetch({ url: item.url, method: init.method, body: init.body, headers: init.headers, seed: seedOf(item.agencyId) }, ctx);
        if (again.kind !== 'response') return { ok: false, problem: 'unreachable', reason: again.reason };
        res = again.response;
        html = decodeBody(res.body, res.headers['content-type']);
        if (pageVerdict(res.status, html, res.finalUrl).kind === 'challenge') return { ok: false, problem: 'blocked', reason: `${v.reason}; cookie not accepted` };
      }
    }
    if (res.status >= 400) return { ok: false, problem: res.status === 404 || res.status === 410 ? 'gone' : 'unreachable', reason: `HTTP ${res.status}` };
    return { ok: true, res, body: res.body, html, notModified: false, fetchId: ctx.fetchId!, sha256: ctx.bodySha256 ?? null, contentType: res.headers['content-type'] ?? null };
  }

  /** After a page was handled: its validators, so the next night asks "not modified?". */
  async function remember(url: string, f: Extract<Fetched, { ok: true }>): Promise<void> {
    if (f.notModified) return;
    await store.crawlState.setUrl({ url, etag: f.res.headers.etag ?? null, lastModified: f.res.headers['last-modified'] ?? null,
      lastSha256: f.sha256, lastStatus: f.res.status, lastFetchedAt: f.res.fetchedAt });
  }

  /** A browser render in the host's slot, never longer than BROWSER_DEADLINE_MS (a stuck page must not stall the crawl). */
  function render(url: string, agencyId: string) {
    const host = new URL(url).host;
    const seed = seedOf(agencyId) ?? url;
    const challenge = (s: number, h: string) => pageVerdict(s, h, url).kind === 'challenge';
    return scheduler.slot(host, url, () => withDeadline(browser.render(url, challenge, (u) => client.mayReach(u, seed)), BROWSER_DEADLINE_MS,
      async () => { await browser.close(); return `browser: no answer within ${BROWSER_DEADLINE_MS / 1000} s`; }));
  }

  async function passChallenge(url: string, agencyId: string): Promise<boolean> {
    const host = new URL(url).host;
    let out;
    try { out = await render(url, agencyId); } catch (e) { log(`browser failed on ${host}: ${(e as Error).message.split('\n')[0]}`); return false; }
    for (const c of out.cookies) client.cookies.set(host, c.name, c.value);
    const jar = client.cookies.all()[host];
    if (jar) await hostStates.saveCookies(host, jar);
    log(`browser passed challenge on ${host}: ${out.cookies.map((c) => c.name).join(',')}`);
    return pageVerdict(out.status, out.html, url).kind !== 'challenge';
  }

  /** Notes why an agency's column could not be read (kept in the store, so a continued run still knows). */
  async function problem(item: CrawlItem, f: Extract<Fetched, { ok: false }>, isList: boolean): Promise<string> {
    if (f.problem === 'blocked') await store.agencyRuns.noteProblem(runId, item.agencyId, 'blocked', f.reason);
    else if (f.problem === 'disallowed' && isList) await store.agencyRuns.noteProblem(runId, item.agencyId, 'blocked', `${f.reason} (${item.url})`);
    else if ((f.problem === 'unreachable' || f.problem === 'gone') && isList) await store.agencyRuns.noteProblem(runId, item.agencyId, 'unreachable', `${f.reason} (${item.url})`);
    return `${f.problem}: ${f.reason}`;
  }

  // ---- which agency a report belongs to ---------------------------------------------------------------
  function assign(unit: string | null, listAgency: string): { agencyId: string | null; discovered: string | null } {
    const a = byId.get(listAgency);
    if (!unit) return { agencyId: listAgency, discovered: null };
    if (a && unitMatches(unit, a.name)) return { agencyId: listAgency, discovered: null };
    const matches = opts.agencies.filter((s) => unitMatches(unit, s.name));
    if (matches.length) {
      const near = matches.find((m) => m.parentId === listAgency || m.parentId === a?.parentId || (a?.regionCode && m.regionCode === a.regionCode));
      return { agencyId: (near ?? matches[0]!).agencyId, discovered: null };
    }
    // A consolidated column lists many units; one not in the seeds is recorded under its printed name.
    return { agencyId: null, discovered: unit };
  }

  /** A report's identity: agency and year from the link title first, then what the page itself says. */
  function identify(item: CrawlItem, page: { unit: string | null; year: number | null; title: string | null; publishedAt: string | null }): ReportIdentity {
    const fromList = classifyTitle(item.title ?? '');
    const { agencyId, discovered } = assign(fromList.unit ?? page.unit, item.agencyId);
    return { agencyId, agencyName: discovered, year: fromList.year ?? page.year, title: page.title || item.title || null,
      publishedAt: page.publishedAt ?? item.listDate ?? null };
  }

  // ---- children of a list page ------------------------------------------------------------------------
  function childrenOf(item: CrawlItem, links: PageLink[], conts: ListContinuation[]): { items: { item: CrawlItem; extra?: string }[]; reports: number } {
    const out: { item: CrawlItem; extra?: string }[] = [];
    let reports = 0;
    const allowed = ownHosts(byId.get(item.agencyId));
    allowed.add(new URL(item.url).host.toLowerCase());
    for (const l of links) {
      const info = classifyTitle(l.text);
      const path = new URL(l.url).pathname;
      const isFile = ATTACHMENT_EXT.test(path) || ATTACHMENT_URL.some((re) => re.test(l.url));
      const fileReport = isFile && REPORT_FILE_URL.test(l.url) && (info.year !== null || /(19|20)\d{2}/.test(l.url));
      if ((info.isReport && l.text.length >= 6) || fileReport) {
        if (!isOwnHost(l.url, allowed)) { log(`off-site report link ignored: ${l.url}`); continue; }
        reports++;
        out.push({ item: { label: isFile ? 'ATTACHMENT' : 'REPORT_PAGE', url: isFile ? l.url : canonicalUrl(l.url), agencyId: item.agencyId, source: item.url, root: item.root,
          depth: item.depth + 1, page: 0, title: l.text, listDate: l.date ?? null } });
        continue;
      }
      const inRoot = item.root ? l.url.startsWith(item.root) : false;
      const sub = inRoot && l.url !== item.url && (SUBCOLUMN_URL_TOKENS.test(path) || SUBCOLUMN_LINK_TEXTS.some((re) => re.test(l.text)));
      if (sub && item.depth < MAX_DEPTH) {
        out.push({ item: { label: item.label === 'BROWSER_LIST' ? 'BROWSER_LIST' : 'LIST', url: l.url, agencyId: item.agencyId, source: item.url, root: columnRoot(l.url), depth: item.depth + 1, page: 0 } });
      }
    }
    for (const c of conts) {
      if (item.page + 1 >= maxPages) break;
      if (c.kind === 'page') {
        const page = Math.max(item.page + 1, pageIndex(c.url));
        if (page >= maxPages) continue;
        out.push({ item: { label: item.label === 'BROWSER_LIST' ? 'BROWSER_LIST' : 'LIST', url: c.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth, page } });
      } else if (c.kind === 'hanweb') {
        out.push({ item: { label: 'HANWEB', url: c.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth, page: item.page + 1, extra: { cont: c } } });
      } else {
        out.push({ item: { label: 'GKMLPT', url: c.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth, page: item.page + 1, extra: { cont: c } } });
      }
    }
    return { items: out, reports };
  }

  /**
   * Enqueues children in one transaction (a kill leaves all or none); a continuation page whose report
   * links were all queued already this run ends its list (pagination traps).
   */
  async function spawn(item: CrawlItem, children: { item: CrawlItem; extra?: string }[]): Promise<number> {
    const keyOf = (c: { item: CrawlItem; extra?: string }) => key(c.item.label, c.item.url, c.extra ?? '');
    const reports = children.filter((c) => c.item.label === 'REPORT_PAGE' || c.item.label === 'ATTACHMENT');
    const known = await store.work.existing(queue, reports.map(keyOf));
    const fresh = reports.filter((c) => !known.has(keyOf(c))).length;
    const isContinuation = item.page > 0 || item.label === 'HANWEB' || item.label === 'GKMLPT';
    const take = children.filter((c) => {
      if (c.item.label === 'REPORT_PAGE' || c.item.label === 'ATTACHMENT') return true;
      const isNextPage = c.item.depth === item.depth;
      return !(isNextPage && isContinuation && fresh === 0);
    });
    addChildren(item, take.map((c) => ({ key: keyOf(c), payload: c.item, host: hostOf(c.item.url) })));
    // Every column that lists a report is one of its sources, also when another column queued it first.
    await store.reports.noteLinkSources(reports.map((c) => ({ url: c.item.url, listUrl: item.url, agencyId: c.item.agencyId })));
    return fresh;
  }

  /** Hands an original to the store: its report version (the exchange is already recorded), and the parse. */
  async function ingest(f: Extract<Fetched, { ok: true }>, item: CrawlItem, who: ReportIdentity, kind: 'page' | 'attachment'): Promise<IngestResult> {
    const url = f.res.finalUrl;
    const r = await ingestOriginal(storage, {
      bytes: f.body, url, otherUrls: [item.url], contentType: f.contentType, kind, agencyId: who.agencyId, agencyName: who.agencyName,
      year: who.year, title: who.title, publishedAt: who.publishedAt, discoveredFrom: item.source,
      fileName: kind === 'attachment' ? decodeURIComponent(basename(new URL(url).pathname)) : null, fetchId: f.fetchId,
    }, { runId, parse: (opts.parse ?? false) && !shared, ...(parser ? { parser } : {}) });
    if (r.parseError) log(`parse failed for ${url}: ${r.parseError}`);
    if (shared && opts.parse && r.newVersion) {
      const v = (await store.reports.version(r.versionId))!;
      await enqueueParseJobs(storage, runId, [v]);
    }
    if (opts.onOriginal && r.newVersion) {
      try {
        await opts.onOriginal({ sha256: r.sha256, bytes: f.body, url, contentType: f.contentType, kind, reportId: r.reportId, versionId: r.versionId,
          agencyId: who.agencyId, year: who.year, title: who.title ?? '', publishedAt: who.publishedAt });
      } catch (e) {
        log(`onOriginal failed for ${url}: ${(e as Error).message}`);
      }
    }
    return r;
  }

  // ---- handlers ---------------------------------------------------------------------------------------
  const handlers: Record<Label, (item: CrawlItem) => Promise<string>> = {
    async HOME(item) {
      const f = await get(item, 'home');
      if (!f.ok) return problem(item, f, true);
      const page = readListPage(f.html ?? '', f.res.finalUrl);
      const column = page.links.find((l) => COLUMN_LINK_TEXTS.some((re) => re.test(l.text)))
        ?? page.links.find((l) => COLUMN_URL_TOKENS.test(new URL(l.url).pathname + (new URL(l.url).pathname.endsWith('/') ? '' : '/')));
      if (column) {
        enqueue(item, { label: 'LIST', url: column.url, agencyId: item.agencyId, source: item.url, root: columnRoot(column.url), depth: 0, page: 0 });
        return `column ${column.url}`;
      }
      const disclosure = page.links.find((l) => DISCLOSURE_LINK_TEXTS.some((re) => re.test(l.text)));
      if (disclosure && item.depth < 2) {
        enqueue(item, { ...item, url: disclosure.url, source: item.url, depth: item.depth + 1 });
        return `disclosure ${disclosure.url}`;
      }
      await store.agencyRuns.noteProblem(runId, item.agencyId, 'no-list-url', `no 年报 column found from ${item.url}`);
      return 'no column';
    },

    async LIST(item) {
      const f = await get(item, 'list', { conditional: true });
      if (!f.ok) return problem(item, f, true);
      const page = readListPage(f.html ?? '', f.res.finalUrl);
      if (item.url.includes('#')) page.continuations.push(...readListPage(f.html ?? '', item.url).continuations.filter((c) => c.kind === 'gkmlpt'));
      const { items, reports } = childrenOf(item, page.links, page.continuations);
      if (reports === 0 && !items.some((c) => c.item.label !== 'REPORT_PAGE') && page.looksJsOnly) {
        if (opts.useBrowser === false) { await store.agencyRuns.noteProblem(runId, item.agencyId, 'blocked', `list needs JavaScript: ${item.url}`); return 'js-only'; }
        enqueue(item, { ...item, label: 'BROWSER_LIST' });
        return 'js-only → browser';
      }
      await spawn(item, items);
      await remember(item.url, f);
      return `${reports} report links, ${items.length - reports} lists (${page.platform ?? 'generic'})${f.notModified ? ', not modified' : ''}`;
    },

    async BROWSER_LIST(item) {
      const host = new URL(item.url).host;
      const paused = scheduler.isPaused(host);
      if (paused) { await store.agencyRuns.noteProblem(runId, item.agencyId, 'unreachable', paused); return 'paused'; }
      const jar = client.cookies.all()[host];
      if (jar) await browser.seedCookies(item.url, jar);
      let out;
      try {
        out = await render(item.url, item.agencyId);
      } catch (e) {
        await store.agencyRuns.noteProblem(runId, item.agencyId, 'unreachable', `browser: ${(e as Error).message.split('\n')[0]}`);
        return 'browser failed';
      }
      const page = readListPage(out.html, out.finalUrl);
      const { items, reports } = childrenOf(item, page.links, page.continuations.filter((c) => c.kind === 'page'));
      await spawn(item, items);
      return `${reports} report links (rendered)`;
    },

    async HANWEB(item) {
      const c = item.extra!.cont as Extract<ListContinuation, { kind: 'hanweb' }>;
      const f = await get(item, 'list', { method: 'POST', body: c.body, headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest', referer: c.referer } });
      if (!f.ok) return problem(item, f, true);
      const links = hanwebRecords(f.html ?? '').flatMap((rec) => readListPage(rec, c.referer).links);
      const next = nextHanwebWindow(c, links.length);
      const { items, reports } = childrenOf(item, links, next ? [next] : []);
      await spawn(item, items);
      return `${reports} report links in window ${c.start}`;
    },

    async GKMLPT(item) {
      const c = item.extra!.cont as Extract<ListContinuation, { kind: 'gkmlpt' }>;
      const f = await get(item, 'list', { headers: { accept: 'application/json', referer: new URL('/gkmlpt/index', item.url).href } });
      if (!f.ok) return problem(item, f, true);
      const { links, next } = gkmlptAnswer(f.html ?? '', c);
      const { items, reports } = childrenOf(item, links, next ? [next] : []);
      await spawn(item, items);
      return `${reports} report links on api page ${c.page}`;
    },

    async REPORT_PAGE(item) {
      // The URL is the canonical twin already: no tracking parameters, the desktop page rather than `_wap`.
      const f = await get(item, 'report-page', { conditional: true });
      if (!f.ok) {
        if (f.problem === 'gone') { await store.reports.markGone({ url: item.url }); return `gone: ${f.reason}`; }
        return problem(item, f, false);
      }
      const html = f.html ?? '';
      const verdict = pageVerdict(f.notModified ? 200 : f.res.status, html, f.res.finalUrl);
      if (verdict.kind === 'gone') { await store.reports.markGone({ url: item.url }); return `gone: ${verdict.reason}`; }
      const page = readReportPage(html, f.res.finalUrl, item.title ?? '');
      const who = identify(item, page);
      const v = await ingest(f, item, who, 'page');
      const allowed = ownHosts(byId.get(item.agencyId));
      allowed.add(new URL(item.url).host.toLowerCase());
      // An unchanged page (304) keeps its attachments: asking for each again would double a night's requests
      // per host for files whose links did not change (a replaced file nearly always gets a new name). Only
      // attachments never fetched whole (a failure last time) are asked for again.
      const atts: typeof page.attachments = [];
      for (const a of page.attachments) {
        if (!isOwnHost(a.url, allowed)) continue;
        if (f.notModified && (await store.crawlState.url(a.url))?.lastSha256) continue;
        atts.push(a);
      }
      addChildren(item, atts.map((a) => ({ key: key('ATTACHMENT', a.url), host: hostOf(a.url), payload: {
        label: 'ATTACHMENT', url: a.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth + 1, page: 0, title: a.text, report: who,
      } satisfies CrawlItem })));
      await remember(item.url, f);
      return `${v.newReport ? 'new' : v.changed ? 'changed' : v.newVersion ? 'new version' : 'unchanged'} (${atts.length} attachments)`;
    },

    async ATTACHMENT(item) {
      const f = await get(item, 'attachment', { conditional: true });
      if (!f.ok) {
        if (f.problem === 'gone') { await store.reports.markGone({ url: item.url }); return `gone: ${f.reason}`; }
        return problem(item, f, false);
      }
      // Listed directly on a column (a PDF as the report): the link title and its list date say whose.
      const who = item.report ?? identify(item, { unit: null, year: null, title: null, publishedAt: null });
      const v = await ingest(f, item, who, 'attachment');
      await remember(item.url, f);
      return `${f.notModified ? 'not modified' : 'archived'} ${v.sha256.slice(0, 12)} (${f.body.length} bytes)`;
    },
  };

  // ---- the loop: claim fairly across hosts, one item per host at a time ---------------------------------
  const concurrency = opts.concurrency ?? 32;
  const active = new Map<number, Promise<void>>();
  const busy = new Set<string>();
  let done = 0;
  let stopped = false;

  /** Handles one claimed item and ends it: done with its children, or failed (retried up to MAX_ATTEMPTS). */
  async function handle(w: WorkItem<CrawlItem>, lease: HostLease | null): Promise<void> {
    const host = w.host ?? hostOf(w.payload.url);
    // A long download or a Retry-After wait must not let the lease lapse while this worker is still at it.
    const renewal = lease ? setInterval(() => { void store.work.renewLease(lease, leaseMs).catch(() => undefined); }, leaseMs / 3) : null;
    let outcome: string | null = null;
    let error: string | null = null;
    try {
      outcome = await handlers[w.payload.label](w.payload);
    } catch (e) {
      error = (e as Error).message;
    } finally {
      if (renewal) clearInterval(renewal);
    }
    const children = error === null ? { queue, items: foundChildren.get(w.payload) ?? [] } : undefined;
    const ended = error === null ? { status: 'done' as const }
      : { status: 'failed' as const, error, retryAt: w.attempts < MAX_ATTEMPTS ? new Date().toISOString() : null };
    try {
      // Shared: the host's next allowed time is set in the same transaction, by the database's clock: what is
      // left of the gap since the last request ended (the time spent storing and parsing already counts).
      if (lease) await store.work.completeLeased(lease, w.itemId, { delayMs: scheduler.remainingGapMs(host), outcome: ended, ...(children ? { children } : {}) });
      else if (error === null) await store.work.complete(w.itemId, children);
      else await store.work.fail(w.itemId, error, ended.status === 'failed' ? ended.retryAt : null);
      log(`${w.payload.label} ${w.payload.url}: ${error === null ? outcome : `error ${error}`}`);
    } catch (e) {
      if (!(e instanceof LeaseLostError)) throw e;
      log(`${w.payload.label} ${w.payload.url}: lease on ${host} lost before the item completed; left to its new holder`);
    }
  }

  // Shared: this worker also takes parse jobs while it walks (the walk mostly waits on politeness gaps).
  let walking = true;
  const parsing = shared && opts.parse ? workParseJobs(storage, { runId, workers: 1, follow: true, stop: () => !walking }) : null;
  try {
    for (;;) {
      if (opts.stopAfterItems !== undefined && done >= opts.stopAfterItems) { stopped = true; break; }
      if (active.size < concurrency) {
        const claimed = shared
          ? await store.work.claimLeased<CrawlItem>(queue, { owner: workerId, limit: concurrency - active.size, ttlMs: leaseMs })
          : (await store.work.claimFair<CrawlItem>(queue, concurrency - active.size, { skipHosts: busy })).map((item) => ({ item, lease: null }));
        for (const { item: w, lease } of claimed) {
          const host = w.host ?? hostOf(w.payload.url);
          busy.add(host);
          if (lease) leases.set(host, lease);
          const p = handle(w, lease).finally(() => {
            busy.delete(host);
            leases.delete(host);
            active.delete(w.itemId);
            done++;
          });
          active.set(w.itemId, p);
        }
      }
      if (!active.size) {
        const c = await store.work.count(queue);
        if (!(c.pending ?? 0) && !(c.running ?? 0)) break;
        // Shared: the rest is in other workers' hands or waiting out a host's gap; ask again soon, not in a spin.
        await new Promise((r) => setTimeout(r, shared ? 50 : 5));
        continue;
      }
      // Shared: a host whose gap ends may be claimed before any item here finishes.
      await Promise.race([...active.values(), ...(shared ? [new Promise((r) => setTimeout(r, 50))] : [])]);
    }
    await Promise.all(active.values());
  } finally {
    walking = false;
    await browser.close();
    await parsing;
  }
  // Shared: the run's parse jobs are finished here too, by whoever is left (nianbao work --only parse helps).
  if (shared && opts.parse && !stopped) await workParseJobs(storage, { runId, workers: 1 });
  const counts = await store.work.count(queue);
  const finished = !stopped && !(counts.pending ?? 0) && !(counts.running ?? 0);
  const { agencies, discovered } = await summarize(store, runId, since, opts.agencies);
  if (finished) {
    for (const a of agencies) {
      await store.agencyRuns.record({ runId, agencyId: a.agencyId, listPagesRead: a.listPages, reportsFound: a.reportsFound, reportsNew: a.new,
        reportsChanged: a.changed, outcome: a.blocked ? 'blocked' : a.unreachable ? 'unreachable' : 'ok', reason: a.blocked ?? a.unreachable, details: a });
    }
    await store.runs.finish(runId, 'ok', counts.failed ? `${counts.failed} work items failed` : null);
  }
  return { runId, resumed, finished, agencies, discovered, requests: client.requests, bytes: client.bytes, browserRenders: browser.renders, scheduler };
}

/** The promise's value, or after `ms` an error with the message `onTimeout` returns (after it cleaned up). */
async function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => { timer = setTimeout(() => { void onTimeout().then((m) => reject(new Error(m)), reject); }, ms); });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Text bodies decoded (bytes sniffed for their charset); null for binaries. */
function asText(body: Buffer, contentType: string | null): string | null {
  return isTextual(body, contentType) ? decodeBody(body, contentType) : null;
}

/** The folder a list URL lives in: sub-columns and pages must stay under it. */
export function columnRoot(url: string): string {
  const u = new URL(url);
  u.hash = '';
  u.search = '';
  return new URL('.', u).href;
}

function pageIndex(url: string): number {
  const m = /_(\d+)\.\w+$/.exec(new URL(url).pathname) ?? /[?&](?:page|pageIndex|pageNum|currentPage|pageNo)=(\d+)/.exec(url);
  return m ? Number(m[1]) : 0;
}

/**
 * A run's per-agency summary, counted from the store: list pages read (list exchanges that answered), and the
 * reports seen, new, changed, unchanged or gone since the run started; problems as noted during the run.
 */
export async function summarize(store: Pick<Store, 'reports' | 'exchanges' | 'agencyRuns'>, runId: number, since: string, agencies: Agency[]): Promise<{ agencies: AgencySummary[]; discovered: CrawlResult['discovered'] }> {
  const activity = await store.reports.activity(since);
  const lists = await store.exchanges.list({ runId, purpose: 'list' });
  const problems = await store.agencyRuns.problems(runId);
  const rows = agencies.map((a) => {
    const mine = activity.filter((r) => r.agencyId === a.agencyId);
    const seen = mine.filter((r) => !r.gone);
    const ps = problems.get(a.agencyId) ?? [];
    const pick = (...kinds: string[]) => ps.filter((p) => kinds.includes(p.outcome)).map((p) => p.reason).join('; ') || null;
    return {
      agencyId: a.agencyId,
      name: a.name,
      listPages: lists.filter((f) => f.agency_id === a.agencyId && f.status !== null && f.status < 400).length,
      reportsFound: seen.length,
      new: seen.filter((r) => r.isNew).length,
      changed: seen.filter((r) => r.changed).length,
      unchanged: seen.filter((r) => !r.isNew && !r.changed).length,
      gone: mine.filter((r) => r.gone).length,
      blocked: pick('blocked'),
      unreachable: pick('unreachable', 'no-list-url'),
    };
  });
  const discovered = activity.filter((r) => r.agencyId === null && r.agencyName !== null && !r.gone)
    .map((r) => ({ name: r.agencyName!, url: r.url ?? '', year: r.year }));
  return { agencies: rows, discovered };
}
