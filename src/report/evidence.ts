/**
 * What was read of each agency's 年报 column, per agency, from what the crawl stored: the list pages that
 * concern it, the problems the crawl noted for it, the report links its pages held. A list page belongs
 * to every agency whose column it is (a list URL several agencies share), a failure of a host to every
 * agency whose column lives there (when it has no read of its own that night), so no agency is called
 * `missing` because another agency happened to make the request.
 */
import type { AgencyRunRow, ColumnRead } from '../store/index.ts';
import type { AgencyFacts, ListEvidence, PageRead } from './types.ts';

/** HTTP statuses that mean "the site refused us" (a WAF challenge, a login, rate limiting) rather than "down". */
export const BLOCKED_STATUS = new Set([401, 403, 412, 429, 451, 521]);

/** Statuses and errors that say a whole host is unwell, not one page: every column on the host shares them. */
const hostWide = (r: ColumnRead): boolean => (r.status === null && !!r.error) || (r.status !== null && (r.status >= 500 || r.status === 412 || r.status === 521));

const readOk = (r: ColumnRead): boolean => !r.error && r.status !== null && r.status < 400;

const hostOf = (url: string): string | null => { try { return new URL(url).host.toLowerCase(); } catch { return null; } };

/** The problems a crawl noted for an agency in a run (agency_runs.details), plus its final outcome. */
interface Problem { outcome: 'blocked' | 'unreachable' | 'no-list-url'; reason: string }

function problemsOf(row: AgencyRunRow | undefined): Problem[] {
  if (!row) return [];
  const out: Problem[] = [];
  let details: { problems?: Problem[]; blocked?: string | null; unreachable?: string | null } | null = null;
  try { details = row.details ? JSON.parse(row.details) : null; } catch { /* unreadable details: the outcome column still speaks */ }
  for (const p of details?.problems ?? []) if (p && p.reason) out.push(p);
  // The crawl's final summary keeps the problems as `blocked` / `unreachable` lines.
  if (details?.blocked) out.push({ outcome: 'blocked', reason: details.blocked });
  if (details?.unreachable) out.push({ outcome: 'unreachable', reason: details.unreachable });
  if (!out.length && (row.outcome === 'blocked' || row.outcome === 'unreachable' || row.outcome === 'no-list-url')) {
    out.push({ outcome: row.outcome, reason: row.reason ?? row.outcome });
  }
  return out;
}

function platformOf(row: AgencyRunRow | undefined): string | null {
  if (!row?.details) return null;
  try { const d = JSON.parse(row.details) as { platform?: unknown }; return typeof d.platform === 'string' ? d.platform : null; } catch { return null; }
}

export interface ColumnFacts {
  /** Start time of each run the reads and summaries come from. */
  runStarts: Map<number, string>;
  /** List and home page reads of those runs (fetches with purpose list/home). */
  reads: ColumnRead[];
  /** Each agency's newest crawl summary. */
  summaries: AgencyRunRow[];
  /** Report links each list URL held, as last seen. */
  linksPerList: Map<string, number>;
}

/** One ListEvidence per agency that anything was tried for: its last attempt, judged on what was read. */
export function columnEvidence(agencies: AgencyFacts[], facts: ColumnFacts): ListEvidence[] {
  const summaryOf = new Map(facts.summaries.map((s) => [s.agency_id, s]));
  const byAgency = new Map<string, ColumnRead[]>();
  const byUrl = new Map<string, ColumnRead[]>();
  const failuresByHost = new Map<string, ColumnRead[]>();
  const push = <K>(m: Map<K, ColumnRead[]>, k: K, r: ColumnRead) => (m.get(k) ?? m.set(k, []).get(k)!).push(r);
  for (const r of facts.reads) {
    if (r.agency_id) push(byAgency, r.agency_id, r);
    push(byUrl, r.url, r);
    if (r.final_url && r.final_url !== r.url) push(byUrl, r.final_url, r);
    const h = hostOf(r.url);
    if (h && hostWide(r)) push(failuresByHost, h, r);
  }
  const out: ListEvidence[] = [];
  for (const a of agencies) {
    const columns = a.reportListUrls.length ? a.reportListUrls : a.homeUrl ? [a.homeUrl] : [];
    // Every read that concerns the agency, and how: made for it, or of a column URL it shares.
    const pages = new Map<number, PageRead & { read: ColumnRead }>();
    const add = (r: ColumnRead, via: PageRead['via']) => {
      if (!pages.has(r.fetch_id)) pages.set(r.fetch_id, { ...pageOf(r), via, read: r });
    };
    for (const r of byAgency.get(a.agencyId) ?? []) add(r, 'own');
    for (const u of columns) for (const r of byUrl.get(u) ?? []) add(r, r.agency_id === a.agencyId ? 'own' : 'shared list');
    const summary = summaryOf.get(a.agencyId);
    // The last attempt: the newest run with a read or a summary for this agency.
    const runs = new Set<number>([...pages.values()].map((p) => p.read.run_id).filter((x): x is number => x !== null));
    if (summary) runs.add(summary.run_id);
    if (!runs.size) continue;
    const start = (run: number) => facts.runStarts.get(run) ?? '';
    const run = [...runs].sort((x, y) => start(y).localeCompare(start(x)) || y - x)[0]!;
    let mine = [...pages.values()].filter((p) => p.read.run_id === run);
    if (!mine.length && summary?.run_id === run) {
      // Nothing of its own was fetched in a run that counted it: its host failed (and was paused) before
      // its turn came, or another agency's request on the host stood for it. The host's failures are its own.
      const hosts = new Set(columns.map(hostOf).filter((h): h is string => !!h));
      for (const h of hosts) for (const r of failuresByHost.get(h) ?? []) if (r.run_id === run) add(r, 'shared host');
      mine = [...pages.values()].filter((p) => p.read.run_id === run);
    }
    // A failure retried with success is not a failure: of each URL, the last attempt of the run counts.
    const last = new Map<string, PageRead & { read: ColumnRead }>();
    for (const p of mine.sort((x, y) => x.fetchedAt.localeCompare(y.fetchedAt) || x.read.fetch_id - y.read.fetch_id)) last.set(p.read.url, p);
    mine = [...last.values()];
    const problems = summary && summary.run_id === run ? problemsOf(summary) : [];
    out.push(judge(a, columns, mine, problems, summary && summary.run_id === run ? summary : undefined, facts.linksPerList));
  }
  return out;
}

function pageOf(r: ColumnRead): PageRead {
  return { url: r.final_url ?? r.url, fetchedAt: r.fetched_at, status: r.status, error: r.error, sha256: r.body_sha256, via: 'own' };
}

function judge(a: AgencyFacts, columns: string[], mine: (PageRead & { read: ColumnRead })[], problems: Problem[], summary: AgencyRunRow | undefined, links: Map<string, number>): ListEvidence {
  const pages: PageRead[] = mine.map(({ read: _r, ...p }) => p);
  const ok = mine.filter((p) => readOk(p.read));
  const failed = mine.filter((p) => !readOk(p.read));
  const readAt = [...mine.map((p) => p.fetchedAt), summary?.finished_at ?? ''].sort().pop()!;
  // The page the verdict rests on: a failure where there is one, else the column's first page.
  const first = failed[0] ?? mine.find((p) => columns.includes(p.read.url)) ?? mine[0] ?? null;
  const platform = platformOf(summary);
  const base = {
    agencyId: a.agencyId, url: first?.url ?? null, readAt, httpStatus: first?.status ?? null, sha256: first?.sha256 ?? null, pages, platform,
  };
  const where = (p: PageRead) => `${p.url}${p.via === 'shared host' ? ', a failure of the host its column is on' : p.via === 'shared list' ? ', a list page it shares' : ''}`;
  // Blocked: the crawl says so (a challenge not passed, robots.txt, a list that needs a browser), or a page refused us.
  const refused = failed.find((p) => p.status !== null && BLOCKED_STATUS.has(p.status));
  const blocked = problems.find((p) => p.outcome === 'blocked')?.reason ?? (refused ? `HTTP ${refused.status}${refused.via === 'own' ? '' : ` (${where(refused)})`}` : null);
  const partly = ok.length ? (failed.length ? `partly read: ${ok.length} of ${mine.length} list page(s)` : `${ok.length} list page(s) fetched`) : null;
  if (blocked) return { ...base, outcome: 'blocked', reason: blocked, held: partly, linksFound: null };
  // Unreachable: any page of the column failed, or the crawl noted so. A column partly read is not "read":
  // the year's report may be on the page that failed.
  const noted = problems.find((p) => p.outcome === 'unreachable' || p.outcome === 'no-list-url');
  if (failed.length || noted) {
    const reason = noted ? (noted.outcome === 'no-list-url' ? `no 年报 column found: ${noted.reason}` : noted.reason)
      : `${failed[0]!.error ?? `HTTP ${failed[0]!.status}`} (${where(failed[0]!)})`;
    return { ...base, outcome: 'unreachable', reason, held: partly, linksFound: null };
  }
  if (!ok.length) {
    // A summary with nothing read behind it: the crawl counted the agency but fetched none of its pages.
    return { ...base, outcome: 'not_checked', reason: 'the crawl recorded no read of its 年报 column', held: null, linksFound: null };
  }
  // Found: the reports the crawl assigned to this agency from its column; a list it shares may hold others'.
  const held = ok.reduce((n, p) => n + (links.get(p.read.url) ?? 0), 0);
  const found = summary ? summary.reports_found : held;
  return {
    ...base, outcome: 'ok', reason: null, linksFound: found,
    held: `${ok.length} list page(s) read, ${found} report link(s) found${summary?.reports_new ? `, ${summary.reports_new} new` : ''}`
      + (found === 0 && held > 0 ? `; its pages held ${held} report link(s) in all` : '') + (platform ? `; platform ${platform}` : ''),
  };
}
