/**
 * A small HTTP client that keeps the original bytes (no transcoding), sends an honest User-Agent,
 * carries per-host cookies (including those a browser earned), supports conditional GET and an HTTP proxy.
 * Redirects are followed here, hop by hop, so every hop is recorded.
 */
import type { HttpExchangeLike } from '../store/index.ts';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
}

/** One HTTP exchange as the store records it (the store owns the shape; the crawler produces it). */
export type HttpResponse = HttpExchangeLike;

export class NetworkError extends Error {
  constructor(readonly url: string, readonly code: string, message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Cookies per host, e.g. the clearance cookie a challenge page sets. */
export class CookieJar {
  private jars = new Map<string, Map<string, string>>();
  set(host: string, name: string, value: string): void {
    let j = this.jars.get(host);
    if (!j) this.jars.set(host, (j = new Map()));
    j.set(name, value);
  }
  fromSetCookie(host: string, header: string | string[] | undefined): void {
    for (const line of Array.isArray(header) ? header : header ? [header] : []) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(line);
      if (m) this.set(host, m[1]!, m[2]!);
    }
  }
  header(host: string): string | undefined {
    const j = this.jars.get(host);
    return j && j.size ? [...j].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
  all(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.jars].map(([h, j]) => [h, Object.fromEntries(j)]));
  }
  load(data: Record<string, Record<string, string>>): void {
    for (const [h, j] of Object.entries(data)) for (const [k, v] of Object.entries(j)) this.set(h, k, v);
  }
}

export interface HttpClientOptions {
  userAgent: string;
  proxy?: string;
  timeoutMs?: number;
  maxBytes?: number;
  cookies?: CookieJar;
}

function decompress(res: http.IncomingMessage): Readable {
  const enc = String(res.headers['content-encoding'] ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') return res.pipe(createGunzip());
  if (enc === 'deflate') return res.pipe(createInflate());
  if (enc === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

export class HttpClient {
  readonly cookies: CookieJar;
  requests = 0;
  bytes = 0;
  constructor(readonly opts: HttpClientOptions) {
    this.cookies = opts.cookies ?? new CookieJar();
  }

  async fetch(req: HttpRequest, maxRedirects = 5): Promise<HttpResponse> {
    const started = Date.now();
    const redirects: HttpResponse['redirects'] = [];
    let url = req.url;
    let method = req.method ?? 'GET';
    let body = req.body;
    for (let hop = 0; ; hop++) {
      const r = await this.once({ ...req, url, method, body });
      if (r.status >= 300 && r.status < 400 && r.status !== 304 && r.headers.location && hop < maxRedirects) {
        const next = new URL(r.headers.location, url).href;
        redirects.push({ url, status: r.status, location: next });
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) { method = 'GET'; body = undefined; }
        url = next;
        continue;
      }
      return { ...r, url: req.url, finalUrl: url, redirects, elapsedMs: Date.now() - started };
    }
  }

  private once(req: HttpRequest): Promise<Omit<HttpResponse, 'redirects' | 'elapsedMs' | 'url' | 'finalUrl'>> {
    const u = new URL(req.url);
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.9,*/*;q=0.8',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'zh-CN,zh;q=0.9',
      ...(req.headers ?? {}),
    };
    const cookie = this.cookies.header(u.host);
    if (cookie) headers.cookie = cookie;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const timeout = this.opts.timeoutMs ?? 20_000;
    this.requests++;
    return new Promise((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) =>
        reject(new NetworkError(req.url, e.code ?? 'ERROR', `${e.code ?? 'error'}: ${e.message}`));
      const onResponse = (res: http.IncomingMessage) => {
        this.cookies.fromSetCookie(u.host, res.headers['set-cookie']);
        const chunks: Buffer[] = [];
        let size = 0;
        const stream = decompress(res);
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (size > (this.opts.maxBytes ?? 200 * 1024 * 1024)) { res.destroy(new Error('body too large')); return; }
          chunks.push(c);
        });
        stream.on('error', fail);
        stream.on('end', () => {
          const hs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[k] = Array.isArray(v) ? v.join(', ') : v;
          const body = Buffer.concat(chunks);
          this.bytes += body.length;
          resolve({ status: res.statusCode ?? 0, headers: hs, body, fetchedAt: new Date().toISOString() });
        });
      };
      const proxy = this.opts.proxy ? new URL(this.opts.proxy) : null;
      const method = req.method ?? 'GET';
      let creq: http.ClientRequest;
      if (proxy && u.protocol === 'http:') {
        // Plain HTTP through a proxy: absolute-form request line to the proxy.
        creq = http.request({ host: proxy.hostname, port: proxy.port || 80, method, path: u.href,
          headers: { ...headers, host: u.host, ...proxyAuth(proxy) }, timeout }, onResponse);
      } else if (proxy) {
        // HTTPS through a proxy: CONNECT tunnel, then TLS.
        creq = https.request({ method, path: u.pathname + u.search, headers: { ...headers, host: u.host }, timeout,
          rejectUnauthorized: false,
          createConnection: (_opts: unknown, cb: (err: Error | null, s?: net.Socket) => void) => {
            const c = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT',
              path: `${u.hostname}:${u.port || 443}`, headers: proxyAuth(proxy) });
            c.on('connect', (res, socket) => {
              if (res.statusCode !== 200) return cb(new Error(`proxy CONNECT ${res.statusCode}`));
              cb(null, tls.connect({ socket, servername: u.hostname, rejectUnauthorized: false }));
            });
            c.on('error', (e) => cb(e));
            c.end();
            return undefined as unknown as net.Socket;
          } } as https.RequestOptions, onResponse);
      } else {
        const mod = u.protocol === 'https:' ? https : http;
        // Many gov hosts have broken certificate chains; the archive records what was served either way.
        creq = mod.request(u, { method, headers, timeout, rejectUnauthorized: false }, onResponse);
      }
      creq.on('timeout', () => creq.destroy(Object.assign(new Error(`timeout after ${timeout} ms`), { code: 'ETIMEDOUT' })));
      creq.on('error', fail);
      if (req.body !== undefined) creq.write(req.body);
      creq.end();
    });
  }
}

function proxyAuth(p: URL): Record<string, string> {
  return p.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString('base64')}` } : {};
}
