/**
 * Storage faults with a real limit: each writer runs as a child process under RLIMIT_FSIZE (`prlimit
 * --fsize`), so the kernel refuses its writes past that size with EFBIG, as a full disk refuses them
 * with ENOSPC, at whatever point of the run the files get there. (Node ignores SIGXFSZ, so the write
 * fails instead of killing the process.) Works unprivileged, so in CI too; a tmpfs mount would need root.
 * Afterwards `nianbao verify` must find the storage clean, and a run without the limit must finish the job.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/pipeline/index.ts';
import { Archive } from '../../src/archive/index.ts';
import { makeFixtures, type Fixtures } from '../fixtures/make-fixtures.ts';
import { fixtureSeeds, startPortal, type Portal } from '../portal/server.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nianbao-faults-'));
let fx: Fixtures;

beforeAll(async () => {
  fx = await makeFixtures();
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Ran { status: number | null; signal: string | null; stdout: string; stderr: string }

/** `nianbao ARGS`, optionally with its file-size limit set by the kernel. */
function nianbao(args: string[], fsizeBytes?: number): Ran {
  const cmd = fsizeBytes === undefined ? [process.execPath, BIN, ...args] : ['prlimit', `--fsize=${fsizeBytes}`, process.execPath, BIN, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 240_000, env: { ...process.env, NIANBAO_DEBUG: '' } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A storage holding `n` distinct report originals (the HTML fixture, each with its own marker), unparsed. */
async function storageWithReports(dir: string, n: number): Promise<void> {
  const html = readFileSync(fx.html, 'utf8');
  const storage = await openStorage(dir);
  try {
    for (let i = 0; i < n; i++) {
      await storage.recordVersion({
        agencyId: null, agencyName: `测试局${i}`, year: 2023, sourceUrl: `http://faults.localhost/${i}.html`,
        bytes: Buffer.from(html.replace('</body>', `<!-- copy ${i} --></body>`)), contentType: 'text/html',
      });
    }
  } finally {
    await storage.close();
  }
}

function nianbaoAsync(args: string[], fsizeBytes: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('prlimit', [`--fsize=${fsizeBytes}`, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
}

const fileSize = (p: string) => { try { return statSync(p).size; } catch { return 0; } };

function expectVerifyClean(storageDir: string): void {
  const v = nianbao(['verify', '--storage', storageDir]);
  expect(v.stdout, v.stdout + v.stderr).toMatch(/^ok: /m);
  expect(v.stdout).not.toMatch(/temp files left/);
  expect(v.status).toBe(0);
}

describe('a write fails mid-run (RLIMIT_FSIZE)', () => {
  it('reparse: one clear line, non-zero exit, verify clean, and a run without the limit finishes', () => {
    const storageDir = join(root, 'reparse');
    return storageWithReports(storageDir, 30).then(() => {
      const db = join(storageDir, 'nianbao.sqlite');
      // Room for the run to start and save a few records, not for 30 parsed reports.
      const limit = Math.max(fileSize(db), fileSize(`${db}-wal`)) + 96 * 1024;
      // --quiet: progress lines (issue 13) would stand beside the one error line on stderr.
      const r = nianbao(['reparse', '--storage', storageDir, '--workers', '1', '--quiet'], limit);
      console.log(`reparse under a ${limit}-byte file-size limit: exit ${r.status}; stderr: ${r.stderr.trim()}`);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^nianbao: storage write failed: .*\[SQLITE_(IOERR|FULL)[A-Z_]*\]; nothing half-written was kept/);

      const ro = new BetterSqlite3(db, { readonly: true });
      const saved = (ro.prepare('select count(*) n from records where superseded_at is null and error is null').get() as { n: number }).n;
      const errors = (ro.prepare('select count(*) n from records where error is not null').get() as { n: number }).n;
      expect(errors).toBe(0); // a failed write is not a parse failure of some report
      ro.close();
      expect(saved).toBeLessThan(30); // it did fail part way
      expectVerifyClean(storageDir);

      const again = nianbao(['reparse', '--storage', storageDir, '--only-stale', '--json']);
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ failed: [], parsed: 30 - saved });
      expectVerifyClean(storageDir);
    });
  }, 300_000);

  it('archive: an original too big for the limit leaves no partial file and no record pointing at it', async () => {
    const storageDir = join(root, 'archive');
    await storageWithReports(storageDir, 1);
    // The write path a crawler uses, in a child under the limit: a 3 MB attachment, a 1 MB limit.
    const script = `
      const { openStorage, ingestOriginal } = await import(${JSON.stringify(new URL('../../src/pipeline/index.ts', import.meta.url).href)});
      const storage = await openStorage(${JSON.stringify(storageDir)});
      try {
        await ingestOriginal(storage, { bytes: Buffer.alloc(3 * 1024 * 1024, 0x41), url: 'http://faults.localhost/big.pdf', contentType: 'application/pdf', agencyId: null, year: 2023 });
        console.log('stored');
      } catch (err) { console.log('refused', err.code); process.exitCode = 1; } finally { await storage.close(); }`;
    const r = spawnSync('prlimit', ['--fsize=1048576', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout.trim()).toBe('refused EFBIG');
    expect(r.status).toBe(1);
    expect(readdirSync(join(storageDir, 'originals', '.tmp'))).toEqual([]);
    const ro = new BetterSqlite3(join(storageDir, 'nianbao.sqlite'), { readonly: true });
    expect((ro.prepare("select count(*) n from fetches where url like '%big.pdf'").get() as { n: number }).n).toBe(0);
    ro.close();
    expectVerifyClean(storageDir);
  }, 120_000);

  it('crawl: a crawl whose storage fills up says so in one line and exits non-zero; verify clean', async () => {
    const portal: Portal = await startPortal();
    try {
      const dir = join(root, 'crawl');
      writeFileSync(join(root, 'seeds.csv'), fixtureSeeds(portal.url));
      // Measured here: creating the database takes about 400 kB of WAL, a crawl of the fixture portal
      // writes about 4 MB of WAL and 1 MB of originals. 700 kB lets it start and fail part way.
      const limit = 700_000;
      // Asynchronous: the portal answers from this process, so it must not be blocked by a sync spawn.
      const r = await nianbaoAsync(['crawl', '--seeds', join(root, 'seeds.csv'), '--storage', dir, '--delay-ms', '10', '--max-pages', '4', '--no-browser'], limit);
      const faultLines = r.stderr.split('\n').filter((l) => l.startsWith('nianbao: '));
      console.log(`crawl under a ${limit}-byte file-size limit: exit ${r.status}; ${faultLines.join(' | ')}`);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      expect(faultLines).toHaveLength(1);
      expect(faultLines[0]).toMatch(/^nianbao: storage write failed: .*\[SQLITE_(IOERR|FULL)[A-Z_]*\]/);
      expectVerifyClean(dir);
    } finally {
      await portal.close();
    }
  }, 300_000);
});

describe('verify finds tampered originals', () => {
  it('a truncated original and a replaced one (other bytes, other length) are both reported', async () => {
    const storageDir = join(root, 'tamper');
    const storage = await openStorage(storageDir);
    const pdf = readFileSync(fx.pdf);
    const docx = readFileSync(fx.docx);
    const a = await storage.recordVersion({ agencyId: null, agencyName: '甲', year: 2023, sourceUrl: 'http://t.localhost/a.pdf', bytes: pdf });
    const b = await storage.recordVersion({ agencyId: null, agencyName: '乙', year: 2023, sourceUrl: 'http://t.localhost/b.docx', bytes: docx });
    await storage.close();
    expectVerifyClean(storageDir);

    const archive = Archive.openExisting(storageDir);
    chmodSync(archive.pathOf(a.sha256), 0o644);
    truncateSync(archive.pathOf(a.sha256), pdf.length - 1000); // a download cut short after the fact
    chmodSync(archive.pathOf(b.sha256), 0o644);
    writeFileSync(archive.pathOf(b.sha256), readFileSync(fx.html)); // someone swapped the file

    const r = nianbao(['verify', '--storage', storageDir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`PROBLEM original-tampered: original ${a.sha256}: content changed`);
    expect(r.stdout).toContain(`PROBLEM size-mismatch: original ${a.sha256}: ${pdf.length - 1000} bytes on disk, ${pdf.length} recorded`);
    expect(r.stdout).toContain(`PROBLEM original-tampered: original ${b.sha256}: content changed`);
    expect(r.stdout).toMatch(/^NOT OK: 2 originals re-hashed/m);
  }, 120_000);
});
