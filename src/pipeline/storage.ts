/**
 * A storage as the pipeline uses it: the originals and the store, opened together. Embedded: a directory
 * holding `nianbao.sqlite` and `originals/`. Distributed: a PostgreSQL database (`--db`) and, for
 * processes on several machines, an S3 bucket (`--blobs`); the directory then keeps only local things (the
 * nightly job's summaries). Whatever writes both keeps their order here: the bytes are stored first (whole,
 * content-addressed), and only then does a row name them, so no row ever points at a missing original.
 */
import { Archive, FolderOriginals, S3Originals, type Originals, type PutResult } from '../archive/index.ts';
import {
  openStore, StoreError, type FetchInput, type OpenStoreOptions, type ReportVersionInput, type ReportVersionResult, type Store,
} from '../store/index.ts';

/** An exchange to record, with its body as received (archived here) or the digest of one already archived. */
export interface ExchangeInput extends FetchInput {
  body?: Uint8Array | null;
}

export interface RecordedExchange {
  fetchId: number;
  sha256: string | null;
  size: number | null;
  /** True when these bytes had never been archived before. */
  newBody: boolean;
}

/** A report version to record, with its original's bytes or the digest of one already archived. */
export type VersionInput = Omit<ReportVersionInput, 'sha256' | 'size'> & { sha256?: string; bytes?: Uint8Array };

export interface StorageOptions extends OpenStoreOptions {
  /** `s3://bucket/prefix?endpoint=…`: originals in a bucket instead of `<storage>/originals`. */
  blobs?: string | null;
}

export class Storage {
  private constructor(readonly dir: string, readonly store: Store, readonly originals: Originals, private readonly folder: Archive | null) {}

  /** Opens (for writers: creates) a storage: its store, then its originals. */
  static async open(dir: string, opts: StorageOptions = {}): Promise<Storage> {
    const store = await openStore(dir, opts);
    try {
      if (opts.blobs) return new Storage(store.storageDir, store, await S3Originals.open(opts.blobs), null);
      if (store.readonly) {
        const folder = Archive.openExisting(store.storageDir);
        return new Storage(store.storageDir, store, new FolderOriginals(folder), folder);
      }
      const folder = Archive.open(store.storageDir);
      folder.sweepTemp();
      return new Storage(store.storageDir, store, new FolderOriginals(folder), folder);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** The local folder of originals (an embedded storage's `originals/`); none when they are in S3. */
  get archive(): Archive {
    if (!this.folder) throw new StoreError(`originals are in ${this.originals.location}, not in a local folder`);
    return this.folder;
  }

  /** Records one HTTP exchange (successful or not), archiving its body first. */
  async recordExchange(x: ExchangeInput): Promise<RecordedExchange> {
    const { body, ...row } = x;
    let sha = x.bodySha256 ?? null;
    let size = x.bodySize ?? null;
    let newBody = false;
    if (body) {
      const put = await this.originals.put(body);
      sha = put.sha256; size = put.size; newBody = put.isNew;
    } else if (sha && size === null) {
      size = await this.originals.sizeOf(sha);
    }
    const fetchId = await this.store.exchanges.record({ ...row, bodySha256: sha, bodySize: size });
    return { fetchId, sha256: sha, size, newBody };
  }

  /** Archives bytes that arrived without an exchange (imports, tests) and notes the document. */
  async keepOriginal(bytes: Uint8Array, contentType?: string | null, url?: string | null): Promise<PutResult> {
    const put = await this.originals.put(bytes);
    await this.store.exchanges.noteDocument(put.sha256, put.size, contentType ?? null, url ?? null);
    return put;
  }

  /** Records that an original of a report was seen (see Reports.recordVersion), archiving `bytes` first. */
  async recordVersion(v: VersionInput): Promise<ReportVersionResult> {
    const { bytes, ...rest } = v;
    let sha = v.sha256;
    let size: number | null = null;
    if (bytes) {
      const put = await this.originals.put(bytes);
      if (sha && sha !== put.sha256) throw new StoreError(`recordReportVersion: sha256 ${sha} does not match the bytes (${put.sha256})`);
      sha = put.sha256; size = put.size;
    }
    if (!sha) throw new StoreError('recordReportVersion needs sha256 or bytes');
    if (size === null) {
      size = await this.originals.sizeOf(sha);
      if (size === null) throw new StoreError(`recordReportVersion: original ${sha} is not in the archive`);
    }
    return this.store.reports.recordVersion({ ...rest, sha256: sha, size });
  }

  async close(): Promise<void> {
    if (this.originals instanceof S3Originals) this.originals.close();
    await this.store.close();
  }
}

/** Opens a storage; see Storage.open. */
export const openStorage = (dir: string, opts: StorageOptions = {}): Promise<Storage> => Storage.open(dir, opts);
