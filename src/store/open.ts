/**
 * Opening the store: one SQLite file (`<storage>/nianbao.sqlite`, WAL) reached through Kysely, migrated to
 * the schema this program knows, and its repositories over that one handle. Writers take the storage's
 * writer lock (lock.ts); readers (`{ readonly: true }`) never wait.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { Agencies } from './agencies.ts';
import { AgencyRuns } from './agency-runs.ts';
import { CrawlState } from './crawl-state.ts';
import { StoreError, type Db } from './db.ts';
import { Discoveries } from './discoveries.ts';
import { StoreDialect } from './dialect.ts';
import { Exchanges } from './fetches.ts';
import { AgencyListReads } from './list-reads.ts';
import { acquireWriterLock, type WriterLock } from './lock.ts';
import { Records } from './records.ts';
import { Reports } from './reports.ts';
import { Runs } from './runs.ts';
import { MIGRATIONS, type Database } from './schema.ts';
import { WorkQueue } from './work-queue.ts';

export const DB_FILE = 'nianbao.sqlite';

/** `--storage DIR`, else `NIANBAO_STORAGE`, else `./storage`; absolute. */
export function resolveStorageDir(opt?: string | null): string {
  return resolve(opt || process.env.NIANBAO_STORAGE || 'storage');
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

/** The store of one storage directory: its database handle and one repository per group of tables. */
export class Store {
  readonly db: Db;
  readonly dbPath: string;
  readonly agencies: Agencies;
  readonly runs: Runs;
  readonly exchanges: Exchanges;
  readonly crawlState: CrawlState;
  readonly work: WorkQueue;
  readonly reports: Reports;
  readonly agencyRuns: AgencyRuns;
  /** Per agency, every page of its column each run read (agency_list_reads). */
  readonly listReads: AgencyListReads;
  readonly discoveries: Discoveries;
  readonly records: Records;

  /** @internal use openStore */
  constructor(
    readonly storageDir: string,
    /** The raw better-sqlite3 handle (PRAGMAs, backups); SQLite-only code paths. */
    readonly sqlite: BetterSqlite3.Database,
    private lock: WriterLock | null,
    readonly readonly: boolean,
  ) {
    this.db = new Kysely<Database>({ dialect: new StoreDialect(sqlite) });
    this.dbPath = join(storageDir, DB_FILE);
    this.agencies = new Agencies(this.db, readonly);
    this.runs = new Runs(this.db, readonly);
    this.exchanges = new Exchanges(this.db, readonly);
    this.crawlState = new CrawlState(this.db, readonly);
    this.work = new WorkQueue(this.db, readonly);
    this.reports = new Reports(this.db, readonly);
    this.agencyRuns = new AgencyRuns(this.db, readonly);
    this.listReads = new AgencyListReads(this.db, readonly);
    this.discoveries = new Discoveries(this.db, readonly);
    this.records = new Records(this.db, readonly);
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
}
