/**
 * Fuzzing of extract (parse has its own, test/parse-fuzz.test.ts): 1,200 seeded mutations of the
 * LibreOffice-made fixtures (PDF, DOCX, HTML, GBK portal page, XLSX, OFD) through the real extractor and
 * shared parser, in the reparse worker pool with a per-document time limit. A clear thrown error is an
 * acceptable answer; a crashed worker, an out-of-memory worker or a document hitting the limit fails the
 * test with the mutation that caused it (replay it with `tsx bench/fuzz.ts`, which runs the same inputs
 * for a larger count).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFixtures } from '../fixtures/make-fixtures.ts';
import { runFuzz, summary, type Seed } from '../helpers/extract-fuzz.ts';

const COUNT = 1_200;
const SEED = 20_261_123;
let seeds: Seed[];

beforeAll(async () => {
  const fx = await makeFixtures();
  seeds = await Promise.all([fx.pdf, fx.docx, fx.html, fx.portalGbk, fx.xlsx, fx.ofd].map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
}, 240_000);

describe('fuzz: mutated originals through extract + parse', () => {
  it(`${COUNT} inputs: no crash, no hang, only clear errors`, async () => {
    const r = await runFuzz(seeds, { count: COUNT, seed: SEED, workers: 2, timeoutMs: 20_000 });
    console.log(summary(r));
    expect(r.inputs).toBe(COUNT);
    expect(r.findings).toEqual([]);
    expect(r.outcomes.crash + r.outcomes.hang).toBe(0);
    // The mutations reach past the format checks: many still parse, many are refused.
    expect(r.outcomes.parsed).toBeGreaterThan(COUNT * 0.2);
    expect(r.outcomes.error).toBeGreaterThan(COUNT * 0.1);
    for (const m of r.errors.keys()) expect(m.length, m).toBeGreaterThan(5);
  }, 240_000);
});
