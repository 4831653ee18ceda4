import type BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

/**
 * Kysely's SQLite dialect, except that a rollback of a transaction SQLite already rolled back is skipped.
 * On a failed write (SQLITE_FULL, SQLITE_IOERR: disk full, file-size limit) SQLite rolls the transaction
 * back by itself; Kysely's own rollback then throws "cannot rollback - no transaction is active", and
 * that error replaces the one that says what happened.
 */
class WriteFaultSafeDriver extends SqliteDriver {
  constructor(private readonly sqlite: BetterSqlite3.Database) {
    super({ database: sqlite });
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
