import { createRequire } from 'node:module';
import path from 'node:path';
import type { Block, ExtractedDocument } from './document.ts';
import { joinPageTables, layoutPage, type PlacedText, type Segment } from './layout.ts';
import { RefusedOriginal } from './limits.ts';
import { apply, mul, readPdfGeometry, rulingLines, type Matrix } from './pdfpaths.ts';
import { popplerWords } from './poppler.ts';

/**
 * PDF text layers: words from poppler and ruling lines from the content streams (readPdfFast), or,
 * for any file that reader declines, pdf.js with the CJK cMaps and standard fonts configured (without
 * them CJK PDFs with non-embedded fonts come out empty). Tables are rebuilt from ruling lines (stroked
 * lines and thin filled rectangles) and the positions of the text.
 */

const pdfjsDir = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const CMAP_URL = path.join(pdfjsDir, 'cmaps') + '/';
const FONT_URL = path.join(pdfjsDir, 'standard_fonts') + '/';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsPromise: Promise<PdfJs> | undefined;
const loadPdfJs = () => {
  ignoreStrayPdfJsRejections();
  return (pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs'));
};

/** What pdf.js throws while reading a damaged file (its BaseException subclasses). */
const PDFJS_EXCEPTIONS = new Set([
  'AbortException', 'DNLMarkerError', 'EOIMarkerError', 'FormatError', 'InvalidPDFException', 'JpegError', 'JpxError',
  'MissingDataException', 'ParserEOFException', 'PasswordException', 'ResponseException', 'UnknownErrorException',
  'XRefEntryException', 'XRefParseException',
]);

let strayGuard = false;
/**
 * pdf.js (5.4) leaves some internal promises without a handler while it recovers a damaged cross-reference
 * table: getDocument resolves, yet an XRefEntryException surfaces later as an unhandled rejection, which
 * in Node 20 kills the process (a crawler, or a reparse worker with the next document in it). Found by
 * bench/fuzz.ts. Those rejections are dropped here; any other unhandled rejection still ends the process
 * as Node's default would, unless the program has its own handler.
 */
function ignoreStrayPdfJsRejections(): void {
  if (strayGuard) return;
  strayGuard = true;
  process.on('unhandledRejection', (reason) => {
    const name = (reason as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && PDFJS_EXCEPTIONS.has(name)) return;
    if (process.listenerCount('unhandledRejection') > 1) return; // someone else decides
    throw reason;
  });
}

/**
 * The one set of pdf.js options every getDocument call uses. PDFs come from the open web: no eval of
 * PDF-supplied code (fonts compiled with new Function), no XFA forms, no font loading through the
 * platform, and cMaps and standard fonts read from the local pdfjs-dist folder, so nothing is fetched.
 */
export const PDFJS_OPTIONS = {
  cMapUrl: CMAP_URL,
  cMapPacked: true,
  standardFontDataUrl: FONT_URL,
  isEvalSupported: false,
  enableXfa: false,
  disableFontFace: true,
  useSystemFonts: false,
  useWorkerFetch: false,
  isOffscreenCanvasSupported: false,
  verbosity: 0,
} as const;

/** pdf.js's exceptions as one line a person can act on. */
function pdfError(err: unknown): Error {
  const e = err as { name?: string; message?: string };
  const msg = String(e?.message ?? err).split('\n')[0];
  if (e?.name === 'PasswordException') return new RefusedOriginal('PDF is encrypted with a password to open it; it cannot be read without the password');
  if (e?.name === 'InvalidPDFException') return new RefusedOriginal(`damaged PDF (truncated download?): ${msg}`);
  if (e?.name === 'UnknownErrorException' || e?.name === 'FormatError') return new RefusedOriginal(`damaged PDF: ${msg}`);
  return err instanceof Error ? err : new Error(msg);
}

/** pdf.js drawing operators inside a constructPath (pdf.js 5 packs paths this way). */
const DRAW = { moveTo: 0, lineTo: 1, curveTo: 2, closePath: 3 } as const;

export interface PdfPages {
  pages: Block[][];
  /** Largest page, in points (width × height), so OCR can refuse pages too big to render. */
  largestPage: { width: number; height: number; page: number };
  /** Characters of text found, and how many of them look like garbage (U+FFFD, private use, "(cid:"). */
  chars: number;
  garbage: number;
  numPages: number;
  title?: string;
}


/** Reads every page's placed text and rulings. */
export async function readPdfPages(bytes: Buffer): Promise<PdfPages> {
  const pdfjs = await loadPdfJs();
  const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), ...PDFJS_OPTIONS }).promise.catch((err: unknown) => {
    throw pdfError(err);
  });
  const OPS = pdfjs.OPS;
  const STROKES = new Set<number>([OPS.stroke, OPS.closeStroke, OPS.fillStroke, OPS.eoFillStroke, OPS.closeFillStroke, OPS.closeEOFillStroke]);
  const FILLS = new Set<number>([OPS.fill, OPS.eoFill, OPS.fillStroke, OPS.eoFillStroke, OPS.closeFillStroke, OPS.closeEOFillStroke]);
  const pages: Block[][] = [];
  let chars = 0;
  let garbage = 0;
  const largestPage = { width: 0, height: 0, page: 0 };
  try {
    for (let p = 1; p <= doc.numPages; p++) {
      const page = await doc.getPage(p).catch((err: unknown) => { throw pdfError(err); });
      const viewport = page.getViewport({ scale: 1 });
      if (viewport.width * viewport.height > largestPage.width * largestPage.height) Object.assign(largestPage, { width: viewport.width, height: viewport.height, page: p });
      const vt = viewport.transform as Matrix;
      const content = await page.getTextContent().catch((err: unknown) => { throw pdfError(err); });
      const items: PlacedText[] = [];
      for (const raw of content.items) {
        if (!('str' in raw) || !raw.str) continue;
        const tr = mul(vt, raw.transform as Matrix);
        const size = Math.hypot(tr[2], tr[3]) || Math.abs(raw.height) || 10;
        // Rotated text (tr[1] ≠ 0) is rare in reports; its box is approximated from the origin.
        const [x, yBase] = [tr[4], tr[5]];
        const width = raw.width * (Math.hypot(tr[0], tr[1]) / Math.max(Math.hypot(raw.transform[0]!, raw.transform[1]!), 1e-6));
        items.push({ text: raw.str, x0: x, x1: x + width, top: yBase - size * 0.85, bottom: yBase + size * 0.15, size });
        for (const ch of raw.str) {
          if (/\s/.test(ch)) continue;
          chars++;
          const cp = ch.codePointAt(0)!;
          if (cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff) || cp < 0x20) garbage++;
        }
        if (raw.str.includes('(cid:')) garbage += raw.str.length;
      }
      const segments = await pageSegments(page, vt, OPS, STROKES, FILLS);
      pages.push(layoutPage(items, segments, p));
      page.cleanup();
    }
    const info = (await doc.getMetadata().catch(() => null))?.info as { Title?: string } | undefined;
    return { pages, chars, garbage, numPages: doc.numPages, largestPage, ...(info?.Title ? { title: info.Title } : {}) };
  } finally {
    await doc.destroy();
  }
}

async function pageSegments(
  page: { getOperatorList(): Promise<{ fnArray: number[]; argsArray: unknown[] }> },
  viewportTransform: Matrix,
  OPS: PdfJs['OPS'],
  STROKES: Set<number>,
  FILLS: Set<number>,
): Promise<Segment[]> {
  const ops = await page.getOperatorList();
  const segments: Segment[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const stack: Matrix[] = [];
  const toViewport = (p: [number, number]) => apply(viewportTransform, ...p);
  for (let i = 0; i < ops.fnArray.length; i++) {
    const fn = ops.fnArray[i]!;
    const args = ops.argsArray[i] as unknown[];
    if (fn === OPS.save) stack.push(ctm);
    else if (fn === OPS.restore) ctm = stack.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (fn === OPS.transform) ctm = mul(ctm, args as unknown as Matrix);
    else if (fn === OPS.constructPath) {
      const paint = args[0] as number;
      const stroke = STROKES.has(paint);
      const fill = FILLS.has(paint);
      if (!stroke && !fill) continue;
      const data = (args[1] as ArrayLike<number>[] | undefined)?.[0];
      if (!data) continue;
      // Collect subpaths as point lists in page space.
      const subpaths: Array<Array<[number, number]>> = [];
      let cur: Array<[number, number]> = [];
      for (let k = 0; k < data.length; ) {
        const code = data[k]!;
        if (code === DRAW.moveTo) {
          if (cur.length) subpaths.push(cur);
          cur = [apply(ctm, data[k + 1]!, data[k + 2]!)];
          k += 3;
        } else if (code === DRAW.lineTo) {
          cur.push(apply(ctm, data[k + 1]!, data[k + 2]!));
          k += 3;
        } else if (code === DRAW.curveTo) {
          cur.push(apply(ctm, data[k + 5]!, data[k + 6]!));
          k += 7;
        } else if (code === DRAW.closePath) {
          if (cur.length) cur.push(cur[0]!);
          k += 1;
        } else break;
      }
      if (cur.length) subpaths.push(cur);
      rulingLines(subpaths, stroke, segments, toViewport);
    }
  }
  return segments;
}

/**
 * The fast reading: words from poppler, ruling lines from the content streams (pdfpaths.ts). Null when
 * the file is anything but plain (encrypted, damaged, rotated pages, an unusual filter): pdf.js then
 * reads it, repairs what it can, and names what it cannot.
 */
export async function readPdfFast(bytes: Buffer): Promise<PdfPages | null> {
  let geometry: ReturnType<typeof readPdfGeometry>;
  try {
    geometry = readPdfGeometry(bytes);
  } catch {
    return null;
  }
  const words = await popplerWords(bytes).catch(() => null);
  if (!words || words.length !== geometry.pages.length) return null;
  let chars = 0;
  let garbage = 0;
  const largestPage = { width: 0, height: 0, page: 0 };
  const pages = words.map((page, i) => {
    if (page.width * page.height > largestPage.width * largestPage.height) Object.assign(largestPage, { width: page.width, height: page.height, page: i + 1 });
    for (const w of page.words) {
      for (const ch of w.text) {
        if (/\s/.test(ch)) continue;
        chars++;
        const cp = ch.codePointAt(0)!;
        if (cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff) || cp < 0x20) garbage++;
      }
    }
    return layoutPage(page.words, geometry.pages[i]!.segments, i + 1);
  });
  return { pages, chars, garbage, numPages: pages.length, largestPage, ...(geometry.title ? { title: geometry.title } : {}) };
}

/** Whether the text layer is missing or unreadable, so the pages need OCR. */
export function textLayerVerdict(r: PdfPages): { usable: boolean; reason?: string } {
  if (r.chars < 20 * Math.max(1, r.numPages) * 0.25) return { usable: false, reason: `text layer nearly empty (${r.chars} characters on ${r.numPages} pages)` };
  if (r.garbage / r.chars > 0.05) return { usable: false, reason: `text layer garbled (${r.garbage} of ${r.chars} characters unreadable)` };
  return { usable: true };
}

/** PDF bytes → the neutral document from its text layer (the caller decides on OCR from `verdict`). */
export async function documentFromPdfText(bytes: Buffer): Promise<{
  doc: ExtractedDocument; verdict: ReturnType<typeof textLayerVerdict>; numPages: number; largestPage: PdfPages['largestPage'];
}> {
  const r = (await readPdfFast(bytes)) ?? (await readPdfPages(bytes));
  const verdict = textLayerVerdict(r);
  const blocks = joinPageTables(r.pages);
  const hasTable = blocks.some((b) => b.kind === 'table');
  const warnings: string[] = [];
  if (!hasTable) warnings.push('no ruled table found; table rows are tab-separated text lines');
  const doc: ExtractedDocument = {
    blocks,
    meta: r.title ? { title: r.title } : {},
    method: hasTable ? 'pdf-text' : 'pdf-layout',
    quality: verdict.usable ? (hasTable ? 1 : 0.85) : 0.2,
    warnings: verdict.reason ? [...warnings, verdict.reason] : warnings,
    ocr: false,
  };
  return { doc, verdict, numPages: r.numPages, largestPage: r.largestPage };
}
