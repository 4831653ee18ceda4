import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 as Kysely sees it, with prepared statements reused: Kysely prepares every query anew, which
 * was about a tenth of a crawl's CPU (a crawl makes a dozen small queries per request). A statement still
 * being iterated (a stream) is never handed out twice; the cache is dropped when queries with long IN lists
 * fill it.
 */
function reusingStatements(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare: (text: string) => {
      const cached = cache.get(text);
      if (cached && !cached.busy) return cached;
      const stmt = db.prepare(text);
      if (cache.size >= 2000) cache.clear();
      cache.set(text, stmt);
      return stmt;
    },
  };
}

/**
 * Kysely's SQLite dialect, except that a rollback of a transaction SQLite already rolled back is skipped.
 * On a failed write (SQLITE_FULL, SQLITE_IOERR: disk full, file-size limit) SQLite rolls the transaction
 * back by itself; Kysely's own rollback then throws "cannot rollback - no transaction is active", and
 * that error replaces the one that says what happened.
 */
class WriteFaultSafeDriver extends SqliteDriver {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: reusingStatements(sqlite) });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.sqlite.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class StoreDialect extends SqliteDialect {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new WriteFaultSafeDriver(this.sqlite);
  }
}
