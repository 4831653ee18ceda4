/**
 * A small pool of worker threads that extract and parse originals in parallel (re-parsing a national
 * archive is CPU-bound: PDF text layers, layout, OCR). A worker that crashes or exceeds the per-document
 * time limit is replaced, and only that document fails.
 */
import { Worker } from 'node:worker_threads';
import type { OriginalHints } from '../extract/index.ts';
import type { ReportRecord } from '../parse/record.ts';

/** The worker's entry: the built JavaScript, or, running from the sources, a bootstrap that loads the TypeScript. */
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.dev.mjs' : './parse-worker.js', import.meta.url);

/** Heap limit of one worker: room for a 1,000-page PDF's text layer, far below a bomb's appetite. */
export const WORKER_MEMORY_MB = 1536;

interface Job {
  id: number;
  bytes: Buffer;
  hints: OriginalHints;
  fileName: string | null;
  ok: (r: ReportRecord) => void;
  fail: (e: Error) => void;
}

interface Slot { worker: Worker; ready: boolean; job: Job | null; timer: NodeJS.Timeout | null }

export class ParsePool {
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private startFailures = 0;

  constructor(readonly size: number, private readonly opts: { ocr: boolean; timeoutMs: number; memoryMb?: number }) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Extracts and parses one original in a worker. */
  parse(bytes: Buffer, hints: OriginalHints, fileName: string | null): Promise<ReportRecord> {
    return new Promise((ok, fail) => {
      if (!this.slots.length) { fail(new Error('no parser worker could start')); return; }
      this.queue.push({ id: this.nextId++, bytes, hints, fileName, ok, fail });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // Pending time limits would keep the process alive for minutes after a run that ended early.
    for (const s of this.slots) { s.job?.fail(new Error('parser pool closed')); this.release(s); }
    for (const j of this.queue.splice(0)) j.fail(new Error('parser pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    // A hostile original must not take the machine's memory: the worker's heap is capped, and one that
    // runs out is replaced like a crashed one (only that document fails).
    const memoryMb = this.opts.memoryMb ?? WORKER_MEMORY_MB;
    const worker = new Worker(WORKER, {
      resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 64 },
    });
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    worker.on('message', (m: { ready?: boolean; id?: number; record?: ReportRecord; error?: string }) => {
      if (m.ready) { slot.ready = true; this.pump(); return; }
      const job = slot.job;
      if (!job || job.id !== m.id) return;
      this.release(slot);
      if (m.error !== undefined) job.fail(new Error(m.error)); else job.ok(m.record!);
      this.pump();
    });
    const replace = (why: string) => {
      const job = slot.job;
      this.release(slot);
      const i = this.slots.indexOf(slot);
      if (this.closed || i < 0) return;
      // A worker that cannot even start (too little memory, a broken install) would be respawned
      // forever while the queue waits: after a few such deaths, fail what is queued instead.
      this.startFailures = slot.ready ? 0 : this.startFailures + 1;
      if (this.startFailures >= 3) {
        this.slots.splice(i, 1);
        job?.fail(new Error(why));
        if (!this.slots.length) for (const j of this.queue.splice(0)) j.fail(new Error(`no parser worker could start: ${why}`));
        return;
      }
      this.slots[i] = this.spawn();
      job?.fail(new Error(why));
    };
    worker.on('error', (e) => replace((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? `extraction ran out of memory (worker heap limit ${memoryMb} MB)`
      : `parser worker crashed: ${e.message.split('\n')[0]}`));
    worker.on('exit', (code) => { if (!this.closed) replace(`parser worker exited (${code})`); });
    return slot;
  }

  private release(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.job || !slot.ready) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => {
        // A document that never finishes (a pathological PDF) must not stall the whole archive.
        const i = this.slots.indexOf(slot);
        const j = slot.job;
        this.release(slot);
        if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
        slot.worker.removeAllListeners('exit');
        void slot.worker.terminate();
        j?.fail(new Error(`extraction took longer than ${Math.round(this.opts.timeoutMs / 1000)} s`));
      }, this.opts.timeoutMs);
      slot.worker.postMessage({ id: job.id, bytes: job.bytes, hints: job.hints, fileName: job.fileName, ocr: this.opts.ocr });
    }
  }
}
