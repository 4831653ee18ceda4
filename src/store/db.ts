/**
 * What every repository of the store shares: the Kysely handle over the schema, which database engine is
 * underneath, the clock, the one error type a user can act on, and the read-only guard.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type DbOrTx = Kysely<Database> | Transaction<Database>;

/**
 * The two engines the same repositories run on: an embedded SQLite file (one machine, one writer) or a
 * PostgreSQL server (many processes on many machines). Where their SQL differs, the repositories ask this.
 */
export type Engine = 'sqlite' | 'postgres';

export const now = (): string => new Date().toISOString();

/** Storage problems the user can act on (missing storage, schema newer than this program). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A repository: one group of tables behind a narrow interface, over the store's shared handle. */
export abstract class Repository {
  constructor(protected readonly db: Db, private readonly readonly: boolean, protected readonly engine: Engine = 'sqlite') {}

  protected assertWritable(): void {
    if (this.readonly) throw new StoreError('store was opened read-only');
  }
}
