/**
 * The handlers of a column: HOME (find the 年报 column from a home page), LIST (read a column page with its
 * platform), and a platform's API continuation (a Hanweb window, a gkmlpt API page). Each records what it read
 * for every agency the page serves; a failure there is each one's.
 */
import { readListPage, followContinuation } from '../listing.ts';
import { fetchItem, remember, type CrawlEnv, type CrawlItem, type Fetched, type Send } from '../context.ts';
import { columnLead } from '../columns.ts';
import { MAX_DISCLOSURE_HOPS } from '../tables.ts';
import { childrenOf, columnRoot, spawn } from './children.ts';

/** A fetch that did not give a page: the browser takes challenges; anything else is the agencies' evidence. */
export async function refused(env: CrawlEnv, item: CrawlItem, f: Extract<Fetched, { ok: false }>, evidence: boolean): Promise<string> {
  if (f.problem === 'challenge') {
    if (env.useBrowser && !item.pass) {
      await env.enqueue([{ ...item, label: 'CHALLENGE', retry: { ...item, pass: 1 } }]);
      if (evidence) await env.evidence.read(item.url, { outcome: 'blocked', reason: `${f.reason}; handed to the browser` });
      return `challenge → browser: ${f.reason}`;
    }
    if (evidence) await env.evidence.read(item.url, { outcome: 'blocked', reason: item.pass ? `${f.reason}; the cookie the browser earned was not accepted` : f.reason });
    return `blocked: ${f.reason}`;
  }
  if (evidence) {
    const outcome = f.problem === 'blocked' || f.problem === 'disallowed' ? 'blocked' : 'unreachable';
    await env.evidence.read(item.url, { outcome, reason: f.reason });
  }
  return `${f.problem}: ${f.reason}`;
}

/** The URL a page is read as: the one fetched, with the item's `#fragment` (gkmlpt's category lives there). */
function readUrl(item: CrawlItem, finalUrl: string): string {
  const hash = new URL(item.url).hash;
  return hash && !finalUrl.includes('#') ? finalUrl + hash : finalUrl;
}

export async function home(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const served = await env.evidence.servedBy(item.url, item.agencyId);
  const f = await fetchItem(send, env, item, 'home');
  if (!f.ok) return refused(env, item, f, true);
  const page = readListPage(f.html ?? '', f.res.finalUrl);
  const lead = columnLead(page.links, f.res.finalUrl);
  const record = (reason: string) => env.evidence.read(item.url, { outcome: 'read', reason, platform: page.platform, linksFound: page.links.length, reportLinks: 0, fetchId: f.fetchId, sha256: f.sha256 });
  if (lead?.kind === 'column') {
    await env.evidence.attach(served, lead.url, 'column', item.url);
    await env.enqueue([{ label: 'LIST', url: lead.url, agencyId: item.agencyId, source: item.url, root: columnRoot(lead.url), depth: 0, page: 0 }]);
    await record(`column ${lead.url}`);
    return `column ${lead.url}`;
  }
  if (lead?.kind === 'disclosure' && item.depth < MAX_DISCLOSURE_HOPS) {
    await env.evidence.attach(served, lead.url, 'home', item.url);
    await env.enqueue([{ ...item, url: lead.url, source: item.url, depth: item.depth + 1 }]);
    await record(`disclosure ${lead.url}`);
    return `disclosure ${lead.url}`;
  }
  await record('no 年报 column linked');
  return 'no column';
}

export async function list(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const served = await env.evidence.servedBy(item.url, item.agencyId);
  const f = await fetchItem(send, env, item, 'list', { conditional: true });
  if (!f.ok) return refused(env, item, f, true);
  const page = readListPage(f.html ?? '', readUrl(item, f.res.finalUrl), item.memo);
  const children = childrenOf(env, item, page.links, page.continuations);
  const facts = { platform: page.platform, linksFound: page.links.length, reportLinks: children.reports.length, fetchId: f.fetchId, sha256: f.sha256 };
  if (!children.reports.length && !children.columns.length && !children.further.length && page.needsBrowser) {
    await remember(env, item.url, f);
    if (!env.useBrowser) {
      await env.evidence.read(item.url, { ...facts, outcome: 'blocked', reason: page.needsBrowser });
      return `blocked: ${page.needsBrowser}`;
    }
    // Blocked until the browser has rendered it (its read replaces this one).
    await env.evidence.read(item.url, { ...facts, outcome: 'blocked', reason: `${page.needsBrowser}; handed to the browser` });
    await env.enqueue([{ ...item, label: 'BROWSER_LIST' }]);
    return 'js-only → browser';
  }
  await spawn(env, item, children, served);
  await env.evidence.read(item.url, { ...facts, outcome: 'read' });
  await remember(env, item.url, f);
  return `${children.reports.length} report links, ${children.columns.length + children.further.length} lists (${page.platform})${f.notModified ? ', not modified' : ''}`;
}

/** A platform's API continuation: the window fetched as the platform says, its answer read by the platform. */
export async function apiWindow(env: CrawlEnv, send: Send, item: CrawlItem): Promise<string> {
  const c = item.cont!;
  const served = await env.evidence.servedBy(item.url, item.agencyId);
  const f = await fetchItem(send, env, item, 'list', { method: c.method, ...(c.body !== undefined ? { body: c.body } : {}), ...(c.headers ? { headers: c.headers } : {}) });
  if (!f.ok) {
    // A probe (page 0 of an API that may count from 1) that fails says nothing about the column.
    if (c.probe) { await env.evidence.read(item.url, { outcome: 'read', reason: `probe: ${f.reason}`, platform: c.platform }); return `probe: ${f.reason}`; }
    return refused(env, item, f, true);
  }
  const reading = followContinuation(c, { status: f.res.status, text: f.html ?? f.body.toString('utf8'), url: f.res.finalUrl });
  const children = childrenOf(env, item, reading.links, reading.continuations);
  await spawn(env, item, children, served);
  await env.evidence.read(item.url, { outcome: 'read', platform: c.platform, linksFound: reading.links.length, reportLinks: children.reports.length, fetchId: f.fetchId, sha256: f.sha256 });
  return `${children.reports.length} report links (${c.platform} ${Object.entries(c.state).filter(([k]) => /page|start/.test(k)).map(([k, v]) => `${k} ${v}`).join(', ')})`;
}
