/**
 * The browser's handlers (Crawlee's PlaywrightCrawler has navigated the page, every request routed through the
 * crawler's client): BROWSER_LIST reads a list only scripts fill once it settles; CHALLENGE waits for a challenge
 * script to earn its cookie, keeps the cookie for the host (plain requests reuse it, tonight and the next nights)
 * and runs the plain request again.
 */
import type { Page } from 'playwright';
import { settle } from '../browser.ts';
import type { CrawlEnv, CrawlItem } from '../context.ts';
import { readListPage } from '../listing.ts';
import { pageVerdict } from '../report.ts';
import { childrenOf, spawn } from './children.ts';

/** Longest a page may take to settle after navigation (a challenge's reload included). */
export const SETTLE_MS = 30_000;

export interface BrowserPage {
  page: Page;
  /** Status of the navigation's answer. */
  status: number;
  /** Keeps the cookies the page's host holds now (client jar and host state). */
  keepCookies(url: string): Promise<string[]>;
}

export async function browserList(env: CrawlEnv, b: BrowserPage, item: CrawlItem): Promise<string> {
  const served = await env.evidence.servedBy(item.url, item.agencyId);
  const out = await settle(b.page, b.status, (s, h) => pageVerdict(s, h, item.url).kind === 'challenge', SETTLE_MS);
  await b.keepCookies(out.finalUrl);
  if (pageVerdict(out.status, out.html, out.finalUrl).kind === 'challenge') {
    await env.evidence.read(item.url, { outcome: 'blocked', reason: `HTTP ${out.status} challenge not passed in the browser` });
    return 'blocked: challenge not passed in the browser';
  }
  if (out.status >= 400) {
    await env.evidence.read(item.url, { outcome: 'unreachable', reason: `HTTP ${out.status} (browser)` });
    return `unreachable: HTTP ${out.status}`;
  }
  const page = readListPage(out.html, out.finalUrl, item.memo);
  // Further pages are rendered too; report pages and files are plain requests.
  const children = childrenOf(env, item, page.links, page.continuations);
  await spawn(env, item, children, served);
  await env.evidence.read(item.url, { outcome: 'read', reason: 'rendered in a browser', platform: page.platform, linksFound: page.links.length, reportLinks: children.reports.length });
  return `${children.reports.length} report links (rendered)`;
}

export async function challenge(env: CrawlEnv, b: BrowserPage, item: CrawlItem): Promise<string> {
  const out = await settle(b.page, b.status, (s, h) => pageVerdict(s, h, item.url).kind === 'challenge', SETTLE_MS);
  const names = await b.keepCookies(out.finalUrl);
  const passed = pageVerdict(out.status, out.html, out.finalUrl).kind !== 'challenge';
  const isList = item.retry && ['HOME', 'LIST'].includes(item.retry.label);
  if (!passed) {
    const reason = `HTTP ${out.status} challenge not passed in the browser`;
    if (isList) await env.evidence.read(item.url, { outcome: 'blocked', reason });
    else if (item.retry) await env.unread?.(item.retry, reason);
    return 'blocked: challenge not passed in the browser';
  }
  env.log(`browser passed challenge on ${new URL(item.url).host}: ${names.join(',')}`);
  if (item.retry) await env.enqueue([item.retry]);
  return `passed (${names.join(',')})`;
}
