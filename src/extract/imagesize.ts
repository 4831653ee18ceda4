import { EXTRACT_LIMITS, RefusedOriginal } from './limits.ts';

/**
 * Pixel dimensions an image declares in its header (PNG, JPEG, GIF, BMP, TIFF), read without decoding
 * it, so a 1 kB file that claims 100,000 × 100,000 pixels is refused before ImageMagick or tesseract
 * allocate a bitmap for it.
 */
export function imageDimensions(b: Buffer): { width: number; height: number; format: string } | null {
  try {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), format: 'PNG' };
    }
    if (b.length >= 10 && b.toString('latin1', 0, 4) === 'GIF8') return { width: b.readUInt16LE(6), height: b.readUInt16LE(8), format: 'GIF' };
    if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) return { width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)), format: 'BMP' };
    if (b[0] === 0xff && b[1] === 0xd8) {
      for (let i = 2; i + 9 < b.length; ) {
        if (b[i] !== 0xff) { i++; continue; }
        const m = b[i + 1]!;
        if (m === 0xff) { i++; continue; }
        if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { i += 2; continue; }
        // Start-of-frame markers (not DHT c4, JPG c8, DAC cc) carry height then width.
        if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7), format: 'JPEG' };
        i += 2 + b.readUInt16BE(i + 2);
      }
      return null;
    }
    const tiffLe = b.toString('latin1', 0, 4) === 'II*\0';
    if (tiffLe || b.toString('latin1', 0, 4) === 'MM\0*') {
      const u16 = (o: number) => (tiffLe ? b.readUInt16LE(o) : b.readUInt16BE(o));
      const u32 = (o: number) => (tiffLe ? b.readUInt32LE(o) : b.readUInt32BE(o));
      // Every page (IFD) counts: a TIFF can hold one small page and one enormous one.
      let width = 0;
      let height = 0;
      let ifd = u32(4);
      for (let pages = 0; ifd && ifd + 2 <= b.length && pages < 10_000; pages++) {
        const n = u16(ifd);
        for (let k = 0; k < n; k++) {
          const e = ifd + 2 + k * 12;
          if (e + 12 > b.length) break;
          const tag = u16(e);
          const v = u16(e + 2) === 3 ? u16(e + 8) : u32(e + 8);
          if (tag === 256) width = Math.max(width, v);
          if (tag === 257) height = Math.max(height, v);
        }
        const nextAt = ifd + 2 + n * 12;
        ifd = nextAt + 4 <= b.length ? u32(nextAt) : 0;
      }
      return width && height ? { width, height, format: 'TIFF' } : null;
    }
  } catch {
    return null; // header cut short
  }
  return null;
}

/** Refuses a bitmap of this size before anything allocates it. */
export function checkPixels(width: number, height: number, what: string, limits = EXTRACT_LIMITS): void {
  const mp = (width * height) / 1e6;
  if (!(width > 0 && height > 0)) throw new RefusedOriginal(`${what} declares no usable size (${width} × ${height} pixels)`);
  if (width > limits.ocrSide || height > limits.ocrSide || width * height > limits.ocrPixels) {
    throw new RefusedOriginal(
      `${what} is ${width} × ${height} pixels (${mp.toFixed(0)} megapixels), over the OCR limit of ` +
        `${limits.ocrPixels / 1e6} megapixels or ${limits.ocrSide} pixels a side; refused before OCR`,
    );
  }
}

/** Checks an image original's declared size; an image whose size cannot be read is refused too. */
export function checkImage(bytes: Buffer): void {
  const dim = imageDimensions(bytes);
  if (!dim) throw new RefusedOriginal('image header unreadable (damaged or truncated image); refused before OCR');
  checkPixels(dim.width, dim.height, `${dim.format} image`);
}
