import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARSER_VERSION } from '../../src/parse/index.ts';
import { openStorage, reparseArchive } from '../../src/pipeline/index.ts';
import { renderReport, SYNTHETIC } from '../helpers/synthetic.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/nianbao.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NIANBAO_STORAGE: '' } });

let dir: string;
let storageDir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-reparse-'));
  storageDir = join(dir, 'storage');
  const storage = await openStorage(storageDir);
  await storage.recordVersion({ agencyName: '某某市某某局', year: 2024, sourceUrl: 'http://127.0.0.1/a.txt', fileName: 'a.txt', bytes: Buffer.from(renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }, '某某市某某局', 2024)) });
  await storage.recordVersion({ agencyName: '某某县某某局', year: 2020, sourceUrl: 'http://127.0.0.1/b.md', fileName: 'b.md', bytes: Buffer.from(renderReport(SYNTHETIC, { sep: 'markdown', version: '2019' }, '某某县某某局', 2020)) });
  await storage.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nianbao reparse', () => {
  it('parses every archived version without network and records the parser version', async () => {
    const r = cli('reparse', '--storage', storageDir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`parser ${PARSER_VERSION.replace(/\./g, '\\.')}: 2 parsed, 0 failed, 0 skipped`));
    const storage = await openStorage(storageDir, { readonly: true });
    const recs = await storage.store.records.latest();
    expect(recs.map((x) => [x.agency, x.year, x.parser_version])).toEqual([['某某市某某局', 2024, PARSER_VERSION], ['某某县某某局', 2020, PARSER_VERSION]]);
    const run = (await storage.store.runs.list())[0]!;
    expect(run).toMatchObject({ kind: 'reparse', status: 'ok', parser_version: PARSER_VERSION });
    // Both renderings carry the same hand-typed numbers: 新收 total 50 in each.
    for (const x of recs) {
      const c = (await storage.store.records.cells(x.record_id)).find((c) => c.table_key === 'requests' && c.row_key === 'new' && c.col_key === 'total');
      expect(c?.value).toBe(50);
    }
    await storage.close();
  }, 120_000);

  it('--only-stale skips what this parser already read; filters and bad input', () => {
    expect(cli('reparse', '--storage', storageDir, '--only-stale').stdout).toMatch(/0 parsed, 0 failed, 2 skipped/);
    expect(cli('reparse', '--storage', storageDir, '--year', '2020', '--json', '--workers', '1').stdout).toMatch(/"parsed":1,/);
    expect(cli('reparse', '--storage', storageDir, '--workers', 'many').stderr.trim()).toBe('nianbao: --workers must be a whole number from 1 to 64, got "many"');
    const bad = cli('reparse', '--storage', storageDir, '--year', 'last');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('nianbao: --year must be a year, got "last"');
    const none = cli('reparse', '--storage', join(dir, 'nothing-here'));
    expect(none.status).toBe(2); // a mistyped path is not silently made into a new storageDir
    expect(none.stderr.trim()).toMatch(/^nianbao: no nianbao storage at .*nothing-here/);
  }, 120_000);

  it('worker threads give the same records as one thread, and a stuck document fails alone', async () => {
    const storage = await openStorage(storageDir);
    try {
      const one = await reparseArchive(storage, { workers: 1 });
      const byOne = (await storage.store.records.latest()).map((x) => x.json);
      const two = await reparseArchive(storage, { workers: 2 });
      expect([one.parsed, two.parsed]).toEqual([2, 2]);
      const byTwo = (await storage.store.records.latest()).map((x) => x.json);
      expect(byTwo).toEqual(byOne);
      // A limit no document can meet: each times out, its worker is replaced, the run still finishes.
      const slow = await reparseArchive(storage, { workers: 2, timeoutMs: 1 });
      expect(slow.parsed).toBe(0);
      expect(slow.failed.map((f) => f.error)).toEqual(['extraction took longer than 0 s', 'extraction took longer than 0 s']);
      // And the next run with a sane limit reads them again.
      expect((await reparseArchive(storage, { workers: 2 })).parsed).toBe(2);
    } finally {
      await storage.close();
    }
  }, 120_000);
});
