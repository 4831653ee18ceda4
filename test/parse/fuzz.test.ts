import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { parseText, readFixture, FIXTURES } from '../helpers/records.ts';
import { renderReport, SYNTHETIC } from '../helpers/synthetic.ts';

/** A small seeded PRNG so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['\t', '  ', '\n', '0', '8855698', '—', '/', '（七）总计', '三、', '-3-', '|', '| --- |', '1.', '其他', '总计', '行政复议', '99999999999999999999', '四、结转下年度继续办理'];

function mutate(text: string, rand: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(rand() * 12);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * t.length);
    const op = Math.floor(rand() * 6);
    if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 40));
    else if (op === 1) t = t.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + t.slice(at);
    else if (op === 2) t = t.slice(0, at) + t.slice(at, at + 200) + t.slice(at);
    else if (op === 3) {
      const lines = t.split('\n');
      const i = Math.floor(rand() * lines.length);
      const j = Math.floor(rand() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      t = lines.join('\n');
    } else if (op === 4) t = t.replace(/\t/g, rand() < 0.5 ? '' : '   ');
    else t = t.slice(0, at) + String(Math.floor(rand() * 1e6)) + t.slice(at);
  }
  return t;
}

describe('fuzz: mutated reports', () => {
  const corpus = [
    ...readdirSync(FIXTURES + 'seed-reports').filter((f) => f.endsWith('.txt')).map((f) => readFixture(`seed-reports/${f}`)),
    readFixture('real-reports/001_huaian_shi_2024.txt'),
    readFixture('real-reports/011_shanghai_kewei_2024_mdextract.txt'),
    renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }),
    renderReport(SYNTHETIC, { sep: 'spaces', version: '2021', splitLabels: true }),
  ];

  it('3000 mutated inputs: none throws, none takes a second, every record is well formed', () => {
    const rand = rng(20261123);
    let slowest = 0;
    for (let n = 0; n < 3000; n++) {
      const input = mutate(corpus[n % corpus.length]!, rand);
      const started = performance.now();
      const r = parseText(input, n % 7 === 0 ? 'markdown' : 'text');
      const took = performance.now() - started;
      slowest = Math.max(slowest, took);
      expect(took, `input #${n} took ${took} ms`).toBeLessThan(1000);
      for (const t of Object.values(r.tables)) {
        if (!t.found) continue;
        for (const row of Object.values(t.rows)) {
          for (const c of Object.values(row)) {
            expect(c.value === null || Number.isFinite(c.value)).toBe(true);
            if (c.value !== null && !c.inferred) expect(c.text).not.toBeNull();
          }
        }
      }
      for (const c of r.checks) expect(c.pass).toBe(c.soft ? c.left <= c.right : c.left === c.right);
    }
    console.log(`fuzz: slowest parse ${slowest.toFixed(1)} ms`);
  }, 300_000);
});
