import { inflateSync, constants as Z } from 'node:zlib';

/**
 * A small, strict reader of PDF objects: enough to walk the page tree and read content streams (for the
 * ruling lines of tables), nothing more. Text comes from poppler. Anything it does not understand (an
 * encrypted file, a broken cross-reference table, a filter other than Flate) throws, and the caller
 * reads the file with pdf.js instead, which repairs what can be repaired and names what cannot.
 */
export type PdfValue = number | boolean | null | string | PdfString | PdfRef | PdfValue[] | PdfDict | PdfStream;
/** Names are kept as strings without the slash; literal and hex strings as bytes. */
export interface PdfString { bytes: Buffer }
export interface PdfRef { num: number; gen: number }
export type PdfDict = { [key: string]: PdfValue } & { __dict: true };
export interface PdfStream { dict: PdfDict; raw: Buffer }

export class PdfFormatError extends Error {}

const WS = new Set([0, 9, 10, 12, 13, 32]);
const DELIM = new Set([0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);

export type Token =
  | { t: 'num'; v: number }
  | { t: 'name'; v: string }
  | { t: 'str'; v: Buffer }
  | { t: 'kw'; v: string }
  | { t: 'open'; v: '[' | '<<' }
  | { t: 'close'; v: ']' | '>>' }
  | { t: 'eof' };

export class Lexer {
  constructor(readonly buf: Buffer, public pos = 0) {}

  skipSpace(): void {
    const b = this.buf;
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (WS.has(c)) this.pos++;
      else if (c === 0x25) while (this.pos < b.length && b[this.pos] !== 10 && b[this.pos] !== 13) this.pos++;
      else break;
    }
  }

  next(): Token {
    this.skipSpace();
    const b = this.buf;
    if (this.pos >= b.length) return { t: 'eof' };
    const c = b[this.pos]!;
    if (c === 0x5b) { this.pos++; return { t: 'open', v: '[' }; }
    if (c === 0x5d) { this.pos++; return { t: 'close', v: ']' }; }
    if (c === 0x3c && b[this.pos + 1] === 0x3c) { this.pos += 2; return { t: 'open', v: '<<' }; }
    if (c === 0x3e && b[this.pos + 1] === 0x3e) { this.pos += 2; return { t: 'close', v: '>>' }; }
    if (c === 0x2f) return { t: 'name', v: this.name() };
    if (c === 0x28) return { t: 'str', v: this.literal() };
    if (c === 0x3c) return { t: 'str', v: this.hex() };
    if (c === 0x7b || c === 0x7d || c === 0x29 || c === 0x3e) { this.pos++; return { t: 'kw', v: String.fromCharCode(c) }; }
    const start = this.pos;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      const v = this.number();
      if (v !== null) return { t: 'num', v };
      this.pos = start;
    }
    while (this.pos < b.length && !WS.has(b[this.pos]!) && !DELIM.has(b[this.pos]!)) this.pos++;
    return { t: 'kw', v: b.toString('latin1', start, this.pos) };
  }

  /** A number read byte by byte (content streams are mostly numbers); null if the word is not one. */
  private number(): number | null {
    const b = this.buf;
    let sign = 1;
    if (b[this.pos] === 0x2d) { sign = -1; this.pos++; } else if (b[this.pos] === 0x2b) this.pos++;
    let v = 0;
    let digits = 0;
    while (this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x39) { v = v * 10 + b[this.pos++]! - 0x30; digits++; }
    if (b[this.pos] === 0x2e) {
      this.pos++;
      let scale = 0.1;
      while (this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x39) { v += (b[this.pos++]! - 0x30) * scale; scale /= 10; digits++; }
    }
    const end = this.pos >= b.length || WS.has(b[this.pos]!) || DELIM.has(b[this.pos]!);
    return digits && end ? sign * v : null;
  }

  /**
   * Skips a text object (after BT, through its ET) without making tokens: text objects hold no paths,
   * and on text-heavy pages they are most of the bytes. Strings are stepped over so an "ET" inside one
   * does not end it.
   */
  skipTextObject(): void {
    const b = this.buf;
    const boundary = (i: number) => i < 0 || i >= b.length || WS.has(b[i]!) || DELIM.has(b[i]!);
    while (this.pos < b.length) {
      const c = b[this.pos]!;
      if (c === 0x28) { this.literal(); continue; }
      if (c === 0x25) { this.skipSpace(); continue; }
      if (c === 0x45 && b[this.pos + 1] === 0x54 && boundary(this.pos - 1) && boundary(this.pos + 2)) { this.pos += 2; return; }
      this.pos++;
    }
  }

  private name(): string {
    const b = this.buf;
    const start = ++this.pos;
    while (this.pos < b.length && !WS.has(b[this.pos]!) && !DELIM.has(b[this.pos]!)) this.pos++;
    return b.toString('latin1', start, this.pos).replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }

  private literal(): Buffer {
    const b = this.buf;
    const out: number[] = [];
    let depth = 1;
    this.pos++;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x5c) {
        const e = b[this.pos++]!;
        const map: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
        if (map[e] !== undefined) out.push(map[e]!);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; k++) v = v * 8 + (b[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (e === 13) { if (b[this.pos] === 10) this.pos++; } else if (e !== 10) out.push(e);
        continue;
      }
      if (c === 0x28) depth++;
      if (c === 0x29 && --depth === 0) break;
      out.push(c);
    }
    return Buffer.from(out);
  }

  private hex(): Buffer {
    const end = this.buf.indexOf(0x3e, this.pos);
    if (end < 0) throw new PdfFormatError('unterminated hex string');
    let h = this.buf.toString('latin1', this.pos + 1, end).replace(/[^0-9a-fA-F]/g, '');
    this.pos = end + 1;
    if (h.length % 2) h += '0';
    return Buffer.from(h, 'hex');
  }
}

const dict = (): PdfDict => Object.assign(Object.create(null) as object, { __dict: true as const }) as PdfDict;

/** Reads one value; `n g R` becomes a reference. Returns undefined at a keyword that is not a value. */
export function readValue(lx: Lexer, tok = lx.next()): PdfValue | undefined {
  switch (tok.t) {
    case 'num': {
      const save = lx.pos;
      const a = lx.next();
      if (a.t === 'num' && Number.isInteger(tok.v) && Number.isInteger(a.v)) {
        const r = lx.next();
        if (r.t === 'kw' && r.v === 'R') return { num: tok.v, gen: a.v };
      }
      lx.pos = save;
      return tok.v;
    }
    case 'name': return tok.v;
    case 'str': return { bytes: tok.v };
    case 'open': {
      if (tok.v === '[') {
        const arr: PdfValue[] = [];
        for (;;) {
          const t = lx.next();
          if (t.t === 'close' && t.v === ']') return arr;
          if (t.t === 'eof') throw new PdfFormatError('unterminated array');
          const v = readValue(lx, t);
          if (v !== undefined) arr.push(v);
        }
      }
      const d = dict();
      for (;;) {
        const k = lx.next();
        if (k.t === 'close' && k.v === '>>') return d;
        if (k.t !== 'name') throw new PdfFormatError('dictionary key is not a name');
        const v = readValue(lx);
        if (v === undefined) throw new PdfFormatError('dictionary value missing');
        d[k.v] = v;
      }
    }
    case 'kw':
      if (tok.v === 'true') return true;
      if (tok.v === 'false') return false;
      if (tok.v === 'null') return null;
      return undefined;
    default:
      return undefined;
  }
}

export const isDict = (v: PdfValue | undefined): v is PdfDict => typeof v === 'object' && v !== null && '__dict' in v;
export const isRef = (v: PdfValue | undefined): v is PdfRef => typeof v === 'object' && v !== null && 'num' in v && 'gen' in v;
export const isStream = (v: PdfValue | undefined): v is PdfStream => typeof v === 'object' && v !== null && 'raw' in v;

type XrefEntry = { type: 1; offset: number } | { type: 2; stream: number; index: number };

/** Caps what a crafted file can make the reader do (the pdf.js path has its own). */
const MAX_OBJECTS = 2_000_000;
const MAX_INFLATED = 64 * 1024 * 1024;

export class PdfFile {
  private xref = new Map<number, XrefEntry>();
  private cache = new Map<number, PdfValue>();
  private objStms = new Map<number, Map<number, PdfValue>>();
  trailer: PdfDict = dict();

  constructor(readonly buf: Buffer) {
    const tail = buf.toString('latin1', Math.max(0, buf.length - 2048));
    const m = /startxref\s+(\d+)\s+%%EOF/.exec(tail);
    if (!m) throw new PdfFormatError('no startxref');
    const seen = new Set<number>();
    for (let at: number | undefined = Number(m[1]); at !== undefined; ) {
      if (seen.has(at) || at >= buf.length) throw new PdfFormatError('bad xref chain');
      seen.add(at);
      const trailer = this.readXrefSection(at);
      for (const [k, v] of Object.entries(trailer)) if (!(k in this.trailer)) this.trailer[k] = v;
      if (typeof trailer.XRefStm === 'number') this.readXrefSection(trailer.XRefStm);
      at = typeof trailer.Prev === 'number' ? trailer.Prev : undefined;
    }
    if (this.trailer.Encrypt !== undefined) throw new PdfFormatError('encrypted');
    if (!isRef(this.trailer.Root)) throw new PdfFormatError('no document catalog');
  }

  /** One xref section (table or stream) at `at`: its entries fill gaps only (newer sections come first). */
  private readXrefSection(at: number): PdfDict {
    const lx = new Lexer(this.buf, at);
    const first = lx.next();
    if (first.t === 'kw' && first.v === 'xref') {
      for (;;) {
        const t = lx.next();
        if (t.t === 'kw' && t.v === 'trailer') break;
        if (t.t !== 'num') throw new PdfFormatError('bad xref table');
        const count = lx.next();
        if (count.t !== 'num') throw new PdfFormatError('bad xref subsection');
        if (this.xref.size + count.v > MAX_OBJECTS) throw new PdfFormatError('too many objects');
        for (let i = 0; i < count.v; i++) {
          const off = lx.next();
          const gen = lx.next();
          const kind = lx.next();
          if (off.t !== 'num' || gen.t !== 'num' || kind.t !== 'kw') throw new PdfFormatError('bad xref entry');
          const num = t.v + i;
          if (kind.v === 'n' && !this.xref.has(num)) this.xref.set(num, { type: 1, offset: off.v });
          else if (!this.xref.has(num) && kind.v === 'f') this.xref.set(num, { type: 1, offset: -1 });
        }
      }
      const trailer = readValue(lx);
      if (!isDict(trailer)) throw new PdfFormatError('bad trailer');
      return trailer;
    }
    // A cross-reference stream: "n g obj << /Type /XRef … >> stream".
    const obj = this.readIndirect(at);
    if (!isStream(obj) || obj.dict.Type !== 'XRef') throw new PdfFormatError('startxref points at neither xref table nor stream');
    const w = obj.dict.W as number[];
    const size = obj.dict.Size as number;
    const index = (obj.dict.Index as number[] | undefined) ?? [0, size];
    const data = this.decode(obj);
    const rowLen = w[0]! + w[1]! + w[2]!;
    const field = (p: number, n: number, dflt: number) => {
      if (!n) return dflt;
      let v = 0;
      for (let k = 0; k < n; k++) v = v * 256 + data[p + k]!;
      return v;
    };
    let p = 0;
    for (let s = 0; s + 1 < index.length; s += 2) {
      if (this.xref.size + index[s + 1]! > MAX_OBJECTS) throw new PdfFormatError('too many objects');
      for (let i = 0; i < index[s + 1]!; i++, p += rowLen) {
        if (p + rowLen > data.length) throw new PdfFormatError('short xref stream');
        const num = index[s]! + i;
        if (this.xref.has(num)) continue;
        const type = field(p, w[0]!, 1);
        if (type === 1) this.xref.set(num, { type: 1, offset: field(p + w[0]!, w[1]!, 0) });
        else if (type === 2) this.xref.set(num, { type: 2, stream: field(p + w[0]!, w[1]!, 0), index: field(p + w[0]! + w[1]!, w[2]!, 0) });
        else this.xref.set(num, { type: 1, offset: -1 });
      }
    }
    return obj.dict;
  }

  /** "n g obj … endobj" at a byte offset; a dictionary followed by `stream` becomes a stream. */
  private readIndirect(at: number): PdfValue {
    const lx = new Lexer(this.buf, at);
    const n = lx.next();
    const g = lx.next();
    const o = lx.next();
    if (n.t !== 'num' || g.t !== 'num' || o.t !== 'kw' || o.v !== 'obj') throw new PdfFormatError(`no object at offset ${at}`);
    const value = readValue(lx);
    if (value === undefined) throw new PdfFormatError(`object ${n.v} holds no value`);
    const save = lx.pos;
    const kw = lx.next();
    if (!(kw.t === 'kw' && kw.v === 'stream') || !isDict(value)) {
      lx.pos = save;
      return value;
    }
    let start = lx.pos;
    if (this.buf[start] === 13) start++;
    if (this.buf[start] === 10) start++;
    const declared = this.resolve(value.Length);
    let end = typeof declared === 'number' ? start + declared : -1;
    if (end < start || end > this.buf.length || this.buf.toString('latin1', end, end + 20).trimStart().slice(0, 9) !== 'endstream') {
      end = this.buf.indexOf('endstream', start, 'latin1');
      if (end < 0) throw new PdfFormatError('unterminated stream');
    }
    return { dict: value, raw: this.buf.subarray(start, end) };
  }

  get(num: number): PdfValue {
    if (this.cache.has(num)) return this.cache.get(num)!;
    const e = this.xref.get(num);
    let v: PdfValue = null;
    if (e?.type === 1 && e.offset >= 0) v = this.readIndirect(e.offset);
    else if (e?.type === 2) v = this.fromObjStm(e.stream, num);
    this.cache.set(num, v);
    return v;
  }

  private fromObjStm(stm: number, num: number): PdfValue {
    let objs = this.objStms.get(stm);
    if (!objs) {
      const s = this.get(stm);
      if (!isStream(s)) throw new PdfFormatError('object stream missing');
      const data = this.decode(s);
      const lx = new Lexer(data);
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < (s.dict.N as number); i++) {
        const a = lx.next();
        const b = lx.next();
        if (a.t !== 'num' || b.t !== 'num') throw new PdfFormatError('bad object stream header');
        pairs.push([a.v, b.v]);
      }
      objs = new Map();
      for (const [n, off] of pairs) {
        const v = readValue(new Lexer(data, (s.dict.First as number) + off));
        if (v !== undefined) objs.set(n, v);
      }
      this.objStms.set(stm, objs);
    }
    return objs.get(num) ?? null;
  }

  resolve(v: PdfValue | undefined, depth = 0): PdfValue | undefined {
    if (isRef(v)) {
      if (depth > 32) throw new PdfFormatError('reference loop');
      return this.resolve(this.get(v.num), depth + 1);
    }
    return v;
  }

  /** A stream's bytes with its filters undone (Flate, with PNG or TIFF predictors); others throw. */
  decode(s: PdfStream): Buffer {
    const filters = ([] as PdfValue[]).concat(this.resolve(s.dict.Filter) ?? []);
    const parms = ([] as PdfValue[]).concat(this.resolve(s.dict.DecodeParms) ?? []);
    let data = s.raw;
    filters.forEach((f, i) => {
      if (f !== 'FlateDecode' && f !== 'Fl') throw new PdfFormatError(`filter ${String(f)} not read here`);
      data = inflateSync(data, { finishFlush: Z.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED });
      const p = this.resolve(parms[i]);
      if (isDict(p) && typeof p.Predictor === 'number' && p.Predictor > 1) data = unpredict(data, p);
    });
    return data;
  }
}

/** Undoes a PNG (10-15) row predictor; TIFF predictor 2 is not met in cross-reference streams. */
function unpredict(data: Buffer, p: PdfDict): Buffer {
  const predictor = p.Predictor as number;
  if (predictor < 10) throw new PdfFormatError(`predictor ${predictor} not read here`);
  const colors = (p.Colors as number | undefined) ?? 1;
  const bpc = (p.BitsPerComponent as number | undefined) ?? 8;
  const cols = (p.Columns as number | undefined) ?? 1;
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * cols) / 8);
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = Buffer.alloc(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const raw = data[src + i]!;
      const left = i >= bpp ? out[dst + i - bpp]! : 0;
      const up = r > 0 ? out[dst - rowLen + i]! : 0;
      const ul = r > 0 && i >= bpp ? out[dst - rowLen + i - bpp]! : 0;
      let v = raw;
      if (type === 1) v = raw + left;
      else if (type === 2) v = raw + up;
      else if (type === 3) v = raw + ((left + up) >> 1);
      else if (type === 4) {
        const pa = Math.abs(up - ul);
        const pb = Math.abs(left - ul);
        const pc = Math.abs(left + up - 2 * ul);
        v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : ul);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

/** A PDF text string: UTF-16BE with a BOM, UTF-8 with a BOM, or PDFDocEncoding (close enough to Latin-1). */
export function pdfText(v: PdfValue | undefined): string | undefined {
  if (!v || typeof v !== 'object' || !('bytes' in v)) return undefined;
  const b = (v as PdfString).bytes;
  if (b[0] === 0xfe && b[1] === 0xff) {
    const swapped = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1)));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  // WPS writes its titles UTF-16LE with a little-endian BOM.
  if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2, 2 + ((b.length - 2) & ~1)).toString('utf16le');
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}
