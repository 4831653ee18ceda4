import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Block, ExtractedDocument } from './document.ts';
import { joinPageTables, layoutPage, type PlacedText, type Segment } from './layout.ts';
import { toolError } from './office.ts';
import { checkPixels } from './imagesize.ts';

/**
 * OCR for scans and images: pages rendered by pdftoppm (grey, 300 dpi), words and their boxes from
 * Debian's tesseract (chi_sim+eng), ruling lines found as long dark runs in the same bitmap, then the
 * same grid layout as born-digital PDFs. Every document from here is marked ocr: true.
 */
const run = promisify(execFile);
export const OCR_DPI = 300;
const DPI = OCR_DPI;
const PT = 72 / DPI; // pixels → points, so layout tolerances mean the same as for PDFs

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
  const dark = (x: number, y: number) => data[y * width + x]! < 140;
  const out: Segment[] = [];
  for (let y = 0; y < height; y++) {
    let start = -1;
    for (let x = 0; x <= width; x++) {
      if (x < width && dark(x, y)) {
        if (start < 0) start = x;
      } else if (start >= 0) {
        if (x - start >= minRun) out.push({ x1: start * PT, x2: x * PT, y1: y * PT, y2: y * PT });
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
        if (y - start >= minRun) out.push({ x1: x * PT, x2: x * PT, y1: start * PT, y2: y * PT });
        start = -1;
      }
    }
  }
  return out;
}

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

async function ocrBitmap(pgmPath: string, lang: string, page: number): Promise<Block[]> {
  const img = readPgm(await readFile(pgmPath));
  const { stdout } = await run('tesseract', [pgmPath, '-', '-l', lang, '--psm', process.env.NIANBAO_OCR_PSM ?? '11', 'tsv'], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  }).catch((err: unknown) => { throw toolError('tesseract', err, 300_000); });
  return layoutPage(wordsFromTsv(stdout), rulingsFromBitmap(img), page);
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
    // Normalise any image format to a grey PGM at its own resolution (assumed 300 dpi when unknown).
    const pgm = path.join(dir, 'page.pgm');
    await run('convert', [input, '-colorspace', 'Gray', '-depth', '8', pgm], { timeout: 120_000 }).catch((err: unknown) => { throw toolError('ImageMagick', err, 120_000); });
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
