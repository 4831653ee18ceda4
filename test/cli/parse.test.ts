import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXPECTED, makeFixtures } from '../fixtures/make-fixtures.ts';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from '../helpers/records.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('nianbao parse', () => {
  it('--json prints one record per file per line, with the file and the codebook keys', () => {
    const a = `${FIXTURES}seed-reports/001_17306181f9b38851.txt`;
    const b = `${FIXTURES}seed-reports/004_296dda90f04c7ddd.txt`;
    const r = run('parse', a, b, '--json');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([a, b]);
    expect(lines[0].agency).toBe('吴忠市政务服务中心');
    expect(lines[0].tables.requests.rows.new.total).toMatchObject({ value: 1, text: '1' });
    expect(lines[1].tables.appeals.rows.review.upheld.value).toBeNull();
  });

  it('without --json shows the tables and the failing checks', () => {
    const r = run('parse', `${FIXTURES}real-reports/002_hongze_qu_2023.txt`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('洪泽区人民政府');
    expect(r.stdout).toMatch(/FAIL appeals appeals_total review\/total: 0 ≠ 11/);
  });

  it('a file that cannot be read gives one error line and a non-zero exit, after the other files', () => {
    const good = `${FIXTURES}seed-reports/002_af8fd19025225cb0.txt`;
    const r = run('parse', '/nonexistent/report.pdf', good, '--json');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual(['nianbao: /nonexistent/report.pdf: no such file']);
    expect(JSON.parse(r.stdout.trim()).file).toBe(good);
  });

  it('reads originals by their content, not their names: a PDF called .txt, a DOCX with no extension, an OFD', async () => {
    const fx = await makeFixtures();
    const dir = mkdtempSync(path.join(tmpdir(), 'nianbao-cli-'));
    const files = [['pdf', 'report.txt'], ['docx', 'report'], ['ofd', 'report.ofd']] as const;
    for (const [key, name] of files) copyFileSync(fx[key], path.join(dir, name));
    const r = run('parse', '--json', ...files.map(([, name]) => path.join(dir, name)));
    expect(r.status, r.stderr).toBe(0);
    const records = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    for (const rec of records) {
      expect([rec.agency, rec.year]).toEqual([EXPECTED.agency, EXPECTED.year]);
      expect(rec.tables.requests.rows.total.total.value).toBe(EXPECTED.requests.total![6]);
    }
  }, 240_000);

  it('an unknown option is refused with a non-zero exit', () => {
    const r = run('parse', '--bogus');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown option/);
  });
});
