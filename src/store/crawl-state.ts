/**
 * What the crawl remembers between requests and nights: per URL the validators of its last answer
 * (conditional GET), per host the politeness state (next allowed time, pauses, Crawl-delay) and the cookies
 * a browser earned. Kept in the store so a restarted process (or another worker) waits out the same gaps.
 */
import type { Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

export interface UrlState {
  url: string;
  etag: string | null;
  lastModified: string | null;
  lastSha256: string | null;
  lastStatus: number | null;
  lastFetchedAt: string | null;
}

/** A host's politeness state as kept between runs (times ISO). */
export interface HostRecord {
  host: string;
  nextAllowedAt: string | null;
  consecutiveFailures: number;
  pausedUntil: string | null;
  crawlDelayMs: number | null;
  lastStatus: number | null;
  note: string | null;
  /** Cookies to send to the host, {name: value}. */
  cookies?: Record<string, string> | null;
}

export class CrawlState extends Repository {
  async url(url: string): Promise<UrlState | null> {
    const r = await this.db.selectFrom('url_state').selectAll().where('url', '=', url).executeTakeFirst();
    return r ? { url: r.url, etag: r.etag, lastModified: r.last_modified, lastSha256: r.last_sha256, lastStatus: r.last_status, lastFetchedAt: r.last_fetched_at } : null;
  }

  /** Updates the fields given; others keep their stored value. */
  async setUrl(s: Partial<UrlState> & { url: string }): Promise<void> {
    this.assertWritable();
    const row = {
      url: s.url, etag: s.etag ?? null, last_modified: s.lastModified ?? null, last_sha256: s.lastSha256 ?? null,
      last_status: s.lastStatus ?? null, last_fetched_at: s.lastFetchedAt ?? now(),
    };
    const set: Record<string, unknown> = { last_fetched_at: row.last_fetched_at };
    if (s.etag !== undefined) set.etag = row.etag;
    if (s.lastModified !== undefined) set.last_modified = row.last_modified;
    if (s.lastSha256 !== undefined) set.last_sha256 = row.last_sha256;
    if (s.lastStatus !== undefined) set.last_status = row.last_status;
    await this.db.insertInto('url_state').values(row).onConflict((oc) => oc.column('url').doUpdateSet(set)).execute();
  }

  async host(host: string): Promise<HostRecord | null> {
    const r = await this.db.selectFrom('host_state').selectAll().where('host', '=', host).executeTakeFirst();
    return r ? hostRecordOf(r) : null;
  }

  async hosts(): Promise<HostRecord[]> {
    return (await this.db.selectFrom('host_state').selectAll().orderBy('host').execute()).map(hostRecordOf);
  }

  /** Updates the fields given; others keep their stored value. */
  async setHost(s: Partial<HostRecord> & { host: string }): Promise<void> {
    this.assertWritable();
    const row = {
      host: s.host, next_allowed_at: s.nextAllowedAt ?? null, consecutive_failures: s.consecutiveFailures ?? 0,
      paused_until: s.pausedUntil ?? null, crawl_delay_ms: s.crawlDelayMs ?? null, last_status: s.lastStatus ?? null,
      note: s.note ?? null, updated_at: now(), cookies: s.cookies ? JSON.stringify(s.cookies) : null,
    };
    const set: Record<string, unknown> = { updated_at: row.updated_at };
    if (s.nextAllowedAt !== undefined) set.next_allowed_at = row.next_allowed_at;
    if (s.consecutiveFailures !== undefined) set.consecutive_failures = row.consecutive_failures;
    if (s.pausedUntil !== undefined) set.paused_until = row.paused_until;
    if (s.crawlDelayMs !== undefined) set.crawl_delay_ms = row.crawl_delay_ms;
    if (s.lastStatus !== undefined) set.last_status = row.last_status;
    if (s.note !== undefined) set.note = row.note;
    if (s.cookies !== undefined) set.cookies = row.cookies;
    await this.db.insertInto('host_state').values(row).onConflict((oc) => oc.column('host').doUpdateSet(set)).execute();
  }
}

function hostRecordOf(r: Selectable<Database['host_state']>): HostRecord {
  return {
    host: r.host, nextAllowedAt: r.next_allowed_at, consecutiveFailures: r.consecutive_failures, pausedUntil: r.paused_until,
    crawlDelayMs: r.crawl_delay_ms, lastStatus: r.last_status, note: r.note, cookies: r.cookies ? JSON.parse(r.cookies) as Record<string, string> : null,
  };
}
