/**
 * What the database itself can say about its health: the engine's own structural check, rows pointing at
 * rows that are not there, every stored record JSON still readable, and every digest it refers to (so the
 * archive's side can be checked by the caller). Read-only: it repairs nothing.
 */
import { sql } from 'kysely';
import type { Store } from './open.ts';
import { recordJson } from './json.ts';

export interface DatabaseProblem {
  kind: 'db-integrity' | 'db-foreign-key' | 'record-unreadable';
  /** One line a person can act on. */
  message: string;
}

/** A digest the database mentions, with where from and the size it recorded. */
export interface DigestReference { sha256: string; source: string; size: number | null }

/**
 * The references migration 001 declares (child table, column → parent table, column). SQLite checks them
 * only while `foreign_keys` is on, so a file written without it can hold orphans; PostgreSQL enforces them
 * always. The same query finds orphans on both.
 */
const REFERENCES: [table: string, column: string, parent: string, parentColumn: string][] = [
  ['fetches', 'run_id', 'runs', 'run_id'],
  ['report_urls', 'report_id', 'reports', 'report_id'],
  ['report_versions', 'report_id', 'reports', 'report_id'],
  ['records', 'version_id', 'report_versions', 'version_id'],
  ['cells', 'record_id', 'records', 'record_id'],
  ['checks', 'record_id', 'records', 'record_id'],
  ['agency_runs', 'run_id', 'runs', 'run_id'],
];

export async function databaseProblems(store: Store): Promise<{ problems: DatabaseProblem[]; recordsChecked: number }> {
  const problems: DatabaseProblem[] = [];
  if (store.engine === 'sqlite') {
    // The file's own structure (pages, indexes): PostgreSQL keeps that beneath SQL, and checksums its pages.
    for (const r of (await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db)).rows) {
      if (r.integrity_check !== 'ok') problems.push({ kind: 'db-integrity', message: `database: ${r.integrity_check}` });
    }
  } else {
    // An index left invalid (a failed concurrent build) answers queries wrongly or not at all.
    for (const r of (await sql<{ name: string }>`select indexrelid::regclass::text as name from pg_index where not indisvalid`.execute(store.db)).rows) {
      problems.push({ kind: 'db-integrity', message: `database: index ${r.name} is invalid` });
    }
  }
  for (const [table, column, parent, parentColumn] of REFERENCES) {
    const orphans = await sql<{ value: number }>`
      select distinct c.${sql.ref(column)} as value from ${sql.table(table)} c
      where c.${sql.ref(column)} is not null
        and not exists (select 1 from ${sql.table(parent)} p where p.${sql.ref(parentColumn)} = c.${sql.ref(column)})
      order by 1`.execute(store.db);
    for (const r of orphans.rows) problems.push({ kind: 'db-foreign-key', message: `database: ${table} rows with ${column} ${r.value} point at a missing ${parent} row` });
  }

  // Every parsed record's stored JSON must still read back.
  let recordsChecked = 0;
  for await (const r of store.db.selectFrom('records').select(['record_id', 'json', 'json_z']).where('error', 'is', null).orderBy('record_id').stream(500)) {
    recordsChecked++;
    try {
      const text = recordJson(r);
      if (text === null) throw new Error('no JSON stored');
      JSON.parse(text);
    } catch (err) {
      problems.push({ kind: 'record-unreadable', message: `record ${r.record_id}: stored JSON cannot be read (${(err as Error).message})` });
    }
  }
  return { problems, recordsChecked };
}

/** Every digest the database refers to, with where it is referred from. */
export async function digestReferences(store: Store): Promise<DigestReference[]> {
  return (await sql<DigestReference>`
    select body_sha256 as sha256, 'fetch ' || fetch_id as source, body_size as size from fetches where body_sha256 is not null
    union all select sha256, 'report version ' || version_id, size from report_versions
    union all select sha256, 'record ' || record_id, null from records
    union all select sha256, 'document', size from documents`.execute(store.db)).rows;
}
