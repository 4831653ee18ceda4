/**
 * The distributed storage as the pipeline uses it: originals in S3 (s3rver on 127.0.0.1) under a store on
 * either engine, a row written only once its object is stored, `verify` re-hashing objects; moving an
 * embedded storage into PostgreSQL + S3 (`nianbao migrate-storage`); parse jobs shared by processes
 * (`nianbao reparse` with `nianbao work --only parse`), and a dead worker's job handed out again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enqueueParseJobs, openStorage, PARSE_QUEUE, verifyStorage, workParseJobs, type Storage } from '../../src/pipeline/index.ts';
import { dropDatabase, ENGINES, freshDatabase, freshStoreOptions, PG_SKIPPED, TEST_PG } from '../helpers/postgres.ts';
import { startS3, TEST_BUCKET, type TestS3 } from '../helpers/s3.ts';
import { renderReport, SYNTHETIC } from '../helpers/synthetic.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** The command line, asynchronously: s3rver runs in this process and must keep answering meanwhile. */
function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/nianbao.mjs', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NIANBAO_STORAGE: '', NIANBAO_DB: '', NIANBAO_BLOBS: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((res) => child.on('close', (status) => res({ status, stdout, stderr })));
}
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const report = (unit: string, year: number) => Buffer.from(renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }, unit, year));

let s3: TestS3;
let dir: string;
beforeAll(async () => { s3 = await startS3(); });
afterAll(async () => { await s3.close(); });

describe.each(ENGINES)('originals in S3 under a store on $title', ({ engine, skip }) => {
  let storage: Storage | null = null;
  let opts: { db?: string } = {};
  let blobs: string;
  beforeEach(async ({ skip: skipTest }) => {
    if (skip) return skipTest();
    dir = mkdtempSync(join(tmpdir(), 'nianbao-s3-'));
    opts = await freshStoreOptions(engine);
    blobs = s3.blobs();
  });
  afterEach(async () => {
    await storage?.close();
    storage = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (opts.db) await dropDatabase(opts.db);
    opts = {};
  });
  const prefixOf = (url: string) => new URL(url).pathname.slice(1);
  const client = () => new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

  it('keeps each original once under <prefix>/ab/cd/<sha256>, byte for byte, and nothing on the local disk', async () => {
    storage = await openStorage(dir, { ...opts, blobs });
    const body = report('某某市某某局', 2024);
    const a = await storage.recordExchange({ url: 'http://127.0.0.1/r.txt', status: 200, body });
    expect(a).toMatchObject({ sha256: sha(body), size: body.length, newBody: true });
    const b = await storage.recordExchange({ url: 'http://127.0.0.1/r2.txt', status: 200, body });
    expect(b.newBody).toBe(false); // HEAD said it was there: not sent again
    expect((await storage.originals.read(sha(body))).equals(body)).toBe(true);
    expect(await storage.originals.sizeOf(sha(body))).toBe(body.length);
    const keys: string[] = [];
    for await (const d of storage.originals.list()) keys.push(d);
    expect(keys).toEqual([sha(body)]);
    expect(storage.originals.location).toBe(`s3://${TEST_BUCKET}/${prefixOf(blobs)}`);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'originals'))).toBe(false);
    expect(() => storage!.archive).toThrow(/not in a local folder/);
    const fetches = await storage.store.exchanges.list();
    expect(fetches.map((f) => [f.body_sha256, f.body_size])).toEqual([[sha(body), body.length], [sha(body), body.length]]);
  });

  it('writes no row when its object could not be stored', async () => {
    const own = await startS3();
    storage = await openStorage(dir, { ...opts, blobs: own.blobs('gone') });
    await own.close(); // the bucket's server goes away after the storage opened
    await expect(storage.recordExchange({ url: 'http://127.0.0.1/x', status: 200, body: Buffer.from('bytes that never arrive') })).rejects.toThrow();
    await expect(storage.recordVersion({ agencyId: 'A', year: 2024, bytes: Buffer.from('a version that never arrives') })).rejects.toThrow();
    expect(await storage.store.exchanges.list()).toEqual([]);
    expect(await storage.store.reports.versions()).toEqual([]);
  });

  it('verify re-hashes every object: a changed one, a missing one and a stray key are problems', async () => {
    storage = await openStorage(dir, { ...opts, blobs });
    const good = Buffer.from('good original');
    const victim = Buffer.from('an original someone edits later');
    const lost = Buffer.from('an original that disappears');
    await storage.recordExchange({ url: 'http://127.0.0.1/a', status: 200, body: good });
    const v = await storage.recordVersion({ agencyId: 'A', year: 2024, sourceUrl: 'http://127.0.0.1/b', bytes: victim });
    const l = await storage.recordVersion({ agencyId: 'B', year: 2024, sourceUrl: 'http://127.0.0.1/c', bytes: lost });
    expect(await verifyStorage(storage)).toMatchObject({ ok: true, originalsChecked: 3 });
    const key = (d: string) => `${prefixOf(blobs)}/${d.slice(0, 2)}/${d.slice(2, 4)}/${d}`;
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: key(v.sha256), Body: 'an original someone edited later' }));
    await c.send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: key(l.sha256) }));
    await c.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefixOf(blobs)}/zz/notes.txt`, Body: 'not an original' }));
    c.destroy();
    const r = await verifyStorage(storage);
    expect(r.ok).toBe(false);
    // The lost original is named by two rows (its version and its document): missing twice. The edited one is
    // a byte longer (31 → 32): tampered, and its recorded size no longer matches.
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['original-bad-name', 'original-missing', 'original-missing', 'original-tampered', 'size-mismatch']);
    expect(r.problems.find((p) => p.kind === 'original-tampered')!.message).toContain(`original ${v.sha256}: content changed, content hashes to ${sha('an original someone edited later')}`);
    expect(r.problems.find((p) => p.kind === 'original-missing')!.message).toContain(`original ${l.sha256} is missing`);
  });
});

describe.skipIf(!TEST_PG)(`moving an embedded storage, and parse jobs shared by processes, on PostgreSQL + S3${TEST_PG ? '' : ` (${PG_SKIPPED})`}`, () => {
  const dbs: string[] = [];
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nianbao-mig-')); });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const db of dbs.splice(0)) await dropDatabase(db);
  });
  const newDb = async () => { const db = await freshDatabase(); dbs.push(db); return db; };

  /** An embedded storage with `n` report versions, parsed, and an exchange. */
  async function embedded(n: number): Promise<string> {
    const from = join(dir, 'embedded');
    const st = await openStorage(from);
    await st.store.agencies.upsert(Array.from({ length: n }, (_, i) => ({ agency_id: `A${i}`, name: `某某${i}局`, region_code: '110000', level: 'city', kind: 'department', parent_id: null, home_url: null, report_list_url: null, render: 'http' })));
    await st.recordExchange({ url: 'http://127.0.0.1/list', purpose: 'list', status: 200, body: Buffer.from('<ul></ul>') });
    for (let i = 0; i < n; i++) await st.recordVersion({ agencyId: `A${i}`, year: 2023, sourceUrl: `http://127.0.0.1/${i}.txt`, fileName: `${i}.txt`, publishedAt: '2024-01-20', bytes: report(`某某${i}局`, 2023) });
    const { reparseArchive } = await import('../../src/pipeline/index.ts');
    await reparseArchive(st, { workers: 1 });
    await st.close();
    return from;
  }

  it('migrate-storage copies every original and row, verified; the status reads the same; a second move and bad input are refused', { timeout: 120_000 }, async () => {
    const from = await embedded(3);
    const db = await newDb();
    const blobs = s3.blobs();
    const to = ['--storage', join(dir, 'local'), '--db', db, '--blobs', blobs];
    const r = await cli('migrate-storage', '--from', from, ...to);
    expect(r.status, r.stderr).toBe(0);
    // 3 report originals and the list page; rows of every table (17: agency_list_reads and discoveries included, compared table by table).
    expect(r.stdout).toMatch(/^ok: \d+ rows in 17 tables and 4 originals moved to postgres:\/\/.* and s3:\/\/nianbao-test\/.*; 4 originals re-hashed/m);
    const status = async (...args: string[]) => JSON.parse((await cli('status', '--year', '2023', '--today', '2024-04-20', '--json', ...args)).stdout);
    expect(await status('--storage', join(dir, 'local'), '--db', db, '--blobs', blobs)).toEqual(await status('--storage', from));
    expect((await cli('verify', ...to)).status).toBe(0);
    // The WARC export reads the originals from S3: the same records as from the folder.
    const warc = async (out: string, ...args: string[]) => (await cli('export-warc', '--out', join(dir, out), ...args)).stdout.replace(/^\S+: /, '').replace(/\(\d+ bytes\)/, '');
    const fromS3 = await warc('s3.warc.gz', ...to);
    expect(fromS3).toMatch(/\b1 response\b/); // the list page's exchange (the versions came without one)
    expect(fromS3).toBe(await warc('folder.warc.gz', '--storage', from));
    const again = await cli('migrate-storage', '--from', from, ...to);
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toMatch(/^nianbao: postgres:\/\/.* already holds data \(agencies: 3 rows\); migrate into an empty database$/);
    const noDb = await cli('migrate-storage', '--from', from, '--blobs', blobs);
    expect([noDb.status, noDb.stderr.trim()]).toEqual([2, 'nianbao: --db postgres://… is required: the database to move the storage into']);
    const badDb = await cli('migrate-storage', '--from', from, '--db', 'mysql://x/y', '--blobs', blobs);
    expect([badDb.status, badDb.stderr.trim()]).toEqual([2, 'nianbao: --db must be a postgres:// URL, got "mysql://x/y"']);
  });

  it('a reparse shares its parse jobs with `nianbao work --only parse`: every version parsed once, by either', { timeout: 180_000 }, async () => {
    const from = await embedded(24);
    const db = await newDb();
    const to = ['--storage', join(dir, 'local'), '--db', db, '--blobs', s3.blobs()];
    expect((await cli('migrate-storage', '--from', from, ...to)).status).toBe(0);
    const work = spawn(process.execPath, ['bin/nianbao.mjs', 'work', '--only', 'parse', ...to, '--follow', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    work.stdout.on('data', (d) => { out += d; });
    const workDone = new Promise<number | null>((res) => work.on('close', res));
    await new Promise((r) => setTimeout(r, 1500)); // it is waiting for jobs
    const re = await cli('reparse', ...to, '--workers', '1', '--json');
    work.kill('SIGTERM');
    expect(await workDone).toBe(0);
    expect(re.status, re.stderr).toBe(0);
    const r = JSON.parse(re.stdout);
    expect(r).toMatchObject({ versions: 24, parsed: 24, failed: [] });
    const helped = JSON.parse(out);
    expect(helped.parsed).toBeGreaterThan(0); // the second process took some of the run's jobs
    expect(helped.parsed).toBeLessThan(24);
    const st = await openStorage(join(dir, 'local'), { db, readonly: true });
    try {
      const perVersion = (await sql<{ n: number }>`select count(*) as n from records where run_id = ${r.run_id} group by version_id`.execute(st.store.db)).rows;
      expect(perVersion.map((x) => Number(x.n))).toEqual(Array(24).fill(1));
    } finally {
      await st.close();
    }
  });

  it('a parse job whose worker died is handed out again', { timeout: 120_000 }, async () => {
    const db = await newDb();
    const st = await openStorage(join(dir, 'local'), { db, blobs: s3.blobs() });
    try {
      const v = await st.recordVersion({ agencyId: 'A', year: 2023, sourceUrl: 'http://127.0.0.1/a.txt', fileName: 'a.txt', bytes: report('某某局', 2023) });
      const run = await st.store.runs.start('reparse');
      await enqueueParseJobs(st, run, [(await st.store.reports.version(v.versionId))!]);
      const [dead] = await st.store.work.claim(PARSE_QUEUE, 1); // a worker took it, then was killed
      expect(dead).toBeDefined();
      // Just taken: a live worker's job is left alone (nothing else to do here).
      expect(await workParseJobs(st)).toEqual({ parsed: 0, failed: 0 });
      // Not marked alive for 10 minutes (a worker marks its jobs every 20 s): its worker is gone.
      await st.store.db.updateTable('work_items').set({ updated_at: new Date(Date.now() - 600_000).toISOString() }).where('item_id', '=', dead!.itemId).execute();
      expect(await workParseJobs(st, { runId: run })).toEqual({ parsed: 1, failed: 0 });
      expect(await st.store.work.count(PARSE_QUEUE)).toEqual({ done: 1 });
      expect((await st.store.records.outcomesOfRun(run))).toEqual([{ versionId: v.versionId, sha256: v.sha256, error: null }]);
    } finally {
      await st.close();
    }
  });
});
