/**
 * Discovery's handlers (`nianbao discover`): VERIFY a hinted home page (accepted when the page names the
 * government; the other scheme tried when one fails), DISCLOSURE (a 专栏 on the way to the column, at most
 * MAX_DISCLOSURE_HOPS), COLUMN (the 年报 column: recorded with how it was found, its unit-type sub-columns
 * queued), UNITS (a unit-type sub-column: the units it shows, its newest year folders and further pages). Each
 * records what it found in the store's discoveries; a status says only what was read.
 */
import { unitIdentity } from '../../seeds/discovered.ts';
import { columnLead } from '../columns.ts';
import { fetchItem, type CrawlEnv, type CrawlItem, type Fetched, type Send } from '../context.ts';
import { readListPage } from '../listing.ts';
import { judgeSite, siteNames } from '../site-names.ts';
import { MAX_DISCLOSURE_HOPS, UNIT_YEARS_READ } from '../tables.ts';
import { newestYearFolders, unitSubcolumns, unitsOnPage } from '../units.ts';
import { columnRoot } from './children.ts';
import { refused } from './lists.ts';

/** The same URL over the other scheme (portals that answer only one, or fail TLS: portals.md §3). */
const otherScheme = (url: string): string => {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'http:' : 'https:';
  return u.href;
};

/** The URL a page is read as: the one fetched, with the item's `#fragment` (gkmlpt's category lives there). */
const readAs = (item: CrawlItem, finalUrl: string): string => {
  const hash = new URL(item.url).hash;
  return hash && !finalUrl.includes('#') ? finalUrl + hash : finalUrl;
};

const homeFact = (env: CrawlEnv, item: CrawlItem, status: 'verified' | 'failed' | 'unchecked', url: string, reason: string | null, fetchId: number | null = null) =>
  env.store.discoveries.record(env.runId, { agencyId: item.agencyId, fact: 'home', status, url, reason, fetchId });

const columnFact = (env: CrawlEnv, item: CrawlItem, found: { url: string; foundBy: string } | null, reason: string | null, fetchId: number | null = null) =>
  env.store.discoveries.record(env.runId, { agencyId: item.agencyId, fact: 'column', status: found ? 'found' : 'not-found', url: found?.url ?? item.url, foundBy: found?.foundBy ?? null, reason, fetchId });

/** A challenge goes to the browser (when there is one); whatever else could not be read is said so. */
async function unread(env: CrawlEnv, item: CrawlItem, f: Extract<Fetched, { ok: false }>, note: (reason: string) => Promise<void>): Promise<string> {
  const said = await refused(env, item, f, false);
  if (f.problem === 'challenge' && said.startsWith('challenge →')) return said;
  await note(f.reason);
  return said;
}

/** From a page on the way: the column (COLUMN), else the next 专栏 (DISCLOSURE), else the column is not linked. */
async function follow(env: CrawlEnv, item: CrawlItem, html: string, pageUrl: string): Promise<string> {
  const lead = columnLead(readListPage(html, pageUrl).links, pageUrl);
  const next = { agencyId: item.agencyId, source: item.url, root: null, page: 0 };
  if (lead?.kind === 'column') {
    await env.enqueue([{ ...next, label: 'COLUMN', url: lead.url, depth: 0, discover: { foundBy: lead.foundBy } }]);
    return `column ${lead.url} (${lead.foundBy})`;
  }
  if (lead?.kind === 'disclosure' && item.depth < MAX_DISCLOSURE_HOPS
    && (await env.enqueue([{ ...next, label: 'DISCLOSURE', url: lead.url, depth: item.depth + 1 }])).length) return `专栏 ${lead.url}`;
  await columnFact(env, item, null, `no 年报 column linked from ${pageUrl}${item.depth ? ` (${item.depth} 专栏 pages from the home page)` : ''}`);
  return 'no column';
}

export async function verify(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const agency = env.book.get(item.agencyId)!;
  const f = await fetchItem(send, env, item, 'verify');
  if (!f.ok) {
    const scheme = new URL(item.url).protocol.replace(':', '');
    const tried = item.discover?.tried;
    if (!tried && (f.problem === 'unreachable' || f.problem === 'gone')) {
      await env.enqueue([{ ...item, url: otherScheme(item.url), discover: { tried: { reason: `${scheme}: ${f.reason}`, gone: f.problem === 'gone' } } }]);
      return `${scheme}: ${f.reason}; trying the other scheme`;
    }
    const reason = tried ? `${tried.reason}; ${scheme}: ${f.reason}` : f.reason;
    // Not there over either scheme: the hint is no portal. Anything else says nothing of the hint.
    if (tried?.gone && f.problem === 'gone') { await homeFact(env, item, 'failed', agency.homeUrl ?? item.url, `not found: ${reason}`); return `failed: ${reason}`; }
    return unread(env, item, { ...f, reason }, (r) => homeFact(env, item, 'unchecked', agency.homeUrl ?? item.url, r));
  }
  const url = f.res.finalUrl;
  const verdict = judgeSite(siteNames(f.html ?? ''), agency.name, (n) => env.book.namesGovernment(n, agency.agencyId));
  if (verdict.names === 'other') {
    await homeFact(env, item, 'failed', agency.homeUrl ?? item.url, `names ${verdict.name} (${verdict.source}), not ${agency.name}`, f.fetchId);
    return `failed: names ${verdict.name}`;
  }
  if (verdict.names === 'none') {
    const seen = verdict.seen.slice(0, 3).join(', ');
    await homeFact(env, item, 'unchecked', agency.homeUrl ?? item.url, `${url} names no government${seen ? ` (${seen})` : ''}`, f.fetchId);
    return 'names no government';
  }
  await homeFact(env, item, 'verified', url, null, f.fetchId);
  return `verified (${verdict.source}: ${verdict.name}); ${await follow(env, item, f.html ?? '', url)}`;
}

export async function disclosure(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const f = await fetchItem(send, env, item, 'discover');
  if (!f.ok) return unread(env, item, f, (r) => columnFact(env, item, null, `${item.url}: ${r}`));
  return follow(env, item, f.html ?? '', f.res.finalUrl);
}

export async function column(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const f = await fetchItem(send, env, item, 'discover');
  if (!f.ok) return unread(env, item, f, (r) => (item.discover?.yearFolder ? Promise.resolve() : columnFact(env, item, null, `${item.url}: ${r}`)));
  const url = readAs(item, f.res.finalUrl);
  const page = readListPage(f.html ?? '', url);
  if (!item.discover?.yearFolder) await columnFact(env, item, { url, foundBy: item.discover?.foundBy ?? 'link-text' }, null, f.fetchId);
  const subs = unitSubcolumns(page.links, url).filter((s) => s.lists === 'units');
  const base = { agencyId: item.agencyId, source: url, depth: 0, page: 0 };
  await env.enqueue(subs.map((s) => ({ ...base, label: 'UNITS', url: s.url, root: columnRoot(s.url), discover: { column: s.url, foundBy: s.foundBy } })));
  // Years first, then unit types (大冶: 年报 → 2025 → 市直部门): the newest year folders are read for theirs.
  const years = item.discover?.yearFolder || subs.length ? [] : newestYearFolders(page.links, columnRoot(url), UNIT_YEARS_READ);
  await env.enqueue(years.map((y) => ({ ...base, label: 'COLUMN', url: y, root: null, discover: { yearFolder: true } })));
  return `${item.discover?.yearFolder ? 'year folder' : 'column'}: ${subs.length} unit sub-columns${years.length ? `, ${years.length} year folders` : ''}`;
}

export async function units(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const f = await fetchItem(send, env, item, 'discover');
  if (!f.ok) return unread(env, item, f, async () => undefined);
  const parent = env.book.get(item.agencyId)!;
  const url = readAs(item, f.res.finalUrl);
  const page = readListPage(f.html ?? '', url, item.memo);
  const root = item.root ?? columnRoot(url);
  const column = item.discover?.column ?? url;
  let found = 0;
  for (const u of unitsOnPage(page.links, url, root)) {
    const id = unitIdentity(parent, u.printed);
    if (env.book.knownUnit(parent.agencyId, id.agencyId, id.name)) continue;
    const own = u.seen === 'own-column';
    const listUrl = own ? u.url! : column;
    await env.store.discoveries.record(env.runId, {
      agencyId: parent.agencyId, fact: 'unit', subject: `${id.name}\t${listUrl}`, url: listUrl, status: own ? 'hint' : 'verified',
      foundBy: own ? 'link-text' : item.discover?.foundBy ?? 'link-text', details: { ...id, printed: u.printed }, fetchId: f.fetchId,
    });
    found++;
  }
  const base = { agencyId: item.agencyId, source: url, discover: { ...item.discover } };
  // A sub-column's first page may hold year folders (部门 → 2024年): the newest are read (a late unit is in last year's).
  const years = item.depth === 0 && item.page === 0 ? newestYearFolders(page.links, root, UNIT_YEARS_READ) : [];
  const pages = page.continuations.filter((c) => c.kind === 'page' && item.page + 1 < env.maxPages);
  await env.enqueue([
    ...years.map((y): CrawlItem => ({ ...base, label: 'UNITS', url: y, root: columnRoot(y), depth: 1, page: 0 })),
    ...pages.map((c): CrawlItem => ({ ...base, label: 'UNITS', url: c.url, root, depth: item.depth, page: item.page + 1, ...(c.kind === 'page' && c.memo ? { memo: c.memo } : {}) })),
  ]);
  return `${found} units${years.length ? `, ${years.length} year folders` : ''}${pages.length ? `, ${pages.length} further pages` : ''}`;
}

/** Discovery's router: its labels and handlers. */
export const discoverHandlers = () => ({ VERIFY: verify, DISCLOSURE: disclosure, COLUMN: column, UNITS: units });

/** An item given up after its attempts, or left unread by the browser: what it leaves unknown is said so. */
export async function discoverGaveUp(env: CrawlEnv, item: CrawlItem, reason: string): Promise<void> {
  if (item.label === 'VERIFY') await homeFact(env, item, 'unchecked', env.book.get(item.agencyId)?.homeUrl ?? item.url, reason);
  else if (item.label === 'CHALLENGE' && item.retry) await discoverGaveUp(env, item.retry, reason);
  else if (item.label === 'DISCLOSURE' || (item.label === 'COLUMN' && !item.discover?.yearFolder)) await columnFact(env, item, null, `${item.url}: ${reason}`);
}
