/**
 * The charset of a text body, judged by its bytes as well as by what the server claims (snippet 03 §5): BOM,
 * then the declarations (header, `<meta>`, `<?xml encoding>`) checked against the bytes; gb2312/gbk decode as
 * GB18030. Portals lie both ways: a UTF-8 header over GBK bytes, a GBK `<meta>` over a page the CMS re-saved
 * as UTF-8. The crawler and the extractor read every page through this one decoder.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

const LEGACY_CHINESE = /^(gb2312|gbk|x-gbk|gb_2312-80|gb_2312|euc-cn|cp936|csgb2312|gb18030)$/i;
const UTF8_NAMES = /^(utf-?8|unicode-1-1-utf-8)$/i;
/** CJK charsets other than the GB family a detector may name (Taiwanese, Hong Kong, Japanese, Korean pages). */
const OTHER_CJK = /^(big5|big5-hkscs|shift_jis|euc-jp|euc-kr|iso-2022-jp)$/i;

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
  /**
   * Which evidence decided: `bom`, `header`, `meta`, `bytes` (declarations disagreed with the bytes),
   * `detected` (nothing declared; a statistical guess named another CJK charset), `default`.
   */
  by: 'bom' | 'header' | 'meta' | 'bytes' | 'detected' | 'default';
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
  // Nothing declared: a Big5 or Japanese page also maps into GB18030 without errors, so ask a detector first.
  if (!declared.length) {
    const guess = normalize(chardet.detect(bytes));
    if (guess && OTHER_CJK.test(guess) && unmapped(bytes, guess) === 0) return { charset: guess, by: 'detected' };
  }
  if (unmapped(bytes, 'gb18030') === 0) return { charset: 'gb18030', by: declared.length ? 'bytes' : 'default' };
  const legacy = declared.find((d) => d.cs !== 'utf-8');
  return legacy ? { charset: legacy.cs, by: legacy.by } : { charset: 'gb18030', by: 'default' };
}

/** The body as text, decoded by chooseCharset (iconv drops a BOM). */
export function decodeBody(bytes: Buffer, contentType?: string | null): string {
  return decodeText(bytes, contentType).text;
}

/** The body as text with the charset chosen and why. */
export function decodeText(bytes: Buffer, contentType?: string | null): CharsetChoice & { text: string } {
  const choice = chooseCharset(bytes, contentType);
  return { ...choice, text: iconv.decode(bytes, choice.charset) };
}
