/**
 * The store: one SQLite file (`<storage>/nianbao.sqlite`, WAL) beside the archive of originals, reached
 * through Kysely so the same code can later run on PostgreSQL. It holds agencies, runs, every HTTP
 * exchange, reports and their versions, parsed records (tidy cells, checks) and crawl state
 * (conditional-GET state per URL, politeness per host, generic work items).
 *
 * Writers take the storage's writer lock (see lock.ts); readers (`{ readonly: true }`) never wait.
 * Nothing is deleted: a changed original is a new version, a newer parse supersedes an older one.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { deflateSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql, type Selectable, type Transaction } from 'kysely';
import { StoreDialect } from './dialect.ts';
import { Archive } from '../archive/index.ts';
import type { ReportRecord } from '../parse/record.ts';
import { acquireWriterLock, StoreLockedError, type WriterLock } from './lock.ts';
import { MIGRATIONS, type Database } from './schema.ts';
import { recordJson } from './json.ts';

export { recordJson } from './json.ts';

export type { Database } from './schema.ts';
export type * from './schema.ts';
export { StoreLockedError, LOCK_FILE } from './lock.ts';
export { Archive } from '../archive/index.ts';
export { reparseArchive, type ReparseOptions, type ReparseResult } from './reparse.ts';
export { verifyStorage, type StorageProblem, type VerifyResult } from './verify.ts';
export { fetchInputOf, ingestOriginal, type ArrivingOriginal, type HttpExchangeLike, type IngestOptions, type IngestResult, type OriginalParser } from './ingest.ts';
export { ParsePool } from './workers.ts';

export const DB_FILE = 'nianbao.sqlite';

/** `--storage DIR`, else `NIANBAO_STORAGE`, else `./storage`; absolute. */
export function resolveStorageDir(opt?: string | null): string {
  return resolve(opt || process.env.NIANBAO_STORAGE || 'storage');
}

/** Storage problems the user can act on (missing storage, schema newer than this program). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface OpenStoreOptions {
  /** Open for reading only: no lock, no migrations, fails if the storage does not exist. */
  readonly?: boolean;
  /** How long a writer waits for another writer to finish before refusing (default 0: refuse at once). */
  lockWaitMs?: number;
  /** Shown to a second writer ("pid 123 ...: <command>"). */
  command?: string;
  /** Writers: refuse a storage without a database instead of creating one (reparse of a mistyped path). */
  mustExist?: boolean;
}

export const now = (): string => new Date().toISOString();

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** An agency as the seeds module gives it (structurally the same as `Agency` of src/seeds). */
export interface AgencyInput {
  agencyId: string;
  name: string;
  regionCode?: string | null;
  level?: string | null;
  kind?: string | null;
  parentId?: string | null;
  homeUrl?: string | null;
  reportListUrls?: string[];
  render?: string;
}

export interface FetchInput {
  runId?: number | null;
  agencyId?: string | null;
  /** robots, list, report-page, attachment, ... */
  purpose?: string | null;
  method?: string;
  url: string;
  finalUrl?: string | null;
  status?: number | null;
  requestHeaders?: Record<string, string> | null;
  responseHeaders?: Record<string, string> | null;
  redirects?: { url: string; status: number; location: string }[] | null;
  /** ISO time the request was sent; default now. */
  fetchedAt?: string;
  durationMs?: number | null;
  /** The body as received; archived here (content-addressed) and its digest recorded. */
  body?: Uint8Array | null;
  /** Or the digest of a body already archived. */
  bodySha256?: string | null;
  bodySize?: number | null;
  error?: string | null;
  referrer?: string | null;
  ip?: string | null;
}

export interface FetchResult {
  fetchId: number;
  sha256: string | null;
  size: number | null;
  /** True when these bytes had never been archived before. */
  newBody: boolean;
}

export interface UrlState {
  url: string;
  etag: string | null;
  lastModified: string | null;
  lastSha256: string | null;
  lastStatus: number | null;
  lastFetchedAt: string | null;
}

export interface HostState {
  host: string;
  nextAllowedAt: string | null;
  consecutiveFailures: number;
  pausedUntil: string | null;
  crawlDelayMs: number | null;
  lastStatus: number | null;
  note: string | null;
  /** Cookies to send to the host, {name: value}. */
  cookies?: Record<string, string> | null;
}

export interface WorkItem<T = unknown> {
  itemId: number;
  queue: string;
  key: string;
  payload: T;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  priority: number;
  notBefore: string | null;
  lastError: string | null;
  /** The host the item will contact, when it is crawl work. */
  host: string | null;
}

export interface ReportVersionInput {
  /** The seed agency, when known. */
  agencyId?: string | null;
  /** Agency name as discovered (used as identity when agencyId is unknown). */
  agencyName?: string | null;
  /** Report year; when unknown the report is identified by its source URL. */
  year?: number | null;
  /** Where this original was fetched from. */
  sourceUrl?: string | null;
  /** Further URLs that point to the same report (report page and attachment, mirrors). */
  otherUrls?: string[];
  /** Digest of an original already in the archive (e.g. from recordFetch), or give `bytes`. */
  sha256?: string;
  bytes?: Uint8Array;
  contentType?: string | null;
  fileName?: string | null;
  title?: string | null;
  /** Publication date the page shows, yyyy-mm-dd. */
  publishedAt?: string | null;
  /** The list page or report page this was found from. */
  discoveredFrom?: string | null;
  fetchId?: number | null;
  runId?: number | null;
  /** When the original was seen; default now. */
  seenAt?: string;
}

export interface ReportVersionResult {
  reportId: number;
  versionId: number;
  sha256: string;
  newReport: boolean;
  /** A new original for this report (true also for the first version of a new report). */
  newVersion: boolean;
  /** A different original than before was seen at the same source URL (changed after publication). */
  changed: boolean;
}

export interface AgencyRunSummary {
  runId: number;
  agencyId: string;
  listPagesRead: number;
  reportsFound: number;
  reportsNew: number;
  reportsChanged: number;
  /** ok, partial, blocked, unreachable, no-list-url */
  outcome: string;
  reason?: string | null;
  finishedAt?: string;
  details?: unknown;
}

export interface SaveRecordOptions {
  runId?: number | null;
  parsedAt?: string;
}

// ---------------------------------------------------------------------------------------------------------
// Row views returned to readers

export type AgencyRow = Selectable<Database['agencies']>;
export type RunRow = Selectable<Database['runs']>;
export type FetchRow = Selectable<Database['fetches']>;
export type ReportRow = Selectable<Database['reports']>;
export type VersionRow = Selectable<Database['report_versions']>;
export type RecordRow = Selectable<Database['records']>;
export type CellRow = Selectable<Database['cells']>;
export type CheckRow = Selectable<Database['checks']>;
export type AgencyRunRow = Selectable<Database['agency_runs']>;

export interface AgencyListState {
  agencyId: string;
  /** Last time a list page of this agency was read (any status), and what came back. */
  lastListFetch: FetchRow | null;
  /** Every list-page fetch of the agency's most recent run that read list pages. */
  lastListFetches: FetchRow[];
  /** The agency's summary in its most recent run. */
  lastSummary: AgencyRunRow | null;
}

/** Opens the store of a storage directory (creating it for writers). */
export async function openStore(storageDir: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const dir = resolve(storageDir);
  const dbPath = join(dir, DB_FILE);
  if (opts.readonly) {
    if (!existsSync(dbPath)) throw new StoreError(`no nianbao storage at ${dir} (no ${DB_FILE}); run a crawl first or pass --storage`);
    if (pendingMigrations(dbPath).length) {
      // A storage written by an older nianbao: upgrade it once (as a writer), then read.
      const upgrader = await openStore(dir, { ...opts, readonly: false });
      await upgrader.close();
    }
    const sqlite = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    sqlite.pragma('busy_timeout = 10000');
    const store = new Store(dir, sqlite, null, true);
    await store.checkSchema();
    return store;
  }
  if (opts.mustExist && !existsSync(dbPath)) throw new StoreError(`no nianbao storage at ${dir} (no ${DB_FILE}); run a crawl first or pass --storage`);
  mkdirSync(dir, { recursive: true });
  const lock = await acquireWriterLock(dir, opts.lockWaitMs ?? 0, opts.command ?? process.argv.slice(1).join(' '));
  let sqlite: BetterSqlite3.Database | null = null;
  try {
    sqlite = new BetterSqlite3(dbPath);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
    const store = new Store(dir, sqlite, lock, false);
    await store.migrate();
    store.archive.sweepTemp();
    return store;
  } catch (err) {
    try { sqlite?.close(); } catch { /* already closed */ }
    lock.release();
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new StoreError(`${dbPath} is not a SQLite database`);
    throw err;
  }
}

/** Migrations this program knows that the database has not run yet. */
function pendingMigrations(dbPath: string): string[] {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (!has) return [];
    const applied = new Set((db.prepare('select name from kysely_migration').all() as { name: string }[]).map((r) => r.name));
    return Object.keys(MIGRATIONS).filter((n) => !applied.has(n));
  } finally {
    db.close();
  }
}

export class Store {
  readonly db: Kysely<Database>;
  readonly archive: Archive;
  readonly dbPath: string;

  /** @internal use openStore */
  constructor(
    readonly storageDir: string,
    /** The raw better-sqlite3 handle (PRAGMAs, backups); SQLite-only code paths. */
    readonly sqlite: BetterSqlite3.Database,
    private lock: WriterLock | null,
    readonly readonly: boolean,
  ) {
    this.db = new Kysely<Database>({ dialect: new StoreDialect(sqlite) });
    this.archive = readonly ? Archive.openExisting(storageDir) : Archive.open(storageDir);
    this.dbPath = join(storageDir, DB_FILE);
  }

  /** @internal */
  async migrate(): Promise<void> {
    if (this.sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get()) await this.checkSchema();
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => MIGRATIONS } });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new StoreError(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
    }
  }

  /** @internal readers check the schema is one this program knows. */
  async checkSchema(): Promise<void> {
    const known = new Set(Object.keys(MIGRATIONS));
    let applied: string[] = [];
    try {
      applied = (await sql<{ name: string }>`select name from kysely_migration`.execute(this.db)).rows.map((r) => r.name);
    } catch {
      throw new StoreError(`${this.dbPath} is not a nianbao database (no migration table)`);
    }
    const unknown = applied.filter((n) => !known.has(n));
    if (unknown.length) throw new StoreError(`${this.dbPath} was written by a newer nianbao (migration ${unknown[0]}); upgrade nianbao`);
  }

  async close(): Promise<void> {
    await this.db.destroy(); // closes the better-sqlite3 handle too
    this.lock?.release();
    this.lock = null;
  }

  private assertWritable(): void {
    if (this.readonly) throw new StoreError('store was opened read-only');
  }

  // ----- agencies --------------------------------------------------------------------------------------

  /** Inserts or updates agencies from the seeds (the denominator of coverage). Returns how many. */
  async upsertAgencies(agencies: AgencyInput[]): Promise<number> {
    this.assertWritable();
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      for (const a of agencies) {
        const row = {
          agency_id: a.agencyId,
          name: a.name,
          region_code: a.regionCode ?? null,
          level: a.level ?? null,
          kind: a.kind ?? null,
          parent_id: a.parentId ?? null,
          home_url: a.homeUrl ?? null,
          report_list_url: a.reportListUrls?.length ? a.reportListUrls.join('|') : null,
          render: a.render ?? 'http',
          updated_at: at,
        };
        await trx.insertInto('agencies').values(row)
          .onConflict((oc) => oc.column('agency_id').doUpdateSet({ ...row, agency_id: undefined }))
          .execute();
      }
    });
    return agencies.length;
  }

  async listAgencies(): Promise<AgencyRow[]> {
    return this.db.selectFrom('agencies').selectAll().orderBy('agency_id').execute();
  }

  async getAgency(agencyId: string): Promise<AgencyRow | undefined> {
    return this.db.selectFrom('agencies').selectAll().where('agency_id', '=', agencyId).executeTakeFirst();
  }

  // ----- runs ------------------------------------------------------------------------------------------

  /** Starts a run (crawl, reparse, ...); returns its id. */
  async startRun(kind: string, args?: unknown, parserVersion?: string | null): Promise<number> {
    this.assertWritable();
    const r = await this.db.insertInto('runs').values({
      kind, started_at: now(), status: 'running', args: args === undefined ? null : JSON.stringify(args),
      host: hostname(), pid: process.pid, finished_at: null, notes: null, parser_version: parserVersion ?? null,
    }).returning('run_id').executeTakeFirstOrThrow();
    return r.run_id;
  }

  async finishRun(runId: number, status: 'ok' | 'failed' | 'interrupted' = 'ok', notes?: string | null): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('runs').set({ finished_at: now(), status, notes: notes ?? null })
      .where('run_id', '=', runId).execute();
  }

  /**
   * The newest run of `kind` still marked running: its process was killed or stopped early (a live writer
   * would hold the storage lock we hold now). It is taken over by this process and continued.
   */
  async takeOverRun(kind: string): Promise<RunRow | null> {
    this.assertWritable();
    const r = await this.db.selectFrom('runs').selectAll().where('kind', '=', kind).where('status', '=', 'running')
      .orderBy('run_id', 'desc').limit(1).executeTakeFirst();
    if (!r) return null;
    await this.db.updateTable('runs').set({ host: hostname(), pid: process.pid }).where('run_id', '=', r.run_id).execute();
    return { ...r, host: hostname(), pid: process.pid };
  }

  async getRun(runId: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  }

  async listRuns(limit = 100): Promise<RunRow[]> {
    return this.db.selectFrom('runs').selectAll().orderBy('run_id', 'desc').limit(limit).execute();
  }

  // ----- fetches and originals --------------------------------------------------------------------------

  /**
   * Records one HTTP exchange (successful or not). When `body` is given it is archived first (atomic,
   * content-addressed) so a fetch row never points at a missing original.
   */
  async recordFetch(f: FetchInput): Promise<FetchResult> {
    this.assertWritable();
    let sha = f.bodySha256 ?? null;
    let size = f.bodySize ?? null;
    let newBody = false;
    const fetchedAt = f.fetchedAt ?? now();
    if (f.body) {
      const put = this.archive.put(f.body);
      sha = put.sha256; size = put.size; newBody = put.isNew;
    }
    const fetchId = await this.db.transaction().execute(async (trx) => {
      if (sha) await this.noteDocument(trx, sha, size ?? this.archive.sizeOf(sha) ?? 0, contentTypeOf(f.responseHeaders), f.finalUrl ?? f.url, fetchedAt);
      const r = await trx.insertInto('fetches').values({
        run_id: f.runId ?? null, agency_id: f.agencyId ?? null, purpose: f.purpose ?? null,
        method: f.method ?? 'GET', url: f.url, final_url: f.finalUrl ?? null, status: f.status ?? null,
        request_headers: f.requestHeaders ? JSON.stringify(f.requestHeaders) : null,
        response_headers: f.responseHeaders ? JSON.stringify(f.responseHeaders) : null,
        redirects: f.redirects?.length ? JSON.stringify(f.redirects) : null,
        fetched_at: fetchedAt, duration_ms: f.durationMs ?? null, body_sha256: sha, body_size: size,
        error: f.error ?? null, referrer: f.referrer ?? null, ip: f.ip ?? null,
      }).returning('fetch_id').executeTakeFirstOrThrow();
      return r.fetch_id;
    });
    return { fetchId, sha256: sha, size, newBody };
  }

  /** Archives bytes without an HTTP exchange (imports, tests); returns the digest. */
  async putOriginal(bytes: Uint8Array, contentType?: string | null, url?: string | null): Promise<{ sha256: string; size: number; isNew: boolean }> {
    this.assertWritable();
    const put = this.archive.put(bytes);
    await this.noteDocument(this.db, put.sha256, put.size, contentType ?? null, url ?? null, now());
    return put;
  }

  private async noteDocument(db: Kysely<Database> | Transaction<Database>, sha: string, size: number, contentType: string | null, url: string | null, at: string): Promise<void> {
    await db.insertInto('documents').values({ sha256: sha, size, content_type: contentType, first_seen_at: at, first_url: url })
      .onConflict((oc) => oc.column('sha256').doNothing()).execute();
  }

  /** What the archive's documents table knows of an original (first URL, content type). */
  async getDocument(sha256: string): Promise<Selectable<Database['documents']> | undefined> {
    return this.db.selectFrom('documents').selectAll().where('sha256', '=', sha256).executeTakeFirst();
  }

  async listFetches(filter: { runId?: number; agencyId?: string; purpose?: string; url?: string; limit?: number } = {}): Promise<FetchRow[]> {
    let q = this.db.selectFrom('fetches').selectAll();
    if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    if (filter.purpose !== undefined) q = q.where('purpose', '=', filter.purpose);
    if (filter.url !== undefined) q = q.where('url', '=', filter.url);
    return q.orderBy('fetch_id').limit(filter.limit ?? 1_000_000).execute();
  }

  // ----- conditional GET and politeness state ----------------------------------------------------------

  async getUrlState(url: string): Promise<UrlState | null> {
    const r = await this.db.selectFrom('url_state').selectAll().where('url', '=', url).executeTakeFirst();
    return r ? { url: r.url, etag: r.etag, lastModified: r.last_modified, lastSha256: r.last_sha256, lastStatus: r.last_status, lastFetchedAt: r.last_fetched_at } : null;
  }

  async setUrlState(s: Partial<UrlState> & { url: string }): Promise<void> {
    this.assertWritable();
    const row = {
      url: s.url, etag: s.etag ?? null, last_modified: s.lastModified ?? null, last_sha256: s.lastSha256 ?? null,
      last_status: s.lastStatus ?? null, last_fetched_at: s.lastFetchedAt ?? now(),
    };
    const set: Record<string, unknown> = { last_fetched_at: row.last_fetched_at };
    if (s.etag !== undefined) set.etag = row.etag;
    if (s.lastModified !== undefined) set.last_modified = row.last_modified;
    if (s.lastSha256 !== undefined) set.last_sha256 = row.last_sha256;
    if (s.lastStatus !== undefined) set.last_status = row.last_status;
    await this.db.insertInto('url_state').values(row).onConflict((oc) => oc.column('url').doUpdateSet(set)).execute();
  }

  async getHostState(host: string): Promise<HostState | null> {
    const r = await this.db.selectFrom('host_state').selectAll().where('host', '=', host).executeTakeFirst();
    return r ? hostStateOf(r) : null;
  }

  async listHostStates(): Promise<HostState[]> {
    return (await this.db.selectFrom('host_state').selectAll().orderBy('host').execute()).map(hostStateOf);
  }

  /** Updates the fields given; others keep their stored value. */
  async setHostState(s: Partial<HostState> & { host: string }): Promise<void> {
    this.assertWritable();
    const row = {
      host: s.host, next_allowed_at: s.nextAllowedAt ?? null, consecutive_failures: s.consecutiveFailures ?? 0,
      paused_until: s.pausedUntil ?? null, crawl_delay_ms: s.crawlDelayMs ?? null, last_status: s.lastStatus ?? null,
      note: s.note ?? null, updated_at: now(), cookies: s.cookies ? JSON.stringify(s.cookies) : null,
    };
    const set: Record<string, unknown> = { updated_at: row.updated_at };
    if (s.nextAllowedAt !== undefined) set.next_allowed_at = row.next_allowed_at;
    if (s.consecutiveFailures !== undefined) set.consecutive_failures = row.consecutive_failures;
    if (s.pausedUntil !== undefined) set.paused_until = row.paused_until;
    if (s.crawlDelayMs !== undefined) set.crawl_delay_ms = row.crawl_delay_ms;
    if (s.lastStatus !== undefined) set.last_status = row.last_status;
    if (s.note !== undefined) set.note = row.note;
    if (s.cookies !== undefined) set.cookies = row.cookies;
    await this.db.insertInto('host_state').values(row).onConflict((oc) => oc.column('host').doUpdateSet(set)).execute();
  }

  // ----- generic work items -----------------------------------------------------------------------------

  /** Adds an item unless (queue, key) exists; returns true when added. Payload must be JSON-serializable. */
  async enqueueWork(queue: string, key: string, payload: unknown, opts: { priority?: number; notBefore?: string | null; host?: string | null } = {}): Promise<boolean> {
    this.assertWritable();
    const at = now();
    const r = await this.db.insertInto('work_items').values({
      queue, key, payload: JSON.stringify(payload), status: 'pending', attempts: 0, priority: opts.priority ?? 0,
      not_before: opts.notBefore ?? null, last_error: null, claimed_by: null, created_at: at, updated_at: at, host: opts.host ?? null,
    }).onConflict((oc) => oc.columns(['queue', 'key']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Claims up to `limit` pending items (highest priority first, then oldest), marking them running. */
  async claimWork<T = unknown>(queue: string, limit = 1): Promise<WorkItem<T>[]> {
    this.assertWritable();
    const at = now();
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('work_items').selectAll()
        .where('queue', '=', queue).where('status', '=', 'pending')
        .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]))
        .orderBy('priority', 'desc').orderBy('item_id').limit(limit).execute();
      if (!rows.length) return [];
      await trx.updateTable('work_items')
        .set({ status: 'running', claimed_by: `${hostname()}:${process.pid}`, updated_at: at, attempts: sql`attempts + 1` })
        .where('item_id', 'in', rows.map((r) => r.item_id)).execute();
      return rows.map((r) => workItemOf<T>({ ...r, status: 'running', attempts: r.attempts + 1 }));
    });
  }

  /**
   * Adds several items in one transaction, so a process killed while adding them leaves all or none; (queue,
   * key) pairs already there are left alone. Returns, per item, whether it was added.
   */
  async enqueueWorkBatch(queue: string, items: { key: string; payload: unknown; host?: string | null; priority?: number }[]): Promise<boolean[]> {
    this.assertWritable();
    if (!items.length) return [];
    const at = now();
    return this.db.transaction().execute(async (trx) => {
      const out: boolean[] = [];
      for (const it of items) {
        const r = await trx.insertInto('work_items').values({
          queue, key: it.key, payload: JSON.stringify(it.payload), status: 'pending', attempts: 0, priority: it.priority ?? 0,
          not_before: null, last_error: null, claimed_by: null, created_at: at, updated_at: at, host: it.host ?? null,
        }).onConflict((oc) => oc.columns(['queue', 'key']).doNothing()).executeTakeFirst();
        out.push(Number(r.numInsertedOrUpdatedRows ?? 0) > 0);
      }
      return out;
    });
  }

  /** Which of these keys the queue already holds (any status). */
  async existingWork(queue: string, keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db.selectFrom('work_items').select('key').where('queue', '=', queue).where('key', 'in', keys.slice(i, i + 500)).execute();
      for (const r of rows) found.add(r.key);
    }
    return found;
  }

  /**
   * Claims pending crawl items (those with a host) fairly across hosts: at most `perHost` per host, hosts in
   * `skipHosts` (busy in this process) left out, and the first items of every host before the later ones of any. Hosts whose politeness
   * gap (host_state.next_allowed_at) ends soonest come first, so a worker never claims work it would only
   * sleep on while another host is ready. Within a host, highest priority then oldest first.
   *
   * The hosts with ready work are found by a loose index scan (a recursive CTE stepping from one host to the
   * next on work_items_host), so a claim costs per host, not per pending item: a national frontier holds
   * hundreds of thousands of items on a few thousand hosts. WITH RECURSIVE is SQLite and PostgreSQL alike.
   */
  async claimWorkFair<T = unknown>(queue: string, limit: number, opts: { skipHosts?: Iterable<string>; perHost?: number } = {}): Promise<WorkItem<T>[]> {
    this.assertWritable();
    if (limit <= 0) return [];
    const at = now();
    const skip = [...(opts.skipHosts ?? [])];
    const perHost = opts.perHost ?? 1;
    // Busy hosts are dropped after the scan, not inside it: inside, each step would walk every item of a busy host.
    const ready = sql`w.queue = ${queue} and w.status = 'pending' and w.host is not null and (w.not_before is null or w.not_before <= ${at})`;
    return this.db.transaction().execute(async (trx) => {
      const hosts = (await sql<{ host: string }>`
        with recursive hosts(host) as (
          select (select min(w.host) from work_items w where ${ready})
          union all
          select (select min(w.host) from work_items w where ${ready} and w.host > hosts.host) from hosts where hosts.host is not null
        )
        select hosts.host from hosts left join host_state h on h.host = hosts.host
        where hosts.host is not null ${skip.length ? sql`and hosts.host not in (${sql.join(skip)})` : sql``}
        order by coalesce(h.next_allowed_at, ''), hosts.host
        limit ${limit}`.execute(trx)).rows.map((r) => r.host);
      const rows: Selectable<Database['work_items']>[] = [];
      for (let round = 0; round < perHost && rows.length < limit; round++) {
        for (const host of hosts) {
          if (rows.length >= limit) break;
          const taken = rows.filter((r) => r.host === host).map((r) => r.item_id);
          let q = trx.selectFrom('work_items').selectAll().where('queue', '=', queue).where('status', '=', 'pending').where('host', '=', host)
            .where((eb) => eb.or([eb('not_before', 'is', null), eb('not_before', '<=', at)]));
          if (taken.length) q = q.where('item_id', 'not in', taken);
          const next = await q.orderBy('priority', 'desc').orderBy('item_id').limit(1).executeTakeFirst();
          if (next) rows.push(next);
        }
      }
      if (!rows.length) return [];
      await trx.updateTable('work_items')
        .set({ status: 'running', claimed_by: `${hostname()}:${process.pid}`, updated_at: at, attempts: sql`attempts + 1` })
        .where('item_id', 'in', rows.map((r) => r.item_id)).execute();
      return rows.map((r) => workItemOf<T>({ ...r, status: 'running', attempts: r.attempts + 1 }));
    });
  }

  async completeWork(itemId: number): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('work_items').set({ status: 'done', updated_at: now(), last_error: null }).where('item_id', '=', itemId).execute();
  }

  /** Records a failure; with `retryAt` the item goes back to pending, else it stays failed. */
  async failWork(itemId: number, error: string, retryAt?: string | null): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('work_items')
      .set({ status: retryAt ? 'pending' : 'failed', not_before: retryAt ?? null, last_error: error, updated_at: now() })
      .where('item_id', '=', itemId).execute();
  }

  /** Items left running by a killed process go back to pending (call at the start of a run). */
  async requeueRunning(queue?: string): Promise<number> {
    this.assertWritable();
    let q = this.db.updateTable('work_items').set({ status: 'pending', updated_at: now() }).where('status', '=', 'running');
    if (queue) q = q.where('queue', '=', queue);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async countWork(queue: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('work_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('queue', '=', queue).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  // ----- reports and versions ---------------------------------------------------------------------------

  /**
   * Records that an original of a report was seen. The report is identified by agency × year (or by its
   * source URL when the year is unknown); a digest not seen before for that report is a new version kept
   * beside the old ones, and a previous version from the same source URL is marked replaced (not deleted).
   */
  async recordReportVersion(v: ReportVersionInput): Promise<ReportVersionResult> {
    this.assertWritable();
    const seenAt = v.seenAt ?? now();
    let sha = v.sha256;
    let size: number | null = null;
    if (v.bytes) {
      const put = this.archive.put(v.bytes);
      if (sha && sha !== put.sha256) throw new StoreError(`recordReportVersion: sha256 ${sha} does not match the bytes (${put.sha256})`);
      sha = put.sha256; size = put.size;
    }
    if (!sha) throw new StoreError('recordReportVersion needs sha256 or bytes');
    if (!this.archive.has(sha)) throw new StoreError(`recordReportVersion: original ${sha} is not in the archive`);
    size ??= this.archive.sizeOf(sha);
    const key = reportKey(v);
    const urls = [v.sourceUrl, ...(v.otherUrls ?? [])].filter((u): u is string => !!u);
    const sha256 = sha;
    return this.db.transaction().execute(async (trx) => {
      await this.noteDocument(trx, sha256, size ?? 0, v.contentType ?? null, v.sourceUrl ?? null, seenAt);
      let report = await trx.selectFrom('reports').selectAll().where('report_key', '=', key).executeTakeFirst();
      let newReport = false;
      if (!report) {
        newReport = true;
        const ins = await trx.insertInto('reports').values({
          report_key: key, agency_id: v.agencyId ?? null, agency_name: v.agencyName ?? null, year: v.year ?? null,
          title: v.title ?? null, published_at: v.publishedAt ?? null, first_seen_at: seenAt, last_seen_at: seenAt,
          gone_at: null, current_version_id: null,
        }).returningAll().executeTakeFirstOrThrow();
        report = ins;
      }
      const reportId = report.report_id;
      let version = await trx.selectFrom('report_versions').selectAll()
        .where('report_id', '=', reportId).where('sha256', '=', sha256).executeTakeFirst();
      let newVersion = false;
      let changed = false;
      if (!version) {
        newVersion = true;
        if (v.sourceUrl) {
          const prior = await trx.updateTable('report_versions').set({ replaced_at: seenAt })
            .where('report_id', '=', reportId).where('source_url', '=', v.sourceUrl).where('replaced_at', 'is', null)
            .executeTakeFirst();
          changed = Number(prior.numUpdatedRows) > 0;
        }
        version = await trx.insertInto('report_versions').values({
          report_id: reportId, sha256, size, source_url: v.sourceUrl ?? null, content_type: v.contentType ?? null,
          file_name: v.fileName ?? null, title: v.title ?? null, published_at: v.publishedAt ?? null,
          discovered_from: v.discoveredFrom ?? null, fetch_id: v.fetchId ?? null, run_id: v.runId ?? null,
          first_seen_at: seenAt, last_seen_at: seenAt, replaced_at: null,
        }).returningAll().executeTakeFirstOrThrow();
      } else {
        // Seen again (maybe after being replaced and restored): it is current again.
        await trx.updateTable('report_versions').set({ last_seen_at: seenAt, replaced_at: null })
          .where('version_id', '=', version.version_id).execute();
        if (v.sourceUrl && version.replaced_at) {
          await trx.updateTable('report_versions').set({ replaced_at: seenAt })
            .where('report_id', '=', reportId).where('source_url', '=', v.sourceUrl)
            .where('version_id', '!=', version.version_id).where('replaced_at', 'is', null).execute();
          changed = true;
        }
      }
      await trx.updateTable('reports').set({
        last_seen_at: seenAt, gone_at: null, current_version_id: version.version_id,
        title: report.title ?? v.title ?? null, published_at: report.published_at ?? v.publishedAt ?? null,
        agency_id: report.agency_id ?? v.agencyId ?? null, agency_name: report.agency_name ?? v.agencyName ?? null,
      }).where('report_id', '=', reportId).execute();
      for (const url of urls) {
        await trx.insertInto('report_urls').values({
          report_id: reportId, url, discovered_from: v.discoveredFrom ?? null, first_seen_at: seenAt, last_seen_at: seenAt, gone_at: null,
        }).onConflict((oc) => oc.columns(['report_id', 'url']).doUpdateSet({ last_seen_at: seenAt, gone_at: null })).execute();
      }
      return { reportId, versionId: version.version_id, sha256, newReport, newVersion, changed };
    });
  }

  /** Marks a report (by id) or one of its URLs (by url) as gone upstream on `seenAt`; nothing is deleted. */
  async markReportGone(target: { reportId: number } | { url: string }, seenAt: string = now()): Promise<number> {
    this.assertWritable();
    return this.db.transaction().execute(async (trx) => {
      if ('reportId' in target) {
        await trx.updateTable('report_urls').set({ gone_at: seenAt }).where('report_id', '=', target.reportId).where('gone_at', 'is', null).execute();
        const r = await trx.updateTable('reports').set({ gone_at: seenAt }).where('report_id', '=', target.reportId).where('gone_at', 'is', null).executeTakeFirst();
        return Number(r.numUpdatedRows);
      }
      await trx.updateTable('report_urls').set({ gone_at: seenAt }).where('url', '=', target.url).where('gone_at', 'is', null).execute();
      // A report is gone when none of its URLs is still there.
      const ids = (await trx.selectFrom('report_urls').select('report_id').where('url', '=', target.url).execute()).map((r) => r.report_id);
      let n = 0;
      for (const id of ids) {
        const live = await trx.selectFrom('report_urls').select('url').where('report_id', '=', id).where('gone_at', 'is', null).executeTakeFirst();
        if (!live) {
          const r = await trx.updateTable('reports').set({ gone_at: seenAt }).where('report_id', '=', id).where('gone_at', 'is', null).executeTakeFirst();
          n += Number(r.numUpdatedRows);
        }
      }
      return n;
    });
  }

  async listReports(filter: { agencyId?: string; year?: number } = {}): Promise<ReportRow[]> {
    let q = this.db.selectFrom('reports').selectAll();
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    if (filter.year !== undefined) q = q.where('year', '=', filter.year);
    return q.orderBy('report_id').execute();
  }

  /** Records that `listUrl` linked to each `url` (idempotent: a second night only moves last_seen_at). */
  async noteLinkSources(links: { url: string; listUrl: string; agencyId: string | null }[]): Promise<void> {
    this.assertWritable();
    if (!links.length) return;
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      for (const l of links) {
        await trx.insertInto('link_sources').values({ url: l.url, list_url: l.listUrl, agency_id: l.agencyId, first_seen_at: at, last_seen_at: at })
          .onConflict((oc) => oc.columns(['url', 'list_url']).doUpdateSet({ last_seen_at: at })).execute();
      }
    });
  }

  /** Every list page that linked to any URL of this report, in URL order. */
  async reportSources(reportId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('link_sources').innerJoin('report_urls', 'report_urls.url', 'link_sources.url')
      .select('link_sources.list_url').distinct().where('report_urls.report_id', '=', reportId)
      .orderBy('link_sources.list_url').execute();
    return rows.map((r) => r.list_url);
  }

  async reportUrls(reportId: number): Promise<Selectable<Database['report_urls']>[]> {
    return this.db.selectFrom('report_urls').selectAll().where('report_id', '=', reportId).orderBy('first_seen_at').execute();
  }

  async listVersions(reportId?: number): Promise<VersionRow[]> {
    let q = this.db.selectFrom('report_versions').selectAll();
    if (reportId !== undefined) q = q.where('report_id', '=', reportId);
    return q.orderBy('version_id').execute();
  }

  async getVersion(versionId: number): Promise<VersionRow | undefined> {
    return this.db.selectFrom('report_versions').selectAll().where('version_id', '=', versionId).executeTakeFirst();
  }

  // ----- per-agency run summaries -------------------------------------------------------------------------

  async recordAgencyRun(s: AgencyRunSummary): Promise<void> {
    this.assertWritable();
    const row = {
      run_id: s.runId, agency_id: s.agencyId, list_pages_read: s.listPagesRead, reports_found: s.reportsFound,
      reports_new: s.reportsNew, reports_changed: s.reportsChanged, outcome: s.outcome, reason: s.reason ?? null,
      finished_at: s.finishedAt ?? now(), details: s.details === undefined ? null : JSON.stringify(s.details),
    };
    await this.db.insertInto('agency_runs').values(row)
      .onConflict((oc) => oc.columns(['run_id', 'agency_id']).doUpdateSet({ ...row, run_id: undefined, agency_id: undefined })).execute();
  }

  /**
   * Notes a problem with an agency's column while a run is under way (blocked, unreachable, ...), so that a
   * run killed and continued still knows it; the first problem of a kind is kept. The run's final
   * `recordAgencyRun` replaces the row with the full summary.
   */
  async noteAgencyProblem(runId: number, agencyId: string, outcome: 'blocked' | 'unreachable' | 'no-list-url', reason: string): Promise<void> {
    this.assertWritable();
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('agency_runs').selectAll().where('run_id', '=', runId).where('agency_id', '=', agencyId).executeTakeFirst();
      const problems = (row?.details ? (JSON.parse(row.details) as { problems?: { outcome: string; reason: string }[] }).problems : null) ?? [];
      if (problems.some((p) => p.outcome === outcome)) return;
      problems.push({ outcome, reason });
      const values = {
        run_id: runId, agency_id: agencyId, list_pages_read: row?.list_pages_read ?? 0, reports_found: row?.reports_found ?? 0,
        reports_new: row?.reports_new ?? 0, reports_changed: row?.reports_changed ?? 0,
        outcome: row && row.outcome !== 'ok' ? row.outcome : outcome, reason: row?.reason ?? reason, finished_at: now(),
        details: JSON.stringify({ problems }),
      };
      await trx.insertInto('agency_runs').values(values)
        .onConflict((oc) => oc.columns(['run_id', 'agency_id']).doUpdateSet({ ...values, run_id: undefined, agency_id: undefined })).execute();
    });
  }

  /** Problems noted for the agencies of a run (see noteAgencyProblem), by agency. */
  async agencyProblems(runId: number): Promise<Map<string, { outcome: string; reason: string }[]>> {
    const rows = await this.db.selectFrom('agency_runs').select(['agency_id', 'details']).where('run_id', '=', runId).execute();
    const out = new Map<string, { outcome: string; reason: string }[]>();
    for (const r of rows) {
      const p = r.details ? (JSON.parse(r.details) as { problems?: { outcome: string; reason: string }[] }).problems : undefined;
      if (p?.length) out.set(r.agency_id, p);
    }
    return out;
  }

  /**
   * What happened to reports since `since` (a run's start): seen, first seen (new), a new original of a report
   * known before (changed), or gone upstream. The crawl's per-agency summary is counted from this.
   */
  async reportActivity(since: string): Promise<{ reportId: number; agencyId: string | null; agencyName: string | null; year: number | null; url: string | null; isNew: boolean; changed: boolean; gone: boolean }[]> {
    const rows = await this.db.selectFrom('reports')
      .leftJoin('report_versions', (j) => j.onRef('report_versions.report_id', '=', 'reports.report_id').on('report_versions.first_seen_at', '>=', since))
      .select(['reports.report_id', 'reports.agency_id', 'reports.agency_name', 'reports.year', 'reports.first_seen_at', 'reports.gone_at', 'reports.last_seen_at',
        (eb) => eb.fn.count<number>('report_versions.version_id').as('new_versions'),
        (eb) => eb.fn.min('report_versions.source_url').as('url')])
      .where((eb) => eb.or([eb('reports.last_seen_at', '>=', since), eb('reports.gone_at', '>=', since)]))
      .groupBy('reports.report_id').orderBy('reports.report_id').execute();
    return rows.map((r) => {
      const gone = r.gone_at !== null && r.gone_at >= since;
      const isNew = r.first_seen_at >= since;
      return { reportId: r.report_id, agencyId: r.agency_id, agencyName: r.agency_name, year: r.year, url: (r.url as string | null) ?? null,
        isNew, changed: !isNew && Number(r.new_versions) > 0, gone };
    });
  }

  async listAgencyRuns(filter: { runId?: number; agencyId?: string } = {}): Promise<AgencyRunRow[]> {
    let q = this.db.selectFrom('agency_runs').selectAll();
    if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    return q.orderBy('finished_at').execute();
  }

  /** Per agency: when its list pages were last read and what they held. */
  async agencyListState(agencyId: string): Promise<AgencyListState> {
    const lastListFetch = (await this.db.selectFrom('fetches').selectAll()
      .where('agency_id', '=', agencyId).where('purpose', '=', 'list')
      .orderBy('fetched_at', 'desc').orderBy('fetch_id', 'desc').limit(1).executeTakeFirst()) ?? null;
    const lastListFetches = lastListFetch
      ? await this.db.selectFrom('fetches').selectAll().where('agency_id', '=', agencyId).where('purpose', '=', 'list')
        .where('run_id', lastListFetch.run_id === null ? 'is' : '=', lastListFetch.run_id).orderBy('fetch_id').execute()
      : [];
    const lastSummary = (await this.db.selectFrom('agency_runs').selectAll().where('agency_id', '=', agencyId)
      .orderBy('finished_at', 'desc').limit(1).executeTakeFirst()) ?? null;
    return { agencyId, lastListFetch, lastListFetches, lastSummary };
  }

  // ----- parsed records -------------------------------------------------------------------------------------

  /**
   * Saves the parse of one report version: the record JSON, its cells in tidy form and its checks.
   * Earlier records of the same version are marked superseded by this one (kept, never deleted).
   * `record` may be an Error for a parse that failed: it is kept with its message.
   */
  async saveRecord(versionId: number, record: ReportRecord | { error: string; parserVersion: string }, opts: SaveRecordOptions = {}): Promise<number> {
    this.assertWritable();
    const parsedAt = opts.parsedAt ?? now();
    return this.db.transaction().execute(async (trx) => {
      const version = await trx.selectFrom('report_versions').select(['sha256']).where('version_id', '=', versionId).executeTakeFirst();
      if (!version) throw new StoreError(`saveRecord: no report version ${versionId}`);
      const isError = 'error' in record;
      const ins = await trx.insertInto('records').values({
        version_id: versionId, sha256: version.sha256,
        parser_version: isError ? record.parserVersion : record.parser_version,
        run_id: opts.runId ?? null, parsed_at: parsedAt,
        agency: isError ? null : record.agency, year: isError ? null : record.year,
        json: null, json_z: isError ? null : deflateSync(JSON.stringify(record)), error: isError ? record.error : null,
        superseded_at: null, superseded_by: null,
      }).returning('record_id').executeTakeFirstOrThrow();
      const recordId = ins.record_id;
      const older = (await trx.selectFrom('records').select('record_id')
        .where('version_id', '=', versionId).where('superseded_at', 'is', null).where('record_id', '!=', recordId).execute())
        .map((r) => r.record_id);
      if (older.length) {
        await trx.updateTable('records').set({ superseded_at: parsedAt, superseded_by: recordId }).where('record_id', 'in', older).execute();
        // The tidy cells are an index of current records; a superseded record keeps its full JSON (and its
        // checks), and `cells()` rebuilds its cells from that JSON, so re-parsing does not grow the table.
        await trx.deleteFrom('cells').where('record_id', 'in', older).execute();
      }
      if (!isError) {
        const cells = tidyCells(record).map((c) => ({ record_id: recordId, ...c }));
        for (let i = 0; i < cells.length; i += 100) await trx.insertInto('cells').values(cells.slice(i, i + 100)).execute();
        const checks = record.checks.map((c, seq) => ({
          record_id: recordId, seq, table_key: c.table, rule: c.rule, row_key: c.row, col_key: c.col,
          left_value: c.left, right_value: c.right, pass: c.pass ? 1 : 0, soft: c.soft ? 1 : 0,
          nulls_as_zero: JSON.stringify(c.nulls_as_zero),
        }));
        for (let i = 0; i < checks.length; i += 100) await trx.insertInto('checks').values(checks.slice(i, i + 100)).execute();
      }
      return recordId;
    });
  }

  /** Current (not superseded) records, optionally of one agency/year/report. */
  async latestRecords(filter: { agencyId?: string; year?: number; reportId?: number; versionId?: number } = {}): Promise<(RecordRow & { report_id: number; agency_id: string | null; report_year: number | null })[]> {
    let q = this.db.selectFrom('records')
      .innerJoin('report_versions', 'report_versions.version_id', 'records.version_id')
      .innerJoin('reports', 'reports.report_id', 'report_versions.report_id')
      .selectAll('records')
      .select(['reports.report_id', 'reports.agency_id', 'reports.year as report_year'])
      .where('records.superseded_at', 'is', null);
    if (filter.agencyId !== undefined) q = q.where('reports.agency_id', '=', filter.agencyId);
    if (filter.year !== undefined) q = q.where('reports.year', '=', filter.year);
    if (filter.reportId !== undefined) q = q.where('reports.report_id', '=', filter.reportId);
    if (filter.versionId !== undefined) q = q.where('records.version_id', '=', filter.versionId);
    return (await q.orderBy('records.record_id').execute()).map(withJson);
  }

  /** Every record of a version, oldest first, superseded ones included (`json` decoded). */
  async recordHistory(versionId: number): Promise<RecordRow[]> {
    return (await this.db.selectFrom('records').selectAll().where('version_id', '=', versionId).orderBy('record_id').execute()).map(withJson);
  }

  /** One parsed record as the parser returned it; null for a failed parse or an unknown id. */
  async getRecord(recordId: number): Promise<ReportRecord | null> {
    const r = await this.db.selectFrom('records').selectAll().where('record_id', '=', recordId).executeTakeFirst();
    const json = r ? recordJson(r) : null;
    return json ? JSON.parse(json) as ReportRecord : null;
  }

  /** The tidy cells of a record; for a superseded record they are rebuilt from its stored JSON. */
  async cells(recordId: number): Promise<CellRow[]> {
    const rows = await this.db.selectFrom('cells').selectAll().where('record_id', '=', recordId)
      .orderBy('table_key').orderBy('row_key').orderBy('col_key').execute();
    if (rows.length) return rows;
    const record = await this.getRecord(recordId);
    if (!record) return [];
    const key = (c: { table_key: string; row_key: string; col_key: string }) => `${c.table_key}\u0000${c.row_key}\u0000${c.col_key}`;
    return tidyCells(record).map((c) => ({ record_id: recordId, ...c })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  async checks(recordId: number): Promise<CheckRow[]> {
    return this.db.selectFrom('checks').selectAll().where('record_id', '=', recordId).orderBy('seq').execute();
  }
}

// ---------------------------------------------------------------------------------------------------------

/** The identity of a report: agency × year, or the source URL when the year is unknown. */
export function reportKey(v: Pick<ReportVersionInput, 'agencyId' | 'agencyName' | 'year' | 'sourceUrl' | 'sha256'>): string {
  const agency = v.agencyId ? v.agencyId : v.agencyName ? `name:${v.agencyName.trim()}` : '?';
  if (v.year != null) return `${agency}|${v.year}`;
  if (v.sourceUrl) return `${agency}|url:${v.sourceUrl}`;
  return `${agency}|sha:${v.sha256 ?? '?'}`;
}

/** One row per cell of every found table (tidy form). */
export function tidyCells(record: ReportRecord): Omit<Database['cells'], 'record_id'>[] {
  const out: Omit<Database['cells'], 'record_id'>[] = [];
  for (const [tableKey, table] of Object.entries(record.tables)) {
    if (!table.found) continue;
    for (const [rowKey, row] of Object.entries(table.rows)) {
      for (const [colKey, c] of Object.entries(row)) {
        out.push({ table_key: tableKey, row_key: rowKey, col_key: colKey, value: c.value, text: c.text, inferred: c.inferred ? 1 : 0, uncertain: c.uncertain ? 1 : 0 });
      }
    }
  }
  return out;
}

function withJson<T extends RecordRow>(r: T): T {
  return { ...r, json: recordJson(r), json_z: null };
}

function contentTypeOf(h: Record<string, string> | null | undefined): string | null {
  if (!h) return null;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === 'content-type') return v;
  return null;
}

function hostStateOf(r: Selectable<Database['host_state']>): HostState {
  return {
    host: r.host, nextAllowedAt: r.next_allowed_at, consecutiveFailures: r.consecutive_failures, pausedUntil: r.paused_until,
    crawlDelayMs: r.crawl_delay_ms, lastStatus: r.last_status, note: r.note, cookies: r.cookies ? JSON.parse(r.cookies) as Record<string, string> : null,
  };
}

function workItemOf<T>(r: Selectable<Database['work_items']>): WorkItem<T> {
  return {
    itemId: r.item_id, queue: r.queue, key: r.key, payload: JSON.parse(r.payload) as T, status: r.status as WorkItem['status'],
    attempts: r.attempts, priority: r.priority, notBefore: r.not_before, lastError: r.last_error, host: r.host ?? null,
  };
}
