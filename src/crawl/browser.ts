/**
 * The browser, only where needed: lists that only JavaScript fills, and challenge pages (412/521/202 with a
 * script that sets a cookie). Debian's Chromium through Playwright (Crawlee's launcher wraps the browser in a
 * persistent incognito context that cannot hold our own context, so Playwright is called directly); the cookies a challenge
 * earns go back to the HTTP client's jar so later plain requests reuse them.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright';

export interface BrowserOptions {
  userAgent: string;
  proxy?: string;
  executablePath?: string;
  timeoutMs?: number;
}

export interface RenderResult {
  status: number;
  html: string;
  finalUrl: string;
  cookies: { name: string; value: string; domain: string }[];
}

export class BrowserSession {
  private browser: Browser | null = null;
  private context: BrowserContext | null = null;
  renders = 0;
  constructor(private opts: BrowserOptions) {}

  private async ctx(): Promise<BrowserContext> {
    if (this.context) return this.context;
    // No background traffic of Chromium's own (updates, sync, safe browsing): only the pages we ask for.
    const args = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-default-apps', '--no-first-run', '--disable-domain-reliability', '--disable-client-side-phishing-detection',
      '--no-pings', '--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication'];
    // Chromium bypasses proxies for loopback unless told otherwise; `--proxy URL` must cover every request.
    if (this.opts.proxy) args.push('--proxy-bypass-list=<-loopback>');
    this.browser = await chromium.launch({
      executablePath: this.opts.executablePath ?? process.env.CRAWLEE_DEFAULT_BROWSER_PATH ?? '/usr/bin/chromium',
      headless: true,
      args,
      ...(this.opts.proxy ? { proxy: { server: this.opts.proxy } } : {}),
    });
    this.context = await this.browser.newContext({ userAgent: this.opts.userAgent, ignoreHTTPSErrors: true });
    return this.context;
  }

  /** Adds cookies the HTTP client already holds (so a known clearance is not earned twice). */
  async seedCookies(url: string, jar: Record<string, string>): Promise<void> {
    const c = await this.ctx();
    const u = new URL(url);
    const list = Object.entries(jar).map(([name, value]) => ({ name, value, url: u.origin }));
    if (list.length) await c.addCookies(list);
  }

  /**
   * Opens the page, lets scripts run (a challenge page sets its cookie and reloads), and returns the
   * settled DOM. Waits for the network to go idle and, for challenges, for a non-challenge status.
   */
  async render(url: string, isChallenge: (status: number, html: string) => boolean, mayReach?: (url: string) => Promise<boolean>): Promise<RenderResult> {
    const c = await this.ctx();
    const page = await c.newPage();
    this.renders++;
    // Every request the page makes (scripts, frames, redirects, fetches) passes the crawler's address rule.
    if (mayReach) await page.route('**/*', async (route) => (await mayReach(route.request().url()) ? route.continue() : route.abort('blockedbyclient')));
    const timeout = this.opts.timeoutMs ?? 30_000;
    try {
      let status = 0;
      page.on('response', (r) => { if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) status = r.status(); });
      await page.goto(url, { waitUntil: 'load', timeout });
      const deadline = Date.now() + timeout;
      // A challenge script reloads the page at once; content() throws while that navigation is under way.
      const content = async (): Promise<string> => {
        for (;;) {
          try { return await page.content(); } catch (e) {
            if (Date.now() > deadline) throw e;
            await page.waitForLoadState('load', { timeout: 2000 }).catch(() => undefined);
          }
        }
      };
      let html = await content();
      while (isChallenge(status, html) && Date.now() < deadline) {
        await page.waitForLoadState('load', { timeout: 2000 }).catch(() => undefined);
        await page.waitForTimeout(200);
        html = await content().catch(() => html);
      }
      await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
      html = await content();
      const cookies = (await c.cookies(page.url())).map((k) => ({ name: k.name, value: k.value, domain: k.domain }));
      return { status, html, finalUrl: page.url(), cookies };
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
