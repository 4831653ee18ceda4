/**
 * Our HTTP client as Crawlee's `httpClient`: every `sendRequest` a handler makes goes through the politeness
 * layer (robots.txt with Crawl-delay, one request per host at a time with its gap, every redirect hop waiting its
 * host's turn, Retry-After, retries of what retrying can help) and our client (address guard at connect time,
 * byte caps, deadlines, raw bytes), and is recorded in the store before the handler sees it.
 *
 * Crawlee's request carries, beyond its own fields, an `exchange` tag (whose request, why, on behalf of which
 * seed); the answer carries our exchange (`exchange.response`, its `fetchId` and body digest in the store).
 * A request the politeness layer refuses (robots.txt, a paused host, a network failure after its retries)
 * throws `FetchRefused`, which the handler turns into evidence; it is never Crawlee's to retry.
 */
import { Readable } from 'node:stream';
import type { BaseHttpClient, HttpRequest as CrawleeRequest, HttpResponse as CrawleeResponse, ResponseTypes, StreamingHttpResponse } from 'crawlee';
import type { HttpResponse } from './http.ts';
import type { ExchangeContext, HostScheduler } from './politeness.ts';

/** Whose request a handler sends, why, and for which seed (the address rule's class). */
export interface ExchangeTag extends ExchangeContext {
  seed?: string;
  /** The store's record of the exchange, filled in when it is recorded. */
  fetchId?: number;
  bodySha256?: string | null;
}

/** What a handler reads back beside Crawlee's fields. */
export interface RecordedAnswer { response: HttpResponse; fetchId: number | null; sha256: string | null }

export class FetchRefused extends Error {
  constructor(readonly kind: 'disallowed' | 'paused' | 'failed', readonly reason: string) {
    super(reason);
    this.name = 'FetchRefused';
  }
}

export class PoliteHttpClient implements BaseHttpClient {
  constructor(private readonly scheduler: HostScheduler) {}

  async sendRequest<T extends keyof ResponseTypes = 'text'>(request: CrawleeRequest<T>): Promise<CrawleeResponse<T>> {
    const tag = (request.exchange ?? {}) as ExchangeTag;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const body = typeof request.body === 'string' ? request.body : Buffer.isBuffer(request.body) ? request.body.toString('utf8') : undefined;
    const method = String(request.method ?? 'GET').toUpperCase() as 'GET' | 'POST' | 'HEAD';
    const r = await this.scheduler.fetch({
      url: String(request.url), method, headers, ...(body !== undefined ? { body } : {}), ...(tag.seed ? { seed: tag.seed } : {}),
      ...(request.followRedirect === false ? { followRedirects: false } : {}),
    }, tag);
    if (r.kind !== 'response') throw new FetchRefused(r.kind, r.reason);
    const res = r.response;
    const responseType = request.responseType ?? 'text';
    const payload = responseType === 'buffer' ? res.body : responseType === 'json' ? JSON.parse(res.body.toString('utf8')) as unknown : res.body.toString('utf8');
    const answer: RecordedAnswer = { response: res, fetchId: tag.fetchId ?? null, sha256: tag.bodySha256 ?? null };
    return {
      url: res.finalUrl, statusCode: res.status, headers: res.headers, trailers: {}, complete: true,
      redirectUrls: res.redirects.map((h) => new URL(h.location)), request, body: payload as ResponseTypes[T], exchange: answer,
    };
  }

  /** The same exchange with its body as a stream (Crawlee's interface; our handlers read whole, capped bodies). */
  async stream(request: CrawleeRequest): Promise<StreamingHttpResponse> {
    const r = await this.sendRequest({ ...request, responseType: 'buffer' });
    const size = (r.body as Buffer).length;
    return {
      url: r.url, statusCode: r.statusCode, headers: r.headers, trailers: {}, complete: true, redirectUrls: r.redirectUrls, request,
      stream: Readable.from([r.body as Buffer]), downloadProgress: { percent: 1, transferred: size, total: size }, uploadProgress: { percent: 1, transferred: 0 },
    };
  }
}
