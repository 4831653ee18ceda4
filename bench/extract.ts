/**
 * Extraction speed, by hand: `npx tsx bench/extract.ts [rounds]`.
 * PDF extract+parse reports/second beside `pdftotext -layout` alone on the same files (the ratio says
 * what the grid rebuilding costs), then OCR seconds per page on the image-only fixture.
 */
import { REAL_REPORTS } from '../test/helpers/fixtures.ts';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { extractOriginal, ocrPdf } from '../src/extract/index.ts';
import { parseDocument } from '../src/parse/index.ts';
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
await extractOriginal(bytes[0]!); // warm-up: pdf.js import and cMap load

let t = performance.now();
for (let r = 0; r < rounds; r++) for (const b of bytes) parseDocument(await extractOriginal(b, {}, { ocr: false }));
const ours = (performance.now() - t) / 1000;

t = performance.now();
for (let r = 0; r < rounds; r++) for (const f of files) await run('pdftotext', ['-layout', '-enc', 'UTF-8', f, '-'], { maxBuffer: 64 << 20 });
const poppler = (performance.now() - t) / 1000;

const n = rounds * files.length;
console.log(`PDF extract+parse: ${n} reports in ${ours.toFixed(2)} s = ${(n / ours).toFixed(2)} reports/s`);
console.log(`pdftotext -layout:  ${n} reports in ${poppler.toFixed(2)} s = ${(n / poppler).toFixed(2)} reports/s`);
console.log(`ratio (ours / pdftotext): ${(ours / poppler).toFixed(1)}x the time`);

const scan = await readFile(fx.scanPdf);
t = performance.now();
const doc = await ocrPdf(scan);
const ocrSec = (performance.now() - t) / 1000;
const pages = new Set(doc.blocks.map((b) => b.page)).size;
console.log(`OCR (pdftoppm 300 dpi + tesseract chi_sim+eng): ${pages} pages in ${ocrSec.toFixed(1)} s = ${(ocrSec / pages).toFixed(1)} s/page`);
console.log(`peak RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
