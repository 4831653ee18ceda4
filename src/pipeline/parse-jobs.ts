/**
 * Parse jobs: extracting and parsing originals (OCR included where an original has no text layer) as items
 * of the store's work table, so any process sharing the store can take them: the crawl workers when their
 * walk is done, `nianbao work --only parse` on a machine that never fetches, `nianbao reparse`. A job names
 * a report version and the run it belongs to (`<runId>/<versionId>`); its record is saved with that run.
 * A job's worker marks it alive every HEARTBEAT_MS; one not marked for STALE_AFTER_MS was left by a process
 * that died, and is handed out again.
 */
import { PARSER_VERSION, type ReportRecord } from '../parse/index.ts';
import type { OriginalHints } from '../extract/index.ts';
import type { NewWorkItem, VersionRow } from '../store/index.ts';
import { ParsePool } from './parse-pool.ts';
import type { Storage } from './storage.ts';

export const PARSE_QUEUE = 'parse';

/** Longest one original may take in a worker before it is recorded as failed (as `nianbao reparse`). */
export const PARSE_TIMEOUT_MS = 5 * 60_000;

const HEARTBEAT_MS = 20_000;
/** A running job not marked alive for this long was left by a process that died. */
const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

export interface ParseJob {
  runId: number;
  versionId: number;
  sha256: string;
  fileName: string | null;
  contentType: string | null;
  url: string | null;
}

export const parseJobKey = (runId: number, versionId: number): string => `${runId}/${versionId}`;

/** Queues a parse of each version for `runId` (idempotent: a version already queued for the run is left alone). */
export async function enqueueParseJobs(storage: Storage, runId: number, versions: Pick<VersionRow, 'version_id' | 'sha256' | 'file_name' | 'content_type' | 'source_url'>[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < versions.length; i += 500) {
    const items: NewWorkItem[] = versions.slice(i, i + 500).map((v) => ({
      key: parseJobKey(runId, v.version_id),
      payload: { runId, versionId: v.version_id, sha256: v.sha256, fileName: v.file_name, contentType: v.content_type, url: v.source_url } satisfies ParseJob,
    }));
    added += (await storage.store.work.addBatch(PARSE_QUEUE, items)).filter(Boolean).length;
  }
  return added;
}

export interface WorkOptions {
  /** Worker threads (default 1). */
  workers?: number;
  ocr?: boolean;
  /** Keep polling for new jobs after the queue runs dry (a standing worker); default: return when it is dry. */
  follow?: boolean;
  /** With `follow`, stop when this says so (a signal, the caller's own end). */
  stop?: () => boolean;
  /** Only the jobs of this run (a reparse waiting for its own). */
  runId?: number;
  onJob?: (j: { job: ParseJob; error: string | null }) => void;
}

export interface WorkResult { parsed: number; failed: number }

/** Takes parse jobs until the queue is dry (or, following, until stopped); records are saved as they come. */
export async function workParseJobs(storage: Storage, opts: WorkOptions = {}): Promise<WorkResult> {
  const { store, originals } = storage;
  const workers = Math.max(1, opts.workers ?? 1);
  const pool = new ParsePool(workers, { ocr: opts.ocr ?? true, timeoutMs: PARSE_TIMEOUT_MS });
  const result: WorkResult = { parsed: 0, failed: 0 };
  const one = async (itemId: number, job: ParseJob): Promise<void> => {
    let record: ReportRecord | null = null;
    let error: string | null = null;
    const alive = setInterval(() => { void store.work.touch(itemId).catch(() => undefined); }, HEARTBEAT_MS);
    try {
      if (!(await originals.has(job.sha256))) error = 'original missing from the archive';
      else {
        try {
          const hints: OriginalHints = { ...(job.fileName ? { fileName: job.fileName } : {}), ...(job.contentType ? { contentType: job.contentType } : {}), ...(job.url ? { url: job.url } : {}) };
          record = await pool.parse(await originals.read(job.sha256), hints, job.fileName);
        } catch (err) {
          error = ((err as Error)?.message ?? String(err)).split('\n')[0]!;
        }
      }
    } finally {
      clearInterval(alive);
    }
    // A failed write (the database gone) fails the job for another try and ends this worker.
    try {
      await store.records.save(job.versionId, record ?? { error: error!, parserVersion: PARSER_VERSION }, { runId: job.runId });
    } catch (err) {
      await store.work.fail(itemId, (err as Error).message, new Date().toISOString()).catch(() => undefined);
      throw err;
    }
    await store.work.complete(itemId);
    if (record) result.parsed++; else result.failed++;
    opts.onJob?.({ job, error });
  };
  try {
    const lanes = workers * 2; // a few originals in flight per worker keeps them busy
    await Promise.all(Array.from({ length: lanes }, async () => {
      for (;;) {
        if (opts.stop?.()) return;
        await store.work.requeueStale(PARSE_QUEUE, new Date(Date.now() - STALE_AFTER_MS).toISOString());
        const [item] = await store.work.claim<ParseJob>(PARSE_QUEUE, 1, opts.runId !== undefined ? { keyPrefix: `${opts.runId}/` } : {});
        if (item) { await one(item.itemId, item.payload); continue; }
        if (!opts.follow) {
          // Dry here; jobs still running elsewhere may fail and come back: wait for them when asked for one run.
          if (opts.runId === undefined) return;
          const c = await store.work.countKeys(PARSE_QUEUE, `${opts.runId}/`);
          if (!c.pending && !c.running) return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }));
  } finally {
    await pool.close();
  }
  return result;
}
