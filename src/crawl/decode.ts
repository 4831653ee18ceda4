/**
 * What a fetched body is, judged by its bytes as well as by what the server claims (snippet 03 §5):
 * - charset: BOM, then the declarations (header, `<meta>`, `<?xml encoding>`) checked against the bytes;
 *   gb2312/gbk decode as GB18030. Portals lie both ways: a UTF-8 header over GBK bytes, a GBK `<meta>` over a
 *   page the CMS re-saved as UTF-8.
 * - kind: magic numbers and a text prescan, because Content-Type is missing or wrong often enough
 *   (a PDF served as text/html, a list page as application/octet-stream).
 */
import iconv from 'iconv-lite';

const LEGACY_CHINESE = /^(gb2312|gbk|x-gbk|gb_2312-80|gb_2312|euc-cn|cp936|csgb2312|gb18030)$/i;
const UTF8_NAMES = /^(utf-?8|unicode-1-1-utf-8)$/i;

function normalize(cs: string | null | undefined): string | null {
  if (!cs) return null;
  const c = cs.trim().toLowerCase();
  if (LEGACY_CHINESE.test(c)) return 'gb18030';
  if (UTF8_NAMES.test(c)) return 'utf-8';
  return iconv.encodingExists(c) ? c : null;
}

/** The charset named by a Content-Type header, if any. */
export function headerCharset(contentType?: string | null): string | null {
  return /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ?? null;
}

/** The charset named inside the document (`<meta charset>`, `<meta http-equiv content=…charset=>`, `<?xml encoding>`). */
export function documentCharset(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 4096).toString('latin1');
  return (/<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head) ?? /<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)/i.exec(head))?.[1] ?? null;
}

/** Whether the bytes are well-formed UTF-8 (a cut multi-byte sequence at the very end is forgiven). */
function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    // A body cut by a byte cap may end inside a character.
    for (let cut = 1; cut <= 3 && cut < bytes.length; cut++) {
      try { new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, bytes.length - cut)); return true; } catch { /* try shorter */ }
    }
    return false;
  }
}

const hasHighBytes = (b: Buffer) => b.some((x) => x >= 0x80);

/** How many bytes iconv could not map (decoded as U+FFFD) under `cs`. */
function unmapped(bytes: Buffer, cs: string): number {
  const s = iconv.decode(bytes, cs);
  let n = 0;
  for (const ch of s) if (ch === '\ufffd') n++;
  return n;
}

export interface CharsetChoice {
  charset: string;
  /** Which evidence decided: `bom`, `header`, `meta`, `bytes` (declarations disagreed with the bytes), `default`. */
  by: 'bom' | 'header' | 'meta' | 'bytes' | 'default';
}

/** Chooses the charset of a text body: declarations are believed only where the bytes bear them out. */
export function chooseCharset(bytes: Buffer, contentType?: string | null): CharsetChoice {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { charset: 'utf-8', by: 'bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { charset: 'utf-16le', by: 'bom' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { charset: 'utf-16be', by: 'bom' };
  const declared: { cs: string; by: 'header' | 'meta' }[] = [];
  const h = normalize(headerCharset(contentType));
  if (h) declared.push({ cs: h, by: 'header' });
  const m = normalize(documentCharset(bytes));
  if (m) declared.push({ cs: m, by: 'meta' });
  // Pure ASCII reads the same in every declared charset.
  if (!hasHighBytes(bytes)) return declared[0] ? { charset: declared[0].cs, by: declared[0].by } : { charset: 'utf-8', by: 'default' };
  // Non-ASCII text that is valid UTF-8 is UTF-8: GBK text passes a strict UTF-8 check only by accident.
  const utf8 = isUtf8(bytes);
  if (utf8) {
    const first = declared.find((d) => d.cs === 'utf-8');
    if (declared[0]?.cs === 'utf-8') return { charset: 'utf-8', by: declared[0].by };
    return { charset: 'utf-8', by: first?.by ?? (declared.length ? 'bytes' : 'default') };
  }
  // Not UTF-8: the first legacy declaration that maps the bytes cleanly, else GB18030 (the portals' legacy charset).
  for (const d of declared) if (d.cs !== 'utf-8' && unmapped(bytes, d.cs) === 0) return { charset: d.cs, by: d.by };
  if (unmapped(bytes, 'gb18030') === 0) return { charset: 'gb18030', by: declared.length ? 'bytes' : 'default' };
  const legacy = declared.find((d) => d.cs !== 'utf-8');
  return legacy ? { charset: legacy.cs, by: legacy.by } : { charset: 'gb18030', by: 'default' };
}

/** The charset to decode with (kept for callers that only want the name). */
export function sniffCharset(bytes: Buffer, contentType?: string | null): string {
  return chooseCharset(bytes, contentType).charset;
}

export function decodeBody(bytes: Buffer, contentType?: string | null): string {
  return iconv.decode(bytes, sniffCharset(bytes, contentType));
}

// ---- what kind of body ---------------------------------------------------------------------------------

export type BodyKind = 'html' | 'xml' | 'json' | 'text' | 'pdf' | 'office' | 'image' | 'archive' | 'binary';

/** Magic numbers of the binaries portals serve (reports as PDF/DOC/DOCX/WPS/OFD/XLS, scans, zips). */
export const MAGIC: { kind: BodyKind; bytes: number[] }[] = [
  { kind: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46] },                          // %PDF
  { kind: 'office', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] }, // OLE2: DOC, XLS, WPS
  { kind: 'archive', bytes: [0x50, 0x4b, 0x03, 0x04] },                      // ZIP: DOCX, XLSX, OFD, zip
  { kind: 'archive', bytes: [0x52, 0x61, 0x72, 0x21] },                      // Rar!
  { kind: 'archive', bytes: [0x1f, 0x8b] },                                  // gzip
  { kind: 'image', bytes: [0x89, 0x50, 0x4e, 0x47] },                        // PNG
  { kind: 'image', bytes: [0xff, 0xd8, 0xff] },                              // JPEG
  { kind: 'image', bytes: [0x47, 0x49, 0x46, 0x38] },                        // GIF8
  { kind: 'office', bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66] },                 // {\rtf
];

/** What a body is, by content first; the Content-Type only separates kinds of text the bytes leave open. */
export function sniffBodyKind(bytes: Buffer, contentType?: string | null): BodyKind {
  // A PDF sometimes has junk (a BOM, a blank line) before %PDF; readers accept it within the first 1 KiB.
  const head = bytes.subarray(0, 1024);
  for (const m of MAGIC) if (m.bytes.every((b, i) => bytes[i] === b)) return m.kind;
  if (head.includes('%PDF-')) return 'pdf';
  const text = head.subarray(0, 512);
  // NULs (outside UTF-16) mean binary.
  if (text.includes(0) && !(text[0] === 0xff && text[1] === 0xfe) && !(text[0] === 0xfe && text[1] === 0xff)) return 'binary';
  const start = text.toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart();
  const ct = (contentType ?? '').toLowerCase();
  if (/^<\?xml|^<(datastore|recordset|rss|feed)\b/i.test(start)) return /html/.test(ct) && /<html/i.test(start) ? 'html' : 'xml';
  if (/^<(!doctype html|html|head|body|meta|title|div|script|table|p\b|ul|!--)/i.test(start)) return 'html';
  if (/^[[{]/.test(start) && /json|javascript|text\/plain|octet|^$/.test(ct)) return 'json';
  if (/^</.test(start)) return /xml/.test(ct) ? 'xml' : 'html';
  if (/json/.test(ct)) return 'json';
  // No markup and no magic: text if it has no control bytes beyond whitespace.
  const controls = [...text].filter((b) => b < 0x09 || (b > 0x0d && b < 0x20)).length;
  return controls === 0 && text.length ? 'text' : bytes.length ? 'binary' : 'text';
}

/** Whether a body should be decoded and read as a page (HTML/XML/JSON/plain text). */
export function isTextual(bytes: Buffer, contentType?: string | null): boolean {
  const k = sniffBodyKind(bytes, contentType);
  return k === 'html' || k === 'xml' || k === 'json' || k === 'text';
}
