/**
 * Copying one store into another (an embedded SQLite store into a PostgreSQL one, `nianbao migrate-storage`):
 * every table in the order its references need, ids kept, in one transaction on the destination, so it
 * holds the whole store or nothing; then each table compared, count and content, on both sides.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { StoreError, type Db } from './db.ts';
import type { Store } from './open.ts';
import type { Database } from './schema.ts';

/** Every table, parents before the rows that point at them; with the id column a sequence hands out. */
const TABLES: { name: keyof Database; id?: string }[] = [
  { name: 'agencies' }, { name: 'runs', id: 'run_id' }, { name: 'fetches', id: 'fetch_id' }, { name: 'documents' },
  { name: 'url_state' }, { name: 'host_state' }, { name: 'work_items', id: 'item_id' }, { name: 'reports', id: 'report_id' },
  { name: 'report_urls' }, { name: 'link_sources' }, { name: 'report_versions', id: 'version_id' }, { name: 'records', id: 'record_id' },
  { name: 'cells' }, { name: 'checks' }, { name: 'agency_runs' }, { name: 'agency_list_reads' }, { name: 'discoveries' },
];

/** A table the migrations made that the list above lacks would be left behind by a copy: refuse instead. */
async function assertEveryTableListed(store: Store): Promise<void> {
  const listed = new Set<string>(TABLES.map((t) => t.name));
  const missing = (await store.db.introspection.getTables()).map((t) => t.name).filter((n) => !listed.has(n));
  if (missing.length) throw new StoreError(`the store copy does not know the tables ${missing.join(', ')} (store/copy.ts TABLES)`);
}

export interface TableCopy { table: string; rows: number }

/** Refuses a destination that holds any row: a copy never mixes with data already there. */
export async function assertEmptyStore(to: Store): Promise<void> {
  for (const t of TABLES) {
    const r = await to.db.selectFrom(t.name).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    if (Number(r.n) > 0) throw new StoreError(`${to.dbPath} already holds data (${t.name}: ${r.n} rows); migrate into an empty database`);
  }
}

/** Copies every row of `from` into `to`, which must hold no data yet. */
export async function copyStore(from: Store, to: Store, onTable?: (t: TableCopy) => void): Promise<TableCopy[]> {
  await assertEveryTableListed(from);
  await assertEmptyStore(to);
  const out: TableCopy[] = [];
  await to.db.transaction().execute(async (trx) => {
    for (const t of TABLES) {
      let rows = 0;
      let batch: Record<string, unknown>[] = [];
      const flush = async () => {
        if (batch.length) await trx.insertInto(t.name).values(batch as never).execute();
        batch = [];
      };
      for await (const row of from.db.selectFrom(t.name).selectAll().stream(1000)) {
        batch.push(row as Record<string, unknown>);
        rows++;
        // Well under PostgreSQL's 65,535 parameters per statement for the widest table (fetches, 18 columns).
        if (batch.length >= 1000) await flush();
      }
      await flush();
      // Rows came with their ids: the destination's sequence continues after the largest.
      if (t.id && to.engine === 'postgres') {
        await sql`select setval(pg_get_serial_sequence(${t.name}, ${t.id}), coalesce((select max(${sql.ref(t.id)}) from ${sql.table(t.name)}), 0) + 1, false)`.execute(trx);
      }
      out.push({ table: t.name, rows });
      onTable?.({ table: t.name, rows });
    }
  });
  return out;
}

/** Per table, the row count and an order-free digest of the rows, on both stores; the tables that differ. */
export async function compareStores(a: Store, b: Store): Promise<{ table: string; a: string; b: string }[]> {
  await assertEveryTableListed(a);
  const differ: { table: string; a: string; b: string }[] = [];
  for (const t of TABLES) {
    const [x, y] = [await tableDigest(a.db, t.name), await tableDigest(b.db, t.name)];
    if (x !== y) differ.push({ table: t.name, a: x, b: y });
  }
  return differ;
}

/**
 * `<rows> rows, <digest>`: the sum of each row's SHA-256 (first 8 bytes, modulo 2^64), so the order the
 * engines return rows in (their collations differ) does not matter, while any changed value does.
 */
async function tableDigest(db: Db, table: keyof Database): Promise<string> {
  let n = 0;
  let sum = 0n;
  for await (const row of db.selectFrom(table).selectAll().stream(1000)) {
    n++;
    const canonical = JSON.stringify(Object.keys(row).sort().map((k) => [k, normal((row as Record<string, unknown>)[k])]));
    sum = (sum + createHash('sha256').update(canonical).digest().readBigUInt64BE(0)) & 0xffffffffffffffffn;
  }
  return `${n} rows, ${sum.toString(16)}`;
}

/** A value as both engines return it: bytes as hex (a Buffer or a Uint8Array), everything else as is. */
function normal(v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}
