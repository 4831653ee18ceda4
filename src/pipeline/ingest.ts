/**
 * An original arrives: its HTTP exchange (unless the crawler recorded it already), its bytes archived, its
 * report version, and (by default) its parse with the shared parser, in that order, so a record never exists
 * without its original and its provenance. The crawler and `nianbao reparse` both come through here.
 */
import { extractOriginal, type OriginalHints } from '../extract/index.ts';
import { parseDocument, PARSER_VERSION, type ReportRecord } from '../parse/index.ts';
import type { ReportVersionResult } from '../store/index.ts';
import type { Storage } from './storage.ts';

/** What the crawler knows when an original arrives (structurally its `ArrivedOriginal`, plus optional HTTP facts). */
export interface ArrivingOriginal {
  bytes: Buffer;
  /** Final URL the bytes came from. */
  url: string;
  contentType: string | null;
  kind?: 'page' | 'attachment';
  agencyId: string | null;
  /** Agency name as discovered, when the agency is not in the seeds. */
  agencyName?: string | null;
  year: number | null;
  title?: string | null;
  publishedAt?: string | null;
  fileName?: string | null;
  discoveredFrom?: string | null;
  /** The URL first requested, when redirects led to `url`. */
  requestedUrl?: string;
  status?: number;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  redirects?: { url: string; status: number; location: string }[];
  fetchedAt?: string;
  durationMs?: number;
  /** Digest the crawler computed; checked against the bytes. */
  sha256?: string;
  /** Further URLs of the same original (the canonical URL when redirects or twins led elsewhere). */
  otherUrls?: string[];
  /** The exchange, when the caller already recorded it (the crawler records every exchange as it happens). */
  fetchId?: number;
}

export interface IngestOptions {
  runId?: number | null;
  /** Parse right away (default true); false leaves it to `nianbao reparse --only-stale`. */
  parse?: boolean;
  ocr?: boolean;
  /** Reads the original into a record; default in this thread. A `ParsePool` bounds time and memory. */
  parser?: OriginalParser;
}

export type OriginalParser = (bytes: Buffer, hints: OriginalHints, fileName: string | null) => Promise<ReportRecord>;

export interface IngestResult extends ReportVersionResult {
  fetchId: number;
  recordId: number | null;
  parseError: string | null;
}

export async function ingestOriginal(storage: Storage, o: ArrivingOriginal, opts: IngestOptions = {}): Promise<IngestResult> {
  const { store } = storage;
  const fetch = o.fetchId !== undefined ? { fetchId: o.fetchId, sha256: (await storage.keepOriginal(o.bytes, o.contentType, o.url)).sha256 } : await storage.recordExchange({
    runId: opts.runId ?? null, agencyId: o.agencyId, purpose: o.kind === 'page' ? 'report-page' : 'attachment',
    url: o.requestedUrl ?? o.url, finalUrl: o.url, status: o.status ?? 200,
    requestHeaders: o.requestHeaders ?? null,
    responseHeaders: o.responseHeaders ?? (o.contentType ? { 'content-type': o.contentType } : null),
    redirects: o.redirects ?? null, durationMs: o.durationMs ?? null, referrer: o.discoveredFrom ?? null,
    body: o.bytes, ...(o.fetchedAt ? { fetchedAt: o.fetchedAt } : {}),
  });
  if (o.sha256 && o.sha256 !== fetch.sha256) throw new Error(`ingest: digest ${o.sha256} does not match the bytes of ${o.url}`);
  const version = await storage.recordVersion({
    agencyId: o.agencyId, agencyName: o.agencyName ?? null, year: o.year, sourceUrl: o.url, sha256: fetch.sha256!,
    ...(o.otherUrls?.length ? { otherUrls: o.otherUrls.filter((u) => u !== o.url) } : {}),
    contentType: o.contentType, fileName: o.fileName ?? null, title: o.title ?? null, publishedAt: o.publishedAt ?? null,
    discoveredFrom: o.discoveredFrom ?? null, fetchId: fetch.fetchId, runId: opts.runId ?? null,
    ...(o.fetchedAt ? { seenAt: o.fetchedAt } : {}),
  });
  let recordId: number | null = null;
  let parseError: string | null = null;
  if ((opts.parse ?? true) && (version.newVersion || !(await store.records.latest({ versionId: version.versionId })).length)) {
    try {
      const hints: OriginalHints = { ...(o.fileName ? { fileName: o.fileName } : {}), ...(o.contentType ? { contentType: o.contentType } : {}), url: o.url };
      const record = opts.parser ? await opts.parser(o.bytes, hints, o.fileName ?? null)
        : parseDocument(await extractOriginal(o.bytes, hints, { ocr: opts.ocr ?? true }), o.fileName ? { fileName: o.fileName } : {});
      recordId = await store.records.save(version.versionId, record, { runId: opts.runId ?? null });
    } catch (err) {
      parseError = ((err as Error)?.message ?? String(err)).split('\n')[0]!;
      recordId = await store.records.save(version.versionId, { error: parseError, parserVersion: PARSER_VERSION }, { runId: opts.runId ?? null });
    }
  }
  return { ...version, fetchId: fetch.fetchId, recordId, parseError };
}
