import JSZip from 'jszip';

/** What kind of original a file is, told from its bytes (never from its name). */
export type OriginalKind = 'pdf' | 'doc' | 'xls' | 'ole' | 'docx' | 'xlsx' | 'ofd' | 'zip' | 'rtf' | 'html' | 'image' | 'text';

/** Leading signatures, as data: [kind, bytes]. */
const SIGNATURES: Array<[OriginalKind, number[]]> = [
  ['ole', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['image', [0x89, 0x50, 0x4e, 0x47]], // PNG
  ['image', [0xff, 0xd8, 0xff]], // JPEG
  ['image', [0x49, 0x49, 0x2a, 0x00]], // TIFF little-endian
  ['image', [0x4d, 0x4d, 0x00, 0x2a]], // TIFF big-endian
  ['image', [0x47, 0x49, 0x46, 0x38]], // GIF
  ['image', [0x42, 0x4d]], // BMP
  ['rtf', [0x7b, 0x5c, 0x72, 0x74, 0x66]], // {\rtf
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

/** Whether the bytes start like a format the extractor reads other than plain text (cheap, no parsing). */
export function hasSignature(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes('%PDF-') || SIGNATURES.some(([, b]) => b.every((v, i) => bytes[i] === v))
    || looksLikeHtml(bytes.subarray(0, 8192).toString('latin1'));
}

export async function sniffOriginal(bytes: Buffer): Promise<OriginalKind> {
  // %PDF may follow a little junk (a BOM, an HTTP header left in by a bad save).
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  const sig = SIGNATURES.find(([, b]) => b.every((v, i) => bytes[i] === v));
  if (sig?.[0] === 'ole') {
    for (const [kind, name] of OLE_STREAMS) if (bytes.includes(Buffer.from(name, 'utf16le'))) return kind;
    return 'ole';
  }
  if (sig?.[0] === 'zip') {
    try {
      const zip = await JSZip.loadAsync(bytes);
      const names = Object.keys(zip.files);
      for (const [kind, re] of ZIP_MARKERS) if (names.some((n) => re.test(n))) return kind;
    } catch {
      /* a damaged zip is still a zip */
    }
    return 'zip';
  }
  if (sig) return sig[0];
  if (looksLikeHtml(bytes.subarray(0, 8192).toString('latin1'))) return 'html';
  return 'text';
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
