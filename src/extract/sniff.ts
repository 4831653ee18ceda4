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
  const head = bytes.subarray(0, 2048).toString('latin1').replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
  if (/^<(!doctype html|html|head|body|meta|table|div|p[\s>]|\?xml[^>]*>\s*<(!doctype html|html))/.test(head) || /<html[\s>]/.test(head)) return 'html';
  return 'text';
}
