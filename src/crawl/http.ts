/**
 * A small HTTP client that keeps the original bytes (no transcoding), sends an honest User-Agent,
 * carries per-host cookies (including those a browser earned), supports conditional GET and an HTTP proxy.
 * Redirects are followed here, hop by hop, so every hop is recorded.
 *
 * It is also the crawl's wall against hostile or broken servers: every exchange runs under limits (connect
 * time, idle time, a whole-exchange deadline, a cap on body bytes after decompression, a redirect budget), never
 * connects to a non-public address unless the seed lives in that class, and fails with a NetworkError whose
 * `code` says what went wrong in words an operator can act on, and whether trying again can help.
 */
import type { FetchInput } from '../store/index.ts';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import dns from 'node:dns';
import { createGunzip, createInflate, createBrotliDecompress } from 'node:zlib';
import type { Readable } from 'node:stream';
import { literalHostClass, addressClass, type AddressClass } from './url.ts';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** Hand a 3xx back as the answer instead of following it (the browser follows its own redirects, each hop routed again). */
  followRedirects?: boolean;
  /**
   * The seed URL this request is made for. Non-public addresses (loopback, private, link-local…) are reachable
   * only if the seed's own host is in the same class. Defaults to the request URL itself: a URL an operator
   * asked for directly is trusted, the hosts its redirects lead to are not.
   */
  seed?: string;
}

/** One HTTP exchange as it happened: every hop followed, the bytes as received. */
export interface HttpResponse {
  url: string;
  finalUrl: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  redirects: { url: string; status: number; location: string }[];
  fetchedAt: string;
  elapsedMs: number;
}

/** The store's row of one response, so every exchange (list pages, robots, 304s) is recorded. */
export function fetchInputOf(
  res: HttpResponse,
  ctx: { runId?: number | null; agencyId?: string | null; purpose: string; method?: string; requestHeaders?: Record<string, string>; referrer?: string | null; keepBody?: boolean },
): FetchInput & { body: Buffer | null } {
  return {
    runId: ctx.runId ?? null, agencyId: ctx.agencyId ?? null, purpose: ctx.purpose, method: ctx.method ?? 'GET',
    url: res.url, finalUrl: res.finalUrl, status: res.status, requestHeaders: ctx.requestHeaders ?? null,
    responseHeaders: res.headers, redirects: res.redirects, fetchedAt: res.fetchedAt, durationMs: Math.round(res.elapsedMs),
    referrer: ctx.referrer ?? null,
    // A 304 has no body to keep; anything else is evidence and is archived unless the caller says not to.
    body: res.status === 304 || ctx.keepBody === false ? null : res.body,
  };
}

/**
 * Why an exchange failed: whether trying again can help (the politeness layer retries only these), and whether
 * it says the host is unwell (counts towards pausing the host; one oversized file or bad redirect does not).
 * Unclassified socket errors keep their Node code (EHOSTUNREACH…), are not retried and count against the host.
 */
export const FAILURES = {
  'connect-timeout': { retry: true, hostDown: true, why: 'a busy host or packet loss; a second SYN often gets through' },
  'idle-timeout': { retry: true, hostDown: true, why: 'a stalled server often answers the next request' },
  'too-slow': { retry: false, hostDown: false, why: 'a body slower than the deadline will be as slow again and holds the host slot' },
  'connection-reset': { retry: true, hostDown: true, why: 'resets mid-body are mostly load balancers and overloaded servers' },
  'truncated': { retry: true, hostDown: true, why: 'the server closed before Content-Length bytes; usually transient' },
  'connection-refused': { retry: false, hostDown: true, why: 'nothing listens; the next night tries again' },
  'dns': { retry: false, hostDown: true, why: 'the name does not resolve; retrying now will not change that' },
  'tls': { retry: false, hostDown: true, why: 'a handshake that failed once fails the same way' },
  'bad-response': { retry: false, hostDown: true, why: 'the server speaks broken HTTP' },
  'bad-encoding': { retry: false, hostDown: false, why: 'the compressed body is corrupt' },
  'too-large': { retry: false, hostDown: false, why: 'over the size cap; fetching again costs the same bytes' },
  'decompressed-too-large': { retry: false, hostDown: false, why: 'a gzip bomb or a huge file; over the cap after decompression' },
  'redirect-loop': { retry: false, hostDown: false, why: 'the chain comes back to a URL already visited' },
  'too-many-redirects': { retry: false, hostDown: false, why: 'longer than the redirect budget' },
  'bad-redirect': { retry: false, hostDown: false, why: 'Location is missing, malformed or not http(s)' },
  'private-address': { retry: false, hostDown: false, why: 'a non-public address outside the seed\'s own class (SSRF guard)' },
} as const satisfies Record<string, { retry: boolean; hostDown: boolean; why: string }>;

export type FailureCode = keyof typeof FAILURES;

/** HTTP statuses worth another try after a backoff: overload and gateway trouble, not refusals. */
export const RETRYABLE_STATUS = [408, 429, 500, 502, 503, 504] as const;

/** Node socket error codes in the crawl's terms. */
const NODE_CODES: [RegExp, FailureCode][] = [
  [/^ECONNREFUSED$/, 'connection-refused'],
  [/^(ECONNRESET|EPIPE|ECONNABORTED)$/, 'connection-reset'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NODATA|EAI_NONAME)$/, 'dns'],
  [/^ETIMEDOUT$/, 'idle-timeout'],
  [/^(EPROTO|ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/, 'tls'],
  [/^HPE_/, 'bad-response'],
  [/^(Z_DATA_ERROR|Z_BUF_ERROR|ERR_BROTLI|Z_)/, 'bad-encoding'],
];

export class NetworkError extends Error {
  constructor(readonly url: string, readonly code: string, message: string) {
    super(message);
    this.name = 'NetworkError';
  }
  /** Whether another attempt can help (FAILURES table). */
  get retryable(): boolean {
    return (FAILURES as Record<string, { retry: boolean }>)[this.code]?.retry ?? false;
  }
  /** Whether the failure says the host itself is unwell. */
  get hostDown(): boolean {
    return (FAILURES as Record<string, { hostDown: boolean }>)[this.code]?.hostDown ?? true;
  }
  /** One line for the record: the code, then the detail. */
  get reason(): string {
    return `${this.code}: ${this.message}`;
  }
}

function classify(url: string, e: NodeJS.ErrnoException): NetworkError {
  if (e instanceof NetworkError) return e;
  const raw = e.code ?? 'ERROR';
  const code = NODE_CODES.find(([re]) => re.test(raw))?.[1] ?? raw;
  return new NetworkError(url, code, `${e.message}${e.message.includes(raw) ? '' : ` (${raw})`}`);
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

/** Limits on one fetch; every one an operator can set (`nianbao crawl --help`). */
export interface HttpLimits {
  /** TCP (and TLS) connection must be up within this. */
  connectTimeoutMs: number;
  /** No byte for this long ends the exchange. */
  idleTimeoutMs: number;
  /** The whole fetch, redirects and body included, must end within this (a body dripping a byte a second). */
  totalTimeoutMs: number;
  /** Cap on a body's bytes, on the wire and after decompression; larger bodies are stopped, never buffered whole. */
  maxBytes: number;
  /** Redirect hops followed before giving up. */
  maxRedirects: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  connectTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 10 * 60_000,
  // Scanned reports run to tens of MB; 100 MiB keeps the worst case per host slot bounded.
  maxBytes: 100 * 1024 * 1024,
  maxRedirects: 10,
};

export interface HttpClientOptions extends Partial<HttpLimits> {
  userAgent: string;
  proxy?: string;
  /** Old name of idleTimeoutMs. */
  timeoutMs?: number;
  cookies?: CookieJar;
}

function decompress(res: http.IncomingMessage, enc: string): Readable {
  if (enc === 'gzip' || enc === 'x-gzip') return res.pipe(createGunzip());
  if (enc === 'deflate') return res.pipe(createInflate());
  if (enc === 'br') return res.pipe(createBrotliDecompress());
  return res;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** The first resolved address whose class the seed may not reach, if any. */
function outsideClasses(addrs: dns.LookupAddress[], allowed: Set<AddressClass>): dns.LookupAddress | undefined {
  return addrs.find((a) => !allowed.has(addressClass(a.address) ?? 'public'));
}

/**
 * Runs one hop of an exchange (the first request and every redirect) when its turn comes: the politeness
 * layer passes one that waits for the hop's host, so a redirect to the same host is not fetched a millisecond
 * after the request that earned it.
 */
export type HopGate = <T>(url: string, send: (confirm?: () => void) => Promise<T>) => Promise<T>;

const direct: HopGate = (_url, send) => send();

export class HttpClient {
  readonly cookies: CookieJar;
  readonly limits: HttpLimits;
  requests = 0;
  bytes = 0;
  private seedClasses = new Map<string, Promise<Set<AddressClass>>>();
  /**
   * Kept-alive connections are pooled per set of allowed address classes: a socket opened for a loopback seed
   * (where a name resolved to 127.0.0.1 was fine) must never be handed to a request for a public seed.
   */
  private agents = new Map<string, http.Agent>();
  private agentFor(protocol: string, allowed: Set<AddressClass>): http.Agent {
    const key = `${protocol} ${[...allowed].sort().join(',')}`;
    let a = this.agents.get(key);
    if (!a) this.agents.set(key, (a = protocol === 'https:' ? new https.Agent({ keepAlive: true, timeout: 5000 }) : new http.Agent({ keepAlive: true, timeout: 5000 })));
    return a;
  }
  constructor(readonly opts: HttpClientOptions) {
    this.cookies = opts.cookies ?? new CookieJar();
    const given = Object.fromEntries(Object.entries({
      connectTimeoutMs: opts.connectTimeoutMs, idleTimeoutMs: opts.idleTimeoutMs ?? opts.timeoutMs, totalTimeoutMs: opts.totalTimeoutMs,
      maxBytes: opts.maxBytes, maxRedirects: opts.maxRedirects,
    }).filter(([, v]) => v !== undefined));
    this.limits = { ...DEFAULT_LIMITS, ...given };
  }

  async fetch(req: HttpRequest, opts: { maxRedirects?: number; gate?: HopGate } = {}): Promise<HttpResponse> {
    const maxRedirects = opts.maxRedirects ?? this.limits.maxRedirects;
    const gate = opts.gate ?? direct;
    // The clock starts with the first hop, not with the wait for the host's turn.
    let started = 0;
    const allowed = await this.allowedClasses(req.seed ?? req.url);
    const redirects: HttpResponse['redirects'] = [];
    let url = req.url;
    let method = req.method ?? 'GET';
    let body = req.body;
    const seen = new Set<string>([`${method} ${url}`]);
    for (let hop = 0; ; hop++) {
      const hopUrl = url;
      const r = await gate(hopUrl, (confirm) => {
        started ||= Date.now();
        return this.once({ ...req, url: hopUrl, method, body }, started + this.limits.totalTimeoutMs, allowed, confirm);
      });
      if (r.status >= 300 && r.status < 400 && r.status !== 304 && req.followRedirects !== false) {
        const loc = r.headers.location;
        let next: URL | null = null;
        try { next = loc ? new URL(loc, url) : null; } catch { next = null; }
        if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
          throw new NetworkError(req.url, 'bad-redirect', `HTTP ${r.status} from ${url} to ${loc === undefined ? 'nowhere' : JSON.stringify(loc.slice(0, 200))}`);
        }
        redirects.push({ url, status: r.status, location: next.href });
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) { method = 'GET'; body = undefined; }
        if (seen.has(`${method} ${next.href}`)) {
          throw new NetworkError(req.url, 'redirect-loop', `${next.href} again after ${redirects.length} redirects`);
        }
        if (hop + 1 > maxRedirects) {
          throw new NetworkError(req.url, 'too-many-redirects', `more than ${maxRedirects} redirects (last to ${next.href})`);
        }
        seen.add(`${method} ${next.href}`);
        url = next.href;
        continue;
      }
      return { ...r, url: req.url, finalUrl: url, redirects, elapsedMs: Date.now() - started };
    }
  }

  /**
   * Whether a request on behalf of `seed` may go to `url`: the browser asks before each request it makes,
   * so a rendered page cannot reach a private address the HTTP client would refuse.
   */
  async mayReach(url: string, seed: string): Promise<boolean> {
    let u: URL;
    try { u = new URL(url); } catch { return false; }
    if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    const allowed = await this.allowedClasses(seed);
    const lit = literalHostClass(u.hostname);
    if (lit) return allowed.has(lit);
    if (this.opts.proxy) return true; // the proxy resolves names (as for plain requests)
    try {
      return !outsideClasses(await dns.promises.lookup(u.hostname, { all: true }), allowed);
    } catch {
      return true; // the browser's own lookup fails the same way
    }
  }

  /** The address classes a request on behalf of `seed` may reach: public, and the seed host's own class(es). */
  private allowedClasses(seed: string): Promise<Set<AddressClass>> {
    let host: string;
    try { host = new URL(seed).hostname; } catch { return Promise.resolve(new Set(['public'])); }
    let p = this.seedClasses.get(host);
    if (!p) {
      p = (async () => {
        const lit = literalHostClass(host);
        if (lit) return new Set<AddressClass>(['public', lit]);
        // Through a proxy the proxy resolves names; we cannot know where they point, so only literals count.
        if (this.opts.proxy) return new Set<AddressClass>(['public']);
        try {
          const addrs = await dns.promises.lookup(host, { all: true });
          return new Set<AddressClass>(['public', ...addrs.map((a) => addressClass(a.address) ?? 'public')]);
        } catch {
          return new Set<AddressClass>(['public']);
        }
      })();
      this.seedClasses.set(host, p);
    }
    return p;
  }

  /** dns.lookup that refuses names resolving to a class the seed is not in (checked at connect time, so a
   *  name cannot resolve to a public address for a check and a private one for the connection). */
  private guardedLookup(allowed: Set<AddressClass>) {
    return (hostname: string, options: dns.LookupOptions, cb: LookupCallback) => {
      dns.lookup(hostname, { ...options, all: true }, (err, addrs) => {
        if (err) return cb(err, '');
        const bad = outsideClasses(addrs, allowed);
        if (bad) {
          return cb(new NetworkError(hostname, 'private-address', `${hostname} resolves to ${bad.address} (${addressClass(bad.address)}), outside the seed's address class`), '');
        }
        if (options.all) cb(null, addrs);
        else cb(null, addrs[0]!.address, addrs[0]!.family);
      });
    };
  }

  /**
   * One hop. `confirm`, when given, is called as the request is written, once the connection is up, in the same
   * synchronous step as the write: if it throws, the connection is dropped with nothing sent (a worker whose
   * lease ran out while it waited for the connection, or was stopped, must not send).
   */
  private once(req: HttpRequest, deadline: number, allowed: Set<AddressClass>, confirm?: () => void): Promise<Omit<HttpResponse, 'redirects' | 'elapsedMs' | 'url' | 'finalUrl'>> {
    let u: URL;
    try { u = new URL(req.url); } catch { return Promise.reject(new NetworkError(req.url, 'bad-redirect', `not a URL: ${req.url}`)); }
    const limits = this.limits;
    const literal = literalHostClass(u.hostname);
    if (literal && !allowed.has(literal)) {
      // Refused before any packet leaves: an IP literal never goes through lookup.
      return Promise.reject(new NetworkError(req.url, 'private-address', `${u.hostname} is a ${literal} address, outside the seed's address class`));
    }
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent,
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,application/json;q=0.9,*/*;q=0.8',
      'accept-encoding': 'gzip, deflate, br',
      'accept-language': 'zh-CN,zh;q=0.9',
      ...(req.headers ?? {}),
    };
    // The jar's cookies, and those the request brings (a browser's, set by a challenge script), the latter winning.
    const cookie = mergeCookies(this.cookies.header(u.host), req.headers?.cookie);
    if (cookie) headers.cookie = cookie;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const timeout = limits.idleTimeoutMs;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new NetworkError(req.url, 'too-slow', `over the ${limits.totalTimeoutMs} ms deadline before ${req.url}`));
    this.requests++;
    return new Promise((resolve, reject) => {
      let settled = false;
      let socketError: NodeJS.ErrnoException | null = null;
      let wire = 0;
      let declared: number | null = null;
      const timers: NodeJS.Timeout[] = [];
      // Idle means no progress on either side: bytes from the socket, or bytes out of the decompressor (a paused
      // socket behind a busy gunzip is our slowness, not the server's). A socket timeout would count only the first.
      let idle: NodeJS.Timeout | null = null;
      const touch = () => {
        if (idle) clearTimeout(idle);
        if (settled) return;
        idle = setTimeout(() => creq.destroy(new NetworkError(req.url, 'idle-timeout', `no byte for ${timeout} ms (${wire} bytes received)`)), timeout);
      };
      const finish = (e: NetworkError | null, value?: Omit<HttpResponse, 'redirects' | 'elapsedMs' | 'url' | 'finalUrl'>) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        if (idle) clearTimeout(idle);
        if (e) { creq.destroy(); reject(e); } else resolve(value!);
      };
      const fail = (e: NodeJS.ErrnoException) => {
        if (settled) return;
        if (e instanceof NetworkError) return finish(e);
        // The socket closed early: a reset if the socket said so, else a truncated body.
        const decide = () => {
          if (e.message === 'aborted' && !socketError) {
            return finish(new NetworkError(req.url, 'truncated', declared !== null
              ? `connection closed after ${wire} of ${declared} bytes` : `connection closed after ${wire} bytes, before the body ended`));
          }
          const base = classify(req.url, socketError ?? e);
          finish(wire > 0 && base.code === 'connection-reset' ? new NetworkError(req.url, 'connection-reset', `${base.message} after ${wire} bytes of the body`) : base);
        };
        // A reset's socket error can arrive just after the body's 'aborted': give it a turn before calling it truncation.
        if (e.message === 'aborted' && !socketError) setImmediate(decide);
        else decide();
      };
      timers.push(setTimeout(() => creq.destroy(new NetworkError(req.url, 'too-slow',
        `not finished within ${limits.totalTimeoutMs} ms (${wire} bytes received)`)), remaining));
      const onResponse = (res: http.IncomingMessage) => {
        touch();
        this.cookies.fromSetCookie(u.host, res.headers['set-cookie']);
        const cl = res.headers['content-length'];
        declared = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : null;
        const enc = String(res.headers['content-encoding'] ?? '').toLowerCase().trim();
        if (declared !== null && declared > limits.maxBytes) {
          // Declared too large: stop before reading a byte of it.
          res.destroy();
          return finish(new NetworkError(req.url, 'too-large', `Content-Length ${declared} over the ${limits.maxBytes}-byte cap`));
        }
        const chunks: Buffer[] = [];
        // With a length known up front the body is copied into one buffer as it arrives, so a body near the cap
        // costs the cap once, not twice (chunks + their concatenation).
        // Allocated on the first byte (a 304 or HEAD may declare a length and send nothing).
        let whole: Buffer | null = null;
        let filled = 0;
        let size = 0;
        res.on('data', (c: Buffer) => {
          touch();
          wire += c.length;
          if (wire > limits.maxBytes) res.destroy(new NetworkError(req.url, 'too-large', `body over the ${limits.maxBytes}-byte cap (stopped after ${wire} bytes)`));
        });
        res.on('error', fail);
        const stream = decompress(res, enc);
        const encoded = stream !== res;
        stream.on('data', (c: Buffer) => {
          if (settled) return;
          if (encoded) touch();
          size += c.length;
          if (size > limits.maxBytes) {
            const e = encoded
              ? new NetworkError(req.url, 'decompressed-too-large', `${enc} body over the ${limits.maxBytes}-byte cap after decompression (from ${wire} bytes on the wire)`)
              : new NetworkError(req.url, 'too-large', `body over the ${limits.maxBytes}-byte cap (stopped after ${size} bytes)`);
            stream.destroy();
            res.destroy();
            return finish(e);
          }
          if (!whole && declared !== null && !encoded && chunks.length === 0 && filled === 0) whole = Buffer.allocUnsafe(declared);
          const fits = whole ? Math.min(c.length, whole.length - filled) : 0;
          if (fits > 0) { c.copy(whole!, filled, 0, fits); filled += fits; }
          if (fits < c.length) chunks.push(fits > 0 ? c.subarray(fits) : c);
        });
        if (encoded) stream.on('error', (e: NodeJS.ErrnoException) => fail(e instanceof NetworkError || e.message === 'aborted' ? e
          : new NetworkError(req.url, 'bad-encoding', `${enc} body cannot be decoded: ${e.message}`)));
        stream.on('end', () => {
          if (settled) return;
          if (!res.complete) return fail(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          const hs: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) hs[k] = Array.isArray(v) ? v.join(', ') : v;
          const body = whole && filled === size && filled === whole.length ? whole
            : Buffer.concat(whole ? [whole.subarray(0, filled), ...chunks] : chunks, size);
          chunks.length = 0;
          this.bytes += body.length;
          finish(null, { status: res.statusCode ?? 0, headers: hs, body, fetchedAt: new Date().toISOString() });
        });
      };
      const proxy = this.opts.proxy ? new URL(this.opts.proxy) : null;
      const method = req.method ?? 'GET';
      let creq: http.ClientRequest;
      if (proxy && u.protocol === 'http:') {
        // Plain HTTP through a proxy: absolute-form request line to the proxy.
        creq = http.request({ host: proxy.hostname, port: proxy.port || 80, method, path: u.href,
          headers: { ...headers, host: u.host, ...proxyAuth(proxy) } }, onResponse);
      } else if (proxy) {
        // HTTPS through a proxy: CONNECT tunnel, then TLS.
        creq = https.request({ method, path: u.pathname + u.search, headers: { ...headers, host: u.host },
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
        creq = mod.request(u, { method, headers, rejectUnauthorized: false, agent: this.agentFor(u.protocol, allowed),
          lookup: this.guardedLookup(allowed) as never }, onResponse);
      }
      creq.on('socket', (socket: net.Socket) => {
        touch();
        if (!socket.connecting) return; // a kept-alive socket is already up
        const t = setTimeout(() => creq.destroy(new NetworkError(req.url, 'connect-timeout', `no connection to ${u.host} within ${limits.connectTimeoutMs} ms`)), limits.connectTimeoutMs);
        timers.push(t);
        socket.once(u.protocol === 'https:' && !proxy ? 'secureConnect' : 'connect', () => clearTimeout(t));
      });
      creq.on('error', (e: NodeJS.ErrnoException) => {
        // A socket error during the body also aborts the response; remember it so the body's 'aborted' reads as a reset.
        if (!(e instanceof NetworkError)) socketError = e;
        fail(e);
      });
      const send = () => {
        if (settled) return;
        try { confirm?.(); } catch (e) { return finish(e as NetworkError); }
        if (req.body !== undefined) creq.write(req.body);
        creq.end();
      };
      if (!confirm) send();
      else {
        creq.once('socket', (socket: net.Socket) => {
          if (socket.connecting) socket.once(u.protocol === 'https:' && !proxy ? 'secureConnect' : 'connect', send);
          else send();
        });
      }
    });
  }
}

function mergeCookies(...headers: (string | undefined)[]): string | undefined {
  const jar = new Map<string, string>();
  for (const h of headers) for (const part of (h ?? '').split(';')) {
    const m = /^\s*([^=\s]+)=(.*)$/.exec(part);
    if (m) jar.set(m[1]!, m[2]!.trim());
  }
  return jar.size ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
}

function proxyAuth(p: URL): Record<string, string> {
  return p.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}`).toString('base64')}` } : {};
}
