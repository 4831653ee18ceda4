/**
 * Checks a storage directory: every original re-hashed against its name, SQLite's integrity and foreign
 * keys, and every digest the database mentions present in the archive. Read-only: it repairs nothing,
 * it says what is wrong.
 */
import { sql } from 'kysely';
import type { Store } from './index.ts';
import { recordJson } from './json.ts';

export interface StorageProblem {
  kind: 'original-tampered' | 'original-unreadable' | 'original-bad-name' | 'original-missing' | 'db-integrity' | 'db-foreign-key' | 'size-mismatch' | 'record-unreadable';
  /** One line a person can act on. */
  message: string;
}

export interface VerifyResult {
  originalsChecked: number;
  referencesChecked: number;
  recordsChecked: number;
  problems: StorageProblem[];
  /** Temp files left by killed writers (harmless; removed by the next writer). */
  leftoverTempFiles: number;
  ok: boolean;
}

export async function verifyStorage(store: Store, onProgress?: (done: number) => void): Promise<VerifyResult> {
  const problems: StorageProblem[] = [];

  const integrity = store.sqlite.pragma('integrity_check') as { integrity_check: string }[];
  for (const r of integrity) {
    if (r.integrity_check !== 'ok') problems.push({ kind: 'db-integrity', message: `database: ${r.integrity_check}` });
  }
  const fk = store.sqlite.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  for (const r of fk) problems.push({ kind: 'db-foreign-key', message: `database: ${r.table} row ${r.rowid} points at a missing ${r.parent} row` });

  const archived = await store.archive.verifyAll(onProgress);
  for (const p of archived.problems) {
    const kind = p.problem === 'digest-mismatch' ? 'original-tampered' : p.problem === 'unreadable' ? 'original-unreadable' : 'original-bad-name';
    problems.push({ kind, message: `original ${p.sha256}: ${p.problem === 'digest-mismatch' ? 'content changed, ' : ''}${p.detail} (${p.path})` });
  }

  // Every digest the database refers to, with where it is referred from.
  const refs = await sql<{ sha256: string; source: string; size: number | null }>`
    select body_sha256 as sha256, 'fetch ' || fetch_id as source, body_size as size from fetches where body_sha256 is not null
    union all select sha256, 'report version ' || version_id, size from report_versions
    union all select sha256, 'record ' || record_id, null from records
    union all select sha256, 'document', size from documents`.execute(store.db);
  const seen = new Map<string, boolean>();
  for (const r of refs.rows) {
    let present = seen.get(r.sha256);
    if (present === undefined) {
      present = store.archive.has(r.sha256);
      seen.set(r.sha256, present);
      if (present) {
        const actual = store.archive.sizeOf(r.sha256);
        if (r.size !== null && actual !== null && actual !== r.size) {
          problems.push({ kind: 'size-mismatch', message: `original ${r.sha256}: ${actual} bytes on disk, ${r.size} recorded (${r.source})` });
        }
      }
    }
    if (!present) problems.push({ kind: 'original-missing', message: `original ${r.sha256} is missing from the archive (${r.source})` });
  }

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

  const leftoverTempFiles = store.archive.tempFiles().length;
  return { originalsChecked: archived.checked, referencesChecked: refs.rows.length, recordsChecked, problems, leftoverTempFiles, ok: problems.length === 0 };
}
