/**
 * One voice: every command's errors start `nianbao: `, exit 2 on bad input, JSON keys are snake_case, the
 * exit codes are documented in --help from the one table (src/cli/exit-codes.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_MEANING } from '../../src/cli/exit-codes.ts';
import { snakeCaseKeys } from '../../src/cli/json.ts';
import { fillStore } from '../report/store-fixture.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nianbao-voice-'));
const storage = join(root, 'storage');
beforeAll(() => fillStore(storage));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { ...process.env, NIANBAO_STORAGE: '' };
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
const CAMEL = /"[a-z]+[A-Z][A-Za-z]*"\s*:/;

describe('errors', () => {
  it('commander\'s own errors carry the same prefix and exit 2', () => {
    const r = cli('status', '--year', '2023', '--bogus');
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toBe("nianbao: unknown option '--bogus'\n");
    const m = cli('export');
    expect(m.status).toBe(EXIT.usage);
    expect(m.stderr).toMatch(/^nianbao: required option '--out <dir>' not specified\n$/);
  });

  it('export --out onto a file is one line and exit 2, not a raw EEXIST', () => {
    const r = cli('export', '--storage', storage, '--out', '/etc/passwd', '--quiet');
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toBe('nianbao: --out: /etc/passwd exists and is not a directory\n');
    const d = cli('dashboard', '--storage', storage, '--out', '/etc/passwd');
    expect(d.status).toBe(EXIT.usage);
    expect(d.stderr).toBe('nianbao: --out: /etc/passwd exists and is not a directory\n');
  });

  it('a bad --province for status is a usage error naming the option', () => {
    const r = cli('status', '--year', '2023', '--storage', storage, '--province', '火星');
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toBe('nianbao: --province: "火星" is no province code or name\n');
  });
});

describe('JSON keys are snake_case', () => {
  it('status, verify and reparse', () => {
    const st = cli('status', '--year', '2023', '--storage', storage, '--today', '2024-04-20', '--json');
    expect(st.status).toBe(0);
    expect(st.stdout).not.toMatch(CAMEL);
    expect(JSON.parse(st.stdout).rows[0]).toHaveProperty('last_read_sha256');
    const v = cli('verify', '--storage', storage, '--json', '--quiet');
    expect(v.stdout).not.toMatch(CAMEL);
    expect(JSON.parse(v.stdout)).toMatchObject({ originals_checked: 8, problems: [], ok: true });
    const r = cli('reparse', '--storage', storage, '--json', '--workers', '1', '--quiet');
    expect(r.stdout).not.toMatch(CAMEL);
    expect(JSON.parse(r.stdout)).toMatchObject({ versions: 6, parser_version: expect.any(String), run_id: expect.any(Number) });
  }, 120_000);

  it('the helper converts keys, not data', () => {
    expect(snakeCaseKeys({ runId: 1, agencies: [{ agencyId: 'dOntime', reportsFound: 2 }], groups: { 'region:110000': { onTime: 1 } } }))
      .toEqual({ run_id: 1, agencies: [{ agency_id: 'dOntime', reports_found: 2 }], groups: { 'region:110000': { on_time: 1 } } });
  });
});

describe('exit codes in --help', () => {
  it('run lists every code; the program its version', () => {
    const h = cli('run', '--help').stdout;
    for (const line of ['   0  ok', '   1  unexpected error', '   2  bad input', '   3  some agencies could not be read', '   4  no agency could be read', '  75  the storage is locked']) {
      expect(h).toContain(line);
    }
    expect(cli('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('docs/operations.md describes the same codes with the same words', () => {
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const code of Object.values(EXIT)) expect(doc).toContain(`| ${code} | ${EXIT_MEANING[code]} |`);
  });
});
