/** Issue 14: the new renderings mutated at random: nothing throws, nothing hangs, every record is well formed. */
import { describe, expect, it } from 'vitest';
import { parseText, readFixture } from '../helpers/records.ts';
import { rng } from '../helpers/random.ts';
import { cellPerLine, runTogether, toMarkdown } from '../fixtures/renderings/render.ts';

const PIECES = ['\n', '\n\n', '0', '21710000218', '300153006143119', '—', '|', '| --- |', '1.', '（六）其他处理', '四、结转下年度继续办理', '第二十条第（一）项', '9'.repeat(40)];

function mutate(text: string, rand: () => number): string {
  let t = text;
  for (let e = 0, edits = 1 + Math.floor(rand() * 10); e < edits; e++) {
    const at = Math.floor(rand() * t.length);
    const op = Math.floor(rand() * 4);
    if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(rand() * 30));
    else if (op === 1) t = t.slice(0, at) + PIECES[Math.floor(rand() * PIECES.length)] + t.slice(at);
    else if (op === 2) {
      const lines = t.split('\n');
      const i = Math.floor(rand() * lines.length);
      const j = Math.floor(rand() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      t = lines.join('\n');
    } else t = t.slice(0, at) + String(Math.floor(rand() * 1e9)) + t.slice(at);
  }
  return t;
}

describe('fuzz: mutated renderings', () => {
  const layout = ['001_huaian_shi_2024', '002_hongze_qu_2023', '003_hongze_qu_2024'].map((f) => readFixture(`real-reports/${f}.txt`));
  const corpus: Array<[string, 'text' | 'markdown']> = [
    ...layout.map((t) => [runTogether(t), 'text'] as [string, 'text']),
    ...layout.map((t) => [cellPerLine(t), 'text'] as [string, 'text']),
    ...layout.map((t) => [toMarkdown(t), 'markdown'] as [string, 'markdown']),
    [readFixture('real-reports/017_hongze_qu_2023_rawtext.txt'), 'text'],
    [runTogether(readFixture('real-reports/012_shuyang_xian_2025_ocrmd.txt')), 'text'],
  ];

  it('1500 mutated inputs: none throws, none takes a second, every record is well formed', () => {
    const rand = rng(14);
    let slowest = 0;
    for (let n = 0; n < 1500; n++) {
      const [text, method] = corpus[n % corpus.length]!;
      const started = performance.now();
      const r = parseText(mutate(text, rand), method);
      const took = performance.now() - started;
      slowest = Math.max(slowest, took);
      expect(took, `input #${n} took ${took} ms`).toBeLessThan(1000);
      for (const t of Object.values(r.tables)) for (const row of Object.values(t.rows)) for (const c of Object.values(row)) {
        expect(c.value === null || Number.isFinite(c.value)).toBe(true);
        if (c.value !== null && !c.inferred) expect(c.text).not.toBeNull();
      }
      for (const c of r.checks) expect(c.pass).toBe(c.soft ? c.left <= c.right : c.left === c.right);
    }
    console.log(`renderings fuzz: slowest parse ${slowest.toFixed(1)} ms`);
  }, 300_000);
});
