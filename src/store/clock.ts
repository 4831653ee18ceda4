/**
 * The database's clock, as the ISO-8601 UTC text every time column holds ("2025-01-02T03:04:05.678Z").
 * Host leases and politeness gaps shared by several processes are judged by this one clock, never by the
 * workers' own: two machines' clocks drift, the server's is the same for everyone.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Engine } from './db.ts';

/** The database's current time plus `ms` milliseconds (0: now), as ISO text. */
export function dbTime(engine: Engine, ms = 0): RawBuilder<string> {
  if (engine === 'postgres') {
    // clock_timestamp(), not now(): now() is frozen at the start of the transaction.
    const t = ms ? sql`clock_timestamp() + ${`${Math.round(ms)} milliseconds`}::interval` : sql`clock_timestamp()`;
    return sql<string>`to_char((${t}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }
  return ms ? sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(3)} seconds`})`
    : sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
}
