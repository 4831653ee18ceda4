/**
 * Bad originals from the open web, through every door they come in by: `extractOriginal` (the crawler's
 * ingest), `nianbao parse` (a person's files) and `nianbao reparse` (the archive). Each must give one
 * clear error, recorded or printed as one line, within a time limit and bounded memory: never a crash,
 * a hang, or a file written outside the storage.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTRACT_LIMITS, extractOriginal, RefusedOriginal } from '../../src/extract/index.ts';
import { PDFJS_OPTIONS } from '../../src/extract/pdf.ts';
import { ParsePool } from '../../src/pipeline/index.ts';
import { openStorage } from '../../src/pipeline/index.ts';
import { makeFixtures, type Fixtures } from '../fixtures/make-fixtures.ts';
import * as B from '../helpers/badfiles.ts';
import { rng } from '../helpers/random.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nianbao-bad-'));

interface BadFile {
  name: string;
  bytes: Buffer;
  /** The one error line it must give. */
  error: RegExp;
}

let fx: Fixtures;
let bad: BadFile[];

/** What each bad original is and the error it must give: facts as data. */
async function badFiles(): Promise<BadFile[]> {
  const pdf = await readFile(fx.pdf);
  const docx = await readFile(fx.docx);
  return [
    { name: 'truncated-half.pdf', bytes: pdf.subarray(0, pdf.length >> 1), error: /^damaged PDF \(truncated download\?\)/ },
    { name: 'truncated-1k.pdf', bytes: pdf.subarray(0, 1024), error: /^damaged PDF/ },
    { name: 'noise-after-header.pdf', bytes: Buffer.concat([Buffer.from('%PDF-1.7\n'), B.randomBytes(30_000, rng(1))]), error: /^damaged PDF/ },
    { name: 'encrypted.pdf', bytes: await B.encryptedPdf(fx.docx), error: /^PDF is encrypted with a password to open it/ },
    { name: 'page-5m-square.pdf', bytes: B.hugePagePdf(14_400, 14_400), error: /^PDF page 1 at 300 dpi is 60000 × 60000 pixels .*refused before OCR/ },
    // 1 GiB of document.xml in a ~1 MB DOCX, once with honest headers and once claiming 40 kB.
    { name: 'bomb-honest.docx', bytes: await B.docxBomb(docx, 1024), error: /^ZIP member "word\/document.xml" declares 1073\d+ bytes: .*ZIP bomb/ },
    { name: 'bomb-lying.docx', bytes: await B.docxBomb(docx, 1024, 40_000), error: /^ZIP member "word\/document.xml" inflates past the limit of 256 MB/ },
    { name: 'bomb-under-limit-lying.docx', bytes: await B.docxBomb(docx, 200, 40_000), error: /^damaged ZIP: member "word\/document.xml" inflates to 209\d+ bytes, not the 40000/ },
    { name: 'truncated.docx', bytes: docx.subarray(0, 5000), error: /^damaged ZIP: no end-of-central-directory record/ },
    { name: 'traversal.xlsx', bytes: await B.traversalXlsx(), error: /^ZIP member "\.\.\/\.\.\/\.\.\/\.\.\/tmp\/nianbao-escaped\.txt" climbs out/ },
    { name: 'wide-sheet.xlsx', bytes: await B.wideSheetXlsx(2000), error: /^sheet "年报" spans A1:XFD2000 \(32768000 cells, 0 merged\), over the limit of 10000000/ },
    { name: 'merge-everything.xlsx', bytes: await B.mergedSheetXlsx(), error: /^sheet "年报" spans A1:B1 \(2 cells, 17179869184 merged\)/ },
    { name: 'absolute.odt', bytes: B.traversalOdt(), error: /^ZIP member "\/etc\/cron\.d\/nianbao" is an absolute path/ },
    { name: 'huge.png', bytes: B.pngHeader(100_000, 100_000), error: /^PNG image is 100000 × 100000 pixels .*refused before OCR/ },
    { name: 'huge.jpg', bytes: B.jpegHeader(60_000, 60_000), error: /^JPEG image is 60000 × 60000 pixels/ },
    { name: 'no-pixels.png', bytes: B.pngHeader(100, 100), error: /^ImageMagick failed: / },
    { name: 'garbage.doc', bytes: B.garbageOle(2, true), error: /^LibreOffice could not read it as MS Word 97/ },
    { name: 'garbage.wps', bytes: B.garbageOle(3, false), error: /^unreadable: LibreOffice could only import it as text/ },
  ];
}

beforeAll(async () => {
  fx = await makeFixtures();
  bad = await badFiles();
  for (const f of bad) writeFileSync(join(root, f.name), f.bytes);
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bad originals through extractOriginal', () => {
  it('each is refused with its one clear error, quickly', async () => {
    const seen: Array<{ name: string; ms: number; error: string }> = [];
    for (const f of bad) {
      const t = Date.now();
      const err = await extractOriginal(f.bytes, { fileName: f.name }, { ocr: true }).then(() => null, (e: unknown) => e as Error);
      seen.push({ name: f.name, ms: Date.now() - t, error: err?.message ?? 'NO ERROR' });
      expect(err, f.name).toBeInstanceOf(RefusedOriginal);
      expect(err!.message, f.name).toMatch(f.error);
      expect(err!.message.includes('\n'), f.name).toBe(false);
    }
    console.log(seen.map((s) => `${s.name.padEnd(28)} ${String(s.ms).padStart(6)} ms  ${s.error}`).join('\n'));
    // LibreOffice and ImageMagick runs take seconds; nothing else may take more than one.
    for (const s of seen) if (!/garbage|no-pixels/.test(s.name)) expect(s.ms, s.name).toBeLessThan(10_000);
  }, 180_000);

  it('the limits are data, with room for real reports', () => {
    expect(EXTRACT_LIMITS.zipInflatedBytes).toBe(256 * 1024 * 1024);
    expect(EXTRACT_LIMITS.ocrPixels).toBeGreaterThan(Math.ceil((297 / 25.4) * 600) * Math.ceil((210 / 25.4) * 600)); // A4 at 600 dpi
  });

  it('the good fixtures still extract (the guards refuse only what they should)', async () => {
    for (const p of [fx.pdf, fx.docx, fx.html]) {
      const doc = await extractOriginal(await readFile(p), {}, { ocr: false });
      expect(doc.blocks.some((b) => b.kind === 'table'), p).toBe(true);
    }
  }, 60_000);
});

describe('pdf.js runs without eval and without fetching', () => {
  it('every getDocument call in src uses the one option set, which has isEvalSupported: false', () => {
    const calls: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|mjs|js)$/.test(e.name)) {
          const text = readFileSync(p, 'utf8');
          expect(text, `${p} must not use pdf-parse (its getDocument has its own options)`).not.toMatch(/from ['"]pdf-parse/);
          if (!/from ['"]pdfjs-dist|import\(['"]pdfjs-dist/.test(text)) continue;
          for (const m of text.matchAll(/getDocument\(([\s\S]*?)\)\.promise/g)) calls.push(`${p}: ${m[1]}`);
        }
      }
    };
    walk(SRC);
    expect(calls).toHaveLength(1); // src/extract/pdf.ts, the one place pdf.js is opened
    for (const c of calls) expect(c).toMatch(/\.\.\.PDFJS_OPTIONS/);
    expect(PDFJS_OPTIONS.isEvalSupported).toBe(false);
    expect(PDFJS_OPTIONS.enableXfa).toBe(false);
  });

  it('cMaps and standard fonts are local folders, and extracting a PDF makes no fetch', async () => {
    for (const dir of [PDFJS_OPTIONS.cMapUrl, PDFJS_OPTIONS.standardFontDataUrl]) {
      expect(dir).toMatch(/^\//);
      expect(existsSync(dir)).toBe(true);
    }
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((input: unknown) => { fetched.push(String(input)); return Promise.reject(new Error('no network in extraction')); }) as typeof fetch;
    try {
      const doc = await extractOriginal(await readFile(fx.pdf), {}, { ocr: false });
      expect(doc.method).toBe('pdf-text');
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(fetched).toEqual([]);
  });
});

describe('pdf.js rejections left without a handler', () => {
  const EXTRACT = new URL('../../src/extract/index.ts', import.meta.url).href;
  const REGRESSION = fileURLToPath(new URL('../fixtures/regressions/pdfjs-stray-xref-rejection.pdf', import.meta.url));
  const child = (body: string) => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
    const { extractOriginal } = await import(${JSON.stringify(EXTRACT)});
    const { readFileSync } = await import('node:fs');
    ${body}`], { encoding: 'utf8', timeout: 60_000 });

  it('a damaged PDF whose xref recovery rejects inside pdf.js does not kill the process', () => {
    // Found by bench/fuzz.ts (seed 2, input 890: the fixture PDF with 929 bytes zeroed before its xref table).
    const r = child(`
      await extractOriginal(readFileSync(${JSON.stringify(REGRESSION)}), {}, { ocr: false }).then(() => console.log('read'), (e) => console.log('refused', e.message));
      await new Promise((ok) => setTimeout(ok, 500));
      console.log('alive');`);
    expect(r.stderr).not.toMatch(/XRefEntryException/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('alive');
    expect(r.status).toBe(0);
  }, 90_000);

  it('any other unhandled rejection still ends the process, as Node would', () => {
    const r = child(`
      await extractOriginal(readFileSync(${JSON.stringify(REGRESSION)}), {}, { ocr: false }).catch(() => {});
      Promise.reject(new Error('a real bug'));
      await new Promise((ok) => setTimeout(ok, 500));
      console.log('alive');`);
    expect(r.stdout).not.toContain('alive');
    expect(r.stderr).toContain('a real bug');
    expect(r.status).not.toBe(0);
  }, 90_000);
});

/** Runs the CLI under GNU time, so its peak memory is measured by the kernel, not by itself. */
function cli(args: string[], timeoutMs = 240_000): { status: number | null; stdout: string; stderr: string; maxRssKb: number; ms: number } {
  const rss = join(root, `rss-${Date.now()}`);
  const t = Date.now();
  const r = spawnSync('/usr/bin/time', ['-o', rss, '-f', '%M', process.execPath, BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, maxRssKb: Number(readFileSync(rss, 'utf8').trim().split('\n').at(-1)), ms: Date.now() - t };
}

describe('nianbao parse with bad files', () => {
  it('one stderr line per bad file, the good file still parsed, non-zero exit, bounded memory', () => {
    const files = bad.map((f) => join(root, f.name));
    const r = cli(['parse', ...files, fx.html, '--json']);
    console.log(`nianbao parse of ${files.length} bad files + 1 good: ${r.ms} ms, peak RSS ${Math.round(r.maxRssKb / 1024)} MB`);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(bad.length);
    bad.forEach((f, i) => {
      const prefix = `nianbao: ${join(root, f.name)}: `;
      expect(lines[i]!.startsWith(prefix), lines[i]).toBe(true);
      expect(lines[i]!.slice(prefix.length), f.name).toMatch(f.error);
    });
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string });
    expect(out.map((o) => o.file)).toEqual([fx.html]);
    // tsx + pdf.js in one worker take about 700 MB here; a bomb inflated in memory would take gigabytes.
    expect(r.maxRssKb).toBeLessThan(1_200_000);
    expect(existsSync('/tmp/nianbao-escaped.txt')).toBe(false);
  }, 300_000);

  it('a file that takes longer than --time-limit fails alone with one line; the next file is still read', () => {
    const r = cli(['parse', '--time-limit', '2', fx.scanPdf, fx.html, '--json']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`nianbao: ${fx.scanPdf}: extraction took longer than 2 s`]);
    expect(JSON.parse(r.stdout.trim()).file).toBe(fx.html);
    expect(r.ms).toBeLessThan(60_000);
  }, 120_000);

  it('a worker that runs out of memory fails that document alone, with one line', async () => {
    // A 60 kB DOCX whose 200,000 paragraphs need more than 128 MB of heap once mammoth builds its tree:
    // the real out-of-memory path, with the cap lowered so the test is quick (the default is WORKER_MEMORY_MB).
    const pool = new ParsePool(1, { ocr: false, timeoutMs: 120_000, memoryMb: 128 });
    try {
      const long = await B.longDocx(await readFile(fx.docx), 200_000);
      expect(long.length).toBeLessThan(100_000);
      const err = await pool.parse(long, {}, null).then(() => null, (e: Error) => e);
      expect(err?.message).toBe('extraction ran out of memory (worker heap limit 128 MB)');
      // The replaced worker reads the next original.
      const rec = await pool.parse(await readFile(fx.html), {}, null);
      expect(rec.tables.requests.found).toBe(true);
    } finally {
      await pool.close();
    }
  }, 120_000);

  it('a worker that cannot start fails the queue instead of respawning forever', async () => {
    const pool = new ParsePool(1, { ocr: false, timeoutMs: 60_000, memoryMb: 8 });
    try {
      const err = await pool.parse(await readFile(fx.html), {}, null).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^no parser worker could start: extraction ran out of memory/);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('nianbao reparse with bad originals in the archive', () => {
  it('records one error per original, exits non-zero, and verify stays clean', async () => {
    const storageDir = join(root, 'storage');
    const storage = await openStorage(storageDir);
    const versionOf = new Map<number, BadFile>();
    try {
      for (const [i, f] of bad.entries()) {
        const v = await storage.recordVersion({
          agencyId: null, agencyName: '测试局', year: null, sourceUrl: `http://bad.localhost/${i}/${f.name}`, bytes: f.bytes,
          contentType: 'application/octet-stream', fileName: f.name,
        });
        versionOf.set(v.versionId, f);
      }
    } finally {
      await storage.close();
    }
    const r = cli(['reparse', '--storage', storageDir, '--json', '--workers', '2']);
    expect(r.status).toBe(1);
    const summary = JSON.parse(r.stdout) as { parsed: number; failed: Array<{ versionId: number; error: string }> };
    console.log(`nianbao reparse of ${bad.length} bad originals: ${r.ms} ms, peak RSS ${Math.round(r.maxRssKb / 1024)} MB`);
    expect(summary.parsed).toBe(0);
    expect(summary.failed).toHaveLength(bad.length);
    const db = new BetterSqlite3(join(storageDir, 'nianbao.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('select version_id, error from records where superseded_at is null').all() as Array<{ version_id: number; error: string | null }>;
      expect(rows).toHaveLength(bad.length);
      for (const row of rows) expect(row.error, versionOf.get(row.version_id)!.name).toMatch(versionOf.get(row.version_id)!.error);
    } finally {
      db.close();
    }
    const v = cli(['verify', '--storage', storageDir]);
    expect(v.stdout).toMatch(new RegExp(`^ok: ${bad.length} originals re-hashed`, 'm'));
    expect(v.status).toBe(0);
  }, 300_000);
});
