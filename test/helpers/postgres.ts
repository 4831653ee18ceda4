/**
 * The PostgreSQL the tests run the store against. `.ci/run` starts a throwaway server (`.ci/postgres start
 * DIR`, about a second) and exports its URL as NIANBAO_TEST_PG; to run these tests elsewhere, do the same:
 *
 *   export NIANBAO_TEST_PG=$(.ci/postgres start /tmp/nb-pg)     # as root it runs the server as `postgres`
 *
 * Each test gets a database of its own on that server (`freshDatabase`), dropped afterwards. Without
 * NIANBAO_TEST_PG the PostgreSQL half of every contract test is skipped, and its title says so.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_PG = process.env.NIANBAO_TEST_PG || null;

export const PG_SKIPPED = 'skipped: NIANBAO_TEST_PG is not set (see test/helpers/postgres.ts; .ci/run sets it)';

// Said once per test file that loads this helper, so a run without PostgreSQL says what it left out.
if (!TEST_PG) process.stderr.write(`PostgreSQL half of the store contract tests ${PG_SKIPPED}\n`);

/** The engines every store-facing test runs on, with a title that says when one is skipped. */
export const ENGINES = [
  { engine: 'sqlite' as const, title: 'SQLite', skip: false },
  { engine: 'postgres' as const, title: TEST_PG ? 'PostgreSQL' : `PostgreSQL (${PG_SKIPPED})`, skip: !TEST_PG },
];
export type TestEngine = (typeof ENGINES)[number]['engine'];

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG! });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

/** A new empty database on the test server; its URL. */
export async function freshDatabase(): Promise<string> {
  if (!TEST_PG) throw new Error(`no PostgreSQL for this test: ${PG_SKIPPED}`);
  const name = `nb_${process.pid}_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const u = new URL(TEST_PG);
  u.pathname = `/${name}`;
  return u.href;
}

/** Drops a database `freshDatabase` made, closing whatever connections are still open to it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^nb_\d+_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
}

/** Store options for a fresh store on `engine`: nothing for SQLite (the storage folder), a new database for PostgreSQL. */
export async function freshStoreOptions(engine: TestEngine): Promise<{ db?: string }> {
  return engine === 'postgres' ? { db: await freshDatabase() } : {};
}
