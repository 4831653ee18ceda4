/**
 * Originals in an S3 bucket (`--blobs s3://bucket/prefix?endpoint=…&region=…`), for processes on several
 * machines sharing one archive. Keys mirror the folder layout: `<prefix>/ab/cd/<sha256>`. An object is
 * stored whole or not at all (a PUT is atomic), after a HEAD says it is not there yet; the PUT carries the
 * SHA-256 so the server refuses bytes damaged on the way. Credentials come from the usual AWS variables
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...), the region from `?region=` or AWS_REGION.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { isSha256, sha256Hex, type PutResult, type VerifyProblem } from './index.ts';
import type { Originals } from './originals.ts';

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket's root). */
  prefix: string;
  /** An S3-compatible server's URL (MinIO, Ceph, s3rver); path-style addressing is used with it. */
  endpoint: string | null;
  region: string;
}

/** Reads `s3://bucket/prefix?endpoint=URL&region=R`; throws with one line on anything else. */
export function parseS3Location(url: string): S3Location {
  let u: URL;
  try { u = new URL(url); } catch { throw new Error(`--blobs must be an s3://bucket/prefix URL, got "${url}"`); }
  if (u.protocol !== 's3:' || !u.hostname) throw new Error(`--blobs must be an s3://bucket/prefix URL, got "${url}"`);
  const endpoint = u.searchParams.get('endpoint');
  if (endpoint !== null && !/^https?:\/\/[^/]/.test(endpoint)) throw new Error(`--blobs: endpoint must be an http(s):// URL, got "${endpoint}"`);
  return {
    bucket: u.hostname, prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, ''), endpoint,
    region: u.searchParams.get('region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  };
}

type Sdk = typeof import('@aws-sdk/client-s3');

export class S3Originals implements Originals {
  readonly location: string;
  /**
   * Sizes of the objects this process stored or saw: an original is never changed or removed by nianbao,
   * so the next HEAD for the same digest (a page seen again, its version recorded after its exchange) can
   * be answered here. `fresh` lookups (verify) always ask the server.
   */
  private readonly seen = new Map<string, number>();

  private constructor(private readonly sdk: Sdk, private readonly client: S3Client, private readonly where: S3Location) {
    this.location = `s3://${where.bucket}${where.prefix ? `/${where.prefix}` : ''}`;
  }

  /** Connects (the SDK is loaded only now: embedded storages never need it) and checks the bucket answers. */
  static async open(url: string): Promise<S3Originals> {
    const where = parseS3Location(url);
    // The SDK warns once that its releases from 2027 need Node 22; the lockfile keeps one that runs on 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = await import('@aws-sdk/client-s3');
    const client = new sdk.S3Client({
      region: where.region,
      ...(where.endpoint ? { endpoint: where.endpoint, forcePathStyle: true } : {}),
      // The checksum we send is the SHA-256 itself; no second checksum in a trailer (not every S3 speaks it).
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const s3 = new S3Originals(sdk, client, where);
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: where.bucket }));
    } catch (err) {
      client.destroy();
      throw new Error(`cannot reach ${s3.location}${where.endpoint ? ` at ${where.endpoint}` : ''}: ${describe(err)}`);
    }
    return s3;
  }

  keyOf(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256 digest: "${sha256}"`);
    const name = `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
    return this.where.prefix ? `${this.where.prefix}/${name}` : name;
  }

  async has(sha256: string, opts: { fresh?: boolean } = {}): Promise<boolean> {
    return isSha256(sha256) && (await this.sizeOf(sha256, opts)) !== null;
  }

  async sizeOf(sha256: string, opts: { fresh?: boolean } = {}): Promise<number | null> {
    const known = opts.fresh ? undefined : this.seen.get(sha256);
    if (known !== undefined) return known;
    try {
      const r = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.where.bucket, Key: this.keyOf(sha256) }));
      if (r.ContentLength !== undefined) this.seen.set(sha256, r.ContentLength);
      return r.ContentLength ?? null;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async read(sha256: string): Promise<Buffer> {
    const chunks: Uint8Array[] = [];
    for await (const c of this.readStream(sha256)) chunks.push(c);
    return Buffer.concat(chunks);
  }

  async *readStream(sha256: string): AsyncIterable<Uint8Array> {
    const r = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.where.bucket, Key: this.keyOf(sha256) }));
    yield* r.Body as AsyncIterable<Uint8Array>;
  }

  /** HEAD, then PUT with the SHA-256 as checksum: stored once, whole, verified by the server on arrival. */
  async put(bytes: Uint8Array): Promise<PutResult> {
    const sha256 = sha256Hex(bytes);
    if (await this.has(sha256)) return { sha256, size: bytes.byteLength, isNew: false };
    await this.client.send(new this.sdk.PutObjectCommand({
      Bucket: this.where.bucket, Key: this.keyOf(sha256), Body: bytes, ContentLength: bytes.byteLength,
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
    }));
    this.seen.set(sha256, bytes.byteLength);
    return { sha256, size: bytes.byteLength, isNew: true };
  }

  /**
   * A stream is gathered first: the key is its digest, known only at the end, and an S3 object cannot be
   * renamed. The crawler's bodies are bounded by --max-bytes, so memory is too.
   */
  async putStream(chunks: AsyncIterable<Uint8Array>): Promise<PutResult> {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) parts.push(c);
    return this.put(Buffer.concat(parts));
  }

  async verifyOne(sha256: string): Promise<VerifyProblem | null> {
    const path = `${this.location}/${this.keyOf(sha256).slice(this.where.prefix ? this.where.prefix.length + 1 : 0)}`;
    try {
      const hash = createHash('sha256');
      for await (const c of this.readStream(sha256)) hash.update(c);
      const got = hash.digest('hex');
      return got === sha256 ? null : { sha256, path, problem: 'digest-mismatch', detail: `content hashes to ${got}` };
    } catch (err) {
      return { sha256, path, problem: 'unreadable', detail: describe(err) };
    }
  }

  async verifyAll(onProgress?: (done: number) => void): Promise<{ checked: number; problems: VerifyProblem[] }> {
    const problems: VerifyProblem[] = [];
    let checked = 0;
    for await (const key of this.keys()) {
      checked++;
      const name = key.slice(key.lastIndexOf('/') + 1);
      if (!isSha256(name) || this.keyOf(name) !== key) {
        problems.push({ sha256: name, path: `${this.location}/${key}`, problem: 'bad-name', detail: 'object key is not <ab>/<cd>/<sha256>' });
        continue;
      }
      const p = await this.verifyOne(name);
      if (p) problems.push(p);
      if (onProgress && checked % 1000 === 0) onProgress(checked);
    }
    return { checked, problems };
  }

  async *list(): AsyncIterable<string> {
    for await (const key of this.keys()) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      if (isSha256(name)) yield name;
    }
  }

  localPath(): null { return null; }

  async leftovers(): Promise<number> { return 0; }

  close(): void { this.client.destroy(); }

  /** Every key under the prefix, a page of 1,000 at a time. */
  private async *keys(): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const r = await this.client.send(new this.sdk.ListObjectsV2Command({
        Bucket: this.where.bucket, ...(this.where.prefix ? { Prefix: `${this.where.prefix}/` } : {}), ...(token ? { ContinuationToken: token } : {}),
      }));
      for (const o of r.Contents ?? []) if (o.Key) yield o.Key;
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  }
}

function notFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ? `HTTP ${e.$metadata.httpStatusCode} ` : '';
  return `${status}${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${String(e?.message ?? err).split('\n')[0]}`;
}
