/**
 * The crawl's own SQLite state (`<storage>/crawl.sqlite`): the frontier of work items (plain serializable
 * records, so a shared queue can hand them out later), conditional-GET state, per-host politeness state,
 * the report registry with every source that listed a report, and per-run facts the summary is derived from.
 * Every write is idempotent (unique keys), so a crawl killed at any moment can run again and continue.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostState, HostStateStore } from './politeness.ts';

export type Label = 'HOME' | 'LIST' | 'HANWEB' | 'GKMLPT' | 'BROWSER_LIST' | 'REPORT_PAGE' | 'ATTACHMENT';

/** One unit of work. */
export interface WorkItem {
  label: Label;
  url: string;
  agencyId: string;
  /** The list (column) this item was found on, for provenance and sub-column bounds. */
  source: string | null;
  /** Column root the list pages must stay under. */
  root: string | null;
  depth: number;
  /** List pages walked along this list so far (runaway cap). */
  page: number;
  title?: string;
  reportId?: number;
  extra?: Record<string, unknown>;
}

export interface QueuedItem { key: string; item: WorkItem; attempts: number }

export interface CacheEntry { etag: string | null; lastModified: string | null; sha256: string | null; children: string | null }

export interface ReportRow {
  id: number; canonical_url: string; agency_id: string | null; discovered_name: string | null; year: number | null;
  title: string; status: string; sha256: string | null; version: number; first_run: number; last_run: number;
}

const SCHEMA = `
create table if not exists runs (id integer primary key, started_at text not null, finished_at text, status text not null, options text);
create table if not exists frontier (run_id integer not null, key text not null, label text not null, host text not null,
  item text not null, state text not null default 'pending', attempts integer not null default 0, outcome text,
  seq integer not null, primary key (run_id, key));
create index if not exists frontier_pending on frontier (run_id, state, seq);
create table if not exists http_cache (url text primary key, etag text, last_modified text, sha256 text, children text, fetched_at text);
create table if not exists hosts (host text primary key, state text not null);
create table if not exists reports (id integer primary key, canonical_url text not null unique, agency_id text, discovered_name text,
  year integer, title text not null, host text not null, status text not null default 'live', sha256 text, version integer not null default 0,
  first_run integer not null, last_run integer not null, gone_run integer);
create table if not exists report_sources (report_id integer not null, source_url text not null, first_run integer not null, primary key (report_id, source_url));
create table if not exists report_runs (report_id integer not null, run_id integer not null, event text not null, primary key (report_id, run_id));
create table if not exists originals (sha256 text not null, report_id integer, url text not null, kind text not null, content_type text,
  size integer, run_id integer not null, fetched_at text not null, primary key (sha256, url));
create table if not exists agency_runs (run_id integer not null, agency_id text not null, problem text, detail text, primary key (run_id, agency_id, problem));
create table if not exists list_reads (run_id integer not null, agency_id text not null, url text not null, status text not null, primary key (run_id, agency_id, url));
create table if not exists cookies (host text primary key, jar text not null);
`;

export class CrawlState implements HostStateStore {
  readonly db: Database.Database;
  private seq = 0;

  constructor(storageDir: string) {
    mkdirSync(storageDir, { recursive: true });
    this.db = new Database(join(storageDir, 'crawl.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.seq = (this.db.prepare('select coalesce(max(seq), 0) s from frontier').get() as { s: number }).s;
  }

  close(): void { this.db.close(); }

  /** The unfinished run to resume, or a new one. Items left 'active' by a killed process go back to pending. */
  beginRun(options: unknown): { runId: number; resumed: boolean } {
    const open = this.db.prepare(`select id from runs where status = 'running' order by id desc limit 1`).get() as { id: number } | undefined;
    if (open) {
      this.db.prepare(`update frontier set state = 'pending' where run_id = ? and state = 'active'`).run(open.id);
      return { runId: open.id, resumed: true };
    }
    const r = this.db.prepare(`insert into runs (started_at, status, options) values (?, 'running', ?)`).run(new Date().toISOString(), JSON.stringify(options));
    return { runId: Number(r.lastInsertRowid), resumed: false };
  }

  finishRun(runId: number): void {
    this.db.prepare(`update runs set status = 'done', finished_at = ? where id = ?`).run(new Date().toISOString(), runId);
  }

  /** Adds work unless the same key was already queued this run (at-least-once dedupe). */
  enqueue(runId: number, key: string, item: WorkItem): boolean {
    const r = this.db.prepare(`insert or ignore into frontier (run_id, key, label, host, item, seq) values (?, ?, ?, ?, ?, ?)`)
      .run(runId, key, item.label, new URL(item.url).host, JSON.stringify(item), ++this.seq);
    return r.changes > 0;
  }

  /** Claims up to `limit` pending items, at most `perHost` per host, spreading across hosts. */
  claim(runId: number, limit: number, busyHosts: Set<string>, perHost = 1): QueuedItem[] {
    const rows = this.db.prepare(`select key, host, item, attempts from frontier where run_id = ? and state = 'pending' order by seq limit ?`)
      .all(runId, Math.max(limit * 20, 200)) as { key: string; host: string; item: string; attempts: number }[];
    const taken: QueuedItem[] = [];
    const perHostCount = new Map<string, number>();
    const mark = this.db.prepare(`update frontier set state = 'active', attempts = attempts + 1 where run_id = ? and key = ?`);
    for (const r of rows) {
      if (taken.length >= limit) break;
      if (busyHosts.has(r.host)) continue;
      const n = perHostCount.get(r.host) ?? 0;
      if (n >= perHost) continue;
      perHostCount.set(r.host, n + 1);
      mark.run(runId, r.key);
      taken.push({ key: r.key, item: JSON.parse(r.item) as WorkItem, attempts: r.attempts + 1 });
    }
    return taken;
  }

  pendingCount(runId: number): number {
    return (this.db.prepare(`select count(*) n from frontier where run_id = ? and state in ('pending','active')`).get(runId) as { n: number }).n;
  }

  complete(runId: number, key: string, outcome: string): void {
    this.db.prepare(`update frontier set state = 'done', outcome = ? where run_id = ? and key = ?`).run(outcome, runId, key);
  }

  release(runId: number, key: string): void {
    this.db.prepare(`update frontier set state = 'pending' where run_id = ? and key = ?`).run(runId, key);
  }

  cache(url: string): CacheEntry | null {
    return (this.db.prepare(`select etag, last_modified lastModified, sha256, children from http_cache where url = ?`).get(url) as CacheEntry | undefined) ?? null;
  }

  setCache(url: string, e: CacheEntry): void {
    this.db.prepare(`insert into http_cache (url, etag, last_modified, sha256, children, fetched_at) values (?, ?, ?, ?, ?, ?)
      on conflict (url) do update set etag = excluded.etag, last_modified = excluded.last_modified, sha256 = excluded.sha256,
      children = coalesce(excluded.children, http_cache.children), fetched_at = excluded.fetched_at`)
      .run(url, e.etag, e.lastModified, e.sha256, e.children, new Date().toISOString());
  }

  loadHost(host: string): HostState | null {
    const r = this.db.prepare(`select state from hosts where host = ?`).get(host) as { state: string } | undefined;
    return r ? (JSON.parse(r.state) as HostState) : null;
  }

  saveHost(s: HostState): void {
    this.db.prepare(`insert into hosts (host, state) values (?, ?) on conflict (host) do update set state = excluded.state`)
      .run(s.host, JSON.stringify({ ...s, pausedUntil: s.pausedUntil === Infinity ? null : s.pausedUntil }));
  }

  saveCookies(host: string, jar: Record<string, string>): void {
    this.db.prepare(`insert into cookies (host, jar) values (?, ?) on conflict (host) do update set jar = excluded.jar`).run(host, JSON.stringify(jar));
  }

  loadCookies(): Record<string, Record<string, string>> {
    const rows = this.db.prepare(`select host, jar from cookies`).all() as { host: string; jar: string }[];
    return Object.fromEntries(rows.map((r) => [r.host, JSON.parse(r.jar)]));
  }

  reportByUrl(canonicalUrl: string): ReportRow | null {
    return (this.db.prepare(`select * from reports where canonical_url = ?`).get(canonicalUrl) as ReportRow | undefined) ?? null;
  }

  reportBySha(sha256: string, excludeId: number): ReportRow | null {
    return (this.db.prepare(`select * from reports where sha256 = ? and id != ? limit 1`).get(sha256, excludeId) as ReportRow | undefined) ?? null;
  }

  /** The report row for a canonical URL, created on first sight. */
  upsertReport(runId: number, r: { canonicalUrl: string; agencyId: string | null; discoveredName: string | null; year: number | null; title: string }): ReportRow {
    this.db.prepare(`insert into reports (canonical_url, agency_id, discovered_name, year, title, host, first_run, last_run) values (?, ?, ?, ?, ?, ?, ?, ?)
      on conflict (canonical_url) do update set last_run = excluded.last_run`)
      .run(r.canonicalUrl, r.agencyId, r.discoveredName, r.year, r.title, new URL(r.canonicalUrl).host, runId, runId);
    return this.reportByUrl(r.canonicalUrl)!;
  }

  updateReport(id: number, fields: Partial<Pick<ReportRow, 'agency_id' | 'discovered_name' | 'year' | 'title' | 'status' | 'sha256' | 'version'>> & { gone_run?: number | null }): void {
    const keys = Object.keys(fields);
    if (!keys.length) return;
    this.db.prepare(`update reports set ${keys.map((k) => `${k} = @${k}`).join(', ')} where id = @id`).run({ ...fields, id });
  }

  addSource(reportId: number, sourceUrl: string, runId: number): void {
    this.db.prepare(`insert or ignore into report_sources (report_id, source_url, first_run) values (?, ?, ?)`).run(reportId, sourceUrl, runId);
  }

  /** Records what happened to a report in a run; the strongest event wins (new > changed > gone > seen). */
  reportEvent(reportId: number, runId: number, event: 'seen' | 'new' | 'changed' | 'unchanged' | 'gone'): void {
    const rank: Record<string, number> = { seen: 0, unchanged: 1, gone: 2, changed: 3, new: 4 };
    const cur = this.db.prepare(`select event from report_runs where report_id = ? and run_id = ?`).get(reportId, runId) as { event: string } | undefined;
    if (cur && rank[cur.event]! >= rank[event]!) return;
    this.db.prepare(`insert into report_runs (report_id, run_id, event) values (?, ?, ?) on conflict do update set event = excluded.event`).run(reportId, runId, event);
  }

  addOriginal(o: { sha256: string; reportId: number | null; url: string; kind: string; contentType: string | null; size: number; runId: number; fetchedAt: string }): void {
    this.db.prepare(`insert or ignore into originals (sha256, report_id, url, kind, content_type, size, run_id, fetched_at) values (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(o.sha256, o.reportId, o.url, o.kind, o.contentType, o.size, o.runId, o.fetchedAt);
  }

  agencyProblem(runId: number, agencyId: string, problem: 'blocked' | 'unreachable' | 'disallowed' | 'no-column', detail: string): void {
    this.db.prepare(`insert or ignore into agency_runs (run_id, agency_id, problem, detail) values (?, ?, ?, ?)`).run(runId, agencyId, problem, detail);
  }

  listRead(runId: number, agencyId: string, url: string, status: string): void {
    this.db.prepare(`insert or ignore into list_reads (run_id, agency_id, url, status) values (?, ?, ?, ?)`).run(runId, agencyId, url, status);
  }
}
