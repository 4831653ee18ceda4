import { isDict, isRef, isStream, Lexer, PdfFile, PdfFormatError, pdfText, readValue, type PdfDict, type PdfValue } from './pdfobjects.ts';
import type { Segment } from './layout.ts';

/**
 * The ruling lines of every page, read from the content streams directly (paths only: text, fonts and
 * images are skipped, which is what makes this fast). Coordinates are top-down points from the media
 * box's top-left corner, as `pdftotext -bbox-layout` gives words, so the two meet in layout.ts.
 */
export interface PdfPageGeometry {
  width: number;
  height: number;
  segments: Segment[];
}

/** A PDF transformation matrix [a b c d e f]; `mul` composes, `apply` maps a point. */
export type Matrix = [number, number, number, number, number, number];
export const mul = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[2] * n[1], m[1] * n[0] + m[3] * n[1],
  m[0] * n[2] + m[2] * n[3], m[1] * n[2] + m[3] * n[3],
  m[0] * n[4] + m[2] * n[5] + m[4], m[1] * n[4] + m[3] * n[5] + m[5],
];
export const apply = (m: Matrix, x: number, y: number): [number, number] => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];

const STROKE = new Set(['S', 's', 'B', 'B*', 'b', 'b*']);
const FILL = new Set(['f', 'F', 'f*', 'B', 'B*', 'b', 'b*']);
const MAX_OPS = 5_000_000;

export function readPdfGeometry(bytes: Buffer): { pages: PdfPageGeometry[]; title?: string } {
  const pdf = new PdfFile(bytes);
  const root = pdf.resolve(pdf.trailer.Root);
  if (!isDict(root)) throw new PdfFormatError('no catalog');
  const pages: PdfPageGeometry[] = [];
  let ops = 0;
  const walk = (node: PdfValue | undefined, inherited: { box?: PdfValue; rotate?: PdfValue; resources?: PdfValue }, depth: number) => {
    const n = pdf.resolve(node);
    if (!isDict(n) || depth > 64) throw new PdfFormatError('bad page tree');
    const inh = {
      box: n.MediaBox ?? inherited.box,
      rotate: n.Rotate ?? inherited.rotate,
      resources: n.Resources ?? inherited.resources,
    };
    if (n.Type === 'Pages' || (n.Kids && n.Type !== 'Page')) {
      const kids = pdf.resolve(n.Kids);
      if (!Array.isArray(kids)) throw new PdfFormatError('page tree without kids');
      for (const k of kids) walk(k, inh, depth + 1);
      return;
    }
    const box = (pdf.resolve(inh.box) as PdfValue[] | undefined)?.map((v) => pdf.resolve(v) as number) ?? [0, 0, 612, 792];
    if (box.length !== 4 || box.some((v) => typeof v !== 'number')) throw new PdfFormatError('bad media box');
    const rotate = (pdf.resolve(inh.rotate) as number | undefined) ?? 0;
    // Rotated pages are rare in reports; pdf.js reads them (pdftotext rotates its words too).
    if (rotate % 360 !== 0) throw new PdfFormatError('rotated page');
    const [x0, y0, x1, y1] = [Math.min(box[0]!, box[2]!), Math.min(box[1]!, box[3]!), Math.max(box[0]!, box[2]!), Math.max(box[1]!, box[3]!)];
    const page: Matrix = [1, 0, 0, -1, -x0, y1];
    const segments: Segment[] = [];
    const contents = pdf.resolve(n.Contents);
    const streams = (Array.isArray(contents) ? contents : contents === undefined ? [] : [contents]).map((c) => pdf.resolve(c));
    const data = Buffer.concat(streams.flatMap((s) => (isStream(s) ? [pdf.decode(s), Buffer.from('\n')] : [])));
    ops += paths(pdf, data, pdf.resolve(inh.resources), [1, 0, 0, 1, 0, 0], page, segments, 0, MAX_OPS - ops);
    pages.push({ width: x1 - x0, height: y1 - y0, segments });
  };
  walk(root.Pages, {}, 0);
  const info = pdf.resolve(pdf.trailer.Info);
  const title = isDict(info) ? pdfText(pdf.resolve(info.Title))?.trim() : undefined;
  return { pages, ...(title ? { title } : {}) };
}

type Point = [number, number];

/**
 * The ruling lines a painted path draws into `out`: each straight horizontal or vertical edge of a stroked
 * path, and each thin filled rectangle (WPS and Word draw cell borders this way); `toPage` maps a point first.
 */
export function rulingLines(subpaths: Point[][], stroke: boolean, out: Segment[], toPage: (p: Point) => Point = (p) => p): void {
  const addLine = (p: Point, q: Point) => {
    const [a, b] = [toPage(p), toPage(q)];
    if (Math.abs(a[1] - b[1]) < 0.8) out.push({ x1: Math.min(a[0], b[0]), x2: Math.max(a[0], b[0]), y1: (a[1] + b[1]) / 2, y2: (a[1] + b[1]) / 2 });
    else if (Math.abs(a[0] - b[0]) < 0.8) out.push({ y1: Math.min(a[1], b[1]), y2: Math.max(a[1], b[1]), x1: (a[0] + b[0]) / 2, x2: (a[0] + b[0]) / 2 });
  };
  for (const sp of subpaths) {
    if (stroke) for (let j = 1; j < sp.length; j++) addLine(sp[j - 1]!, sp[j]!);
    else if (sp.length >= 4) {
      const xs = sp.map((q) => q[0]);
      const ys = sp.map((q) => q[1]);
      const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      const w = maxX - minX;
      const h = maxY - minY;
      if (h <= 2.5 && w > 3) addLine([minX, (minY + maxY) / 2], [maxX, (minY + maxY) / 2]);
      else if (w <= 2.5 && h > 3) addLine([(minX + maxX) / 2, minY], [(minX + maxX) / 2, maxY]);
    }
  }
}

/** Runs one content stream's path operators; returns how many operators it read. */
function paths(pdf: PdfFile, data: Buffer, resources: PdfValue | undefined, ctm0: Matrix, page: Matrix, out: Segment[], depth: number, budget: number): number {
  const lx = new Lexer(data);
  const stack: PdfValue[] = [];
  const saved: Matrix[] = [];
  let ctm = ctm0;
  let sub: Array<[number, number]> = [];
  let subs: Array<Array<[number, number]>> = [];
  let count = 0;
  const toPage = (x: number, y: number) => apply(page, ...apply(ctm, x, y));
  const paint = (op: string) => {
    if (sub.length) subs.push(sub);
    rulingLines(subs, STROKE.has(op), out);
    sub = [];
    subs = [];
  };
  const nums = (k: number) => {
    const a = stack.slice(-k);
    return a.length === k && a.every((v) => typeof v === 'number') ? (a as number[]) : null;
  };
  for (;;) {
    const tok = lx.next();
    if (tok.t === 'eof') break;
    if (tok.t !== 'kw') {
      const v = readValue(lx, tok);
      if (v !== undefined) stack.push(v);
      if (stack.length > 10_000) throw new PdfFormatError('operand stack overflow');
      continue;
    }
    if (++count > budget) throw new PdfFormatError('too many operators');
    const op = tok.v;
    switch (op) {
      case 'q': saved.push(ctm); break;
      case 'Q': ctm = saved.pop() ?? ctm; break;
      case 'cm': { const m = nums(6); if (m) ctm = mul(ctm, m as Matrix); break; }
      case 'm': { const a = nums(2); if (a) { if (sub.length) subs.push(sub); sub = [toPage(a[0]!, a[1]!)]; } break; }
      case 'l': { const a = nums(2); if (a) sub.push(toPage(a[0]!, a[1]!)); break; }
      case 'c': { const a = nums(6); if (a) sub.push(toPage(a[4]!, a[5]!)); break; }
      case 'v': case 'y': { const a = nums(4); if (a) sub.push(toPage(a[2]!, a[3]!)); break; }
      case 'h': if (sub.length) sub.push(sub[0]!); break;
      case 're': {
        const a = nums(4);
        if (a) {
          if (sub.length) subs.push(sub);
          const [x, y, w, h] = a as [number, number, number, number];
          sub = [toPage(x, y), toPage(x + w, y), toPage(x + w, y + h), toPage(x, y + h), toPage(x, y)];
          subs.push(sub);
          sub = [];
        }
        break;
      }
      case 'n': sub = []; subs = []; break;
      case 'BT': lx.skipTextObject(); break;
      case 'BI': {
        // Inline image: skip its bytes up to EI.
        const id = data.indexOf('ID', lx.pos, 'latin1');
        const ei = id < 0 ? -1 : data.indexOf('EI', id + 3, 'latin1');
        if (ei < 0) throw new PdfFormatError('unterminated inline image');
        lx.pos = ei + 2;
        break;
      }
      case 'Do': {
        const name = stack.at(-1);
        const res = pdf.resolve(resources);
        const xobjects = isDict(res) ? pdf.resolve(res.XObject) : undefined;
        const ref = typeof name === 'string' && isDict(xobjects) ? xobjects[name] : undefined;
        const x = pdf.resolve(ref);
        if (isStream(x) && x.dict.Subtype === 'Form' && depth < 8 && isRef(ref)) {
          const m = (pdf.resolve(x.dict.Matrix) as number[] | undefined) ?? [1, 0, 0, 1, 0, 0];
          count += paths(pdf, pdf.decode(x), x.dict.Resources ?? resources, mul(ctm, m as Matrix), page, out, depth + 1, budget - count);
        }
        break;
      }
      default:
        if (STROKE.has(op) || FILL.has(op)) paint(op);
    }
    stack.length = 0;
  }
  return count;
}

export type { PdfDict };
