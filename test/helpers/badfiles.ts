/**
 * Hostile and damaged originals, made from the LibreOffice-made fixtures or built byte by byte here:
 * what a government portal (or anyone impersonating one) can serve. Each builder says what it is.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateRawSync, constants as Z } from 'node:zlib';
import JSZip from 'jszip';
import * as XLSX from 'xlsx';
import { rng } from './random.ts';

const run = promisify(execFile);


export function randomBytes(n: number, rand: () => number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

export interface ZipMember {
  name: string;
  /** Uncompressed content, deflated here. */
  data?: Buffer;
  /** Or a raw deflate stream prepared by the caller, with its CRC and inflated size. */
  deflated?: { raw: Buffer; crc: number; size: number };
  /** Inflated size written in the headers, when it should lie. */
  declaredSize?: number;
}

/** A plain ZIP writer (deflate, no ZIP64), so member names are written exactly as given. */
export function zipOf(members: ZipMember[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const d = { ...(m.deflated ?? { raw: deflateRawSync(m.data!), crc: crc32(m.data!), size: m.data!.length }) };
    if (m.declaredSize !== undefined) d.size = m.declaredSize;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(d.crc >>> 0, 14);
    local.writeUInt32LE(d.raw.length, 18);
    local.writeUInt32LE(d.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(0x800, 8);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(d.crc >>> 0, 16);
    cd.writeUInt32LE(d.raw.length, 20);
    cd.writeUInt32LE(d.size >>> 0, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, name, d.raw);
    central.push(cd, name);
    offset += 30 + name.length + d.raw.length;
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, end]);
}

/** Every member of a ZIP, uncompressed (small fixtures only). */
export async function membersOf(zip: Buffer): Promise<ZipMember[]> {
  const z = await JSZip.loadAsync(zip);
  const out: ZipMember[] = [];
  for (const f of Object.values(z.files)) if (!f.dir) out.push({ name: f.name, data: Buffer.from(await f.async('uint8array')) });
  return out;
}

/**
 * A raw deflate stream of `prefix`, then `repeat` MiB of spaces, then `suffix`, built without ever
 * holding the inflated bytes: a sync-flushed deflate segment of one MiB of spaces refers only to
 * itself, so copies of it can be concatenated; a final empty stored block ends the stream.
 */
export function spacesBomb(prefix: string, mib: number, suffix: string): { raw: Buffer; crc: number; size: number } {
  const MiB = Buffer.alloc(1024 * 1024, 0x20);
  const flush = { finishFlush: Z.Z_SYNC_FLUSH, level: 9 };
  const seg = deflateRawSync(MiB, flush);
  const head = deflateRawSync(Buffer.from(prefix), flush);
  const tail = deflateRawSync(Buffer.from(suffix)); // final block
  let crc = crc32(Buffer.from(prefix));
  for (let i = 0; i < mib; i++) crc = crc32(MiB, crc);
  crc = crc32(Buffer.from(suffix), crc);
  const raw = Buffer.concat([head, ...Array.from({ length: mib }, () => seg), tail]);
  return { raw, crc, size: (Buffer.byteLength(prefix) + mib * MiB.length + Buffer.byteLength(suffix)) % 2 ** 32 };
}

/** The fixture DOCX with its document.xml swapped for one that inflates to `mib` MiB of whitespace. */
export async function docxBomb(fixtureDocx: Buffer, mib: number, declaredSize?: number): Promise<Buffer> {
  const members = await membersOf(fixtureDocx);
  const docXml = members.find((m) => m.name === 'word/document.xml')!.data!.toString('utf8');
  const at = docXml.indexOf('<w:body>') + '<w:body>'.length;
  return zipOf(members.map((m) => (m.name === 'word/document.xml' ? { name: m.name, deflated: spacesBomb(docXml.slice(0, at), mib, docXml.slice(at)), ...(declaredSize !== undefined ? { declaredSize } : {}) } : m)));
}

/** A real XLSX (written by the xlsx library) with one more member whose name climbs out of the folder. */
export async function traversalXlsx(evilName = '../../../../tmp/nianbao-escaped.txt'): Promise<Buffer> {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['项目', '数量'], ['本年新收政府信息公开申请数量', 12]]), '年报');
  const xlsx = Buffer.from(XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }) as Buffer);
  return zipOf([...(await membersOf(xlsx)), { name: evilName, data: Buffer.from('escaped\n') }]);
}

/** An ODT-like ZIP (mimetype, content.xml) with an absolute member path. */
export function traversalOdt(): Buffer {
  return zipOf([
    { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') },
    { name: 'content.xml', data: Buffer.from('<?xml version="1.0"?><office:document-content/>') },
    { name: '/etc/cron.d/nianbao', data: Buffer.from('* * * * * root true\n') },
  ]);
}

/** A valid PNG header (signature, IHDR with correct CRC, IEND) declaring width × height, with no pixels. */
export function pngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateRawSync(Buffer.alloc(0))), chunk('IEND', Buffer.alloc(0))]);
}

/** A baseline JPEG's first bytes declaring width × height (SOF0), nothing decodable after. */
export function jpegHeader(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00]);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'), sof, Buffer.from([0xff, 0xd9])]);
}

/** A PDF with one page of `w` × `h` points and no text, so it goes to OCR. */
export function hugePagePdf(w: number, h: number): Buffer {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Contents 4 0 R >>`,
    '<< /Length 0 >>\nstream\n\nendstream',
  ];
  let out = '%PDF-1.4\n';
  const offs: number[] = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const x = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n` + offs.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${x}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** OLE2 compound-file signature followed by noise; with the WordDocument stream name it sniffs as DOC. */
export function garbageOle(seed: number, asWord: boolean, size = 48 * 1024): Buffer {
  const b = randomBytes(size, rng(seed));
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(b, 0);
  if (asWord) Buffer.from('WordDocument', 'utf16le').copy(b, 1024);
  return b;
}

/** The fixture DOCX printed by LibreOffice to a PDF that needs a password to open (RC4/AES, as LibreOffice writes it). */
export async function encryptedPdf(docxPath: string, password = 'nianbao'): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nianbao-enc-'));
  try {
    const filter = JSON.stringify({ EncryptFile: { type: 'boolean', value: 'true' }, DocumentOpenPassword: { type: 'string', value: password } });
    await run('soffice', [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--norestore', '--convert-to', `pdf:writer_pdf_Export:${filter}`, '--outdir', dir, docxPath], { timeout: 180_000 });
    return await readFile(path.join(dir, path.basename(docxPath).replace(/\.docx$/, '.pdf')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The fixture DOCX with `paragraphs` more paragraphs: small on disk, large once a reader builds its tree. */
export async function longDocx(fixtureDocx: Buffer, paragraphs: number): Promise<Buffer> {
  const members = await membersOf(fixtureDocx);
  const xml = members.find((m) => m.name === 'word/document.xml')!.data!.toString('utf8');
  const at = xml.indexOf('<w:body>') + '<w:body>'.length;
  const big = xml.slice(0, at) + '<w:p><w:r><w:t>本年新收政府信息公开申请数量</w:t></w:r></w:p>'.repeat(paragraphs) + xml.slice(at);
  return zipOf(members.map((m) => (m.name === 'word/document.xml' ? { name: m.name, data: Buffer.from(big) } : m)));
}

/** A real two-cell XLSX from the xlsx library with its sheet XML replaced (the writer would loop over the range). */
async function xlsxWithSheet(sheetXml: (cells: string) => string): Promise<Buffer> {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['本年新收政府信息公开申请数量', 12]]), '年报');
  const members = await membersOf(Buffer.from(XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }) as Buffer));
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  return zipOf(members.map((m) => (m.name === 'xl/worksheets/sheet1.xml' ? { name: m.name, data: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><worksheet ${ns}>${sheetXml(ns)}</worksheet>`) } : m)));
}

/** One number in column XFD on each of `rows` rows: tiny, but its used range is rows × 16,384 cells. */
export function wideSheetXlsx(rows: number): Promise<Buffer> {
  const data = Array.from({ length: rows }, (_, r) => `<row r="${r + 1}"><c r="XFD${r + 1}"><v>${r}</v></c></row>`).join('');
  return xlsxWithSheet(() => `<dimension ref="A1:XFD${rows}"/><sheetData>${data}</sheetData>`);
}

/** Two cells and one merge over the whole sheet (A1:XFD1048576). */
export function mergedSheetXlsx(): Promise<Buffer> {
  return xlsxWithSheet(() => '<dimension ref="A1:B1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>本年新收</t></is></c><c r="B1"><v>12</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>');
}
