import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mammoth from 'mammoth';
import WordExtractor from 'word-extractor';
import * as XLSX from 'xlsx';
import type { Block, ExtractedDocument } from './document.ts';
import { tidyCell } from './cells.ts';
import { documentFromHtml } from './html.ts';

const run = promisify(execFile);

/** DOCX through mammoth's HTML, which keeps tables (its raw text does not). */
export async function documentFromDocx(bytes: Buffer): Promise<ExtractedDocument> {
  const { value, messages } = await mammoth.convertToHtml({ buffer: bytes });
  const doc = documentFromHtml(`<html><body>${value}</body></html>`, { wholePage: true, method: 'docx' });
  const errors = messages.filter((m) => m.type === 'error').map((m) => `mammoth: ${m.message}`);
  return { ...doc, warnings: [...doc.warnings, ...errors] };
}

/**
 * DOC and Kingsoft WPS (OLE2) through word-extractor: table cells come tab-separated, a row ends in a
 * tab. Runs of such lines become one grid.
 */
export async function documentFromDoc(bytes: Buffer): Promise<ExtractedDocument> {
  const body = (await new WordExtractor().extract(bytes)).getBody();
  return { ...documentFromTabbedText(body), method: 'doc' };
}

export function documentFromTabbedText(body: string): ExtractedDocument {
  const blocks: Block[] = [];
  let table: string[][] | null = null;
  const flush = () => {
    if (table?.length) blocks.push({ kind: 'table', rows: table });
    table = null;
  };
  for (const raw of body.split(/\r\n|\r|\n/)) {
    if (raw.includes('\t')) {
      const cells = raw.replace(/\t$/, '').split('\t').map(tidyCell);
      (table ??= []).push(cells);
      continue;
    }
    flush();
    const t = tidyCell(raw);
    if (t) blocks.push({ kind: 'text', text: t });
  }
  flush();
  // Rows of one table can differ in width where cells were merged; pad so the grid is rectangular.
  for (const b of blocks) if (b.kind === 'table') {
    const w = Math.max(...b.rows.map((r) => r.length));
    for (const r of b.rows) while (r.length < w) r.push('');
  }
  return { blocks, meta: {}, method: 'doc', quality: 0.95, warnings: [], ocr: false };
}

/** Spreadsheets: every sheet a grid, merged ranges repeated in each cell they cover. */
export function documentFromSheet(bytes: Buffer): ExtractedDocument {
  const wb = XLSX.read(bytes, { type: 'buffer', cellDates: false });
  const blocks: Block[] = [];
  for (const name of wb.SheetNames) {
    const ws = wb.Sheets[name]!;
    const rows = XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: false, defval: '', blankrows: false });
    const grid = rows.map((r) => r.map((c) => tidyCell(String(c ?? ''))));
    for (const m of ws['!merges'] ?? []) {
      const v = grid[m.s.r]?.[m.s.c] ?? '';
      for (let r = m.s.r; r <= m.e.r; r++) for (let c = m.s.c; c <= m.e.c; c++) if (grid[r]) grid[r]![c] = v;
    }
    const w = Math.max(0, ...grid.map((r) => r.length));
    const rect = grid.map((r) => Array.from({ length: w }, (_, i) => r[i] ?? '')).filter((r) => r.some((c) => c));
    blocks.push({ kind: 'text', text: name });
    if (rect.length) blocks.push({ kind: 'table', rows: rect });
  }
  return { blocks, meta: {}, method: 'xls', quality: 1, warnings: [], ocr: false };
}

/**
 * LibreOffice headless converts what the libraries cannot read (RTF, odd DOC/WPS) to DOCX; each call
 * gets its own profile directory, since a shared one locks.
 */
export async function convertWithLibreOffice(bytes: Buffer, ext: string, to: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nianbao-lo-'));
  try {
    const input = path.join(dir, `original.${ext}`);
    await writeFile(input, bytes);
    await run(
      'soffice',
      [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--norestore', '--convert-to', to, '--outdir', path.join(dir, 'out'), input],
      { timeout: 120_000 },
    );
    const out = await readdir(path.join(dir, 'out'));
    if (!out[0]) throw new Error(`LibreOffice produced no ${to} file`);
    return await readFile(path.join(dir, 'out', out[0]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function documentViaLibreOffice(bytes: Buffer, ext: string): Promise<ExtractedDocument> {
  const docx = await convertWithLibreOffice(bytes, ext, 'docx');
  const doc = await documentFromDocx(docx);
  return { ...doc, method: 'libreoffice', quality: Math.min(doc.quality, 0.9) };
}
