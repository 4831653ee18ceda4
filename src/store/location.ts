/** Where a store lives, said without loading a database driver (`--help` and option checks stay fast). */

/** `postgres://` or `postgresql://`: a database URL this store can open. */
export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
