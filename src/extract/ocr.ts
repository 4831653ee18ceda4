import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Block, ExtractedDocument } from './document.ts';
import { joinPageTables, layoutPage, singleCells, type CellBox, type PlacedText, type Segment } from './layout.ts';
import { toolError } from './office.ts';
import { checkPixels } from './imagesize.ts';

/**
 * OCR for scans and images: pages rendered by pdftoppm (grey, 300 dpi); ruling lines found as long dark
 * runs and painted out; words and their boxes from Debian's tesseract (chi_sim+eng), then the small ruled
 * cells read again as digits; then the same grid layout as born-digital PDFs. Every document from here is
 * marked ocr: true.
 */
const run = promisify(execFile);
export const OCR_DPI = 300;
const DPI = OCR_DPI;
const PT = 72 / DPI; // pixels → points, so layout tolerances mean the same as for PDFs
const A4_WIDTH_PX = Math.round((210 / 25.4) * DPI);

export interface OcrOptions {
  /** Tesseract languages; chi_sim+eng reads Chinese labels and Latin digits. */
  lang?: string;
  firstPage?: number;
  lastPage?: number;
}

interface Gray {
  width: number;
  height: number;
  data: Buffer;
}

function readPgm(buf: Buffer): Gray {
  // P5 header: magic, width, height, maxval, each separated by whitespace (comments not emitted by pdftoppm).
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not a binary PGM image');
  const width = Number(header[1]);
  const height = Number(header[2]);
  checkPixels(width, height, 'rendered page');
  return { width, height, data: buf.subarray(header[0].length, header[0].length + width * height) };
}

/** Long dark runs along rows and columns are the table's ruling lines. */
export function rulingsFromBitmap(img: Gray, minRun = 90): Segment[] {
  const { width, height, data } = img;
  // Thin rules in a JPEG scan come out grey (150-180), not black: 140 found 9 of a page's 36 rules, 180 finds 26.
  const dark = (x: number, y: number) => data[y * width + x]! < 180;
  // A rule is thin; a bold heading's strokes are as long but several times thicker (22pt bold: ~9 px at
  // 300 dpi), and counted as rules they glued a table to the heading above the next one.
  const across = (x: number, y: number, dx: number, dy: number) => {
    let n = 1;
    for (let k = 1; k <= MAX_RULE_PX && dark(x + k * dx, y + k * dy); k++) n++;
    for (let k = 1; k <= MAX_RULE_PX && dark(x - k * dx, y - k * dy); k++) n++;
    return n;
  };
  const inside = (x: number, y: number) => x > MAX_RULE_PX && y > MAX_RULE_PX && x < width - MAX_RULE_PX && y < height - MAX_RULE_PX;
  const thin = (pts: Array<[number, number]>, dx: number, dy: number) => {
    const t = pts.filter(([x, y]) => inside(x, y)).map(([x, y]) => across(x, y, dx, dy)).sort((a, b) => a - b);
    return !t.length || t[t.length >> 1]! <= MAX_RULE_PX;
  };
  const out: Segment[] = [];
  for (let y = 0; y < height; y++) {
    let start = -1;
    for (let x = 0; x <= width; x++) {
      if (x < width && dark(x, y)) {
        if (start < 0) start = x;
      } else if (start >= 0) {
        const q = (x - start) >> 2;
        if (x - start >= minRun && thin([[start + q, y], [start + 2 * q, y], [start + 3 * q, y]], 0, 1)) out.push({ x1: start * PT, x2: x * PT, y1: y * PT, y2: y * PT });
        start = -1;
      }
    }
  }
  for (let x = 0; x < width; x++) {
    let start = -1;
    for (let y = 0; y <= height; y++) {
      if (y < height && dark(x, y)) {
        if (start < 0) start = y;
      } else if (start >= 0) {
        const q = (y - start) >> 2;
        if (y - start >= minRun && thin([[x, start + q], [x, start + 2 * q], [x, start + 3 * q]], 1, 0)) out.push({ x1: x * PT, x2: x * PT, y1: start * PT, y2: y * PT });
        start = -1;
      }
    }
  }
  return out;
}

/** Thickest a ruling line may be, in pixels at 300 dpi (scanned rules are 2-5 px). */
const MAX_RULE_PX = 7;

/** Tesseract TSV word rows → placed text in points. */
export function wordsFromTsv(tsv: string): PlacedText[] {
  const words: PlacedText[] = [];
  for (const line of tsv.split('\n').slice(1)) {
    const f = line.split('\t');
    if (f.length < 12 || f[0] !== '5') continue;
    const text = f[11]!.trim();
    const conf = Number(f[10]);
    if (!text || conf < 0) continue;
    const [left, top, w, h] = [Number(f[6]), Number(f[7]), Number(f[8]), Number(f[9])];
    words.push({ text, x0: left * PT, x1: (left + w) * PT, top: top * PT, bottom: (top + h) * PT, size: Math.max(h * PT, 6) });
  }
  return words;
}

/**
 * The page with its ruling lines painted white: tesseract then sees the digits in a cell on their own
 * instead of glued to a border (on the fixture scan, 34 of table 三's cells read instead of 22).
 */
function withoutRulings(img: Gray, rulings: Segment[]): Buffer {
  const { width, height } = img;
  const data = Buffer.from(img.data);
  const px = (v: number) => Math.round(v / PT);
  for (const s of rulings) {
    for (let y = Math.max(0, px(s.y1) - 1); y <= Math.min(height - 1, px(s.y2) + 1); y++) {
      data.fill(255, y * width + Math.max(0, px(s.x1) - 1), y * width + Math.min(width, px(s.x2) + 2));
    }
  }
  return data;
}

async function tesseractWords(pgmPath: string, args: string[]): Promise<PlacedText[]> {
  const { stdout } = await run('tesseract', [pgmPath, '-', ...args, 'tsv'], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 })
    .catch((err: unknown) => { throw toolError('tesseract', err, 300_000); });
  return wordsFromTsv(stdout);
}

/**
 * A scan as the rule finder and tesseract want it, from one straightening (a page fed 0.3-0.7° askew turns
 * every ruling into a staircase the run-length finder cannot follow): the rules are found on the
 * straightened page as it is (a hairline in a JPEG is light grey, and smoothing would erase it); the text
 * is read from a copy whose JPEG speckle is smoothed and whose grey background is pushed to white.
 */
async function cleanScan(pgmPath: string): Promise<string> {
  const rulesPath = `${pgmPath}.rules.pgm`;
  await run('convert', [pgmPath, '-background', 'white', '-deskew', '40%', '+repage', '-write', rulesPath, '-median', '2', '-level', '20%,85%', pgmPath], { timeout: 120_000 })
    .catch((err: unknown) => { throw toolError('ImageMagick', err, 120_000); });
  return rulesPath;
}

async function ocrBitmap(pgmPath: string, lang: string, page: number): Promise<Block[]> {
  const rulesPath = await cleanScan(pgmPath);
  const img = readPgm(await readFile(pgmPath));
  const rulings = rulingsFromBitmap(readPgm(await readFile(rulesPath)));
  const clean: Gray = { ...img, data: withoutRulings(img, rulings) };
  await writeFile(pgmPath, pgm(clean));
  const words = await tesseractWords(pgmPath, ['-l', lang, '--psm', '11']);
  return layoutPage(await withCellNumbers(words, clean, singleCells(rulings), pgmPath), rulings, page);
}

/** Numeric cells are narrow: a label cell is wider than this (points). */
const NUMBER_CELL = { maxWidth: 110, maxHeight: 60, margin: 16 };
/** Pixels cut from each side of a cell: what is left of a thick border turns a 1 into a 7. */
const INSET = 5;
const PRINTED_NUMBER = /^(?:-?\d+(?:\.\d+)?|[-/])$/;
/** Chinese inside a cell means a label; 一 alone is what a dash or a rule's remnant reads as. */
const CJK = /[\u3400-\u4dff\u4e01-\u9fff]/;

/**
 * A page pass misses most lone digits in table cells. So every small cell is cut out and the cuts are
 * stacked into one strip, read once as digits (one line per cell); a cell's reading replaces the page
 * pass's non-Chinese words inside it.
 */
async function withCellNumbers(words: PlacedText[], img: Gray, cells: CellBox[], scratch: string): Promise<PlacedText[]> {
  const px = (v: number) => Math.round(v / PT);
  const small = cells.filter((c) => c.x1 - c.x0 <= NUMBER_CELL.maxWidth && c.bottom - c.top <= NUMBER_CELL.maxHeight)
    .map((c) => ({ box: c, x: px(c.x0) + INSET, y: px(c.top) + INSET, w: px(c.x1) - px(c.x0) - 2 * INSET, h: px(c.bottom) - px(c.top) - 2 * INSET }))
    .filter((c) => c.w > 4 && c.h > 4);
  if (!small.length) return words;
  // Each cell its own image (white margin around it), all read in one tesseract run as one line of digits:
  // a lone "1" that a page pass or a stacked strip drops is read here.
  const margin = px(NUMBER_CELL.margin);
  const list: string[] = [];
  for (const [i, c] of small.entries()) {
    const cell: Gray = { width: c.w, height: c.h, data: Buffer.alloc(c.w * c.h, 255) };
    for (let row = 0; row < c.h; row++) img.data.copy(cell.data, row * c.w, (c.y + row) * img.width + c.x, (c.y + row) * img.width + c.x + c.w);
    const file = `${scratch}.c${i}.pgm`;
    await writeFile(file, pgm(cell));
    list.push(file);
  }
  // Cut to the ink and no taller than DIGIT_PX, on a white margin: at 40 px tesseract drops a lone "1".
  await run('mogrify', ['-trim', '+repage', '-resize', `x${DIGIT_PX}>`, '-bordercolor', 'white', '-border', String(margin), ...list], { timeout: 300_000 })
    .catch((err: unknown) => { throw toolError('ImageMagick', err, 300_000); });
  const listPath = `${scratch}.cells.txt`;
  await writeFile(listPath, list.join('\n') + '\n');
  const { stdout } = await run('tesseract', [listPath, '-', '-l', 'eng', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789.-/', 'tsv'], { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 })
    .catch((err: unknown) => { throw toolError('tesseract', err, 300_000); });
  const texts = small.map(() => [] as Array<{ x: number; text: string }>);
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f.length < 12 || f[0] !== '5' || !f[11]!.trim() || Number(f[10]) < 0) continue;
    texts[Number(f[1]) - 1]?.push({ x: Number(f[6]), text: f[11]!.trim() });
  }
  const inside = (w: PlacedText, b: CellBox) => (w.x0 + w.x1) / 2 > b.x0 && (w.x0 + w.x1) / 2 < b.x1 && (w.top + w.bottom) / 2 > b.top && (w.top + w.bottom) / 2 < b.bottom;
  let out = words;
  small.forEach((c, i) => {
    const text = texts[i]!.sort((a, b) => a.x - b.x).map((w) => w.text).join('');
    if (!PRINTED_NUMBER.test(text) || out.some((w) => inside(w, c.box) && CJK.test(w.text))) return;
    const size = Math.min(c.box.bottom - c.box.top, 12);
    const cy = (c.box.top + c.box.bottom) / 2;
    out = [...out.filter((w) => !inside(w, c.box)), { text, x0: c.box.x0 + 2, x1: c.box.x1 - 2, top: cy - size / 2, bottom: cy + size / 2, size }];
  });
  return out;
}

/** Height digits are scaled down to before tesseract reads them: at 40 px it drops a lone "1", at 24 px it reads it. */
const DIGIT_PX = 24;

function pgm(img: Gray): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${img.width} ${img.height}\n255\n`), img.data]);
}

export async function ocrPdf(bytes: Buffer, opts: OcrOptions = {}): Promise<ExtractedDocument> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nianbao-ocr-'));
  try {
    const input = path.join(dir, 'in.pdf');
    await writeFile(input, bytes);
    const args = ['-r', String(DPI), '-gray'];
    if (opts.firstPage) args.push('-f', String(opts.firstPage));
    if (opts.lastPage) args.push('-l', String(opts.lastPage));
    await run('pdftoppm', [...args, input, path.join(dir, 'page')], { timeout: 300_000 }).catch((err: unknown) => { throw toolError('pdftoppm', err, 300_000); });
    const pages = (await readdir(dir)).filter((f) => f.endsWith('.pgm')).sort();
    const out: Block[][] = [];
    for (const [i, f] of pages.entries()) out.push(await ocrBitmap(path.join(dir, f), opts.lang ?? 'chi_sim+eng', (opts.firstPage ?? 1) + i));
    return ocrDocument(joinPageTables(out), pages.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function ocrImage(bytes: Buffer, opts: OcrOptions = {}): Promise<ExtractedDocument> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nianbao-ocr-'));
  try {
    const input = path.join(dir, 'in.img');
    await writeFile(input, bytes);
    // Any image format becomes a grey PGM as wide as an A4 page at 300 dpi: an image's own dpi is rarely
    // recorded (photos, screenshots), and every size test in the layout is in points at 300 dpi.
    const pgm = path.join(dir, 'page.pgm');
    await run('convert', [input, '-colorspace', 'Gray', '-depth', '8', '-resize', `${A4_WIDTH_PX}x`, pgm], { timeout: 120_000 }).catch((err: unknown) => { throw toolError('ImageMagick', err, 120_000); });
    return ocrDocument(await ocrBitmap(pgm, opts.lang ?? 'chi_sim+eng', 1), 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ocrDocument(blocks: Block[], pages: number): ExtractedDocument {
  return {
    blocks,
    meta: {},
    method: 'ocr',
    quality: 0.6,
    warnings: [`OCR (tesseract) of ${pages} page(s): every value is machine-read and may be wrong`],
    ocr: true,
  };
}
