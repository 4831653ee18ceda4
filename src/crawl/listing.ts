/**
 * Reading a list page: its platform (the first module of `platforms/` that recognises it), its links (every
 * anchor, plus what the platform reads beyond anchors), its continuations (further pages, API windows), and
 * whether only a browser could show its list. Pure functions over HTML text.
 */
import * as cheerio from 'cheerio';
import { anchors, type PageLink } from './links.ts';
import { generic, PLATFORMS, platformNamed, summary, type ApiContinuation, type Continuation, type ListReading, type PagerMemo } from './platforms/index.ts';
import { JS_API_ENDPOINT, JS_SHELL } from './tables.ts';

export { hanwebRecords } from './platforms/hanweb.ts';
export { MAX_DECLARED_PAGES } from './pagers.ts';
export { dateIn, type PageLink } from './links.ts';
export type { Continuation, ApiContinuation, PageContinuation } from './platforms/index.ts';

export interface ListPage {
  /** The platform that read the page (`generic` when none recognised it). */
  platform: string;
  links: PageLink[];
  continuations: Continuation[];
  /** Why only a browser could show this list (scripts build it, or it comes from an endpoint in a script config); null otherwise. */
  needsBrowser: string | null;
  title: string;
}

/** Platform links first (their texts are titles a table or a record gives), then the page's own anchors, one per URL. */
function merge(first: PageLink[], then: PageLink[]): PageLink[] {
  const seen = new Set<string>();
  const out: PageLink[] = [];
  for (const l of [...first, ...then]) {
    if (seen.has(l.url)) continue;
    seen.add(l.url);
    out.push(l);
  }
  return out;
}

export function readListPage(html: string, pageUrl: string, memo?: PagerMemo): ListPage {
  const $ = cheerio.load(html);
  const base = $('base[href]').attr('href');
  const scripts = $('script').map((_, el) => $(el).html() ?? '').get().join('\n');
  const input = { html, url: pageUrl, $, scripts, ...(base ? { base } : {}), ...(memo ? { memo } : {}) };
  const platform = PLATFORMS.find((p) => p.detect(input)) ?? generic;
  const reading = platform.readList(input);
  // Any page may hold a summary table, and any platform's pager may be missing: the fallbacks add what they find.
  const extra = platform === summary ? [] : summary.readList(input).links;
  const fallback = reading.continuations.length || platform === generic ? [] : generic.readList(input).continuations;
  const links = merge([...reading.links, ...extra], anchors($, pageUrl, base));
  const continuations = [...reading.continuations, ...fallback];
  let needsBrowser = reading.needsBrowser ?? null;
  if (!needsBrowser && !continuations.length) {
    const endpoint = JS_API_ENDPOINT.exec(scripts)?.[1];
    if (endpoint) needsBrowser = `needs a browser: the list is built by script from ${endpoint}`;
    else if (JS_SHELL.test(scripts) || JS_SHELL.test(html.replace(/<script[^]*?<\/script>/gi, ''))) needsBrowser = 'needs a browser: the list is built by script';
  }
  return { platform: platform.name, links, continuations, needsBrowser, title: $('title').text().trim() };
}

/** Reads the answer to an API continuation with the platform that asked for it. */
export function followContinuation(cont: ApiContinuation, answer: { status: number; text: string; url: string }): ListReading {
  const p = platformNamed(cont.platform);
  if (!p?.follow) throw new Error(`no platform "${cont.platform}" follows API continuations`);
  return p.follow(answer, cont);
}
