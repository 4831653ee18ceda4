/**
 * Re-reads the whole archive with the current extractor and parser, without any network: every report
 * version's original is extracted and parsed again and saved with the parser version; records of an older
 * parse are superseded, not deleted. A version whose original cannot be parsed gets an error record, so a
 * failure is visible, not silent.
 */
import { extractOriginal, type ExtractedDocument, type OriginalHints } from '../extract/index.ts';
import { parseDocument, PARSER_VERSION, type ReportRecord } from '../parse/index.ts';
import { availableParallelism } from 'node:os';
import type { VersionRow } from '../store/index.ts';
import { ParsePool } from './parse-pool.ts';
import type { Storage } from './storage.ts';

export interface ReparseOptions {
  agencyId?: string;
  year?: number;
  /** Skip versions whose current record already comes from this parser version. */
  onlyStale?: boolean;
  limit?: number;
  /** Allow OCR for scanned originals (slow); default true. */
  ocr?: boolean;
  /** Once the versions to parse are known, before the first is read (a first progress line). */
  onStart?: (total: number) => void;
  onProgress?: (p: { done: number; total: number; failed: number; version: VersionRow }) => void;
  /** Injection points for tests and benchmarks; default the real extractor and shared parser. */
  extract?: (bytes: Buffer, hints: OriginalHints) => Promise<ExtractedDocument>;
  parse?: (doc: ExtractedDocument, hints: { fileName?: string }) => ReportRecord;
  parserVersion?: string;
  /**
   * Worker threads that extract and parse in parallel; default: CPU count (max 4). 0 parses in this thread,
   * without the per-document time limit and memory cap that only a worker can enforce.
   */
  workers?: number;
  /** Longest one original may take in a worker before it is recorded as failed (default 5 minutes). */
  timeoutMs?: number;
}

export interface ReparseResult {
  runId: number;
  parserVersion: string;
  versions: number;
  parsed: number;
  failed: { versionId: number; sha256: string; error: string }[];
  skipped: number;
  /** Original missing from the archive (verify reports these too). */
  missing: number;
  elapsedMs: number;
}

/** Re-parses archived report versions; the storage must be open for writing. */
export async function reparseArchive(storage: Storage, opts: ReparseOptions = {}): Promise<ReparseResult> {
  const { store, archive } = storage;
  const started = Date.now();
  const parserVersion = opts.parserVersion ?? PARSER_VERSION;
  const extract = opts.extract ?? ((b: Buffer, h: OriginalHints) => extractOriginal(b, h, { ocr: opts.ocr ?? true }));
  const parse = opts.parse ?? parseDocument;

  let versions = await store.reports.versions({ agencyId: opts.agencyId, year: opts.year });
  let skipped = 0;
  if (opts.onlyStale) {
    const current = await store.records.parsedBy(parserVersion);
    const before = versions.length;
    versions = versions.filter((v) => !current.has(v.version_id));
    skipped = before - versions.length;
  }
  if (opts.limit !== undefined) versions = versions.slice(0, opts.limit);

  opts.onStart?.(versions.length);
  const runId = await store.runs.start('reparse', { agencyId: opts.agencyId, year: opts.year, onlyStale: !!opts.onlyStale }, parserVersion);
  const failed: ReparseResult['failed'] = [];
  let parsed = 0;
  let missing = 0;
  let done = 0;
  // Injected functions (tests, benchmarks) cannot cross into a worker: they run in this thread.
  const nWorkers = opts.extract || opts.parse ? 0 : Math.min(opts.workers ?? Math.min(availableParallelism(), 4), versions.length);
  const pool = nWorkers >= 1 ? new ParsePool(nWorkers, { ocr: opts.ocr ?? true, timeoutMs: opts.timeoutMs ?? 5 * 60_000 }) : null;
  const readOne = async (v: VersionRow, bytes: Buffer): Promise<ReportRecord> => {
    const hints: OriginalHints = {};
    if (v.file_name) hints.fileName = v.file_name;
    if (v.content_type) hints.contentType = v.content_type;
    if (v.source_url) hints.url = v.source_url;
    if (pool) return pool.parse(bytes, hints, v.file_name);
    return parse(await extract(bytes, hints), v.file_name ? { fileName: v.file_name } : {});
  };
  let stop = false; // after a failed write, no lane takes more work or saves what it has
  const one = async (v: VersionRow): Promise<void> => {
    if (!archive.has(v.sha256)) {
      missing++;
      failed.push({ versionId: v.version_id, sha256: v.sha256, error: 'original missing from the archive' });
      await store.records.save(v.version_id, { error: 'original missing from the archive', parserVersion }, { runId });
    } else {
      // Only reading the original may fail per document; a failed write (disk full) ends the run.
      let record: ReportRecord | null = null;
      let msg = '';
      try {
        record = await readOne(v, archive.read(v.sha256));
      } catch (err) {
        msg = ((err as Error)?.message ?? String(err)).split('\n')[0]!;
      }
      if (stop) return; // the run already failed (its pool closing is not this document's fault)
      if (record) {
        await store.records.save(v.version_id, record, { runId });
        parsed++;
      } else {
        failed.push({ versionId: v.version_id, sha256: v.sha256, error: msg });
        await store.records.save(v.version_id, { error: msg, parserVersion }, { runId });
      }
    }
    done++;
    opts.onProgress?.({ done, total: versions.length, failed: failed.length, version: v });
  };
  try {
    // A few originals in flight per worker keeps them busy while holding only a handful in memory.
    const inFlight = pool ? nWorkers * 2 : 1;
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      try {
        while (!stop && next < versions.length) await one(versions[next++]!);
      } catch (err) {
        stop = true;
        throw err;
      }
    }));
    await store.runs.finish(runId, 'ok', `${parsed} parsed, ${failed.length} failed, ${skipped} skipped`);
  } catch (err) {
    // When the disk is full, recording the failed run may fail too: the original error is the one to show.
    await store.runs.finish(runId, 'failed', (err as Error).message).catch(() => {});
    throw err;
  } finally {
    await pool?.close();
  }
  return { runId, parserVersion, versions: versions.length, parsed, failed, skipped, missing, elapsedMs: Date.now() - started };
}
