/**
 * Opening the store, on either engine, reached through Kysely, migrated to the schema this program knows,
 * and its repositories over that one handle:
 * - embedded: one SQLite file (`<storage>/nianbao.sqlite`, WAL). Writers take the storage's writer lock
 *   (lock.ts); readers (`{ readonly: true }`) never wait.
 * - distributed: a PostgreSQL database (`--db postgres://…` or `NIANBAO_DB`). No writer lock: any number of
 *   processes write at once, kept apart by transactions and, for the crawl, host leases (work-queue.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, sql } from 'kysely';
import { Agencies } from './agencies.ts';
import { AgencyRuns } from './agency-runs.ts';
import { CrawlState } from './crawl-state.ts';
import { StoreError, type Db, type Engine } from './db.ts';
import { Discoveries } from './discoveries.ts';
import { StoreDialect } from './dialect.ts';
import { Exchanges } from './fetches.ts';
import { AgencyListReads } from './list-reads.ts';
import { acquireWriterLock, type WriterLock } from './lock.ts';
import { redactUrl } from './location.ts';
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

/** `--db URL`, else `NIANBAO_DB`, else null (the embedded SQLite file under the storage directory). */
export function resolveDatabaseUrl(opt?: string | null): string | null {
  return opt || process.env.NIANBAO_DB || null;
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
  /** A PostgreSQL URL: the store lives there instead of in `<storage>/nianbao.sqlite`. */
  db?: string | null;
}

/** Opens the store of a storage directory (creating it for writers), or the PostgreSQL database `opts.db`. */
export async function openStore(storageDir: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const dir = resolve(storageDir);
  return opts.db ? openPostgres(dir, opts.db, opts) : openSqlite(dir, opts);
}

async function openSqlite(dir: string, opts: OpenStoreOptions): Promise<Store> {
  const dbPath = join(dir, DB_FILE);
  const missing = () => new StoreError(`no nianbao storage at ${dir} (no ${DB_FILE}); run a crawl first or pass --storage`);
  if (opts.readonly) {
    if (!existsSync(dbPath)) throw missing();
    const open = () => {
      const sqlite = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
      sqlite.pragma('busy_timeout = 10000');
      return new Store(dir, dbPath, 'sqlite', new Kysely<Database>({ dialect: new StoreDialect(sqlite) }), sqlite, null, true);
    };
    let store = open();
    try {
      if ((await store.pendingMigrations()).length) {
        // A storage written by an older nianbao: upgrade it once (as a writer), then read.
        await store.close();
        await (await openSqlite(dir, { ...opts, readonly: false })).close();
        store = open();
      }
      await store.checkSchema();
      return store;
    } catch (err) {
      await store.close().catch(() => undefined);
      if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new StoreError(`${dbPath} is not a SQLite database`);
      throw err;
    }
  }
  if (opts.mustExist && !existsSync(dbPath)) throw missing();
  mkdirSync(dir, { recursive: true });
  const lock = await acquireWriterLock(dir, opts.lockWaitMs ?? 0, opts.command ?? process.argv.slice(1).join(' '));
  let sqlite: BetterSqlite3.Database | null = null;
  try {
    sqlite = new BetterSqlite3(dbPath);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
    const store = new Store(dir, dbPath, 'sqlite', new Kysely<Database>({ dialect: new StoreDialect(sqlite) }), sqlite, lock, false);
    await store.migrate();
    return store;
  } catch (err) {
    try { sqlite?.close(); } catch { /* already closed */ }
    lock.release();
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new StoreError(`${dbPath} is not a SQLite database`);
    throw err;
  }
}

async function openPostgres(dir: string, url: string, opts: OpenStoreOptions): Promise<Store> {
  // pg is loaded only when a PostgreSQL store is opened: the embedded store never needs it.
  const { connectPostgres } = await import('./postgres.ts');
  const db = new Kysely<Database>({ dialect: await connectPostgres(url) });
  const store = new Store(dir, redactUrl(url), 'postgres', db, null, null, !!opts.readonly);
  try {
    if ((opts.readonly || opts.mustExist) && !(await store.hasMigrationTable())) {
      throw new StoreError(`no nianbao database at ${store.dbPath} (no migration table); run a crawl or migrate-storage first`);
    }
    // Readers upgrade a database written by an older nianbao too: the server serialises the migrations.
    if (!opts.readonly || (await store.pendingMigrations()).length) await store.migrate();
    else await store.checkSchema();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The store: its database handle and one repository per group of tables. */
export class Store {
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
    /** Where the database is: the SQLite file, or the PostgreSQL URL without its password. */
    readonly dbPath: string,
    readonly engine: Engine,
    readonly db: Db,
    private readonly sqliteHandle: BetterSqlite3.Database | null,
    private lock: WriterLock | null,
    readonly readonly: boolean,
  ) {
    this.agencies = new Agencies(db, readonly, engine);
    this.runs = new Runs(db, readonly, engine);
    this.exchanges = new Exchanges(db, readonly, engine);
    this.crawlState = new CrawlState(db, readonly, engine);
    this.work = new WorkQueue(db, readonly, engine);
    this.reports = new Reports(db, readonly, engine);
    this.agencyRuns = new AgencyRuns(db, readonly, engine);
    this.listReads = new AgencyListReads(db, readonly, engine);
    this.discoveries = new Discoveries(db, readonly, engine);
    this.records = new Records(db, readonly, engine);
  }

  /** The raw better-sqlite3 handle of an embedded store (backups, tests); there is none on PostgreSQL. */
  get sqlite(): BetterSqlite3.Database {
    if (!this.sqliteHandle) throw new StoreError(`${this.dbPath} is a PostgreSQL database: it has no SQLite handle`);
    return this.sqliteHandle;
  }

  /** @internal does the database hold the migrator's table (is it a nianbao database at all)? */
  async hasMigrationTable(): Promise<boolean> {
    return (await this.db.introspection.getTables({ withInternalKyselyTables: true })).some((t) => t.name === 'kysely_migration');
  }

  /** @internal migrations this program knows that the database has not run yet. */
  async pendingMigrations(): Promise<string[]> {
    if (!(await this.hasMigrationTable())) return [];
    const applied = new Set((await sql<{ name: string }>`select name from kysely_migration`.execute(this.db)).rows.map((r) => r.name));
    return Object.keys(MIGRATIONS).filter((n) => !applied.has(n));
  }

  /** @internal */
  async migrate(): Promise<void> {
    if (await this.hasMigrationTable()) await this.checkSchema();
    // Branches developed side by side add migrations with neighbouring numbers (006 and 007 landed in either
    // order): a database that ran the later one still gets the earlier. They touch different tables.
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => MIGRATIONS }, allowUnorderedMigrations: true });
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
    await this.db.destroy(); // closes the better-sqlite3 handle or the pg pool too
    this.lock?.release();
    this.lock = null;
  }
}
