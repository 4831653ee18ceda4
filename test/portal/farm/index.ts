/**
 * The portal farm: every platform's renderings at once, each on its own gov.cn-like host name, served behind one
 * recording HTTP proxy on 127.0.0.1 (the crawl runs with `--proxy`, the browser too). The proxy is the only way
 * in: it answers for the farm's hosts, refuses everything else (and records it as third-party: a CONNECT to a
 * Google host is Chromium's background traffic), and logs every request with its start and end, so a test can
 * check politeness per host as a server sees it. Every 200 answer carries an ETag and honours If-None-Match.
 */
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import type { FarmPage, FarmResponse, FarmSite, SeedRow } from './site.ts';
import { trsSites } from './trs.ts';
import { hanwebSites } from './hanweb.ts';
import { gkmlptSites } from './gkmlpt.ts';
import { anhuiSites, eportalSites, genericSites, lonsunSites, shaanxiSites, summarySites, ucapSites } from './others.ts';

export type { FarmSite, FarmReport, SeedRow } from './site.ts';

/** Every platform's renderings. */
export function farmSites(): FarmSite[] {
  return [...trsSites(), ...hanwebSites(), ...gkmlptSites(), ...ucapSites(), ...eportalSites(), ...lonsunSites(), ...shaanxiSites(), ...anhuiSites(), ...summarySites(), ...genericSites()];
}

export interface FarmHit {
  host: string;
  method: string;
  /** Path and query as requested. */
  path: string;
  status: number;
  start: number;
  end: number;
  /** A host the farm does not serve (and the seeds never named). */
  thirdParty: boolean;
  ua: string;
}

/**
 * Requests that came sooner than `minGapMs` after the previous one to their host ended (an overlap is a
 * negative gap): the farm's account of politeness, third-party hosts aside.
 */
export function gapViolations(hits: FarmHit[], minGapMs: number): string[] {
  const byHost = new Map<string, FarmHit[]>();
  for (const h of hits) if (!h.thirdParty) (byHost.get(h.host) ?? byHost.set(h.host, []).get(h.host)!).push(h);
  const violations: string[] = [];
  for (const [host, hs] of byHost) {
    hs.sort((a, b) => a.start - b.start);
    for (let i = 1; i < hs.length; i++) {
      const gap = hs[i]!.start - hs[i - 1]!.end;
      if (gap < minGapMs) violations.push(`${host}: ${hs[i - 1]!.path} → ${hs[i]!.path} after ${gap} ms`);
    }
  }
  return violations;
}

export interface Farm {
  /** The proxy URL to crawl through. */
  proxy: string;
  sites: FarmSite[];
  hosts: Set<string>;
  hits: FarmHit[];
  /** The seed CSV of the given sites (default all). */
  seeds(sites?: FarmSite[]): string;
  /** Hosts whose every request is answered with this status (a host that is down). */
  failHost(host: string, status: number): void;
  close(): Promise<void>;
}

const etagOf = (b: Buffer) => `"${createHash('sha1').update(b).digest('hex').slice(0, 16)}"`;

export async function startFarm(sites: FarmSite[] = farmSites(), opts: { hosts?: string[] } = {}): Promise<Farm> {
  // Sites on one host (the Anhui CMS serves all its units) share it.
  const byHost = new Map<string, Map<string, FarmPage>>();
  for (const s of sites) {
    const pages = byHost.get(s.host) ?? new Map<string, FarmPage>();
    for (const [k, v] of s.pages) if (!pages.has(k) || k === '/robots.txt') pages.set(k, v);
    byHost.set(s.host, pages);
  }
  for (const h of opts.hosts ?? []) if (!byHost.has(h)) byHost.set(h, new Map());
  const hits: FarmHit[] = [];
  const failing = new Map<string, number>();

  const answer = (host: string, method: string, pathAndQuery: string, body: string): FarmResponse | null => {
    const pages = byHost.get(host)!;
    const u = new URL(pathAndQuery, `http://${host}`);
    const req = { method, path: u.pathname, query: u.searchParams, body };
    for (const key of [`${method} ${u.pathname}${u.search}`, `${u.pathname}${u.search}`, `${method} ${u.pathname}`, u.pathname]) {
      const p = pages.get(key);
      if (!p) continue;
      const r = typeof p === 'function' ? p(req) : p;
      if (r) return r;
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const start = Date.now();
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      let target: URL;
      try { target = new URL(req.url ?? ''); } catch { res.writeHead(400); res.end(); return; }
      const host = target.host.toLowerCase();
      const known = byHost.has(host);
      const hit: FarmHit = { host, method: req.method ?? 'GET', path: target.pathname + target.search, status: 0, start, end: 0, thirdParty: !known, ua: String(req.headers['user-agent'] ?? '') };
      hits.push(hit);
      const finish = (status: number, headers: Record<string, string>, bytes?: Buffer) => {
        hit.status = status;
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : bytes, () => { hit.end = Date.now(); });
      };
      if (!known) return finish(502, { 'content-type': 'text/plain' }, Buffer.from('not a farm host'));
      const fail = failing.get(host);
      if (fail) return finish(fail, { 'content-type': 'text/html' }, Buffer.from(`<h1>${fail}</h1>`));
      const r = answer(host, req.method ?? 'GET', hit.path, body);
      if (!r) return finish(404, { 'content-type': 'text/html; charset=utf-8' }, Buffer.from('<html><body>404 页面不存在</body></html>'));
      const bytes = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
      const status = r.status ?? 200;
      const headers: Record<string, string> = { 'content-type': r.type ?? 'text/html', ...(r.headers ?? {}) };
      if (status === 200) {
        headers.etag = etagOf(bytes);
        if (req.headers['if-none-match'] === headers.etag) return finish(304, { etag: headers.etag });
      }
      finish(status, headers, bytes);
    });
  });
  // HTTPS through the proxy: nothing of the farm is HTTPS; a tunnel to a farm host is a wasted try, to any other host third-party traffic.
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
    const host = String(req.url ?? '').replace(/:\d+$/, '').toLowerCase();
    hits.push({ host, method: 'CONNECT', path: String(req.url), status: 403, start: Date.now(), end: Date.now(), thirdParty: !byHost.has(host), ua: String(req.headers['user-agent'] ?? '') });
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const proxy = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    proxy, sites, hosts: new Set(byHost.keys()), hits,
    seeds: (only = sites) => seedCsv(only.flatMap((s) => s.seeds)),
    failHost: (host, status) => { failing.set(host, status); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Seed rows as the registry's CSV; a seed named twice (two sites of one agency) appears once. */
export function seedCsv(rows: SeedRow[]): string {
  const seen = new Set<string>();
  const lines = ['agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render'];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    lines.push([r.id, r.name, r.region ?? '', r.level ?? 'county', r.kind ?? 'government', r.parent ?? '', r.home ?? '', r.list ?? '', r.render ?? 'http'].join(','));
  }
  return `${lines.join('\n')}\n`;
}
