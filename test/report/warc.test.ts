import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WARCParser, type WARCRecord } from 'warcio';
import { exportWarc } from '../../src/report/index.ts';
import { openStorage, reparseArchive } from '../../src/pipeline/index.ts';
import { agencyToRow } from '../../src/seeds/index.ts';
import { renderReport, SYNTHETIC } from '../helpers/synthetic.ts';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const REPORT = Buffer.from(renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }, '某某市某某局', 2024));
const LIST = Buffer.from('<html><body><a href="/files/r.txt">某某市某某局2024年政府信息公开工作年度报告</a></body></html>');

interface Rec { type: string; uri: string; headers: Record<string, string>; http: { status?: number; headers: Record<string, string> } | null; payload: Buffer }

async function readWarc(path: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const r of new WARCParser(createReadStream(path) as never) as AsyncIterable<WARCRecord>) {
    const payload = Buffer.from(await r.readFully(false));
    const headers: Record<string, string> = {};
    for (const [k, v] of r.warcHeaders.headers as unknown as Iterable<[string, string]>) headers[k.toLowerCase()] = v;
    const http = r.httpHeaders ? { status: r.httpHeaders.statusCode as number | undefined, headers: Object.fromEntries([...(r.httpHeaders.headers as unknown as Iterable<[string, string]>)].map(([k, v]) => [k.toLowerCase(), v])) } : null;
    out.push({ type: r.warcType!, uri: r.warcTargetURI ?? '', headers, http, payload });
  }
  return out;
}

let dir: string;
let recs: Rec[];
let warcPath: string;
let waczPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-warc-'));
  const storage = await openStorage(join(dir, 'storage'));
  await storage.store.agencies.upsert([{ agencyId: 'A1', name: '某某市某某局' }].map(agencyToRow));
  const run = await storage.store.runs.start('crawl');
  await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'list', url: 'http://127.0.0.1:8080/list.html', status: 200, responseHeaders: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' }, body: LIST, fetchedAt: '2025-03-01T10:00:00.000Z' });
  const f = await storage.recordExchange({
    runId: run, agencyId: 'A1', purpose: 'attachment', url: 'http://127.0.0.1:8080/r.txt', finalUrl: 'http://127.0.0.1:8080/files/r.txt',
    status: 200, responseHeaders: { 'Content-Type': 'text/plain; charset=utf-8' }, requestHeaders: { 'User-Agent': 'nianbao-test' },
    redirects: [{ url: 'http://127.0.0.1:8080/r.txt', status: 302, location: '/files/r.txt' }],
    body: REPORT, fetchedAt: '2025-03-01T10:00:05.000Z', referrer: 'http://127.0.0.1:8080/list.html',
  });
  // The same file again the next night, at a mirror URL: a revisit, not a second copy.
  await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'attachment', url: 'http://127.0.0.1:8080/mirror/r.txt', status: 200, responseHeaders: { 'Content-Type': 'text/plain' }, body: REPORT, fetchedAt: '2025-03-02T10:00:00.000Z' });
  // The list page again with If-None-Match, answered 304 Not Modified.
  await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'list', url: 'http://127.0.0.1:8080/list.html', status: 304, requestHeaders: { 'If-None-Match': '"l1"' }, responseHeaders: { ETag: '"l1"' }, fetchedAt: '2025-03-03T10:00:00.000Z' });
  await storage.recordVersion({ agencyId: 'A1', agencyName: '某某市某某局', year: 2024, sourceUrl: 'http://127.0.0.1:8080/files/r.txt', sha256: f.sha256!, fetchId: f.fetchId, title: '某某市某某局2024年政府信息公开工作年度报告', publishedAt: '2025-01-20', discoveredFrom: 'http://127.0.0.1:8080/list.html', fileName: 'r.txt', contentType: 'text/plain' });
  // A report imported without an HTTP exchange: written as a resource record.
  await storage.recordVersion({ agencyId: 'A1', year: 2023, bytes: Buffer.from('imported original 2023'), fileName: 'old.txt' });
  await reparseArchive(storage);
  await storage.store.runs.finish(run);
  await storage.close();

  const ro = await openStorage(join(dir, 'storage'), { readonly: true });
  warcPath = join(dir, 'out.warc.gz');
  waczPath = join(dir, 'out.wacz');
  await exportWarc(ro, { out: warcPath, wacz: waczPath });
  await ro.close();
  recs = await readWarc(warcPath);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WARC export read back with warcio', () => {
  it('starts with warcinfo and writes WARC/1.1 records', () => {
    expect(recs[0]!.type).toBe('warcinfo');
    expect(recs[0]!.payload.toString()).toContain('format: WARC File Format 1.1');
    for (const r of recs.slice(1)) expect(r.headers['warc-warcinfo-id']).toBe(recs[0]!.headers['warc-record-id']);
    expect(readFileSync(warcPath).subarray(0, 2).toString('hex')).toBe('1f8b'); // gzip
    const text = gunzipSync(readFileSync(warcPath)).toString('latin1'); // one gzip member per record
    const versions = text.match(/^WARC\/1\.\d\r$/gm)!;
    expect(versions).toHaveLength(recs.length);
    expect(new Set(versions)).toEqual(new Set(['WARC/1.1\r']));
  });

  it('gives back the same bytes and digests for the report', () => {
    const resp = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/files/r.txt')!;
    expect(resp).toBeDefined();
    expect(resp.payload.equals(REPORT)).toBe(true);
    expect(resp.headers['warc-payload-digest']).toBe(`sha256:${sha(REPORT)}`);
    expect(resp.headers['warc-block-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(resp.http?.status).toBe(200);
    expect(resp.headers['warc-date']).toBe('2025-03-01T10:00:05.000Z');
    const req = recs.find((r) => r.type === 'request' && r.headers['warc-concurrent-to'] === resp.headers['warc-record-id'])!;
    expect(req.http?.headers['user-agent']).toBe('nianbao-test');
    expect(req.http?.headers['referer']).toBe('http://127.0.0.1:8080/list.html');
  });

  it('every record\'s WARC-Block-Digest matches its block, recomputed here', async () => {
    let n = 0;
    for await (const r of new WARCParser(createReadStream(warcPath) as never, { parseHttp: false }) as AsyncIterable<WARCRecord>) {
      const block = Buffer.from(await r.readFully(false));
      const declared = r.warcHeader('WARC-Block-Digest');
      if (r.warcType === 'warcinfo') continue;
      expect(declared, `${r.warcType} ${r.warcTargetURI}`).toBe(`sha256:${sha(block)}`);
      expect(Number(r.warcHeader('Content-Length'))).toBe(block.length);
      n++;
    }
    expect(n).toBe(recs.length - 1);
  });

  it('records the redirect hop as its own 302', () => {
    const hop = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/r.txt')!;
    expect(hop.http?.status).toBe(302);
    expect(hop.http?.headers['location']).toBe('/files/r.txt');
  });

  it('drops Content-Encoding for a decoded body, keeping it as X-Archive-Orig', () => {
    const list = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/list.html')!;
    expect(list.payload.equals(LIST)).toBe(true);
    expect(list.http?.headers['content-encoding']).toBeUndefined();
    expect(list.http?.headers['x-archive-orig-content-encoding']).toBe('gzip');
    expect(list.http?.headers['content-length']).toBe(String(LIST.length));
  });

  it('writes a revisit for an identical payload, pointing at the first capture', () => {
    const first = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/files/r.txt')!;
    const rev = recs.find((r) => r.type === 'revisit' && r.headers['warc-profile']?.endsWith('identical-payload-digest'))!;
    expect(rev.uri).toBe('http://127.0.0.1:8080/mirror/r.txt');
    expect(rev.headers['warc-profile']).toBe('http://netpreserve.org/warc/1.1/revisit/identical-payload-digest');
    expect(rev.headers['warc-payload-digest']).toBe(`sha256:${sha(REPORT)}`);
    expect(rev.headers['warc-refers-to-target-uri']).toBe('http://127.0.0.1:8080/files/r.txt');
    expect(rev.headers['warc-refers-to']).toBe(first.headers['warc-record-id']);
    expect(rev.payload.length).toBe(0);
    expect(recs.filter((r) => r.payload.equals(REPORT))).toHaveLength(1); // stored once
  });

  it('writes a server-not-modified revisit for a 304 answer to a conditional GET', () => {
    const list = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/list.html')!;
    const rev = recs.find((r) => r.type === 'revisit' && r.uri === 'http://127.0.0.1:8080/list.html')!;
    expect(rev.headers['warc-profile']).toBe('http://netpreserve.org/warc/1.1/revisit/server-not-modified');
    expect(rev.http?.status).toBe(304);
    expect(rev.headers['warc-refers-to']).toBe(list.headers['warc-record-id']);
    expect(rev.headers['warc-refers-to-date']).toBe('2025-03-01T10:00:00.000Z');
    expect(rev.headers['warc-payload-digest']).toBe(`sha256:${sha(LIST)}`);
  });

  it('writes metadata for each report version: agency, year, discovery path', () => {
    const meta = recs.filter((r) => r.type === 'metadata');
    expect(meta).toHaveLength(2);
    const m = meta.find((r) => r.uri === 'http://127.0.0.1:8080/files/r.txt')!.payload.toString();
    expect(m).toContain('agency-id: A1\r\n');
    expect(m).toContain('year: 2024\r\n');
    expect(m).toContain('discovered-from: http://127.0.0.1:8080/list.html\r\n');
    expect(m).toContain('discovery-path: http://127.0.0.1:8080/list.html -> http://127.0.0.1:8080/files/r.txt\r\n');
    expect(m).toContain('published-at: 2025-01-20\r\n');
  });

  it('writes the imported original as a resource record', () => {
    const res = recs.find((r) => r.type === 'resource')!;
    expect(res.payload.toString()).toBe('imported original 2023');
    expect(res.uri).toBe(`urn:nianbao:sha256:${sha('imported original 2023')}`);
    expect(res.headers['warc-payload-digest'] ?? res.headers['warc-block-digest']).toContain(sha('imported original 2023'));
  });

  it('writes conversion records holding the parsed JSON, referring to their original', () => {
    const resp = recs.find((r) => r.type === 'response' && r.uri === 'http://127.0.0.1:8080/files/r.txt')!;
    const conv = recs.filter((r) => r.type === 'conversion');
    expect(conv).toHaveLength(2);
    const c = conv.find((r) => r.uri === 'http://127.0.0.1:8080/files/r.txt')!;
    expect(c.headers['warc-refers-to']).toBe(resp.headers['warc-record-id']);
    expect(c.headers['content-type']).toBe('application/json');
    const record = JSON.parse(c.payload.toString());
    expect(record).toMatchObject({ schema: 'nianbao.record/1', agency: '某某市某某局', year: 2024 });
    expect(record.tables.requests.rows.new.total.value).toBe(50); // typed by hand in synthetic.ts
  });

  it('packs a WACZ with a consistent datapackage, a CDXJ index and a pages list', async () => {
    const zip = await JSZip.loadAsync(readFileSync(waczPath));
    const names = Object.keys(zip.files).sort();
    expect(names).toEqual(expect.arrayContaining(['archive/out.warc.gz', 'datapackage.json', 'datapackage-digest.json', 'indexes/index.cdx', 'pages/pages.jsonl']));
    const dpRaw = await zip.file('datapackage.json')!.async('nodebuffer');
    const dp = JSON.parse(dpRaw.toString());
    for (const res of dp.resources) {
      const data = await zip.file(res.path)!.async('nodebuffer');
      expect(res.hash).toBe(`sha256:${sha(data)}`);
      expect(res.bytes).toBe(data.length);
    }
    expect(JSON.parse(await zip.file('datapackage-digest.json')!.async('string')).hash).toBe(`sha256:${sha(dpRaw)}`);
    expect((await zip.file('archive/out.warc.gz')!.async('nodebuffer')).equals(readFileSync(warcPath))).toBe(true);

    const cdx = (await zip.file('indexes/index.cdx')!.async('string')).trim().split('\n');
    const line = cdx.find((l) => l.includes('"url":"http://127.0.0.1:8080/files/r.txt"'))!;
    // SURT key (warcio writes the host part reversed), then the 14-digit capture time.
    expect(line).toMatch(/^\S*8080\)\/files\/r\.txt 20250301100005 \{/);
    const entry = JSON.parse(line.slice(line.indexOf('{')));
    expect(entry).toMatchObject({ status: '200', digest: sha(REPORT), filename: 'out.warc.gz', mime: 'text/plain' });
    expect(cdx.some((l) => l.includes('"mime":"warc/revisit"'))).toBe(true);
    expect(cdx.every((l, i) => i === 0 || cdx[i - 1]! <= l)).toBe(true); // sorted

    // The CDX offset points at the response record inside the WARC.
    const slice = readFileSync(warcPath).subarray(Number(entry.offset), Number(entry.offset) + Number(entry.length));
    const one = await new WARCParser([slice] as never).parse();
    expect(one!.warcTargetURI).toBe('http://127.0.0.1:8080/files/r.txt');
    expect(Buffer.from(await one!.readFully(false)).equals(REPORT)).toBe(true);

    const pages = (await zip.file('pages/pages.jsonl')!.async('string')).trim().split('\n').map((l) => JSON.parse(l));
    expect(pages[0]).toMatchObject({ format: 'json-pages-1.0' });
    expect(pages.slice(1)).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:8080/files/r.txt', ts: '2025-03-01T10:00:05.000Z', title: '某某市某某局2024年政府信息公开工作年度报告' })]);
  });

  it('the command line refuses a bad --out with one line', () => {
    const r = spawnSync(process.execPath, ['bin/nianbao.mjs', 'export-warc', '--out', join(dir, 'x.txt'), '--storage', join(dir, 'storage')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--out must end in .warc.gz');
    const ok = spawnSync(process.execPath, ['bin/nianbao.mjs', 'export-warc', '--out', join(dir, 'cli.warc.gz'), '--wacz', '--storage', join(dir, 'storage')], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/2 revisit/);
    expect(ok.stdout).toContain('cli.wacz: 1 pages');
  }, 120_000);
});
