/**
 * One writer per storage directory: a lock file created with O_EXCL holding the owner's pid, host and
 * start time. A second writer waits up to `waitMs` and then refuses with one clear line. A lock left by a
 * process that died (same host, pid gone) is taken over. SQLite's own locking (busy timeout) stays
 * underneath as a second guard, so even a misbehaving writer cannot corrupt the database.
 */
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'writer.lock';

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export class StoreLockedError extends Error {
  constructor(readonly storageDir: string, readonly owner: LockOwner | null) {
    super(
      `storage ${storageDir} is being written by another nianbao process` +
        (owner ? ` (pid ${owner.pid} on ${owner.host}, since ${owner.since}: ${owner.command})` : '') +
        `; wait for it to finish, or use another --storage` +
        ` (if no such process is running, remove ${storageDir}/${LOCK_FILE})`,
    );
    this.name = 'StoreLockedError';
  }
}

export interface WriterLock {
  release(): void;
}

function readOwner(path: string): LockOwner | null {
  try { return JSON.parse(readFileSync(path, 'utf8')) as LockOwner; } catch { return null; }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Takes the writer lock of a storage directory, waiting up to `waitMs` for a live owner to finish. */
export async function acquireWriterLock(storageDir: string, waitMs: number, command: string): Promise<WriterLock> {
  const path = join(storageDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try { writeSync(fd, JSON.stringify(me)); } finally { closeSync(fd); }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(path);
    // An empty or unreadable lock is a writer caught between create and write: give it a moment.
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      // Stale: move it aside under a unique name so two takers cannot both delete a fresh lock.
      const aside = `${path}.stale-${process.pid}-${Date.now()}`;
      try { renameSync(path, aside); unlinkSync(aside); } catch { /* another taker moved it first */ }
      continue;
    }
    if (Date.now() >= deadline) throw new StoreLockedError(storageDir, owner);
    await sleep(Math.min(200, Math.max(10, deadline - Date.now())));
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const owner = readOwner(path);
    if (owner && owner.pid === me.pid && owner.since === me.since) { try { unlinkSync(path); } catch { /* */ } }
  };
  process.on('exit', release);
  return { release };
}
