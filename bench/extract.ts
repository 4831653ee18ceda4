/**
 * Extraction speed and memory, by hand: `npm run bench -- extract` (or `npx tsx bench/extract.ts [rounds]`).
 * 1. PDF extract+parse beside `pdftotext -layout` on the same files, one after the other in one process
 *    (the ratio says what the grid rebuilding and parsing cost over poppler's own text);
 * 2. reparse of ~113 originals (the real PDFs, the fixture PDF, text and markdown reports) through the
 *    worker pool, two workers, with the process's peak RSS (workers are threads, so it counts them);
 * 3. OCR seconds per page on the image-only fixture.
 */
import { REAL_REPORTS } from '../test/helpers/fixtures.ts';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { extractOriginal, ocrPdf } from '../src/extract/index.ts';
import { parseDocument } from '../src/parse/index.ts';
import { ParsePool } from '../src/pipeline/index.ts';
import { makeFixtures } from '../test/fixtures/make-fixtures.ts';

const run = promisify(execFile);
const rounds = Number(process.argv[2] ?? 5);
const fx = await makeFixtures();
const files = [
  REAL_REPORTS + '/001_huaian_shi_2024.pdf',
  REAL_REPORTS + '/002_hongze_qu_2023.pdf',
  REAL_REPORTS + '/003_hongze_qu_2024.pdf',
  fx.pdf,
];
const bytes = await Promise.all(files.map((f) => readFile(f)));
for (const b of bytes) parseDocument(await extractOriginal(b, {}, { ocr: false })); // warm-up: imports, JIT

// Side by side: each round runs ours then poppler on every file, so load on the machine hits both alike.
const ours = files.map(() => 0);
const poppler = files.map(() => 0);
for (let r = 0; r < rounds; r++) {
  for (const [i, f] of files.entries()) {
    let t = performance.now();
    parseDocument(await extractOriginal(bytes[i]!, {}, { ocr: false }));
    ours[i]! += performance.now() - t;
    t = performance.now();
    await run('pdftotext', ['-layout', '-enc', 'UTF-8', f, '-'], { maxBuffer: 64 << 20 });
    poppler[i]! += performance.now() - t;
  }
}
for (const [i, f] of files.entries()) {
  console.log(`${f.split('/').pop()!.padEnd(28)} extract+parse ${(ours[i]! / rounds).toFixed(1).padStart(6)} ms   pdftotext -layout ${(poppler[i]! / rounds).toFixed(1).padStart(6)} ms   ${(ours[i]! / poppler[i]!).toFixed(2)}x`);
}
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const n = rounds * files.length;
console.log(`PDF extract+parse: ${n} reports in ${(sum(ours) / 1000).toFixed(2)} s = ${(n / (sum(ours) / 1000)).toFixed(2)} reports/s`);
console.log(`pdftotext -layout:  ${n} reports in ${(sum(poppler) / 1000).toFixed(2)} s = ${(n / (sum(poppler) / 1000)).toFixed(2)} reports/s`);
console.log(`ratio (ours / pdftotext): ${(sum(ours) / sum(poppler)).toFixed(2)}x the time (one process, one file at a time)`);

// Reparse: ~113 originals through the pool the archive's reparse uses, peak RSS sampled.
const texts = ['001_huaian_shi_2024.txt', '002_hongze_qu_2023.txt', '003_hongze_qu_2024.txt', '011_shanghai_kewei_2024_mdextract.txt',
  '012_shuyang_xian_2025_ocrmd.txt', '014_shanghai_bgt_2025_mdextract.txt', '016_huaian_shi_2024_rawtext.txt'];
const originals = [...bytes, ...(await Promise.all(texts.map((f) => readFile(`${REAL_REPORTS}/${f}`))))];
const batch = Array.from({ length: 113 }, (_, i) => originals[i % originals.length]!);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
const pool = new ParsePool(2, { ocr: false, timeoutMs: 120_000 });
let t = performance.now();
const results = await Promise.allSettled(batch.map((b, i) => pool.parse(b, {}, `r${i}`)));
const reparseMs = performance.now() - t;
await pool.close();
clearInterval(sampler);
const failed = results.filter((r) => r.status === 'rejected').length;
console.log(`reparse: ${batch.length} originals (${bytes.length} PDFs and ${texts.length} text reports, cycled), 2 workers, ${(reparseMs / 1000).toFixed(1)} s, ${failed} failed, peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);

const scan = await readFile(fx.scanPdf);
t = performance.now();
const doc = await ocrPdf(scan);
const ocrSec = (performance.now() - t) / 1000;
const pages = new Set(doc.blocks.map((b) => b.page)).size;
console.log(`OCR (pdftoppm 300 dpi + tesseract chi_sim+eng): ${pages} pages in ${ocrSec.toFixed(1)} s = ${(ocrSec / pages).toFixed(1)} s/page`);
