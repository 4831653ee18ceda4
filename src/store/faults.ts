/**
 * Storage faults (disk full, file-size limit, read-only or failing disk) as one line a person can act on.
 * Writers fail whole: originals appear under their name only when complete (archive), database changes
 * commit or roll back (SQLite journal), so after any of these the storage is as it was before the write
 * and `nianbao verify` says so.
 */

/** errno codes of a write that could not happen, with what they mean here. */
const WRITE_ERRNO: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file-size limit',
  EROFS: 'file system is read-only',
  EIO: 'input/output error on the disk',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** SQLite result codes (better-sqlite3's `code`) that mean the database file could not be written. */
const SQLITE_WRITE: Record<string, string> = {
  SQLITE_FULL: 'disk full',
  SQLITE_IOERR: 'input/output error (disk full or a file-size limit)',
  SQLITE_READONLY: 'database is read-only',
  SQLITE_CANTOPEN: 'database file cannot be opened',
};

/** A one-line description when `err` is a storage write fault, else null. */
export function describeStorageFault(err: unknown): string | null {
  const e = err as { code?: unknown; path?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const errno = WRITE_ERRNO[code];
  const sqlite = SQLITE_WRITE[code] ?? (code.startsWith('SQLITE_IOERR') ? SQLITE_WRITE.SQLITE_IOERR : code.startsWith('SQLITE_FULL') ? SQLITE_WRITE.SQLITE_FULL : undefined);
  if (!errno && !sqlite) {
    // Wrapped on the way up (a failed migration says so in its message): go by the message.
    const m = /\b(disk I\/O error|database or disk is full|EFBIG|ENOSPC|EDQUOT|EROFS)\b/.exec(String(e?.message ?? ''));
    if (!m) return e && typeof e === 'object' && 'cause' in e ? describeStorageFault((e as { cause: unknown }).cause) : null;
    return `storage write failed: ${String(e.message).split('\n')[0]}; nothing half-written was kept, \`nianbao verify\` checks the storage; free space and run again`;
  }
  const where = typeof e.path === 'string' ? ` (${e.path})` : code.startsWith('SQLITE') ? ' (database)' : '';
  return `storage write failed: ${errno ?? sqlite}${where} [${code}]; nothing half-written was kept, \`nianbao verify\` checks the storage; free space and run again`;
}
