/**
 * Every HTTP exchange (successful or not) and the documents table: what is known of each archived original
 * (size, content type, where it was first seen). Bodies themselves live in the archive; a row names them by
 * digest and is written only after the body is stored (src/pipeline does both, in that order).
 */
import type { Selectable } from 'kysely';
import { now, Repository, type DbOrTx } from './db.ts';
import type { Database } from './schema.ts';

export type FetchRow = Selectable<Database['fetches']>;
export type DocumentRow = Selectable<Database['documents']>;

/** One exchange as the store keeps it. */
export interface FetchInput {
  runId?: number | null;
  agencyId?: string | null;
  /** robots, list, report-page, attachment, ... */
  purpose?: string | null;
  method?: string;
  url: string;
  finalUrl?: string | null;
  status?: number | null;
  requestHeaders?: Record<string, string> | null;
  responseHeaders?: Record<string, string> | null;
  redirects?: { url: string; status: number; location: string }[] | null;
  /** ISO time the request was sent; default now. */
  fetchedAt?: string;
  durationMs?: number | null;
  /** Digest and size of the body, already in the archive. */
  bodySha256?: string | null;
  bodySize?: number | null;
  error?: string | null;
  referrer?: string | null;
  ip?: string | null;
}

/** A column read as status judges it: one exchange, its outcome and the digest of the page archived. */
export type ColumnRead = Pick<FetchRow, 'fetch_id' | 'run_id' | 'agency_id' | 'purpose' | 'url' | 'final_url' | 'status' | 'fetched_at' | 'body_sha256' | 'error'>;

export interface FetchFilter { runId?: number; agencyId?: string; purpose?: string; url?: string; limit?: number }

export class Exchanges extends Repository {
  /** Records one exchange; its body (if any) must already be archived. Returns the fetch id. */
  async record(f: FetchInput): Promise<number> {
    this.assertWritable();
    const fetchedAt = f.fetchedAt ?? now();
    return this.db.transaction().execute(async (trx) => {
      if (f.bodySha256) await noteDocument(trx, f.bodySha256, f.bodySize ?? 0, contentTypeOf(f.responseHeaders), f.finalUrl ?? f.url, fetchedAt);
      const r = await trx.insertInto('fetches').values({
        run_id: f.runId ?? null, agency_id: f.agencyId ?? null, purpose: f.purpose ?? null,
        method: f.method ?? 'GET', url: f.url, final_url: f.finalUrl ?? null, status: f.status ?? null,
        request_headers: f.requestHeaders ? JSON.stringify(f.requestHeaders) : null,
        response_headers: f.responseHeaders ? JSON.stringify(f.responseHeaders) : null,
        redirects: f.redirects?.length ? JSON.stringify(f.redirects) : null,
        fetched_at: fetchedAt, duration_ms: f.durationMs ?? null, body_sha256: f.bodySha256 ?? null, body_size: f.bodySha256 ? f.bodySize ?? null : null,
        error: f.error ?? null, referrer: f.referrer ?? null, ip: f.ip ?? null,
      }).returning('fetch_id').executeTakeFirstOrThrow();
      return r.fetch_id;
    });
  }

  /** Notes an archived original that arrived without an exchange (imports, tests). */
  async noteDocument(sha256: string, size: number, contentType: string | null, url: string | null): Promise<void> {
    this.assertWritable();
    await noteDocument(this.db, sha256, size, contentType, url, now());
  }

  /** What is known of an original (first URL, content type). */
  async document(sha256: string): Promise<DocumentRow | undefined> {
    return this.db.selectFrom('documents').selectAll().where('sha256', '=', sha256).executeTakeFirst();
  }

  /** Answered exchanges (a status came back), oldest first, streamed: a national archive holds millions. */
  answered(filter: { agencyId?: string } = {}): AsyncIterableIterator<FetchRow> {
    let q = this.db.selectFrom('fetches').selectAll().where('status', 'is not', null);
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    return q.orderBy('fetch_id').stream();
  }

  /**
   * The reads of 年报 columns in these runs (purposes `list` and `home`), oldest first: what status judges an
   * agency's column by. Bodies stay in the archive; the row names them by digest.
   */
  async columnReads(runIds: readonly number[]): Promise<ColumnRead[]> {
    if (!runIds.length) return [];
    return this.db.selectFrom('fetches')
      .select(['fetch_id', 'run_id', 'agency_id', 'purpose', 'url', 'final_url', 'status', 'fetched_at', 'body_sha256', 'error'])
      .where('run_id', 'in', [...runIds]).where('purpose', 'in', ['list', 'home'])
      .orderBy('fetched_at').orderBy('fetch_id').execute();
  }

  async list(filter: FetchFilter = {}): Promise<FetchRow[]> {
    let q = this.db.selectFrom('fetches').selectAll();
    if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    if (filter.purpose !== undefined) q = q.where('purpose', '=', filter.purpose);
    if (filter.url !== undefined) q = q.where('url', '=', filter.url);
    return q.orderBy('fetch_id').limit(filter.limit ?? 1_000_000).execute();
  }
}

/** First sighting of an original wins; later ones leave the row alone. */
export async function noteDocument(db: DbOrTx, sha: string, size: number, contentType: string | null, url: string | null, at: string): Promise<void> {
  await db.insertInto('documents').values({ sha256: sha, size, content_type: contentType, first_seen_at: at, first_url: url })
    .onConflict((oc) => oc.column('sha256').doNothing()).execute();
}

function contentTypeOf(h: Record<string, string> | null | undefined): string | null {
  if (!h) return null;
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === 'content-type') return v;
  return null;
}
