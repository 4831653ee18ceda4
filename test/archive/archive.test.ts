import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Archive } from '../../src/archive/index.ts';
import { openStorage, verifyStorage } from '../../src/pipeline/index.ts';
import { StoreLockedError } from '../../src/store/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'nianbao-archive-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs TypeScript in a child process (tsx), so it can be killed like a real crawler. */
function child(code: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function waitFor(p: ChildProcess, text: string): Promise<void> {
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => { out += d; if (out.includes(text)) ok(); });
    p.stderr!.on('data', (d) => { err += d; });
    p.on('exit', (c) => fail(new Error(`child exited (${c}) before "${text}": ${err}`)));
  });
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['bin/nianbao.mjs', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('archive of originals', () => {
  it('stores by SHA-256 under ab/cd/<sha>, once, read-only', () => {
    const a = Archive.open(dir);
    const bytes = Buffer.from('政府信息公开工作年度报告 原件');
    const r = a.put(bytes);
    expect(r).toEqual({ sha256: sha(bytes), size: bytes.length, isNew: true });
    expect(a.pathOf(r.sha256)).toBe(join(dir, 'originals', r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256));
    expect(a.has(r.sha256)).toBe(true);
    expect(a.read(r.sha256).equals(bytes)).toBe(true);
    const before = statSync(a.pathOf(r.sha256));
    expect(before.mode & 0o222).toBe(0); // no write bits: nothing rewrites an original by accident
    expect(a.put(bytes).isNew).toBe(false);
    expect(statSync(a.pathOf(r.sha256)).ino).toBe(before.ino); // not rewritten
    expect(a.has('0'.repeat(64))).toBe(false);
    expect(a.has('../../etc/passwd')).toBe(false);
    expect(() => a.pathOf('../x')).toThrow(/not a sha256/);
    expect([...a.list()]).toEqual([r.sha256]);
    expect(a.tempFiles()).toEqual([]);
  });

  it('streams large originals to the same address as put', async () => {
    const a = Archive.open(dir);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    async function* chunks() { for (let i = 0; i < big.length; i += 65536) yield big.subarray(i, i + 65536); }
    const r = await a.putStream(chunks());
    expect(r).toEqual({ sha256: sha(big), size: big.length, isNew: true });
    expect(a.put(big).isNew).toBe(false);
  });

  it('a killed writer leaves no partial original visible', async () => {
    const storageDir = join(dir, 's');
    const p = child(`
      import { Archive } from './src/archive/index.ts';
      const a = Archive.open(${JSON.stringify(storageDir)});
      async function* slow() {
        yield Buffer.alloc(1 << 20, 1);
        console.log('half');
        await new Promise((r) => setTimeout(r, 60_000));
        yield Buffer.alloc(1 << 20, 2);
      }
      await a.putStream(slow());
      console.log('done');
    `);
    await waitFor(p, 'half');
    // Let the first chunk reach the file, then kill without warning.
    await new Promise((r) => setTimeout(r, 200));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('exit', r));
    const a = Archive.open(storageDir);
    expect([...a.list()]).toEqual([]); // nothing under any digest name
    const temps = a.tempFiles();
    expect(temps).toHaveLength(1);
    expect(statSync(join(storageDir, 'originals', '.tmp', temps[0]!)).size).toBe(1 << 20); // the partial bytes stayed in .tmp
    const whole = Buffer.concat([Buffer.alloc(1 << 20, 1), Buffer.alloc(1 << 20, 2)]);
    expect(a.has(sha(whole))).toBe(false);
    expect(a.sweepTemp(0)).toBe(1);
    expect(a.tempFiles()).toEqual([]);
  }, 120_000);

  it('verify catches a tampered original and a missing one', async () => {
    const storageDir = join(dir, 's');
    const storage = await openStorage(storageDir);
    const good = Buffer.from('good original');
    const victim = Buffer.from('an original someone edits later');
    const lost = Buffer.from('an original that disappears');
    await storage.recordExchange({ url: 'http://127.0.0.1/a', status: 200, body: good });
    const v = await storage.recordVersion({ agencyId: 'A', year: 2024, sourceUrl: 'http://127.0.0.1/b', bytes: victim });
    const l = await storage.recordVersion({ agencyId: 'B', year: 2024, sourceUrl: 'http://127.0.0.1/c', bytes: lost });
    expect((await verifyStorage(storage)).ok).toBe(true);
    await storage.close();

    expect(cli('verify', '--storage', storageDir).status).toBe(0);

    const path = Archive.open(storageDir).pathOf(v.sha256);
    chmodSync(path, 0o644);
    writeFileSync(path, 'an original someone edited later');
    unlinkSync(Archive.open(storageDir).pathOf(l.sha256));

    const r = cli('verify', '--storage', storageDir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`PROBLEM original-tampered: original ${v.sha256}: content changed`);
    expect(r.stdout).toContain(`PROBLEM original-missing: original ${l.sha256} is missing from the archive (report version`);
    expect(r.stdout).not.toContain(sha(good));
    expect(r.stdout).toMatch(/^NOT OK: 2 originals re-hashed/m);
  }, 120_000);

  it('verify catches a damaged database file', async () => {
    const storageDir = join(dir, 's');
    const storage = await openStorage(storageDir);
    for (let i = 0; i < 300; i++) await storage.recordExchange({ url: `http://127.0.0.1/${i}`, status: 200, error: 'x'.repeat(200) });
    storage.store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await storage.close();
    // Overwrite a page in the middle of the file (not the header), as a bad disk would.
    const dbPath = join(storageDir, 'nianbao.sqlite');
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(dbPath, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 8 * 4096);
    closeSync(fd);
    const r = cli('verify', '--storage', storageDir);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/database|malformed/i);
  }, 120_000);
});

describe('two processes on one storage', () => {
  it('a second writer is refused with one clear line, and can wait for the first', async () => {
    const storageDir = join(dir, 's');
    const holder = child(`
      import { existsSync } from 'node:fs';
      import { openStorage } from './src/pipeline/index.ts';
      const s = await openStorage(${JSON.stringify(storageDir)}, { command: 'nianbao crawl (test holder)' });
      await s.recordExchange({ url: 'http://127.0.0.1/x', status: 200, body: Buffer.from('x') });
      console.log('ready');
      // Holds the storage until the test asks it to let go.
      const t = setInterval(async () => {
        if (!existsSync(${JSON.stringify(join(dir, 'release'))})) return;
        clearInterval(t);
        await new Promise((r) => setTimeout(r, 300));
        await s.close();
        process.exit(0);
      }, 50);
    `);
    await waitFor(holder, 'ready');
    const err = await openStorage(storageDir).catch((e) => e);
    expect(err).toBeInstanceOf(StoreLockedError);
    expect(err.message).toContain(`pid ${holder.pid}`);
    expect(err.message).toContain('nianbao crawl (test holder)');

    const r = cli('reparse', '--storage', storageDir);
    expect(r.status).toBe(75);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^nianbao: storage .* is being written by another nianbao process \(pid \d+/);

    // Readers are never blocked.
    const ro = await openStorage(storageDir, { readonly: true });
    expect(await ro.store.exchanges.list()).toHaveLength(1);
    await ro.close();

    // A writer that waits gets the storage once the first one is done.
    writeFileSync(join(dir, 'release'), '');
    const s = await openStorage(storageDir, { lockWaitMs: 20_000 });
    expect((await s.store.exchanges.list())[0]!.url).toBe('http://127.0.0.1/x');
    await s.close();
  }, 120_000);

  it('a killed writer\'s lock is taken over, and its committed data is intact', async () => {
    const storageDir = join(dir, 's');
    const holder = child(`
      import { openStorage } from './src/pipeline/index.ts';
      const s = await openStorage(${JSON.stringify(storageDir)});
      for (let i = 0; i < 50; i++) await s.recordExchange({ url: 'http://127.0.0.1/' + i, status: 200, body: Buffer.from('body ' + i) });
      console.log('ready');
      // Keep writing until killed, in transactions.
      for (let i = 50; ; i++) await s.recordExchange({ url: 'http://127.0.0.1/' + i, status: 200, body: Buffer.from('body ' + i) });
    `);
    await waitFor(holder, 'ready');
    await new Promise((r) => setTimeout(r, 300));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('exit', r));
    expect(existsSync(join(storageDir, 'writer.lock'))).toBe(true);

    const s = await openStorage(storageDir);
    const fetches = await s.store.exchanges.list();
    expect(fetches.length).toBeGreaterThanOrEqual(50);
    const v = await verifyStorage(s);
    expect(v.problems).toEqual([]);
    for (const f of fetches) expect(s.archive.read(f.body_sha256!).toString()).toBe(`body ${f.url.split('/').pop()}`);
    await s.close();
    expect(readdirSync(storageDir)).not.toContain('writer.lock');
  }, 120_000);
});
