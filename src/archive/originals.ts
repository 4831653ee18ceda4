/**
 * Where originals are kept, as the pipeline sees it: one interface, two places. A local folder (`Archive`,
 * the embedded storage's `originals/`) or an S3 bucket (`S3Originals`, shared by processes on many
 * machines). Both key an original by its SHA-256 and store it whole or not at all, so a row naming a digest
 * (written only after `put` returned) never points at a partial original.
 */
import type { Archive, PutResult, VerifyProblem } from './index.ts';

export interface Originals {
  /** Where they are, for messages: a folder, or `s3://bucket/prefix`. */
  readonly location: string;
  /** With `fresh`, asks the place itself (verify), not what this process already knows it holds. */
  has(sha256: string, opts?: { fresh?: boolean }): Promise<boolean>;
  /** The original's bytes; throws if it is not there. */
  read(sha256: string): Promise<Buffer>;
  /** The original's bytes as a stream (WARC export of large attachments). */
  readStream(sha256: string): AsyncIterable<Uint8Array>;
  /** Size in bytes, or null when absent; `fresh` as for `has`. */
  sizeOf(sha256: string, opts?: { fresh?: boolean }): Promise<number | null>;
  /** Stores bytes; idempotent (the same bytes are stored once). */
  put(bytes: Uint8Array): Promise<PutResult>;
  putStream(chunks: AsyncIterable<Uint8Array>): Promise<PutResult>;
  /** Re-hashes one original; null when it is intact. */
  verifyOne(sha256: string): Promise<VerifyProblem | null>;
  /** Re-hashes every original held (names that are not digests are problems too). */
  verifyAll(onProgress?: (done: number) => void): Promise<{ checked: number; problems: VerifyProblem[] }>;
  /** Every digest held. */
  list(): AsyncIterable<string>;
  /** A file path a person or a static site can open, when the original is on this machine's disk; else null. */
  localPath(sha256: string): string | null;
  /** Partial writes left by killed writers (harmless, removed by the next writer): a folder has them, S3 not. */
  leftovers(): Promise<number>;
}

/** The local folder archive behind the interface (its own methods stay synchronous for local callers). */
export class FolderOriginals implements Originals {
  readonly location: string;
  constructor(readonly archive: Archive) {
    this.location = archive.root;
  }

  async has(sha256: string): Promise<boolean> { return this.archive.has(sha256); }
  async read(sha256: string): Promise<Buffer> { return this.archive.read(sha256); }
  readStream(sha256: string): AsyncIterable<Uint8Array> { return this.archive.readStream(sha256); }
  async sizeOf(sha256: string): Promise<number | null> { return this.archive.sizeOf(sha256); }
  /** Written and fsynced off the event loop (a crawl's other requests keep their turns meanwhile). */
  put(bytes: Uint8Array): Promise<PutResult> { return this.archive.putAsync(bytes); }
  putStream(chunks: AsyncIterable<Uint8Array>): Promise<PutResult> { return this.archive.putStream(chunks); }
  verifyOne(sha256: string): Promise<VerifyProblem | null> { return this.archive.verifyOne(sha256); }
  verifyAll(onProgress?: (done: number) => void) { return this.archive.verifyAll(onProgress); }
  async *list(): AsyncIterable<string> { yield* this.archive.list(); }
  localPath(sha256: string): string { return this.archive.pathOf(sha256); }
  async leftovers(): Promise<number> { return this.archive.tempFiles().length; }
}
