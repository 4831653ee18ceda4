import { createInflateRaw } from 'node:zlib';
import { EXTRACT_LIMITS, RefusedOriginal } from './limits.ts';

/**
 * Checks a ZIP-based original (DOCX, XLSX, OFD) before any library opens it: member names must be
 * relative paths inside the archive, and the members must really inflate to no more than the limit.
 * The libraries (mammoth, xlsx, JSZip) inflate every member whole and unbounded, so a 10 kB DOCX whose
 * document.xml inflates to gigabytes would exhaust memory; here each member is inflated with a hard cap
 * on its output, so sizes declared in the headers cannot lie. Nothing is written to disk.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;

export interface ZipSummary {
  entries: number;
  inflatedBytes: number;
}

/** A member name that would leave the folder it is unpacked into, or names a device or absolute path. */
export function unsafeMemberName(name: string): string | null {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (/^[/\\]/.test(name)) return 'is an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'names a drive';
  if (name.split(/[/\\]/).includes('..')) return 'climbs out with ".."';
  return null;
}

export async function checkZip(bytes: Buffer, limits = EXTRACT_LIMITS): Promise<ZipSummary> {
  const end = findEocd(bytes);
  if (end < 0) throw new RefusedOriginal('damaged ZIP: no end-of-central-directory record (truncated download?)');
  let count = bytes.readUInt16LE(end + 10);
  let cdOffset = bytes.readUInt32LE(end + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    // ZIP64: the real values are in the ZIP64 end record the locator points at.
    const loc = end - 20;
    if (loc < 0 || bytes.readUInt32LE(loc) !== ZIP64_EOCD_LOCATOR) throw new RefusedOriginal('damaged ZIP64: no locator');
    const rec = Number(bytes.readBigUInt64LE(loc + 8));
    if (rec + 56 > bytes.length) throw new RefusedOriginal('damaged ZIP64: end record outside the file');
    count = Number(bytes.readBigUInt64LE(rec + 32));
    cdOffset = Number(bytes.readBigUInt64LE(rec + 48));
  }
  if (count > limits.zipEntries) throw new RefusedOriginal(`ZIP holds ${count} members, over the limit of ${limits.zipEntries}`);
  let p = cdOffset;
  let inflated = 0;
  const budgetMb = Math.round(limits.zipInflatedBytes / 1024 / 1024);
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== CENTRAL) throw new RefusedOriginal('damaged ZIP: central directory cut short');
    const flags = bytes.readUInt16LE(p + 8);
    const method = bytes.readUInt16LE(p + 10);
    let compSize = bytes.readUInt32LE(p + 20);
    let size = bytes.readUInt32LE(p + 24);
    const nameLen = bytes.readUInt16LE(p + 28);
    const extraLen = bytes.readUInt16LE(p + 30);
    const commentLen = bytes.readUInt16LE(p + 32);
    let local = bytes.readUInt32LE(p + 42);
    const name = bytes.subarray(p + 46, p + 46 + nameLen).toString(flags & 0x800 ? 'utf8' : 'latin1');
    const why = unsafeMemberName(name);
    if (why) throw new RefusedOriginal(`ZIP member "${name.replace(/[\0-\x1f]/g, '?').slice(0, 120)}" ${why}; refused`);
    if (flags & 0x1) throw new RefusedOriginal(`ZIP member "${name}" is encrypted`);
    // ZIP64 extra field: sizes and offset that did not fit, in this order.
    const extra = bytes.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = () => { const v = q + 8 <= e + 4 + len && q + 8 <= extra.length ? Number(extra.readBigUInt64LE(q)) : NaN; q += 8; return v; };
        if (size === 0xffffffff) size = next();
        if (compSize === 0xffffffff) compSize = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    if (!(size >= 0) || inflated + size > limits.zipInflatedBytes) {
      throw new RefusedOriginal(`ZIP member "${name}" declares ${size} bytes: the members would inflate past the limit of ${budgetMb} MB (a ZIP bomb?)`);
    }
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== LOCAL) throw new RefusedOriginal(`damaged ZIP: member "${name}" not where the directory says`);
    const dataStart = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(dataStart, dataStart + compSize);
    if (data.length < compSize) throw new RefusedOriginal(`damaged ZIP: member "${name}" cut short (truncated download?)`);
    let real: number;
    if (method === 0) real = compSize;
    else if (method === 8) {
      // Inflating (and counting, keeping nothing) is what makes the check honest: headers can lie, this cannot.
      real = await inflatedSize(data, limits.zipInflatedBytes - inflated, name, budgetMb);
    } else throw new RefusedOriginal(`ZIP member "${name}" uses compression method ${method}, which no reader here supports`);
    if (real !== size) throw new RefusedOriginal(`damaged ZIP: member "${name}" inflates to ${real} bytes, not the ${size} its header declares`);
    inflated += real;
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries: count, inflatedBytes: inflated };
}

function findEocd(bytes: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65535.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (bytes.readUInt32LE(i) === EOCD) return i;
  }
  return -1;
}

/** Bytes a raw deflate stream inflates to, counted in chunks and never held; stops past `room`. */
function inflatedSize(data: Buffer, room: number, name: string, budgetMb: number): Promise<number> {
  return new Promise((ok, fail) => {
    const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
    let n = 0;
    inflate.on('data', (c: Buffer) => {
      n += c.length;
      if (n > room) {
        inflate.destroy();
        fail(new RefusedOriginal(`ZIP member "${name}" inflates past the limit of ${budgetMb} MB (a ZIP bomb?)`));
      }
    });
    inflate.on('error', (err) => fail(new RefusedOriginal(`damaged ZIP: member "${name}" does not inflate (${err.message})`)));
    inflate.on('end', () => ok(n));
    inflate.end(data);
  });
}
