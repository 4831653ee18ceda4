/**
 * The store on a PostgreSQL server (`--db postgres://…`), for many processes on many machines sharing one
 * dataset: Kysely's PostgreSQL dialect over a `pg` pool, with `pg-cursor` for the streamed reads (exports,
 * WARC) that SQLite serves by iterating a statement.
 */
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { StoreError } from './db.ts';
import { isPostgresUrl, redactUrl } from './location.ts';

// Counts and sums come back as int8/numeric, which pg hands over as strings to keep precision past 2^53.
// No count, size or id here comes near that; numbers keep the repositories' rows the same on both engines.
// Set globally because pg-cursor (the streamed reads) ignores a pool's own type parsers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** A pool and its Kysely dialect; the first connection is tried here so a wrong URL fails with one line. */
export async function connectPostgres(url: string, opts: { maxConnections?: number } = {}): Promise<PostgresDialect> {
  if (!isPostgresUrl(url)) throw new StoreError(`--db must be a postgres:// URL, got "${redactUrl(url)}"`);
  const pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 10, connectionTimeoutMillis: 15_000 });
  // An idle connection the server dropped (restart, network) is replaced on the next query; the query says so.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StoreError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message.split('\n')[0]}`);
  }
  return new PostgresDialect({ pool, cursor: Cursor });
}
