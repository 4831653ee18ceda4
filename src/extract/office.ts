import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mammoth from 'mammoth';
import WordExtractor from 'word-extractor';
import * as XLSX from 'xlsx';
import type { Block, ExtractedDocument, Span } from './document.ts';
import { tidyCell } from './cells.ts';
import { documentFromHtml } from './html.ts';
import { EXTRACT_LIMITS, RefusedOriginal } from './limits.ts';
import { checkZip } from './zipguard.ts';

const run = promisify(execFile);
const LIBREOFFICE_TIMEOUT_MS = 120_000;

/** A failed or timed-out helper program as one line: which tool, and its last words. */
export function toolError(tool: string, err: unknown, timeoutMs: number): Error {
  const e = err as { killed?: boolean; signal?: string; code?: unknown; stderr?: string; message?: string };
  if (e?.killed || e?.signal === 'SIGTERM') return new RefusedOriginal(`${tool} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`);
  if (e?.code === 'ENOENT') return new Error(`${tool} is not installed (command not found)`);
  const last = String(e?.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !/javaldx/.test(l)).at(-1);
  return new RefusedOriginal(`${tool} failed: ${(last ?? String(e?.message ?? err).split('\n')[0] ?? '').replace(/\/tmp\/nianbao-[\w-]+\//g, '')}`);
}

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
    // A few cells far apart (row 1,000,000, column XFD), or one merge over the whole sheet, would make a
    // grid of billions of cells: refuse a sheet whose range or merges go beyond any report's tables.
    const area = (r: XLSX.Range) => (r.e.r - r.s.r + 1) * (r.e.c - r.s.c + 1);
    const used = area(XLSX.utils.decode_range(ws['!ref'] ?? 'A1'));
    const merged = (ws['!merges'] ?? []).reduce((n, m) => n + area(m), 0);
    if (used > EXTRACT_LIMITS.sheetCells || merged > EXTRACT_LIMITS.sheetCells) {
      throw new RefusedOriginal(`sheet "${name}" spans ${ws['!ref']} (${used} cells, ${merged} merged), over the limit of ${EXTRACT_LIMITS.sheetCells}`);
    }
    // Blank rows are kept until the merges are applied: merge ranges count them, relative to the sheet's range.
    const rows = XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: false, defval: '', blankrows: true });
    const grid = rows.map((r) => r.map((c) => tidyCell(String(c ?? ''))));
    const origin = XLSX.utils.decode_range(ws['!ref'] ?? 'A1').s;
    const mergedSlots: Array<[number, number, Span]> = [];
    for (const m of ws['!merges'] ?? []) {
      const at = (r: number, c: number) => [r - origin.r, c - origin.c] as const;
      const [r0, c0] = at(m.s.r, m.s.c);
      const [r1, c1] = at(m.e.r, m.e.c);
      const v = grid[r0]?.[c0] ?? '';
      const span: Span = { row: r0, col: c0, rows: r1 - r0 + 1, cols: c1 - c0 + 1 };
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (grid[r]) {
        grid[r]![c] = v;
        mergedSlots.push([r, c, span]);
      }
    }
    const w = Math.max(0, ...grid.map((r) => r.length));
    const spans = grid.map((_, r) => Array.from({ length: w }, (_, c): Span => ({ row: r, col: c, rows: 1, cols: 1 })));
    for (const [r, c, span] of mergedSlots) if (spans[r] && c < w) spans[r]![c] = span;
    const keep = grid.map((r) => r.some((c) => c));
    const rect = grid.map((r) => Array.from({ length: w }, (_, i) => r[i] ?? '')).filter((_, r) => keep[r]);
    blocks.push({ kind: 'text', text: name });
    if (rect.length) blocks.push({ kind: 'table', rows: rect, spans: spans.filter((_, r) => keep[r]) });
  }
  return { blocks, meta: {}, method: 'xls', quality: 1, warnings: [], ocr: false };
}

/**
 * LibreOffice headless converts what the libraries cannot read (RTF, odd DOC/WPS) to DOCX; each call
 * gets its own profile directory, since a shared one locks.
 */
export async function convertWithLibreOffice(bytes: Buffer, ext: string, to: string, inFilter?: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nianbao-lo-'));
  try {
    // The input's name is fixed here (never the name the web gave it), so it cannot point elsewhere.
    const input = path.join(dir, `original.${ext.replace(/[^a-z0-9]/gi, '')}`);
    await writeFile(input, bytes);
    await run(
      'soffice',
      [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--norestore', ...(inFilter ? [`--infilter=${inFilter}`] : []),
        '--convert-to', to, '--outdir', path.join(dir, 'out'), input],
      { timeout: LIBREOFFICE_TIMEOUT_MS, maxBuffer: 1024 * 1024 },
    ).catch((err: unknown) => { throw toolError('LibreOffice', err, LIBREOFFICE_TIMEOUT_MS); });
    const out = await readdir(path.join(dir, 'out')).catch(() => []);
    if (!out[0]) throw new RefusedOriginal(`LibreOffice could not read it${inFilter ? ` as ${inFilter}` : ''} (damaged, or not the format it claims to be)`);
    return await readFile(path.join(dir, 'out', out[0]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `inFilter` pins the import filter: without it LibreOffice falls back to importing unreadable bytes as
 * plain text, and a damaged DOC would "succeed" as a page of mojibake.
 */
export async function documentViaLibreOffice(bytes: Buffer, ext: string, inFilter?: string): Promise<ExtractedDocument> {
  const docx = await convertWithLibreOffice(bytes, ext, 'docx', inFilter);
  await checkZip(docx);
  const doc = await documentFromDocx(docx);
  // LibreOffice imports bytes it cannot place as text in some encoding: refuse pages of mojibake.
  const share = readableShare(doc);
  if (share < 0.6) throw new RefusedOriginal(`unreadable: LibreOffice could only import it as text, and ${Math.round((1 - share) * 100)}% of its characters are not Chinese, Latin or punctuation`);
  return { ...doc, method: 'libreoffice', quality: Math.min(doc.quality, 0.9) };
}

/** Characters a report is written in: CJK ideographs and punctuation, full-width forms, printable ASCII. */
const READABLE = /[\u0020-\u007e\u00a0-\u00ff\u2000-\u206f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\s]/u;

/** Share of a document's characters that are readable (random bytes read as UTF-16 score about 0.35). */
export function readableShare(doc: ExtractedDocument): number {
  let all = 0;
  let ok = 0;
  for (const b of doc.blocks) for (const t of b.kind === 'text' ? [b.text] : b.rows.flat()) for (const ch of t) {
    all++;
    if (READABLE.test(ch)) ok++;
  }
  return all ? ok / all : 1;
}
