// Fuzzing of extract + parse at volume: mutated fixture originals through the real extractor and shared
// parser in the reparse worker pool. Prints inputs/s, outcomes, the most common errors and the slowest
// input. `tsx bench/fuzz.ts [count] [seed]` (default 10,000 inputs, seed 1).
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { makeFixtures } from '../test/fixtures/make-fixtures.ts';
import { runFuzz, summary } from '../test/helpers/extract-fuzz.ts';

const count = Number(process.argv[2] ?? 10_000);
const seed = Number(process.argv[3] ?? 1);
const fx = await makeFixtures();
const seeds = await Promise.all([fx.pdf, fx.docx, fx.html, fx.portalGbk, fx.xlsx, fx.ofd].map(async (p) => ({ name: basename(p), bytes: await readFile(p) })));
const workers = Math.min(availableParallelism(), 4);
const r = await runFuzz(seeds, {
  count, seed, workers, timeoutMs: 30_000,
  onProgress: (n) => { if (process.stderr.isTTY && n % 100 === 0) process.stderr.write(`\r  ${n}/${count}`); },
});
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(`fuzz (seed ${seed}, ${workers} workers, 30 s per input):`);
console.log(summary(r));
process.exitCode = r.outcomes.crash + r.outcomes.hang ? 1 : 0;
