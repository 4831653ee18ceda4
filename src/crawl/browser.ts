/**
 * The browser, only where needed (lists that only scripts fill, challenge pages that set a cookie by script):
 * Debian's Chromium through Playwright, launched with the flags that stop its own background traffic (updates,
 * sync, safe browsing), and every request a page makes routed (`page.route`): refused by the crawler's address
 * rule, or fetched by the crawler's own client inside the host's politeness slot (recorded, archived, through
 * the proxy) and handed to the page. In the crawl the browser has no network of its own at all: its proxy is a
 * local black hole (`BlackHole`), because some of Chromium's traffic has no switch (the identity manager asks
 * accounts.google.com for the profile's accounts as soon as the network is up). The crawl runs this inside
 * Crawlee's PlaywrightCrawler (engine.ts); `BrowserSession` renders one page on its own with the same pieces.
 */
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { setPriority } from 'node:os';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';

/** Chromium's own traffic switched off: only the pages we ask for leave the browser (issue 12: no request to Google). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-default-apps', '--no-first-run', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
  '--no-pings', '--disable-breakpad', '--disable-component-extensions-with-background-pages', '--disable-extensions', '--metrics-recording-only',
  '--no-default-browser-check', '--disable-background-timer-throttling', '--password-store=basic', '--use-mock-keychain', '--disable-quic',
  // Component updates (update.googleapis.com) have their own switch; the background-networking one does not cover them.
  '--component-updater=url-source=data:,',
  // HttpsUpgrades: Chromium would first ask for https:// of every http:// page (a wasted, failing request per page).
  '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForEngagedSites,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,CalculateNativeWinOcclusion,HeavyAdPrivacyMitigations,AcceptCHFrame,DialMediaRouteProvider,SafeBrowsing,NetworkTimeServiceQuerying,PrivacySandboxSettings4',
];

/**
 * A proxy that answers nothing: Chromium, pointed at it, can reach no host by itself; every page request is
 * fulfilled by the crawler's client through `routeRequests`. Counts what Chromium tried on its own.
 */
export class BlackHole {
  attempts = 0;
  private constructor(private readonly server: net.Server, readonly url: string) {}

  static async open(): Promise<BlackHole> {
    let hole: BlackHole | null = null;
    const server = net.createServer((socket) => { if (hole) hole.attempts++; socket.destroy(); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hole = new BlackHole(server, `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    return hole;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/**
 * Lowers the CPU priority of this process's child processes (Chromium's, once launched): on a small machine its
 * start-up would otherwise take the cores the crawl's own loop needs to keep every host's turn. Linux only (/proc).
 */
export function lowerChildPriority(niceness = 10, pid = process.pid): number {
  let n = 0;
  let tasks: string[] = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return 0; }
  for (const tid of tasks) {
    let kids: string[] = [];
    try { kids = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { kids = []; }
    for (const k of kids) {
      try { setPriority(Number(k), niceness); n++; } catch { /* gone already */ }
      n += lowerChildPriority(niceness, Number(k));
    }
  }
  return n;
}

/** Resources a list or a challenge never needs (the links are in the DOM without them). */
export const SKIPPED_RESOURCES = ['image', 'media', 'font', 'stylesheet'];

/** Debian's chromium, or the one the environment names. */
export function chromiumPath(given?: string): string {
  return given ?? process.env.CRAWLEE_DEFAULT_BROWSER_PATH ?? '/usr/bin/chromium';
}

/** Launch options shared by the crawl and BrowserSession: Chromium's own traffic off; a proxy covering loopback too. */
export function launchOptions(opts: { proxy?: string; executablePath?: string }): Parameters<typeof chromium.launch>[0] {
  const args = [...CHROMIUM_ARGS];
  // Chromium bypasses proxies for loopback unless told otherwise; `--proxy URL` must cover every request.
  if (opts.proxy) args.push('--proxy-bypass-list=<-loopback>');
  return { executablePath: chromiumPath(opts.executablePath), headless: true, args, ...(opts.proxy ? { proxy: { server: opts.proxy } } : {}) };
}

/** A request of the page, as the crawler's client gets it. */
export interface BrowserRequest { url: string; method: string; headers: Record<string, string>; body?: string }
/** What the crawler's client answered, or why it did not. */
export type BrowserAnswer = { status: number; headers: Record<string, string>; body: Buffer } | { refused: string };

/** Request headers our client sets itself (or that describe the browser's connection, not the request). */
const DROP_REQUEST_HEADERS = /^(host|connection|content-length|accept-encoding|user-agent|proxy-.*|sec-.*|upgrade-insecure-requests)$/i;
/** Response headers that described the bytes on the wire, not the (decoded) body handed to the page. */
const DROP_RESPONSE_HEADERS = /^(content-encoding|content-length|transfer-encoding|connection|keep-alive)$/i;

/**
 * Routes every request of `page`: resources a list never needs are skipped, the address rule refuses what it
 * refuses, and, given `fetch`, the crawler's client fetches the rest (redirects handed back for the page to
 * follow, so each hop is routed again).
 */
export async function routeRequests(page: Page, opts: { mayReach?: (url: string) => Promise<boolean>; fetch?: (r: BrowserRequest) => Promise<BrowserAnswer> }): Promise<void> {
  await page.route('**/*', async (route) => {
    const req = route.request();
    const url = req.url();
    if (/^(data|blob):/i.test(url)) return route.continue();
    if (SKIPPED_RESOURCES.includes(req.resourceType())) return route.abort('blockedbyclient');
    if (opts.mayReach && !(await opts.mayReach(url))) return route.abort('blockedbyclient');
    if (!opts.fetch) return route.continue();
    const headers = Object.fromEntries(Object.entries(await req.allHeaders()).filter(([k]) => !DROP_REQUEST_HEADERS.test(k)));
    const body = req.postData() ?? undefined;
    let answer: BrowserAnswer;
    try {
      answer = await opts.fetch({ url, method: req.method(), headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      answer = { refused: (e as Error).message };
    }
    if ('refused' in answer) return route.abort('failed').catch(() => undefined);
    await route.fulfill({ status: answer.status, headers: Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !DROP_RESPONSE_HEADERS.test(k))), body: answer.body })
      .catch(() => undefined);
  });
}

export interface Settled { status: number; html: string; finalUrl: string }

/**
 * Lets a navigated page settle: a challenge script reloads the page at once (content() throws while that
 * navigation is under way), so wait while the page still looks like a challenge, then for the network to go idle.
 */
export async function settle(page: Page, status: number, isChallenge: (status: number, html: string) => boolean, timeoutMs: number): Promise<Settled> {
  let current = status;
  const onResponse = (r: { request(): { isNavigationRequest(): boolean }; frame(): unknown; status(): number }) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) current = r.status();
  };
  page.on('response', onResponse);
  const deadline = Date.now() + timeoutMs;
  const content = async (): Promise<string> => {
    for (;;) {
      try { return await page.content(); } catch (e) {
        if (Date.now() > deadline) throw e;
        await page.waitForLoadState('load', { timeout: 2000 }).catch(() => undefined);
      }
    }
  };
  try {
    let html = await content();
    while (isChallenge(current, html) && Date.now() < deadline) {
      await page.waitForLoadState('load', { timeout: 2000 }).catch(() => undefined);
      await page.waitForTimeout(200);
      html = await content().catch(() => html);
    }
    await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
    html = await content();
    return { status: current, html, finalUrl: page.url() };
  } finally {
    page.off('response', onResponse);
  }
}

export interface BrowserOptions {
  userAgent: string;
  proxy?: string;
  executablePath?: string;
  timeoutMs?: number;
}

export interface RenderResult extends Settled {
  cookies: { name: string; value: string; domain: string }[];
}

/** One page rendered on its own (the crawl renders inside Crawlee's PlaywrightCrawler with the same pieces). */
export class BrowserSession {
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  renders = 0;
  constructor(private opts: BrowserOptions) {}

  private async ctx(): Promise<BrowserContext> {
    if (this.context) return this.context;
    this.browser = await chromium.launch(launchOptions(this.opts));
    this.context = await this.browser.newContext({ userAgent: this.opts.userAgent, ignoreHTTPSErrors: true, serviceWorkers: 'block' });
    return this.context;
  }

  /** Opens the page with every request routed (address rule; the crawler's client when given), lets it settle, returns the DOM. */
  async render(url: string, isChallenge: (status: number, html: string) => boolean, mayReach?: (url: string) => Promise<boolean>,
    fetch?: (r: BrowserRequest) => Promise<BrowserAnswer>): Promise<RenderResult> {
    const c = await this.ctx();
    const page = await c.newPage();
    this.renders++;
    await routeRequests(page, { ...(mayReach ? { mayReach } : {}), ...(fetch ? { fetch } : {}) });
    const timeout = this.opts.timeoutMs ?? 30_000;
    try {
      const res = await page.goto(url, { waitUntil: 'load', timeout });
      const out = await settle(page, res?.status() ?? 0, isChallenge, timeout);
      const cookies = (await c.cookies(page.url())).map((k) => ({ name: k.name, value: k.value, domain: k.domain }));
      return { ...out, cookies };
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.context?.close().catch(() => undefined);
    await this.browser?.close().catch(() => undefined);
    this.context = null;
    this.browser = null;
  }
}
