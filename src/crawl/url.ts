/** URL handling: resolving the odd hrefs of real portals and canonicalising twins. */
import { CANONICAL_REWRITES, TRACKING_PARAMS } from './tables.ts';
import { BlockList, isIP } from 'node:net';

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

// ---- address classes: where a crawl may connect ------------------------------------------------------

/** The kinds of address a host can resolve to; every class but `public` is reachable only from a seed in it. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'shared' | 'unspecified';

/**
 * Non-public ranges (RFC 1918, 1122, 3927, 4193, 4291, 6598). A portal page that links or redirects to one of
 * these must not make the crawler probe the operator's own network (cloud metadata at 169.254.169.254, routers,
 * intranet services); the seeds' own classes are allowed so a fixture portal on 127.0.0.1 still works.
 */
export const NON_PUBLIC_RANGES: { cidr: string; cls: Exclude<AddressClass, 'public'> }[] = [
  { cidr: '127.0.0.0/8', cls: 'loopback' },
  { cidr: '::1/128', cls: 'loopback' },
  { cidr: '10.0.0.0/8', cls: 'private' },
  { cidr: '172.16.0.0/12', cls: 'private' },
  { cidr: '192.168.0.0/16', cls: 'private' },
  { cidr: '169.254.0.0/16', cls: 'link-local' },
  { cidr: 'fe80::/10', cls: 'link-local' },
  { cidr: 'fc00::/7', cls: 'unique-local' },
  { cidr: '100.64.0.0/10', cls: 'shared' },
  { cidr: '0.0.0.0/8', cls: 'unspecified' },
  { cidr: '::/128', cls: 'unspecified' },
];

const blockList = (() => {
  const lists = new Map<AddressClass, BlockList>();
  for (const { cidr, cls } of NON_PUBLIC_RANGES) {
    const [addr, bits] = cidr.split('/') as [string, string];
    let l = lists.get(cls);
    if (!l) lists.set(cls, (l = new BlockList()));
    l.addSubnet(addr, Number(bits), isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }
  return lists;
})();

/** The class of an IP address literal (IPv4-mapped IPv6 counts as its IPv4 address); null if not an IP. */
export function addressClass(ip: string): AddressClass | null {
  let a = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1]!;
  const family = isIP(a);
  if (!family) return null;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  for (const [cls, list] of blockList) if (list.check(a, type)) return cls;
  return 'public';
}

/** The class of a URL host known without DNS: IP literals and `localhost` names (RFC 6761); null otherwise. */
export function literalHostClass(hostname: string): AddressClass | null {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return 'loopback';
  return addressClass(h);
}
