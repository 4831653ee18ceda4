/**
 * Checks a storage: every original re-hashed against its name (files in the folder, or objects in S3), the
 * database's own health (SQLite or PostgreSQL), and every digest the database mentions present among the
 * originals with the size it recorded. Read-only: it repairs nothing, it says what is wrong.
 */
import { databaseProblems, digestReferences, type DatabaseProblem } from '../store/index.ts';
import type { Storage } from './storage.ts';

export interface StorageProblem {
  kind: DatabaseProblem['kind'] | 'original-tampered' | 'original-unreadable' | 'original-bad-name' | 'original-missing' | 'size-mismatch';
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

export async function verifyStorage(storage: Storage, onProgress?: (done: number) => void): Promise<VerifyResult> {
  const { store, originals } = storage;
  const db = await databaseProblems(store);
  const problems: StorageProblem[] = db.problems.filter((p) => p.kind !== 'record-unreadable');

  const archived = await originals.verifyAll(onProgress);
  for (const p of archived.problems) {
    const kind = p.problem === 'digest-mismatch' ? 'original-tampered' : p.problem === 'unreadable' ? 'original-unreadable' : 'original-bad-name';
    problems.push({ kind, message: `original ${p.sha256}: ${p.problem === 'digest-mismatch' ? 'content changed, ' : ''}${p.detail} (${p.path})` });
  }

  const refs = await digestReferences(store);
  const seen = new Map<string, boolean>();
  for (const r of refs) {
    let present = seen.get(r.sha256);
    if (present === undefined) {
      present = await originals.has(r.sha256, { fresh: true });
      seen.set(r.sha256, present);
      if (present) {
        const actual = await originals.sizeOf(r.sha256, { fresh: true });
        if (r.size !== null && actual !== null && actual !== r.size) {
          problems.push({ kind: 'size-mismatch', message: `original ${r.sha256}: ${actual} bytes on disk, ${r.size} recorded (${r.source})` });
        }
      }
    }
    if (!present) problems.push({ kind: 'original-missing', message: `original ${r.sha256} is missing from the archive (${r.source})` });
  }
  problems.push(...db.problems.filter((p) => p.kind === 'record-unreadable'));

  return {
    originalsChecked: archived.checked, referencesChecked: refs.length, recordsChecked: db.recordsChecked, problems,
    leftoverTempFiles: await originals.leftovers(), ok: problems.length === 0,
  };
}
