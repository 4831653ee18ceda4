import { decodeBody } from './charset.ts';
import { RefusedOriginal } from './limits.ts';

/** Control bytes no text file holds (tab, newlines, form feed and escape are allowed). */
const isControl = (b: number) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b;

/**
 * The text of a plain-text original in whatever encoding it came (UTF-8, GBK/GB18030, UTF-16 with a
 * BOM), or one clear refusal: an empty file, or bytes that are no text at all (random or an unknown
 * binary format: about one byte in ten is a control byte, where text has none).
 */
export function textOfBytes(bytes: Buffer, contentType?: string | null): string {
  const why = notText(bytes);
  if (why) throw new RefusedOriginal(why);
  const text = decodeBody(bytes, contentType);
  if (!text.trim()) throw new RefusedOriginal(`holds no text (${bytes.length} bytes of whitespace)`);
  return text;
}

/** Why bytes that carry no known signature are no text file, or null when they may be one. */
export function notText(bytes: Buffer): string | null {
  if (!bytes.length) return 'empty file (0 bytes)';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return null;
  const head = bytes.subarray(0, 65536);
  let control = 0;
  for (const b of head) if (isControl(b)) control++;
  // A stray control byte or two in a short file proves nothing; random bytes have one in ten.
  return control >= 8 && control > head.length * 0.01 ? `not a document of any known format (binary data: ${control} control bytes in the first ${head.length})` : null;
}
