/**
 * The crawl: a router of small labelled handlers (HOME, LIST, HANWEB, GKMLPT, BROWSER_LIST, REPORT_PAGE,
 * ATTACHMENT) over a SQLite frontier, each request through the per-host scheduler.
 */
import { createHash } from 'node:crypto';
import { Archive } from '../archive/index.ts';
import type { Agency } from '../seeds/index.ts';
import { BrowserSession } from './browser.ts';
import { decodeBody } from './decode.ts';
import { HttpClient, type HttpResponse } from './http.ts';
import {
  gkmlptAnswer, hanwebRecords, nextHanwebWindow, readListPage, type ListContinuation, type PageLink,
} from './listing.ts';
import { HostScheduler } from './politeness.ts';
import { pageVerdict, readReportPage } from './report.ts';
import { CrawlState, type Label, type WorkItem } from './state.ts';
import {
  ATTACHMENT_EXT, ATTACHMENT_URL, COLUMN_LINK_TEXTS, COLUMN_URL_TOKENS, DEFAULT_DELAY_MS, DEFAULT_MAX_PAGES_PER_LIST,
  DEFAULT_USER_AGENT, DISCLOSURE_LINK_TEXTS, REPORT_FILE_URL, SUBCOLUMN_LINK_TEXTS, SUBCOLUMN_URL_TOKENS,
} from './tables.ts';
import { classifyTitle, unitMatches } from './titles.ts';
import { canonicalUrl, isOwnHost } from './url.ts';

/** An original as it arrives, handed on to archive → extract → parse → store. */
export interface ArrivedOriginal {
  sha256: string;
  bytes: Buffer;
  url: string;
  contentType: string | null;
  kind: 'page' | 'attachment';
  reportId: number;
  agencyId: string | null;
  year: number | null;
  title: string;
}

export interface CrawlOptions {
  agencies: Agency[];
  storageDir: string;
  userAgent?: string;
  proxy?: string;
  delayMs?: number;
  maxPages?: number;
  /** Hosts fetched at the same time (each host still one request at a time). */
  concurrency?: number;
  respectRobots?: boolean;
  useBrowser?: boolean;
  timeoutMs?: number;
  maxHostFailures?: number;
  onOriginal?: (o: ArrivedOriginal) => Promise<void>;
  /** Stop after this many completed work items (tests and partial runs); the run stays open for resume. */
  stopAfterItems?: number;
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

export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  const state = new CrawlState(opts.storageDir);
  const archive = Archive.open(opts.storageDir);
  const userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
  const client = new HttpClient({ userAgent, proxy: opts.proxy, timeoutMs: opts.timeoutMs });
  client.cookies.load(state.loadCookies());
  const scheduler = new HostScheduler(client, {
    delayMs: opts.delayMs ?? DEFAULT_DELAY_MS, userAgentToken: userAgent.split('/')[0]!, respectRobots: opts.respectRobots,
    maxHostFailures: opts.maxHostFailures,
  }, state);
  scheduler.keepLog = !!opts.keepRequestLog;
  const browser = new BrowserSession({ userAgent, proxy: opts.proxy });
  const maxPages = opts.maxPages ?? DEFAULT_MAX_PAGES_PER_LIST;
  const log = opts.log ?? (() => undefined);
  const byId = new Map(opts.agencies.map((a) => [a.agencyId, a]));
  const ownHosts = (a: Agency | undefined) => new Set([a?.homeUrl, ...(a?.reportListUrls ?? [])].filter((u): u is string => !!u).map((u) => new URL(u).host.toLowerCase()));

  const { runId, resumed } = state.beginRun({ delayMs: opts.delayMs, maxPages, agencies: opts.agencies.length });
  log(`run ${runId}${resumed ? ' (resumed)' : ''}`);
  const key = (label: Label, url: string, extra = '') => `${label} ${url}${extra}`;
  const enqueue = (item: WorkItem, extra = '') => state.enqueue(runId, key(item.label, item.url, extra), item);

  if (!resumed) {
    for (const a of opts.agencies) {
      const lists = a.reportListUrls;
      for (const url of lists) {
        enqueue({ label: a.render === 'browser' ? 'BROWSER_LIST' : 'LIST', url, agencyId: a.agencyId, source: null, root: columnRoot(url), depth: 0, page: 0 });
      }
      if (!lists.length && a.homeUrl) enqueue({ label: 'HOME', url: a.homeUrl, agencyId: a.agencyId, source: null, root: null, depth: 0, page: 0 });
    }
  }

  // ---- fetching ----------------------------------------------------------------------------------------
  type Fetched = { ok: true; res: HttpResponse; html: string | null; notModified: boolean } | { ok: false; problem: 'blocked' | 'unreachable' | 'disallowed' | 'gone'; reason: string };

  async function get(item: WorkItem, init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; conditional?: string | null } = {}): Promise<Fetched> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    const cached = init.conditional ? state.cache(init.conditional) : null;
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const r = await scheduler.fetch({ url: item.url, method: init.method, body: init.body, headers });
    if (r.kind === 'disallowed') return { ok: false, problem: 'disallowed', reason: r.reason };
    if (r.kind !== 'response') return { ok: false, problem: 'unreachable', reason: r.reason };
    let res = r.response;
    if (res.status === 304) return { ok: true, res, html: null, notModified: true };
    const ct = res.headers['content-type'] ?? '';
    const isText = /html|xml|json|text/i.test(ct) || (!ct && /^\s*</.test(res.body.subarray(0, 200).toString('latin1')));
    let html = isText ? decodeBody(res.body, ct) : null;
    if (html !== null) {
      const v = pageVerdict(res.status, html, res.finalUrl);
      if (v.kind === 'challenge') {
        if (opts.useBrowser === false) return { ok: false, problem: 'blocked', reason: v.reason };
        const solved = await passChallenge(item.url);
        if (!solved) return { ok: false, problem: 'blocked', reason: `${v.reason}; browser did not pass it` };
        // Re-fetch with the earned cookie over plain HTTP: the archive keeps the server's own bytes.
        const again = await scheduler.fetch({ url: item.url, method: init.method, body: init.body, headers: init.headers });
        if (again.kind !== 'response') return { ok: false, problem: 'unreachable', reason: again.kind === 'disallowed' ? again.reason : again.reason };
        res = again.response;
        html = decodeBody(res.body, res.headers['content-type']);
        if (pageVerdict(res.status, html, res.finalUrl).kind === 'challenge') return { ok: false, problem: 'blocked', reason: `${v.reason}; cookie not accepted` };
      }
    }
    if (res.status >= 400) return { ok: false, problem: res.status === 404 || res.status === 410 ? 'gone' : 'unreachable', reason: `HTTP ${res.status}` };
    return { ok: true, res, html, notModified: false };
  }

  async function passChallenge(url: string): Promise<boolean> {
    const host = new URL(url).host;
    const out = await scheduler.slot(host, url, () => browser.render(url, (s, h) => pageVerdict(s, h, url).kind === 'challenge'));
    for (const c of out.cookies) client.cookies.set(host, c.name, c.value);
    const jar = client.cookies.all()[host];
    if (jar) state.saveCookies(host, jar);
    log(`browser passed challenge on ${host}: ${out.cookies.map((c) => c.name).join(',')}`);
    return pageVerdict(out.status, out.html, url).kind !== 'challenge';
  }

  function problem(item: WorkItem, f: Extract<Fetched, { ok: false }>, isList: boolean): string {
    if (f.problem === 'blocked') state.agencyProblem(runId, item.agencyId, 'blocked', f.reason);
    else if (f.problem === 'unreachable' && isList) state.agencyProblem(runId, item.agencyId, 'unreachable', `${f.reason} (${item.url})`);
    else if (f.problem === 'disallowed' && isList) state.agencyProblem(runId, item.agencyId, 'disallowed', f.reason);
    if (isList) state.listRead(runId, item.agencyId, item.url, `${f.problem}: ${f.reason}`);
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
    // A consolidated column lists many units; one not in the seeds is recorded as discovered.
    return { agencyId: null, discovered: unit };
  }

  // ---- children of a list page ------------------------------------------------------------------------
  function childrenOf(item: WorkItem, links: PageLink[], conts: ListContinuation[]): { items: { item: WorkItem; extra?: string }[]; reports: number } {
    const out: { item: WorkItem; extra?: string }[] = [];
    let reports = 0;
    const agency = byId.get(item.agencyId);
    const allowed = ownHosts(agency);
    allowed.add(new URL(item.url).host.toLowerCase());
    for (const l of links) {
      const info = classifyTitle(l.text);
      const path = new URL(l.url).pathname;
      const isFile = ATTACHMENT_EXT.test(path) || ATTACHMENT_URL.some((re) => re.test(l.url));
      const fileReport = isFile && REPORT_FILE_URL.test(l.url) && (info.year !== null || /(19|20)\d{2}/.test(l.url));
      if ((info.isReport && l.text.length >= 6) || fileReport) {
        if (!isOwnHost(l.url, allowed)) { log(`off-site report link ignored: ${l.url}`); continue; }
        reports++;
        out.push({ item: { label: isFile ? 'ATTACHMENT' : 'REPORT_PAGE', url: l.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth + 1, page: 0, title: l.text } });
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

  /** Enqueues children; a continuation page that brought no new report link ends its list (pagination traps). */
  function spawn(item: WorkItem, children: { item: WorkItem; extra?: string }[]): number {
    let fresh = 0;
    const pages: { item: WorkItem; extra?: string }[] = [];
    for (const c of children) {
      if (c.item.label === 'REPORT_PAGE' || c.item.label === 'ATTACHMENT') {
        // Same report from two columns: one work item per report URL per run; the extra source is kept.
        const canon = canonicalUrl(c.item.url);
        const row = state.upsertReport(runId, { canonicalUrl: canon, agencyId: null, discoveredName: null, year: null, title: c.item.title ?? '' });
        state.addSource(row.id, item.url, runId);
        if (state.enqueue(runId, key(c.item.label, canon), c.item)) fresh++;
      } else pages.push(c);
    }
    const isContinuation = item.page > 0 || item.label === 'HANWEB' || item.label === 'GKMLPT';
    for (const p of pages) {
      const isNextPage = p.item.depth === item.depth;
      if (isNextPage && isContinuation && fresh === 0) continue;
      enqueue(p.item, p.extra);
    }
    return fresh;
  }

  // ---- handlers ---------------------------------------------------------------------------------------
  const handlers: Record<Label, (item: WorkItem) => Promise<string>> = {
    async HOME(item) {
      const f = await get(item);
      if (!f.ok) return problem(item, f, true);
      const page = readListPage(f.html ?? '', f.res.finalUrl);
      const column = page.links.find((l) => COLUMN_LINK_TEXTS.some((re) => re.test(l.text)))
        ?? page.links.find((l) => COLUMN_URL_TOKENS.test(new URL(l.url).pathname + (new URL(l.url).pathname.endsWith('/') ? '' : '/')));
      if (column) {
        enqueue({ label: 'LIST', url: column.url, agencyId: item.agencyId, source: item.url, root: columnRoot(column.url), depth: 0, page: 0 });
        return `column ${column.url}`;
      }
      const disclosure = page.links.find((l) => DISCLOSURE_LINK_TEXTS.some((re) => re.test(l.text)));
      if (disclosure && item.depth < 2) {
        enqueue({ ...item, url: disclosure.url, source: item.url, depth: item.depth + 1 });
        return `disclosure ${disclosure.url}`;
      }
      state.agencyProblem(runId, item.agencyId, 'no-column', `no 年报 column found from ${item.url}`);
      return 'no column';
    },

    async LIST(item) {
      const f = await get(item, { conditional: item.url });
      if (!f.ok) return problem(item, f, true);
      state.listRead(runId, item.agencyId, item.url, f.notModified ? '304' : String(f.res.status));
      if (f.notModified) {
        const cached = state.cache(item.url);
        const children = cached?.children ? (JSON.parse(cached.children) as { item: WorkItem; extra?: string }[]) : [];
        spawn(item, children.map((c) => ({ ...c, item: { ...c.item, agencyId: item.agencyId } })));
        return 'not modified';
      }
      const page = readListPage(f.html ?? '', f.res.finalUrl === item.url ? item.url : f.res.finalUrl);
      if (item.url.includes('#')) page.continuations.push(...readListPage(f.html ?? '', item.url).continuations.filter((c) => c.kind === 'gkmlpt'));
      const { items, reports } = childrenOf(item, page.links, page.continuations);
      if (reports === 0 && !items.some((c) => c.item.label !== 'REPORT_PAGE') && page.looksJsOnly) {
        if (opts.useBrowser === false) { state.agencyProblem(runId, item.agencyId, 'blocked', `list needs JavaScript: ${item.url}`); return 'js-only'; }
        enqueue({ ...item, label: 'BROWSER_LIST' });
        return 'js-only → browser';
      }
      spawn(item, items);
      state.setCache(item.url, { etag: f.res.headers.etag ?? null, lastModified: f.res.headers['last-modified'] ?? null, sha256: null, children: JSON.stringify(items) });
      return `${reports} report links, ${items.length - reports} lists (${page.platform ?? 'generic'})`;
    },

    async BROWSER_LIST(item) {
      const host = new URL(item.url).host;
      if (scheduler.isPaused(host)) { state.agencyProblem(runId, item.agencyId, 'unreachable', scheduler.isPaused(host)!); return 'paused'; }
      const jar = client.cookies.all()[host];
      if (jar) await browser.seedCookies(item.url, jar);
      let out;
      try {
        out = await scheduler.slot(host, item.url, () => browser.render(item.url, (s, h) => pageVerdict(s, h, item.url).kind === 'challenge'));
      } catch (e) {
        state.agencyProblem(runId, item.agencyId, 'unreachable', `browser: ${(e as Error).message.split('\n')[0]}`);
        return 'browser failed';
      }
      state.listRead(runId, item.agencyId, item.url, `browser ${out.status}`);
      const page = readListPage(out.html, out.finalUrl);
      const { items, reports } = childrenOf(item, page.links, page.continuations.filter((c) => c.kind === 'page'));
      spawn(item, items);
      return `${reports} report links (rendered)`;
    },

    async HANWEB(item) {
      const c = item.extra!.cont as Extract<ListContinuation, { kind: 'hanweb' }>;
      const f = await get(item, { method: 'POST', body: c.body, headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'x-requested-with': 'XMLHttpRequest', referer: c.referer } });
      if (!f.ok) return problem(item, f, true);
      state.listRead(runId, item.agencyId, item.url, String(f.res.status));
      const xml = f.html ?? '';
      const links = hanwebRecords(xml).flatMap((rec) => readListPage(rec, c.referer).links);
      const next = nextHanwebWindow(c, links.length);
      const { items, reports } = childrenOf(item, links, next ? [next] : []);
      spawn(item, items);
      return `${reports} report links in window ${c.start}`;
    },

    async GKMLPT(item) {
      const c = item.extra!.cont as Extract<ListContinuation, { kind: 'gkmlpt' }>;
      const f = await get(item, { headers: { accept: 'application/json', referer: new URL('/gkmlpt/index', item.url).href } });
      if (!f.ok) return problem(item, f, true);
      state.listRead(runId, item.agencyId, item.url, String(f.res.status));
      const { links, next } = gkmlptAnswer(f.html ?? '', c);
      const { items, reports } = childrenOf(item, links, next ? [next] : []);
      spawn(item, items);
      return `${reports} report links on api page ${c.page}`;
    },

    async REPORT_PAGE(item) {
      const canon = canonicalUrl(item.url);
      let row = state.upsertReport(runId, { canonicalUrl: canon, agencyId: null, discoveredName: null, year: null, title: item.title ?? '' });
      // Fetch the canonical twin: no tracking parameters, the desktop page rather than `_wap`.
      const f = await get({ ...item, url: canon }, { conditional: canon });
      if (!f.ok) {
        if (f.problem === 'gone') {
          if (row.version > 0 && row.status === 'live') { state.updateReport(row.id, { status: 'gone', gone_run: runId }); state.reportEvent(row.id, runId, 'gone'); }
          else if (row.version === 0) state.updateReport(row.id, { status: 'dead-link' });
          return `gone: ${f.reason}`;
        }
        return problem(item, f, false);
      }
      if (f.notModified) { settle(row.id, item, null, null, item.title ?? null); state.reportEvent(row.id, runId, 'unchanged'); return 'not modified'; }
      const html = f.html ?? '';
      const verdict = pageVerdict(f.res.status, html, f.res.finalUrl);
      if (verdict.kind === 'gone') {
        if (row.version > 0 && row.status === 'live') { state.updateReport(row.id, { status: 'gone', gone_run: runId }); state.reportEvent(row.id, runId, 'gone'); }
        else if (row.version === 0) state.updateReport(row.id, { status: 'dead-link' });
        return `gone: ${verdict.reason}`;
      }
      const page = readReportPage(html, f.res.finalUrl, item.title ?? '');
      const put = archive.put(f.res.body);
      const fingerprint = sha(page.bodyText || html);
      const twin = state.reportBySha(fingerprint, row.id);
      if (twin && row.version === 0) {
        // The same report under a second URL (two columns, mirrors within the platform): store it once.
        state.addSource(twin.id, item.source ?? item.url, runId);
        state.updateReport(row.id, { status: `alias:${twin.id}` });
        state.reportEvent(twin.id, runId, 'seen');
        return `same as report ${twin.id}`;
      }
      settle(row.id, item, page.unit, page.year, page.title);
      row = state.reportByUrl(canon)!;
      let event: 'new' | 'changed' | 'unchanged' = 'unchanged';
      if (row.sha256 !== fingerprint) {
        event = row.version === 0 ? 'new' : 'changed';
        state.updateReport(row.id, { sha256: fingerprint, version: row.version + 1, status: 'live' });
      } else if (row.status !== 'live') state.updateReport(row.id, { status: 'live' });
      state.reportEvent(row.id, runId, event);
      state.addOriginal({ sha256: put.sha256, reportId: row.id, url: f.res.finalUrl, kind: 'page', contentType: f.res.headers['content-type'] ?? null, size: f.res.body.length, runId, fetchedAt: f.res.fetchedAt });
      state.setCache(canon, { etag: f.res.headers.etag ?? null, lastModified: f.res.headers['last-modified'] ?? null, sha256: put.sha256, children: null });
      if (event !== 'unchanged') await hand(put.sha256, f.res, 'page', row.id);
      const allowed = ownHosts(byId.get(item.agencyId));
      allowed.add(new URL(item.url).host.toLowerCase());
      for (const a of page.attachments) {
        if (!isOwnHost(a.url, allowed)) continue;
        enqueue({ label: 'ATTACHMENT', url: a.url, agencyId: item.agencyId, source: item.url, root: item.root, depth: item.depth + 1, page: 0, title: a.text, reportId: row.id });
      }
      return `${event} (${page.attachments.length} attachments)`;
    },

    async ATTACHMENT(item) {
      const canon = canonicalUrl(item.url);
      let reportId = item.reportId ?? null;
      if (reportId === null) {
        const row = state.upsertReport(runId, { canonicalUrl: canon, agencyId: null, discoveredName: null, year: null, title: item.title ?? '' });
        reportId = row.id;
        settle(row.id, item, null, null, item.title ?? null);
      }
      const f = await get(item, { conditional: canon });
      if (!f.ok) return problem(item, f, false);
      if (f.notModified) { if (item.reportId == null) state.reportEvent(reportId, runId, 'unchanged'); return 'not modified'; }
      const put = archive.put(f.res.body);
      state.addOriginal({ sha256: put.sha256, reportId, url: f.res.finalUrl, kind: 'attachment', contentType: f.res.headers['content-type'] ?? null, size: f.res.body.length, runId, fetchedAt: f.res.fetchedAt });
      const prev = state.cache(canon);
      state.setCache(canon, { etag: f.res.headers.etag ?? null, lastModified: f.res.headers['last-modified'] ?? null, sha256: put.sha256, children: null });
      if (item.reportId == null) {
        const row = state.reportByUrl(canon)!;
        const event = row.sha256 === put.sha256 ? 'unchanged' : row.version === 0 ? 'new' : 'changed';
        if (event !== 'unchanged') state.updateReport(row.id, { sha256: put.sha256, version: row.version + 1, status: 'live' });
        state.reportEvent(row.id, runId, event);
      }
      if (prev?.sha256 !== put.sha256) await hand(put.sha256, f.res, 'attachment', reportId);
      return `archived ${put.sha256.slice(0, 12)} (${f.res.body.length} bytes)`;
    },
  };

  /** Fixes a report's agency and year: title at listing, then the page's own unit (meta/header/body). */
  function settle(reportId: number, item: WorkItem, pageUnit: string | null, pageYear: number | null, title: string | null): void {
    const fromList = classifyTitle(item.title ?? '');
    const unit = fromList.unit ?? pageUnit;
    const { agencyId, discovered } = assign(unit, item.agencyId);
    const year = fromList.year ?? pageYear;
    const fields: Parameters<CrawlState['updateReport']>[1] = { agency_id: agencyId, discovered_name: discovered };
    if (year !== null) fields.year = year;
    if (title) fields.title = title;
    state.updateReport(reportId, fields);
    state.reportEvent(reportId, runId, 'seen');
  }

  async function hand(sha256: string, res: HttpResponse, kind: 'page' | 'attachment', reportId: number): Promise<void> {
    if (!opts.onOriginal) return;
    const row = state.db.prepare('select * from reports where id = ?').get(reportId) as { agency_id: string | null; year: number | null; title: string };
    try {
      await opts.onOriginal({ sha256, bytes: res.body, url: res.finalUrl, contentType: res.headers['content-type'] ?? null, kind, reportId, agencyId: row.agency_id, year: row.year, title: row.title });
    } catch (e) {
      log(`pipeline failed for ${res.finalUrl}: ${(e as Error).message}`);
    }
  }

  // ---- the loop ---------------------------------------------------------------------------------------
  const concurrency = opts.concurrency ?? 32;
  const active = new Map<string, Promise<void>>();
  const busy = new Set<string>();
  let done = 0;
  let stopped = false;
  try {
    for (;;) {
      if (opts.stopAfterItems !== undefined && done >= opts.stopAfterItems) { stopped = true; break; }
      if (active.size < concurrency) {
        for (const q of state.claim(runId, concurrency - active.size, busy)) {
          const host = new URL(q.item.url).host;
          busy.add(host);
          const p = (async () => {
            try {
              const outcome = await handlers[q.item.label](q.item);
              state.complete(runId, q.key, outcome);
              log(`${q.item.label} ${q.item.url}: ${outcome}`);
            } catch (e) {
              log(`${q.item.label} ${q.item.url}: error ${(e as Error).message}`);
              if (q.attempts < 3) state.release(runId, q.key); else state.complete(runId, q.key, `error: ${(e as Error).message}`);
            } finally {
              busy.delete(host);
              active.delete(q.key);
              done++;
            }
          })();
          active.set(q.key, p);
        }
      }
      if (!active.size) {
        if (state.pendingCount(runId) === 0) break;
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      await Promise.race(active.values());
    }
    await Promise.all(active.values());
  } finally {
    await browser.close();
  }
  const finished = !stopped && state.pendingCount(runId) === 0;
  if (finished) state.finishRun(runId);
  const result: CrawlResult = {
    runId, resumed, finished, agencies: summarize(state, runId, opts.agencies), discovered: discoveredIn(state, runId),
    requests: client.requests, bytes: client.bytes, browserRenders: browser.renders, scheduler,
  };
  state.close();
  return result;
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
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

export function summarize(state: CrawlState, runId: number, agencies: Agency[]): AgencySummary[] {
  const count = (sql: string, id: string) => (state.db.prepare(sql).get(runId, id) as { n: number }).n;
  const ev = (event: string, id: string) => count(`select count(*) n from report_runs rr join reports r on r.id = rr.report_id where rr.run_id = ? and r.agency_id = ? and rr.event = '${event}' and r.status not like 'alias:%'`, id);
  return agencies.map((a) => {
    const problems = state.db.prepare(`select problem, detail from agency_runs where run_id = ? and agency_id = ?`).all(runId, a.agencyId) as { problem: string; detail: string }[];
    const pick = (...kinds: string[]) => problems.filter((p) => kinds.includes(p.problem)).map((p) => p.detail).join('; ') || null;
    return {
      agencyId: a.agencyId,
      name: a.name,
      listPages: count(`select count(*) n from list_reads where run_id = ? and agency_id = ? and status not like '%:%'`, a.agencyId),
      reportsFound: count(`select count(*) n from report_runs rr join reports r on r.id = rr.report_id where rr.run_id = ? and r.agency_id = ? and r.status not like 'alias:%' and r.status != 'dead-link'`, a.agencyId),
      new: ev('new', a.agencyId),
      changed: ev('changed', a.agencyId),
      unchanged: ev('unchanged', a.agencyId),
      gone: ev('gone', a.agencyId),
      blocked: pick('blocked'),
      unreachable: pick('unreachable', 'disallowed', 'no-column'),
    };
  });
}

function discoveredIn(state: CrawlState, runId: number): CrawlResult['discovered'] {
  return (state.db.prepare(`select distinct r.discovered_name name, r.canonical_url url, r.year from reports r join report_runs rr on rr.report_id = r.id
    where rr.run_id = ? and r.agency_id is null and r.discovered_name is not null and r.status not like 'alias:%'`).all(runId) as CrawlResult['discovered']);
}
