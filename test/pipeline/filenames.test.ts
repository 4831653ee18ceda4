/**
 * A file name from the web (URL basename, Content-Disposition) is metadata, never a path: originals are
 * stored under their digest, LibreOffice and OCR get fixed temp names, WARC/WACZ and dataset exports
 * have fixed member names, the dashboard copies originals by digest. Hostile names go through ingest,
 * reparse, WARC/WACZ, dataset export and dashboard, and nothing appears outside the storage or the output
 * folders; the name is kept verbatim in the database and on one line in the WARC metadata.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestOriginal, openStorage } from '../../src/pipeline/index.ts';
import { agencyToRow } from '../../src/seeds/index.ts';
import { makeFixtures, type Fixtures } from '../fixtures/make-fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nianbao-names-'));
const marker = `nianbao-escape-${randomBytes(4).toString('hex')}`;
const storageDir = join(root, 'storage');
let fx: Fixtures;

/** Names a server can send, each aimed somewhere a naive `join(dir, name)` would write. */
const HOSTILE_NAMES = [
  `../../../../../../../../tmp/${marker}-dotdot.html`,
  `/tmp/${marker}-absolute.html`,
  `..\\..\\..\\tmp\\${marker}-backslash.html`,
  `C:\\Windows\\Temp\\${marker}.html`,
  `report.html\r\nWARC-Type: response\r\nX-${marker}: 1`,
  `nul\u0000byte-${marker}.html`,
  `${'长'.repeat(300)}-${marker}.html`,
];

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 240_000 });

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p); else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

beforeAll(async () => {
  fx = await makeFixtures();
  const html = readFileSync(fx.html, 'utf8');
  const storage = await openStorage(storageDir);
  try {
    await storage.store.agencies.upsert([{ agencyId: 'a1', name: '临川市人民政府', regionCode: '320900', level: 'city', kind: 'government' }].map(agencyToRow));
    for (const [i, fileName] of HOSTILE_NAMES.entries()) {
      await ingestOriginal(storage, {
        bytes: Buffer.from(html.replace('</body>', `<!-- ${i} --></body>`)), url: `http://names.localhost/download?id=${i}`,
        contentType: 'text/html', kind: 'attachment', agencyId: 'a1', year: 2023, fileName,
      });
    }
  } finally {
    await storage.close();
  }
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('file names from the web are metadata, never paths', () => {
  it('ingest, reparse, WARC/WACZ, dataset export and dashboard write nothing outside their folders', async () => {
    expect(cli('reparse', '--storage', storageDir).status).toBe(0);
    const warc = join(root, 'out', 'archive.warc.gz');
    mkdirSync(join(root, 'out'));
    const w = cli('export-warc', '--out', warc, '--wacz', '--storage', storageDir);
    expect(w.status, w.stderr).toBe(0);
    const exp = cli('export', '--out', join(root, 'dataset'), '--storage', storageDir, '--no-parquet', '--today', '2024-04-20');
    expect(exp.status, exp.stderr).toBe(0);
    const dash = cli('dashboard', '--out', join(root, 'site'), '--storage', storageDir, '--today', '2024-04-20', '--originals', 'copy');
    expect(dash.status, dash.stderr).toBe(0);

    // Nothing landed where the names point.
    for (const p of [`/tmp/${marker}-dotdot.html`, `/tmp/${marker}-absolute.html`]) expect(existsSync(p), p).toBe(false);
    for (const dir of ['/tmp', root, process.cwd()]) expect(readdirSync(dir).filter((f) => f.includes(marker)), dir).toEqual([]);
    // Every file of every output is named by the program: digests, fixed names.
    const all = [storageDir, join(root, 'out'), join(root, 'dataset'), join(root, 'site')].flatMap((d) => filesUnder(d).map((f) => `${d}: ${f}`));
    expect(all.filter((f) => f.includes(marker) || f.includes('..') || f.includes('长'))).toEqual([]);
    for (const f of filesUnder(join(storageDir, 'originals'))) expect(f).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    // Issue 13: named by digest and the extension the bytes say (so a browser opens each as what it is).
    for (const f of filesUnder(join(root, 'site', 'originals'))) expect(f).toMatch(/^[0-9a-f]{64}\.(html|pdf|docx?|xlsx?|ofd|zip|rtf|txt|png|jpe?g|gif|tiff?|bmp|wps|et|rar|gz|tgz|7z|bin)$/);
    const wacz = readdirSync(join(root, 'out')).find((f) => f.endsWith('.wacz'))!;
    const members = Object.keys((await JSZip.loadAsync(readFileSync(join(root, 'out', wacz)))).files).filter((n) => !n.endsWith('/')).sort();
    expect(members).toEqual(['archive/archive.warc.gz', 'datapackage-digest.json', 'datapackage.json', 'indexes/index.cdx', 'pages/pages.jsonl']);
  }, 300_000);

  it('the name is kept verbatim in the database and on one line in the WARC metadata', () => {
    const db = new BetterSqlite3(join(storageDir, 'nianbao.sqlite'), { readonly: true });
    const names = (db.prepare('select file_name from report_versions order by version_id').all() as { file_name: string }[]).map((r) => r.file_name);
    db.close();
    expect(names).toEqual(HOSTILE_NAMES);

    const text = gunzipSync(readFileSync(join(root, 'out', 'archive.warc.gz'))).toString('utf8');
    // The injected "WARC-Type: response" stays inside the file-name field's one line.
    expect(text).toContain(`file-name: report.html WARC-Type: response X-${marker}: 1\r\n`);
    expect(text).toContain(`file-name: nul byte-${marker}.html\r\n`);
    expect(text.match(new RegExp(`^X-${marker}`, 'm'))).toBeNull();
    expect(statSync(join(root, 'out', 'archive.warc.gz')).size).toBeGreaterThan(0);
  });
});
