/**
 * WARC 1.1 export of the archive, written with webrecorder's warcio:
 * - one request + response pair per recorded HTTP exchange (raw original as payload, SHA-256 digests);
 *   redirect hops as their own 3xx responses so replay follows them;
 * - a revisit record (identical-payload-digest) when the same payload was already written, and a
 *   server-not-modified revisit for a conditional GET answered 304;
 * - a resource record for a report original that has no recorded exchange (imports);
 * - a metadata record per report version (agency, year, discovery path, dates), WARC-Refers-To its original;
 * - a conversion record per current parsed record holding the record JSON, WARC-Refers-To its original.
 * Optionally a WACZ 1.1.1 package (datapackage.json, CDXJ index, pages.jsonl) that ReplayWeb.page opens.
 *
 * The stored body is the decoded payload (the crawler undoes Content-Encoding), so the exported HTTP headers
 * drop Content-Encoding / Transfer-Encoding and carry the true Content-Length; the originals are kept as
 * X-Archive-Orig-* headers.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { basename } from 'node:path';
import { CDXAndRecordIndexer, WARCRecord, WARC_1_1 } from 'warcio';
import { WARCSerializer } from 'warcio/node';
import JSZip from 'jszip';
import type { Storage } from '../pipeline/index.ts';
import { recordJson, type FetchRow } from '../store/index.ts';

export interface WarcExportOptions {
  /** Output .warc.gz path. */
  out: string;
  /** Also write a WACZ package at this path. */
  wacz?: string | null;
  agencyId?: string;
  year?: number;
  /** Software string for warcinfo. */
  software?: string;
}

export interface WarcExportResult {
  warcPath: string;
  waczPath: string | null;
  records: Record<string, number>;
  bytes: number;
  pages: number;
}

const DIGEST = { algo: 'sha-256', prefix: 'sha256:', base32: false } as const;
const PROFILE_NOT_MODIFIED = 'http://netpreserve.org/warc/1.1/revisit/server-not-modified';
const DROP_HEADERS = new Set(['content-encoding', 'transfer-encoding', 'content-length']);

interface Written { recordId: string; url: string; date: string }

export async function exportWarc({ store, originals }: Pick<Storage, 'store' | 'originals'>, opts: WarcExportOptions): Promise<WarcExportResult> {
  // Written to a .part file and renamed when complete: an interrupted export leaves no truncated WARC.
  const partPath = `${opts.out}.part`;
  const fd = openSync(partPath, 'w');
  const counts: Record<string, number> = {};
  let bytes = 0;
  let warcinfoId: string | null = null;
  const write = async (rec: WARCRecord) => {
    if (warcinfoId) rec.warcHeaders.headers.set('WARC-Warcinfo-ID', warcinfoId);
    const ser = new WARCSerializer(rec, { gzip: true, digest: DIGEST });
    for await (const chunk of ser) { writeSync(fd, chunk); bytes += chunk.byteLength; }
    const t = rec.warcType ?? '?';
    counts[t] = (counts[t] ?? 0) + 1;
    return rec.warcHeader('WARC-Record-ID')!;
  };
  const payloadOf = (sha: string) => originals.readStream(sha);
  /** First record (response or resource) holding each payload. */
  const byDigest = new Map<string, Written>();
  /** Last capture with a body of each URL, for 304 revisits. */
  const byUrl = new Map<string, Written & { sha: string }>();
  const pages: { url: string; ts: string; title?: string }[] = [];

  try {
    warcinfoId = await write(WARCRecord.createWARCInfo({ filename: basename(opts.out), warcVersion: WARC_1_1 }, {
      software: opts.software ?? 'nianbao (warcio.js)',
      format: 'WARC File Format 1.1',
      conformsTo: 'https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/',
      description: '政府信息公开工作年度报告: originals as fetched, with parsed records',
    }));

    // ---- HTTP exchanges ----
    // Streamed: a national archive holds millions of exchanges; only digests and referrers stay in memory.
    const referrerOf = new Map<string, string>();
    for await (const f of store.exchanges.answered({ agencyId: opts.agencyId })) {
      if (f.referrer) for (const u of [f.url, f.final_url]) if (u && !referrerOf.has(u)) referrerOf.set(u, f.referrer);
      for (const hop of parseJson<{ url: string; status: number; location: string }[]>(f.redirects) ?? []) {
        await writeExchange(f, hop.url, hop.status, { location: hop.location }, null);
      }
      if (f.body_sha256 && !(await originals.has(f.body_sha256))) continue; // verify reports it
      await writeExchange(f, f.final_url ?? f.url, f.status!, parseJson<Record<string, string>>(f.response_headers) ?? {}, f.body_sha256);
    }

    // ---- report versions: metadata, and resources for originals with no exchange ----
    const versions = store.reports.streamVersions({ agencyId: opts.agencyId, year: opts.year });
    // Who linked to what (from the exchanges above): the discovery path of each report is walked up from it.
    const discoveryPath = (v: { source_url: string | null; discovered_from: string | null }): string | null => {
      if (!v.source_url) return v.discovered_from;
      const chain = [v.source_url];
      let cur: string | undefined = referrerOf.get(v.source_url) ?? v.discovered_from ?? undefined;
      while (cur && !chain.includes(cur) && chain.length < 10) { chain.unshift(cur); cur = referrerOf.get(cur); }
      return chain.length > 1 ? chain.join(' -> ') : null;
    };
    const originalOf = new Map<number, Written>();
    for await (const v of versions) {
      if (!(await originals.has(v.sha256))) continue;
      const url = v.source_url ?? `urn:nianbao:sha256:${v.sha256}`;
      let orig = byDigest.get(v.sha256);
      if (!orig) {
        const date = v.first_seen_at;
        const id = await write(WARCRecord.create({
          url, date, type: 'resource', warcVersion: WARC_1_1,
          warcHeaders: { 'Content-Type': v.content_type ?? 'application/octet-stream' },
        }, payloadOf(v.sha256)));
        orig = { recordId: id, url, date };
        byDigest.set(v.sha256, orig);
      }
      originalOf.set(v.version_id, orig);
      if (v.source_url) pages.push({ url: orig.url, ts: orig.date, ...(v.title ? { title: v.title } : {}) });
      const fields: [string, string | number | null][] = [
        ['agency-id', v.agency_id], ['agency-name', v.agency_name], ['year', v.year], ['title', v.title],
        ['published-at', v.published_at], ['source-url', v.source_url], ['discovered-from', v.discovered_from], ['discovery-path', discoveryPath(v)],
        ['file-name', v.file_name], ['report-id', v.report_id], ['version-id', v.version_id], ['sha256', v.sha256],
        ['first-seen', v.first_seen_at], ['last-seen', v.last_seen_at], ['replaced-at', v.replaced_at],
      ];
      const body = fields.filter(([, x]) => x !== null && x !== undefined)
        // Values come from the web (titles, file names): no line breaks or other control characters, so
        // none can start a field or a record of its own.
        .map(([k, x]) => `${k}: ${String(x).replace(/[\x00-\x1f\x7f]+/g, ' ')}\r\n`).join('');
      await write(WARCRecord.create({
        url: orig.url, date: v.last_seen_at, type: 'metadata', warcVersion: WARC_1_1,
        warcHeaders: { 'Content-Type': 'application/warc-fields', 'WARC-Refers-To': orig.recordId, 'WARC-Concurrent-To': orig.recordId },
      }, [new TextEncoder().encode(body)]));
    }

    // ---- parsed records: conversions of their originals ----
    const records = store.records.streamCurrent();
    for await (const r of records) {
      const orig = originalOf.get(r.version_id);
      const json = recordJson(r);
      if (!orig || !json) continue; // filtered out, original missing, or no record
      await write(WARCRecord.create({
        url: orig.url, date: r.parsed_at, type: 'conversion', warcVersion: WARC_1_1,
        warcHeaders: {
          'Content-Type': 'application/json', 'WARC-Refers-To': orig.recordId,
          'WARC-JSON-Metadata': JSON.stringify({ parser_version: r.parser_version, record_id: r.record_id, version_id: r.version_id }),
        },
      }, [new TextEncoder().encode(json)]));
    }
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(partPath); } catch { /* */ }
    throw err;
  }
  closeSync(fd);
  renameSync(partPath, opts.out);

  let waczPath: string | null = null;
  if (opts.wacz) waczPath = await writeWacz(opts.out, opts.wacz, pages);
  return { warcPath: opts.out, waczPath, records: counts, bytes, pages: pages.length };

  async function writeExchange(f: FetchRow, url: string, status: number, headers: Record<string, string>, sha: string | null): Promise<void> {
    const date = f.fetched_at;
    const reqHeaders = parseJson<Record<string, string>>(f.request_headers) ?? {};
    let u: URL | null = null;
    try { u = new URL(url); } catch { /* a non-URL target: written as is */ }
    const httpHeaders: [string, string][] = [];
    for (const [k, v] of Object.entries(headers)) {
      if (DROP_HEADERS.has(k.toLowerCase())) { if (k.toLowerCase() !== 'content-length') httpHeaders.push([`X-Archive-Orig-${k}`, v]); }
      else httpHeaders.push([k, v]);
    }
    const size = sha ? (await originals.sizeOf(sha)) ?? 0 : 0;
    httpHeaders.push(['Content-Length', String(size)]);
    const statusline = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
    const prior = sha ? byDigest.get(sha) : undefined;
    const unchanged = status === 304 && !sha ? byUrl.get(url) : undefined;
    let respId: string;
    if (unchanged) {
      // A conditional GET answered 304: a server-not-modified revisit of the last capture of this URL.
      const rec = WARCRecord.create({
        url, date, type: 'revisit', warcVersion: WARC_1_1, statusline, httpHeaders,
        refersToUrl: unchanged.url, refersToDate: unchanged.date,
        warcHeaders: { 'WARC-Payload-Digest': `sha256:${unchanged.sha}`, 'WARC-Refers-To': unchanged.recordId, ...(f.ip ? { 'WARC-IP-Address': f.ip } : {}) },
      });
      rec.warcHeaders.headers.set('WARC-Profile', PROFILE_NOT_MODIFIED);
      respId = await write(rec);
    } else if (prior && sha) {
      respId = await write(WARCRecord.create({
        url, date, type: 'revisit', warcVersion: WARC_1_1, statusline, httpHeaders,
        refersToUrl: prior.url, refersToDate: prior.date,
        warcHeaders: { 'WARC-Payload-Digest': `sha256:${sha}`, 'WARC-Refers-To': prior.recordId, ...(f.ip ? { 'WARC-IP-Address': f.ip } : {}) },
      }));
    } else {
      respId = await write(WARCRecord.create({
        url, date, type: 'response', warcVersion: WARC_1_1, statusline, httpHeaders,
        warcHeaders: f.ip ? { 'WARC-IP-Address': f.ip } : {},
      }, sha ? payloadOf(sha) : []));
      if (sha) byDigest.set(sha, { recordId: respId, url, date });
    }
    if (sha) byUrl.set(url, { recordId: respId, url, date, sha });
    const reqLine = `${f.method} ${u ? u.pathname + u.search : url} HTTP/1.1`;
    const rh: [string, string][] = u && !Object.keys(reqHeaders).some((k) => k.toLowerCase() === 'host') ? [['Host', u.host]] : [];
    for (const [k, v] of Object.entries(reqHeaders)) rh.push([k, v]);
    if (f.referrer && !Object.keys(reqHeaders).some((k) => k.toLowerCase() === 'referer')) rh.push(['Referer', f.referrer]);
    await write(WARCRecord.create({
      url, date, type: 'request', warcVersion: WARC_1_1, statusline: reqLine, httpHeaders: rh,
      warcHeaders: { 'WARC-Concurrent-To': respId },
    }, []));
  }
}

function parseJson<T>(s: string | null): T | null {
  if (!s) return null;
  try { return JSON.parse(s) as T; } catch { return null; }
}

/** CDXJ lines (sorted) for the replayable records of a WARC: responses, revisits, resources. */
export async function cdxjLines(warcPath: string, filename = basename(warcPath)): Promise<string[]> {
  const indexer = new CDXAndRecordIndexer({ format: 'cdxj' });
  const lines: string[] = [];
  const files = [{ filename, reader: createReadStream(warcPath) as unknown as AsyncIterable<Uint8Array> }];
  for await (const item of indexer.iterIndex(files as never)) {
    const { cdx, record } = item as unknown as { cdx: Record<string, unknown>; record: WARCRecord };
    if (!['response', 'revisit', 'resource'].includes(record.warcType ?? '')) continue;
    lines.push(indexer.serializeCDXJ(cdx).trimEnd());
  }
  return lines.sort();
}

async function writeWacz(warcPath: string, waczPath: string, pages: { url: string; ts: string; title?: string }[]): Promise<string> {
  const zip = new JSZip();
  const warcName = basename(warcPath);
  // Small members in memory; the WARC itself is streamed from disk (hashed first, then copied).
  const small: [string, Buffer][] = [];
  small.push(['indexes/index.cdx', Buffer.from((await cdxjLines(warcPath, warcName)).join('\n') + '\n')]);
  const seen = new Set<string>();
  const pageLines = [JSON.stringify({ format: 'json-pages-1.0', id: 'pages', title: 'Annual reports' })];
  for (const p of pages) {
    if (seen.has(p.url)) continue;
    seen.add(p.url);
    pageLines.push(JSON.stringify({ id: createHash('sha1').update(p.url).digest('hex').slice(0, 20), url: p.url, ts: p.ts, ...(p.title ? { title: p.title } : {}) }));
  }
  small.push(['pages/pages.jsonl', Buffer.from(pageLines.join('\n') + '\n')]);
  const warcHash = createHash('sha256');
  for await (const chunk of createReadStream(warcPath)) warcHash.update(chunk as Buffer);
  const resources = [
    { name: warcName, path: `archive/${warcName}`, hash: `sha256:${warcHash.digest('hex')}`, bytes: statSync(warcPath).size },
    ...small.map(([path, data]) => ({ name: basename(path), path, hash: `sha256:${createHash('sha256').update(data).digest('hex')}`, bytes: data.byteLength })),
  ];
  const now = new Date().toISOString();
  const datapackage = {
    profile: 'data-package', wacz_version: '1.1.1', title: '政府信息公开工作年度报告 archive',
    created: now, modified: now, software: 'nianbao (warcio.js)', resources,
  };
  const dp = Buffer.from(JSON.stringify(datapackage, null, 2));
  small.push(['datapackage.json', dp]);
  small.push(['datapackage-digest.json', Buffer.from(JSON.stringify({ path: 'datapackage.json', hash: `sha256:${createHash('sha256').update(dp).digest('hex')}` }, null, 2))]);
  // The WARC is already gzip per record: stored, not recompressed, so byte ranges stay usable.
  zip.file(`archive/${warcName}`, createReadStream(warcPath), { binary: true, compression: 'STORE' });
  for (const [path, data] of small) zip.file(path, data, { compression: 'DEFLATE' });
  // Written beside the target and renamed, so a half-written package is never seen under its name.
  const tmp = `${waczPath}.part`;
  await new Promise<void>((ok, fail) => {
    zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true })
      .on('error', fail)
      .pipe(createWriteStream(tmp))
      .on('finish', ok)
      .on('error', fail);
  });
  renameSync(tmp, waczPath);
  return waczPath;
}

