/**
 * What bytes are, told from their content (never from a file name, rarely from a Content-Type): one table of
 * signatures and one markup prescan, read both by the crawler (is this body a page to read or a file to
 * keep?) and by the extractor (which reader opens this original?). Content-Type is missing or wrong often
 * enough on portals (a PDF served as text/html, a list page as application/octet-stream).
 */
import JSZip from 'jszip';

/** What kind of original a file is, for the extractor. */
export type OriginalKind = 'pdf' | 'doc' | 'xls' | 'ole' | 'docx' | 'xlsx' | 'ofd' | 'zip' | 'archive' | 'rtf' | 'html' | 'image' | 'text';

/** What a fetched body is, for the crawler. */
export type BodyKind = 'html' | 'xml' | 'json' | 'text' | 'pdf' | 'office' | 'image' | 'archive' | 'binary';

/** Leading signatures, as data: the original's kind, the body's kind, the bytes. */
const SIGNATURES: { kind: OriginalKind; body: BodyKind; bytes: number[] }[] = [
  { kind: 'pdf', body: 'pdf', bytes: [0x25, 0x50, 0x44, 0x46] }, // %PDF
  { kind: 'ole', body: 'office', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] }, // OLE2: DOC, XLS, WPS
  { kind: 'zip', body: 'archive', bytes: [0x50, 0x4b, 0x03, 0x04] }, // ZIP: DOCX, XLSX, OFD, zip
  { kind: 'archive', body: 'archive', bytes: [0x52, 0x61, 0x72, 0x21] }, // Rar!
  { kind: 'archive', body: 'archive', bytes: [0x1f, 0x8b] }, // gzip
  { kind: 'image', body: 'image', bytes: [0x89, 0x50, 0x4e, 0x47] }, // PNG
  { kind: 'image', body: 'image', bytes: [0xff, 0xd8, 0xff] }, // JPEG
  { kind: 'image', body: 'image', bytes: [0x49, 0x49, 0x2a, 0x00] }, // TIFF little-endian
  { kind: 'image', body: 'image', bytes: [0x4d, 0x4d, 0x00, 0x2a] }, // TIFF big-endian
  { kind: 'image', body: 'image', bytes: [0x47, 0x49, 0x46, 0x38] }, // GIF
  { kind: 'image', body: 'image', bytes: [0x42, 0x4d] }, // BMP
  { kind: 'rtf', body: 'office', bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66] }, // {\rtf
];

/** ZIP members that name the format inside. */
const ZIP_MARKERS: Array<[OriginalKind, RegExp]> = [
  ['docx', /^word\/document\.xml$/],
  ['xlsx', /^xl\/workbook\.xml$/],
  ['ofd', /^OFD\.xml$/i],
];

/** OLE2 stream names (UTF-16LE in the directory) that tell Word from Excel. */
const OLE_STREAMS: Array<[OriginalKind, string]> = [
  ['doc', 'WordDocument'],
  ['xls', 'Workbook'],
  ['xls', 'Book'],
];

const XML_START = /^<\?xml|^<(datastore|recordset|rss|feed)\b/i;

function signature(bytes: Buffer) {
  return SIGNATURES.find((s) => s.bytes.every((v, i) => bytes[i] === v));
}

/** A PDF sometimes has junk (a BOM, a blank line, a left-in HTTP header) before %PDF; readers accept it within 1 KiB. */
const pdfWithin1K = (bytes: Buffer) => bytes.subarray(0, 1024).includes('%PDF-');

/** The first characters of a text body, BOM and leading white space dropped, for the markup prescan. */
function textStart(bytes: Buffer, n: number): string {
  return bytes.subarray(0, n).toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart();
}

/** Whether the bytes start like a format the extractor reads other than plain text (cheap, no parsing). */
export function hasSignature(bytes: Buffer): boolean {
  return pdfWithin1K(bytes) || !!signature(bytes) || looksLikeHtml(bytes.subarray(0, 8192).toString('latin1'));
}

/** Which reader opens an original. */
export async function sniffOriginal(bytes: Buffer): Promise<OriginalKind> {
  if (pdfWithin1K(bytes)) return 'pdf';
  const sig = signature(bytes);
  if (sig?.kind === 'ole') {
    for (const [kind, name] of OLE_STREAMS) if (bytes.includes(Buffer.from(name, 'utf16le'))) return kind;
    return 'ole';
  }
  if (sig?.kind === 'zip') {
    try {
      const zip = await JSZip.loadAsync(bytes);
      const names = Object.keys(zip.files);
      for (const [kind, re] of ZIP_MARKERS) if (names.some((n) => re.test(n))) return kind;
    } catch {
      /* a damaged zip is still a zip */
    }
    return 'zip';
  }
  if (sig) return sig.kind;
  if (looksLikeHtml(bytes.subarray(0, 8192).toString('latin1'))) return 'html';
  return 'text';
}

/** What a fetched body is, by content first; the Content-Type only separates kinds of text the bytes leave open. */
export function sniffBodyKind(bytes: Buffer, contentType?: string | null): BodyKind {
  const sig = signature(bytes);
  if (sig) return sig.body;
  if (pdfWithin1K(bytes)) return 'pdf';
  const text = bytes.subarray(0, 512);
  // NULs (outside UTF-16) mean binary.
  if (text.includes(0) && !(text[0] === 0xff && text[1] === 0xfe) && !(text[0] === 0xfe && text[1] === 0xff)) return 'binary';
  const start = textStart(bytes, 512);
  const ct = (contentType ?? '').toLowerCase();
  if (XML_START.test(start)) return /html/.test(ct) && /<html/i.test(start) ? 'html' : 'xml';
  if (looksLikeHtml(start)) return 'html';
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

/** Element names that open an HTML document or a fragment of one (a report body saved without <html>). */
const HTML_OPENERS = /^<(?:!doctype\s+html|html|head|body|meta|title|link|style|script|table|tbody|tr|td|div|span|p|h[1-6]|center|font|section|article|ul|ol|br|b|strong|img|a)[\s>/]/;

/**
 * HTML, whole page or fragment: leading comments, BOM and whitespace skipped, the first element is an
 * HTML one, or an <html> element comes later. Markdown that starts with text stays text, even with
 * inline <br> or HTML tables in it (converters write those; the text reader reads them).
 */
export function looksLikeHtml(headLatin1: string): boolean {
  let head = headLatin1.replace(/^(?:\ufeff|\xef\xbb\xbf)/, '').trimStart().toLowerCase();
  for (let i = 0; i < 50 && head.startsWith('<!--'); i++) {
    const end = head.indexOf('-->');
    if (end < 0) return true; // a comment longer than the head: only HTML starts like this
    head = head.slice(end + 3).trimStart();
  }
  if (/^<\?xml[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype html|html)/.test(head)) return true;
  if (HTML_OPENERS.test(head)) return true;
  return /<html[\s>]/.test(head);
}
