import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../helpers/random.ts';
import { randomBytes } from '../helpers/badfiles.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

describe('nianbao parse on paths that are no report at all (issue 14)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nianbao-bad-input-'));
  const cases: Array<[string, () => string, RegExp]> = [
    ['an empty file', () => { const p = path.join(dir, 'empty.pdf'); writeFileSync(p, ''); return p; }, /: empty file \(0 bytes\)$/],
    ['random bytes', () => { const p = path.join(dir, 'random.docx'); writeFileSync(p, randomBytes(20_000, rng(14))); return p; }, /: not a document of any known format \(binary data: \d+ control bytes/],
    ['a directory', () => { const p = path.join(dir, 'reports'); mkdirSync(p); return p; }, /: is a directory$/],
  ];
  for (const [name, make, message] of cases) {
    it(`${name}: one clear line on stderr, exit 2`, () => {
      const file = make();
      const r = run('parse', file);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`nianbao: ${file}: `)).toBe(true);
      expect(lines[0]).toMatch(message);
    });
  }
});
