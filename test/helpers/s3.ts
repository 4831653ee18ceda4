/**
 * An S3-speaking server for the tests: s3rver (npm, a devDependency) on 127.0.0.1, started by the test that
 * needs it, with a bucket and the credentials s3rver accepts set in the AWS variables the store reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  /** `--blobs` URL of a fresh prefix in the test bucket. */
  blobs(prefix?: string): string;
  endpoint: string;
  close(): Promise<void>;
}

export const TEST_BUCKET = 'nianbao-test';

export async function startS3(): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'nianbao-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: TEST_BUCKET }] });
  const { port } = await server.run();
  // s3rver's own key pair; child processes inherit it.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
  const endpoint = `http://127.0.0.1:${port}`;
  let n = 0;
  return {
    endpoint,
    blobs: (prefix = `run-${process.pid}-${++n}`) => `s3://${TEST_BUCKET}/${prefix}?endpoint=${encodeURIComponent(endpoint)}`,
    close: async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}
