/** URL handling: resolving the odd hrefs of real portals and canonicalising twins. */
import { CANONICAL_REWRITES, TRACKING_PARAMS } from './tables.ts';

/** Pulls a URL out of `javascript:openFile('…')`, `window.open("…")` or an onclick handler. */
export function hrefFromScript(code: string): string | null {
  const m = /(?:open\w*|location(?:\.href)?\s*=|download\w*|href\s*=|go\w*|view\w*|show\w*)\s*\(?\s*['"]([^'"]+\.[^'"]+|[^'"]*\/[^'"]+)['"]/i.exec(code)
    ?? /['"]((?:\.{0,2}\/|https?:\/\/)[^'"\s]+)['"]/.exec(code);
  return m ? m[1]! : null;
}

/** Resolves an anchor's href (or onclick) against the page URL and its `<base>`; null for non-navigations. */
export function resolveHref(href: string | undefined, onclick: string | undefined, pageUrl: string, baseHref?: string): string | null {
  let raw = (href ?? '').trim();
  if (/^javascript:/i.test(raw) || raw === '' || raw === '#') {
    raw = hrefFromScript(raw) ?? (onclick ? hrefFromScript(onclick) ?? '' : '');
  }
  if (!raw || raw.startsWith('#') || /^(mailto|tel|javascript|data):/i.test(raw)) return null;
  try {
    const base = baseHref ? new URL(baseHref, pageUrl).href : pageUrl;
    const u = new URL(raw, base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    u.hash = '';
    return u.href;
  } catch {
    return null;
  }
}

/** The canonical form used as the dedupe key: no fragment, no tracking/twin parameters, no `_wap`. */
export function canonicalUrl(url: string): string {
  const u = new URL(url);
  u.hash = '';
  for (const k of [...u.searchParams.keys()]) if (TRACKING_PARAMS.test(k)) u.searchParams.delete(k);
  u.search = u.searchParams.toString() ? `?${u.searchParams.toString()}` : '';
  let path = u.pathname;
  for (const [re, rep] of CANONICAL_REWRITES) path = path.replace(re, rep);
  u.pathname = path;
  return u.href;
}

/** The politeness key: one clock per host:port (not per registrable domain, unlike Crawlee's). */
export function hostKey(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** The gov root of a host, e.g. `www.xx.gov.cn` → `xx.gov.cn`; used to accept sibling hosts of one agency. */
export function siteRoot(host: string): string {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h) || h === 'localhost') return host.toLowerCase();
  const parts = h.split('.');
  const gov = parts.lastIndexOf('gov');
  if (gov > 0) return parts.slice(gov - 1).join('.');
  return parts.slice(-2).join('.');
}

/** Whether a report URL may be accepted for an agency whose own hosts are `allowed` (spam mirrors copy gov pages). */
export function isOwnHost(url: string, allowed: Set<string>): boolean {
  const host = new URL(url).host.toLowerCase();
  if (allowed.has(host)) return true;
  const root = siteRoot(host);
  return root !== host && [...allowed].some((a) => siteRoot(a) === root);
}
