/**
 * The archive of originals: every fetched body kept byte for byte, addressed by its SHA-256, under
 * `<storage>/originals/ab/cd/<sha256>`. A file appears under its name only once it is complete: bytes go
 * to a temp file in `<storage>/originals/.tmp/`, are fsynced, then hard-linked to the final name (link
 * fails if the name exists, so nothing is ever overwritten) and the temp name is removed. A writer killed
 * half way leaves at most a temp file, which `sweepTemp()` removes later; a reader never sees a partial
 * original.
 *
 * Digest addressing lets an object store hold the same layout (s3.ts); `Originals` (originals.ts) is what the
 * pipeline sees of either.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync, constants, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync,
  statSync, unlinkSync, writeSync, createReadStream,
} from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';


const SHA_RE = /^[0-9a-f]{64}$/;

export interface PutResult {
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
  /** False when the archive already held these bytes (nothing was written). */
  isNew: boolean;
}

export interface VerifyProblem {
  sha256: string;
  path: string;
  problem: 'digest-mismatch' | 'unreadable' | 'bad-name';
  detail: string;
}

/** sha256 of bytes, lower-case hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function isSha256(s: string): boolean {
  return SHA_RE.test(s);
}

export class Archive {
  /** `<storage>/originals` */
  readonly root: string;
  private readonly tmpDir: string;

  private constructor(readonly storageDir: string) {
    this.root = join(storageDir, 'originals');
    this.tmpDir = join(this.root, '.tmp');
  }

  /** Opens (creating if needed) the archive inside a storage directory. */
  static open(storageDir: string): Archive {
    const a = new Archive(resolve(storageDir));
    mkdirSync(a.tmpDir, { recursive: true });
    return a;
  }

  /** Opens an existing archive for reading (creates nothing). */
  static openExisting(storageDir: string): Archive {
    return new Archive(resolve(storageDir));
  }

  /** Where the original with this digest lives (whether or not it exists yet). */
  pathOf(sha256: string): string {
    if (!SHA_RE.test(sha256)) throw new Error(`not a sha256 digest: "${sha256}"`);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): boolean {
    return SHA_RE.test(sha256) && existsSync(this.pathOf(sha256));
  }

  /** The original's bytes; throws if it is not in the archive. */
  read(sha256: string): Buffer {
    return readFileSync(this.pathOf(sha256));
  }

  /** Size in bytes, or null when absent. */
  sizeOf(sha256: string): number | null {
    try { return statSync(this.pathOf(sha256)).size; } catch { return null; }
  }

  /** Stores bytes; idempotent (the same bytes give the same digest and are written once). */
  put(bytes: Uint8Array): PutResult {
    const sha256 = sha256Hex(bytes);
    if (this.has(sha256)) return { sha256, size: bytes.byteLength, isNew: false };
    const { tmp, fd } = this.openTemp();
    try {
      writeAll(fd, bytes);
      fsyncSync(fd);
    } catch (err) {
      discardTemp(fd, tmp);
      throw err;
    }
    closeSync(fd);
    const isNew = this.commit(tmp, sha256);
    return { sha256, size: bytes.byteLength, isNew };
  }

  /**
   * As `put`, with the writes and both fsyncs on the thread pool: a crawl archiving every exchange keeps its event
   * loop (its hosts' turns, its other requests) running while the disk catches up.
   */
  async putAsync(bytes: Uint8Array): Promise<PutResult> {
    const sha256 = sha256Hex(bytes);
    if (this.has(sha256)) return { sha256, size: bytes.byteLength, isNew: false };
    const tmp = this.tempName();
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } catch (err) {
      await fh.close();
      try { await unlink(tmp); } catch { /* already gone */ }
      throw err;
    }
    await fh.close();
    const final = this.pathOf(sha256);
    const dir = join(this.root, sha256.slice(0, 2), sha256.slice(2, 4));
    await mkdir(dir, { recursive: true });
    let isNew = true;
    try {
      await link(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { try { await unlink(tmp); } catch { /* */ } throw err; }
      isNew = false; // another writer stored the same bytes first
    }
    await unlink(tmp);
    if (isNew) {
      try {
        const d = await open(dir, constants.O_RDONLY);
        try { await d.sync(); } finally { await d.close(); }
      } catch { /* some file systems refuse directory fsync; the link is still atomic */ }
    }
    return { sha256, size: bytes.byteLength, isNew };
  }

  /** Stores a stream of chunks (large attachments) without holding it all in memory. */
  async putStream(chunks: AsyncIterable<Uint8Array>): Promise<PutResult> {
    const { tmp, fd } = this.openTemp();
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of chunks) {
        hash.update(chunk);
        writeAll(fd, chunk);
        size += chunk.byteLength;
      }
      fsyncSync(fd);
    } catch (err) {
      discardTemp(fd, tmp);
      throw err;
    }
    closeSync(fd);
    const sha256 = hash.digest('hex');
    const isNew = this.commit(tmp, sha256);
    return { sha256, size, isNew };
  }

  /** The original's bytes as a stream; throws (on reading) if it is not in the archive. */
  readStream(sha256: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.pathOf(sha256)) as AsyncIterable<Uint8Array>;
  }

  /** Re-hashes one original; null when it is intact. */
  async verifyOne(sha256: string): Promise<VerifyProblem | null> {
    const path = this.pathOf(sha256);
    try {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      const got = hash.digest('hex');
      return got === sha256 ? null
        : { sha256, path, problem: 'digest-mismatch', detail: `content hashes to ${got}` };
    } catch (err) {
      return { sha256, path, problem: 'unreadable', detail: (err as Error).message };
    }
  }

  /** Every digest present in the archive (walks the two-level fan-out). */
  *list(): Generator<string> {
    for (const a of safeReaddir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(a)) continue;
      for (const b of safeReaddir(join(this.root, a))) {
        if (!/^[0-9a-f]{2}$/.test(b)) continue;
        for (const name of safeReaddir(join(this.root, a, b))) yield name;
      }
    }
  }

  /** Re-hashes every original; names that are not digests or not in their fan-out folder are problems too. */
  async verifyAll(onProgress?: (done: number) => void): Promise<{ checked: number; problems: VerifyProblem[] }> {
    const problems: VerifyProblem[] = [];
    let checked = 0;
    for (const name of this.list()) {
      checked++;
      if (!SHA_RE.test(name)) {
        problems.push({ sha256: name, path: name, problem: 'bad-name', detail: 'file name is not a sha256 digest' });
        continue;
      }
      const p = await this.verifyOne(name);
      if (p) problems.push(p);
      if (onProgress && checked % 1000 === 0) onProgress(checked);
    }
    return { checked, problems };
  }

  /** Temp files left by killed writers; removes those older than `olderThanMs`. Returns how many. */
  sweepTemp(olderThanMs = 60 * 60 * 1000): number {
    let n = 0;
    const now = Date.now();
    for (const name of safeReaddir(this.tmpDir)) {
      const p = join(this.tmpDir, name);
      try {
        if (now - statSync(p).mtimeMs >= olderThanMs) { unlinkSync(p); n++; }
      } catch { /* raced with another sweeper */ }
    }
    return n;
  }

  /** Temp files present now (for verify's report). */
  tempFiles(): string[] {
    return safeReaddir(this.tmpDir);
  }

  /** A new temp file, read-only once closed, that no other writer can have opened. */
  private openTemp(): { tmp: string; fd: number } {
    const tmp = this.tempName();
    return { tmp, fd: openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o444) };
  }

  private tempName(): string {
    return join(this.tmpDir, `${process.pid}-${Date.now()}-${randomBytes(6).toString('hex')}.part`);
  }

  /** Links a complete temp file to its digest name; never replaces an existing original. */
  private commit(tmp: string, sha256: string): boolean {
    const final = this.pathOf(sha256);
    const dir = join(this.root, sha256.slice(0, 2), sha256.slice(2, 4));
    mkdirSync(dir, { recursive: true });
    let isNew = true;
    try {
      linkSync(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { try { unlinkSync(tmp); } catch { /* */ } throw err; }
      isNew = false; // another writer stored the same bytes first
    }
    unlinkSync(tmp);
    if (isNew) fsyncDir(dir);
    return isNew;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
}

/** Disk full or a size limit half way: the partial temp file goes; the error stays the caller's. */
function discardTemp(fd: number, tmp: string): void {
  closeSync(fd);
  try { unlinkSync(tmp); } catch { /* already gone */ }
}

function safeReaddir(dir: string): string[] {
  try { return readdirSync(dir); } catch { return []; }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch { /* some file systems refuse directory fsync; the link is still atomic */ }
}

export { FolderOriginals, type Originals } from './originals.ts';
export { S3Originals, parseS3Location, type S3Location } from './s3.ts';
