/**
 * A storage directory as the pipeline uses it: the archive of originals and the store beside it, opened
 * together. Whatever writes both keeps their order here: the bytes are archived first (atomic,
 * content-addressed), and only then does a row name them, so no row ever points at a missing original.
 */
import { Archive, type PutResult } from '../archive/index.ts';
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

export class Storage {
  private constructor(readonly dir: string, readonly store: Store, readonly archive: Archive) {}

  /** Opens (for writers: creates) the storage directory: its store, then its archive. */
  static async open(dir: string, opts: OpenStoreOptions = {}): Promise<Storage> {
    const store = await openStore(dir, opts);
    if (store.readonly) return new Storage(store.storageDir, store, Archive.openExisting(store.storageDir));
    const archive = Archive.open(store.storageDir);
    archive.sweepTemp();
    return new Storage(store.storageDir, store, archive);
  }

  /** Records one HTTP exchange (successful or not), archiving its body first. */
  async recordExchange(x: ExchangeInput): Promise<RecordedExchange> {
    const { body, ...row } = x;
    let sha = x.bodySha256 ?? null;
    let size = x.bodySize ?? null;
    let newBody = false;
    if (body) {
      const put = await this.archive.putAsync(body);
      sha = put.sha256; size = put.size; newBody = put.isNew;
    } else if (sha && size === null) {
      size = this.archive.sizeOf(sha);
    }
    const fetchId = await this.store.exchanges.record({ ...row, bodySha256: sha, bodySize: size });
    return { fetchId, sha256: sha, size, newBody };
  }

  /** Archives bytes that arrived without an exchange (imports, tests) and notes the document. */
  async keepOriginal(bytes: Uint8Array, contentType?: string | null, url?: string | null): Promise<PutResult> {
    const put = this.archive.put(bytes);
    await this.store.exchanges.noteDocument(put.sha256, put.size, contentType ?? null, url ?? null);
    return put;
  }

  /** Records that an original of a report was seen (see Reports.recordVersion), archiving `bytes` first. */
  async recordVersion(v: VersionInput): Promise<ReportVersionResult> {
    const { bytes, ...rest } = v;
    let sha = v.sha256;
    let size: number | null = null;
    if (bytes) {
      const put = this.archive.put(bytes);
      if (sha && sha !== put.sha256) throw new StoreError(`recordReportVersion: sha256 ${sha} does not match the bytes (${put.sha256})`);
      sha = put.sha256; size = put.size;
    }
    if (!sha) throw new StoreError('recordReportVersion needs sha256 or bytes');
    if (!this.archive.has(sha)) throw new StoreError(`recordReportVersion: original ${sha} is not in the archive`);
    return this.store.reports.recordVersion({ ...rest, sha256: sha, size: size ?? this.archive.sizeOf(sha) });
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** Opens a storage directory; see Storage.open. */
export const openStorage = (dir: string, opts: OpenStoreOptions = {}): Promise<Storage> => Storage.open(dir, opts);
