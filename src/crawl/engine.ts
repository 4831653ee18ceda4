/**
 * Crawlee runs the crawl: a BasicCrawler whose router has one handler per page kind and one per platform
 * continuation, over our frontier (the store's work queue) and our HTTP client (politeness, address guard, every
 * exchange recorded); and, only once browser work exists, a PlaywrightCrawler on a second queue whose pages send
 * every request through the same client. Crawlee's own storage, session pool, domain delay and robots handling
 * are off (ours are stricter: see docs/architecture.md); concurrency is pinned, not autoscaled.
 */
import { BasicCrawler, Configuration, createBasicRouter, createPlaywrightRouter, Log, LogLevel, PlaywrightCrawler } from 'crawlee';
import { chromium } from 'playwright';
import { BlackHole, launchOptions, lowerChildPriority, routeRequests } from './browser.ts';
import { continuationLabel, type CrawlEnv, type CrawlItem, type Send } from './context.ts';
import { PoliteHttpClient } from './crawlee-http.ts';
import { asCrawleeQueue, type FrontierUserData, type StoreFrontier } from './frontier.ts';
import { browserList, challenge, type BrowserPage } from './handlers/browser.ts';
import { apiWindow, home, list } from './handlers/lists.ts';
import { attachment, reportPage } from './handlers/reports.ts';
import type { HttpClient } from './http.ts';
import { PLATFORMS } from './platforms/index.ts';
import type { HostScheduler, StoredHostStates } from './politeness.ts';

/**
 * Node ignores SIGXFSZ, so a write past a file-size limit fails with EFBIG and the storage layer says so in one
 * line. Crawlee's memory storage loads signal-exit, which listens to every signal and re-raises one it is alone
 * with: a file-size limit would then kill the crawl mid-write. A listener of ours keeps Node's behaviour.
 */
const keepWritesFailing = () => undefined;
process.on('SIGXFSZ', keepWritesFailing);

/** Attempts of one work item whose handler throws (network failures are not throws: the client retries those). */
export const MAX_ATTEMPTS = 3;

export type HttpHandler = (env: CrawlEnv, send: Send, item: CrawlItem) => Promise<string>;

/** The HTTP router's handlers: one per page kind, one per platform that answers API continuations. */
export function httpHandlers(): Record<string, HttpHandler> {
  const handlers: Record<string, HttpHandler> = { HOME: home, LIST: list, REPORT_PAGE: reportPage, ATTACHMENT: attachment };
  for (const p of PLATFORMS) if (p.follow) handlers[continuationLabel(p.name)] = apiWindow;
  return handlers;
}

/**
 * A Crawlee configuration that writes nothing (no ./storage) and purges nothing: our store is the storage. The
 * system sampling that feeds autoscaling is all but off: concurrency is pinned, and each sample spawns `ps`,
 * whose fork of a large process stalls the event loop (and with it every host's turn) once a second.
 */
export const crawleeConfig = (): Configuration => new Configuration({
  persistStorage: false, purgeOnStart: false, systemInfoIntervalMillis: 3_600_000, persistStateIntervalMillis: 3_600_000,
});

/** Crawlee's own logging off: our handlers log every item. */
const quiet = (): Log => new Log({ level: LogLevel.OFF });

/**
 * Crawlee's `run()` adds a SIGINT listener that aborts its pool at once ("Pausing… Press CTRL+C again"), leaving
 * handlers writing while the caller closes the store. While `fn` runs, that listener is removed as soon as it is
 * added; the crawl stops on the caller's AbortSignal instead (in-flight items finish, the run resumes next time).
 */
export async function withoutCrawleeSigint<T>(fn: () => Promise<T>): Promise<T> {
  const onNew = (event: string | symbol, listener: (...a: unknown[]) => void) => {
    if (event === 'SIGINT' && /Pausing|_pauseOnMigration/.test(String(listener))) queueMicrotask(() => process.off('SIGINT', listener));
  };
  process.on('newListener', onNew);
  try {
    return await fn();
  } finally {
    process.off('newListener', onNew);
  }
}

export interface EngineOptions {
  env: CrawlEnv;
  scheduler: HostScheduler;
  client: HttpClient;
  hostStates: StoredHostStates;
  http: StoreFrontier<CrawlItem>;
  /** Shared store: the environment of one request (its children deferred to its completion). */
  envFor?: (requestId: string) => CrawlEnv;
  browser: StoreFrontier<CrawlItem>;
  concurrency: number;
  userAgent: string;
  proxy?: string;
  /** Backstop for one handler (the client's own deadlines end a stuck request long before). */
  handlerTimeoutSecs: number;
  /** The HTTP router's handlers by label (default: the crawl's, httpHandlers()). */
  handlers?: Record<string, HttpHandler>;
  /** After an item's last failed attempt (default: a list item's failure is its agencies' evidence). */
  gaveUp?: (env: CrawlEnv, item: CrawlItem, reason: string) => Promise<void>;
}

/** The crawl's verdict on an item given up: a list item's failure is its agencies' evidence. */
async function listItemGaveUp(env: CrawlEnv, item: CrawlItem, reason: string): Promise<void> {
  if (['HOME', 'LIST', 'BROWSER_LIST'].includes(item.label) || item.cont) await env.evidence.read(item.url, { outcome: 'unreachable', reason });
}

export class Engine {
  renders = 0;
  private readonly httpCrawler: BasicCrawler;
  private browserCrawler: PlaywrightCrawler | null = null;
  private browserRun: Promise<unknown> | null = null;
  private browserDead = false;
  private blackHole: BlackHole | null = null;
  private stopped = false;

  constructor(private readonly o: EngineOptions) {
    const router = createBasicRouter();
    for (const [label, handle] of Object.entries(o.handlers ?? httpHandlers())) {
      router.addHandler(label, async (ctx) => {
        const item = (ctx.request.userData as FrontierUserData<CrawlItem>).item;
        o.env.log(`${label} ${item.url}: ${await handle(o.envFor?.(ctx.request.id!) ?? o.env, ctx.sendRequest as unknown as Send, item)}`);
      });
    }
    this.httpCrawler = new BasicCrawler({
      ...asCrawleeQueue(o.http),
      requestHandler: router,
      httpClient: new PoliteHttpClient(o.scheduler),
      useSessionPool: false, sameDomainDelaySecs: 0, respectRobotsTxtFile: false,
      minConcurrency: o.concurrency, maxConcurrency: o.concurrency,
      maxRequestRetries: MAX_ATTEMPTS - 1,
      requestHandlerTimeoutSecs: o.handlerTimeoutSecs,
      statusMessageLoggingInterval: 3600,
      errorHandler: ({ request }, e) => { o.env.log(`${request.label} ${request.url}: error ${e.message.split('\n')[0]}`); },
      failedRequestHandler: async ({ request }, e) => this.gaveUp((request.userData as FrontierUserData<CrawlItem>).item, e),
      autoscaledPoolOptions: { isFinishedFunction: () => this.finished() },
      log: quiet(),
    }, crawleeConfig());
  }

  /** Every queue drained (the browser's included, unless the browser could not run at all). */
  private async finished(): Promise<boolean> {
    if (this.stopped) return true;
    return (await this.o.http.isFinished()) && (this.browserDead || (await this.o.browser.isFinished()));
  }

  /** After the last attempt: what the walk makes of it (the crawl: a list item's failure is its agencies' evidence). */
  private async gaveUp(item: CrawlItem, e: Error): Promise<void> {
    const reason = `${item.label === 'BROWSER_LIST' || item.label === 'CHALLENGE' ? 'browser: ' : 'error: '}${e.message.split('\n')[0]}`;
    this.o.env.log(`${item.label} ${item.url}: failed ${reason}`);
    await (this.o.gaveUp ?? listItemGaveUp)(this.o.env, item, reason);
  }

  /** Starts the browser crawler (once): called when browser work is queued. */
  startBrowser(): void {
    if (this.browserRun || this.stopped) return;
    this.browserRun = (async () => {
      this.blackHole = await BlackHole.open();
      if (this.stopped) return;
      this.browserCrawler = this.browserCrawlerOver(this.blackHole);
      await withoutCrawleeSigint(() => this.browserCrawler!.run());
    })().catch((e: Error) => {
      this.browserDead = true;
      this.o.env.log(`browser crawler stopped: ${e.message.split('\n')[0]}`);
    }).finally(async () => {
      if (this.blackHole?.attempts) this.o.env.log(`browser: ${this.blackHole.attempts} connections Chromium tried on its own were refused`);
      await this.blackHole?.close();
    });
  }

  /** The PlaywrightCrawler: Chromium's own network is the black hole; its pages reach their hosts through our client (and its --proxy). */
  private browserCrawlerOver(hole: BlackHole): PlaywrightCrawler {
    const o = this.o;
    const router = createPlaywrightRouter();
    const handlers = { BROWSER_LIST: browserList, CHALLENGE: challenge };
    for (const [label, handle] of Object.entries(handlers)) {
      router.addHandler(label, async (ctx) => {
        const item = (ctx.request.userData as FrontierUserData<CrawlItem>).item;
        this.renders++;
        const page: BrowserPage = { page: ctx.page, status: ctx.response?.status() ?? 0, keepCookies: (url) => this.keepCookies(ctx.page, url) };
        o.env.log(`${label} ${item.url}: ${await handle(o.envFor?.(ctx.request.id!) ?? o.env, page, item)}`);
      });
    }
    return new PlaywrightCrawler({
      ...asCrawleeQueue(o.browser),
      requestHandler: router,
      launchContext: { launcher: chromium, userAgent: o.userAgent, launchOptions: launchOptions({ proxy: hole.url }) },
      // Chromium yields the CPU to the crawl's loop (its start-up alone would delay every host's next turn).
      browserPoolOptions: { useFingerprints: false, postLaunchHooks: [() => { lowerChildPriority(); }] },
      useSessionPool: false, persistCookiesPerSession: false, sameDomainDelaySecs: 0, respectRobotsTxtFile: false,
      minConcurrency: 1, maxConcurrency: 1, maxRequestRetries: 1,
      navigationTimeoutSecs: 120, requestHandlerTimeoutSecs: 120,
      preNavigationHooks: [async ({ page, request }, gotoOptions) => {
        if (gotoOptions) gotoOptions.waitUntil = 'load';
        await this.prepare(page, (request.userData as FrontierUserData<CrawlItem>).item);
      }],
      statusMessageLoggingInterval: 3600,
      errorHandler: ({ request }, e) => { o.env.log(`${request.label} ${request.url}: error browser: ${e.message.split('\n')[0]}`); },
      failedRequestHandler: async ({ request }, e) => this.gaveUp((request.userData as FrontierUserData<CrawlItem>).item, e),
      autoscaledPoolOptions: { isFinishedFunction: () => this.finished() },
      log: quiet(),
    }, crawleeConfig());
  }

  /** Before navigation: the host's cookies into the page, every request routed through the crawler's client. */
  private async prepare(page: import('playwright').Page, item: CrawlItem): Promise<void> {
    const o = this.o;
    const origin = new URL(item.url).origin;
    const jar = o.client.cookies.all()[new URL(item.url).host];
    if (jar) await page.context().addCookies(Object.entries(jar).map(([name, value]) => ({ name, value, url: origin })));
    const seed = o.env.book.seedOf(item.agencyId) ?? item.url;
    await routeRequests(page, {
      mayReach: (u) => o.client.mayReach(u, seed),
      fetch: async (r) => {
        const res = await o.scheduler.fetch({ url: r.url, method: r.method as 'GET' | 'POST', headers: r.headers, ...(r.body !== undefined ? { body: r.body } : {}), seed, followRedirects: false },
          { agencyId: item.agencyId, purpose: 'browser', referrer: item.url });
        return res.kind === 'response' ? { status: res.response.status, headers: res.response.headers, body: res.response.body } : { refused: res.reason };
      },
    });
  }

  /** The page's cookies for its host, kept in the client's jar and the host's state; returns their names. */
  private async keepCookies(page: import('playwright').Page, url: string): Promise<string[]> {
    const host = new URL(url).host;
    const cookies = await page.context().cookies(url);
    for (const c of cookies) this.o.client.cookies.set(host, c.name, c.value);
    const jar = this.o.client.cookies.all()[host];
    if (jar) await this.o.hostStates.saveCookies(host, jar);
    return cookies.map((c) => c.name);
  }

  async run(): Promise<void> {
    try {
      await withoutCrawleeSigint(() => this.httpCrawler.run());
    } finally {
      await this.browserRun;
    }
  }

  /** Stops taking new items; the ones in flight finish (the run stays open and resumes next time). */
  stop(reason = 'stopped'): void {
    this.stopped = true;
    this.httpCrawler.stop(reason);
    this.browserCrawler?.stop(reason);
  }
}
