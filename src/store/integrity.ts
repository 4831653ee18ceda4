/**
 * What the database itself can say about its health: SQLite's integrity and foreign keys, every stored
 * record JSON still readable, and every digest it refers to (so the archive's side can be checked by the
 * caller). Read-only: it repairs nothing.
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

export async function databaseProblems(store: Store): Promise<{ problems: DatabaseProblem[]; recordsChecked: number }> {
  const problems: DatabaseProblem[] = [];
  const integrity = store.sqlite.pragma('integrity_check') as { integrity_check: string }[];
  for (const r of integrity) {
    if (r.integrity_check !== 'ok') problems.push({ kind: 'db-integrity', message: `database: ${r.integrity_check}` });
  }
  const fk = store.sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  for (const r of fk) problems.push({ kind: 'db-foreign-key', message: `database: ${r.table} row ${r.rowid} points at a missing ${r.parent} row` });

  // Every parsed record's stored JSON must still read back.
  let recordsChecked = 0;
  for (const r of store.sqlite.prepare('select record_id, json, json_z from records where error is null').iterate() as Iterable<{ record_id: number; json: string | null; json_z: Buffer | null }>) {
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
