/**
 * Who has published their report for year Y, who is late and by how much, who is missing and on what
 * evidence: one row per seed agency, plus totals by region, level and kind.
 */
import { chinaDate, daysBetween, deadlineFor, timeliness } from './deadline.ts';
import { provinceCode } from '../seeds/regions.ts';
import type { AgencyFacts, ListEvidence, ReportFacts, ReportVersion } from './types.ts';

export const STATUS_KINDS = [
  'on_time', 'late', 'published_undated', 'not_parsed', 'missing', 'not_yet_due', 'unreachable', 'blocked', 'not_checked',
] as const;
export type StatusKind = (typeof STATUS_KINDS)[number];

/** What each status means, for help texts, CSV readers and the dashboard legend. */
export const STATUS_MEANING: Record<StatusKind, string> = {
  on_time: 'published on or before the deadline',
  late: 'published after the deadline (days counted from the date the page or file shows)',
  published_undated: 'published, but neither page nor file shows a date and we first saw it after the deadline',
  not_parsed: 'a report was found but its tables could not be read',
  missing: 'deadline passed; the column was read in full and held no report for the year',
  not_yet_due: 'the deadline has not passed yet and no report was found',
  unreachable: 'deadline passed; the column could not be read (network, server error)',
  blocked: 'deadline passed; the site refused us (403, WAF challenge, robots.txt, a list that needs a browser)',
  not_checked: 'deadline passed; nothing was tried for the column, or nothing of it was fetched',
};

export interface StatusRow {
  agencyId: string;
  name: string;
  regionCode: string | null;
  /** Province code (first two digits + 0000), for grouping. */
  province: string | null;
  level: string | null;
  kind: string | null;
  year: number;
  status: StatusKind;
  deadline: string;
  deadlineRule: string;
  /** The publication date used: shown on the page/file, or the first capture when that proves on time. */
  publishedDate: string | null;
  /** "list page", "file", ... or "first capture"; null when no date. */
  publishedDateSource: string | null;
  daysLate: number | null;
  /** For published reports without a date shown: the words, so nobody reads a blank as on time. */
  dateNote: string | null;
  url: string | null;
  sha256: string | null;
  archivePath: string | null;
  title: string | null;
  /** Versions of the report: changes of content at one source, plus one (a quoted copy or an attachment is a source, not a version). */
  versions: number;
  /** How many times an original was replaced at the same URL (more than 0: changed after publication). */
  revisions: number;
  /** The URLs the report was reached at (its page, its attachment, quoted copies, twins). */
  sources: number;
  firstCapturedAt: string | null;
  /** The last read of the column: when, where, what it held or why it failed. */
  lastReadAt: string | null;
  lastReadUrl: string | null;
  lastReadHeld: string | null;
  /** Digest of the archived capture of that page (read it in the archive). */
  lastReadSha256: string | null;
  reason: string | null;
  /** One line a person reads: why this status. */
  evidence: string;
}

function latest<T>(items: T[], key: (t: T) => string): T | null {
  let best: T | null = null;
  for (const t of items) if (!best || key(t) > key(best)) best = t;
  return best;
}

/** Originals replaced at the same URL: a report page and its attachment are not revisions of each other. */
function revisionsOf(versions: ReportVersion[]): number {
  const urls = new Set(versions.map((v) => v.url));
  return versions.length - urls.size;
}

/** Versions are changes of content at one source: the most originals any one source URL had. */
function versionCount(versions: ReportVersion[]): number {
  const per = new Map<string, number>();
  for (const v of versions) per.set(v.url, (per.get(v.url) ?? 0) + 1);
  return Math.max(0, ...per.values());
}

function sourceCount(versions: ReportVersion[]): number {
  return new Set(versions.flatMap((v) => [v.url, ...(v.sources ?? [])])).size;
}

/** The pages read, each with its archived capture or why it failed: what a status rests on. */
function pagesRead(e: ListEvidence): string {
  const pages = e.pages ?? (e.url ? [{ url: e.url, status: e.httpStatus, error: null, sha256: e.sha256, via: 'own' as const }] : []);
  if (!pages.length) return '';
  const one = (p: { url: string; status: number | null; error: string | null; sha256: string | null; via: string }) =>
    `${p.url} (${p.sha256 ? `capture sha256:${p.sha256}` : p.error ?? (p.status !== null ? `HTTP ${p.status}, not archived` : 'no capture')}${p.via === 'own' ? '' : `; ${p.via}`})`;
  const shown = pages.slice(0, 3).map(one).join(', ');
  return `; pages: ${shown}${pages.length > 3 ? ` and ${pages.length - 3} more` : ''}`;
}

/** A version is usable when the parse succeeded and found at least one of the three tables. */
function parseProblem(v: ReportVersion): string | null {
  if (!v.parse.ok) return v.parse.problem;
  const t = v.parse.record.tables;
  if (!t.active.found && !t.requests.found && !t.appeals.found) return 'none of the three statistical tables was found';
  return null;
}

export function statusOfAgency(
  agency: AgencyFacts,
  year: number,
  today: string,
  versions: ReportVersion[],
  evidence: ListEvidence[],
): StatusRow {
  const dl = deadlineFor(agency, year);
  const lastRead = latest(evidence, (e) => e.readAt);
  const row: StatusRow = {
    agencyId: agency.agencyId, name: agency.name, regionCode: agency.regionCode, province: provinceCode(agency.regionCode),
    level: agency.level, kind: agency.kind, year, status: 'not_checked', deadline: dl.date, deadlineRule: dl.rule,
    publishedDate: null, publishedDateSource: null, daysLate: null, dateNote: null, url: null, sha256: null,
    archivePath: null, title: null, versions: versionCount(versions), revisions: revisionsOf(versions), sources: sourceCount(versions),
    firstCapturedAt: null, lastReadAt: lastRead?.readAt ?? null, lastReadUrl: lastRead?.url ?? null, lastReadHeld: lastRead?.held ?? null,
    lastReadSha256: lastRead?.sha256 ?? null, reason: lastRead && lastRead.outcome !== 'ok' ? lastRead.reason : null, evidence: '',
  };

  if (versions.length) {
    // The original the row points at: the report's current version (the store chose it: the one the tables
    // were read from). Facts from the store mark exactly one per report.
    const current = versions.find((v) => v.current) ?? versions[versions.length - 1]!;
    const first = versions.reduce((a, b) => (b.fetchedAt < a.fetchedAt ? b : a));
    // The earliest date shown on any version is the publication date; later versions are revisions.
    const dated = versions.filter((v) => v.shownDate).sort((a, b) => a.shownDate!.localeCompare(b.shownDate!))[0] ?? null;
    Object.assign(row, {
      url: current.url, sha256: current.sha256, archivePath: current.archivePath, title: current.title,
      firstCapturedAt: first.fetchedAt,
    });
    const t = timeliness(dl.date, dated?.shownDate ?? null, chinaDate(first.fetchedAt));
    if (t.kind === 'on_time' || t.kind === 'late') {
      row.publishedDate = t.date;
      row.publishedDateSource = t.kind === 'on_time' && t.basis === 'first_capture' ? 'first capture' : dated!.shownDateSource ?? 'shown';
    }
    if (t.kind === 'late') row.daysLate = t.daysLate;
    if (t.kind === 'no_date_shown') {
      row.dateNote = `no date shown; first captured ${chinaDate(first.fetchedAt)}, after the deadline ${dl.date}`;
    }
    const parsed = versions.filter((v) => !parseProblem(v));
    if (!parsed.length) {
      row.status = 'not_parsed';
      row.reason = parseProblem(current);
      row.evidence = `found ${current.url} but could not read it: ${row.reason}`;
      return row;
    }
    row.status = t.kind === 'late' ? 'late' : t.kind === 'on_time' ? 'on_time' : 'published_undated';
    row.evidence =
      t.kind === 'late' ? `published ${t.date} (${row.publishedDateSource}), ${t.daysLate} days after the deadline ${dl.date}`
        : t.kind === 'on_time' ? `published ${t.date} (${row.publishedDateSource}), deadline ${dl.date}`
          : `published; ${row.dateNote}`;
    if (row.revisions) row.evidence += `; changed after publication (${row.revisions} replaced original${row.revisions > 1 ? 's' : ''})`;
    return row;
  }

  if (daysBetween(today, dl.date) >= 0) {
    row.status = 'not_yet_due';
    row.evidence = `due by ${dl.date}` + (lastRead ? `; column last read ${lastRead.readAt}` : '');
    return row;
  }
  if (!lastRead) {
    row.status = 'not_checked';
    row.evidence = `deadline ${dl.date} passed; the 年报 column has not been read yet`;
    return row;
  }
  if (lastRead.outcome !== 'ok') {
    row.status = lastRead.outcome;
    row.evidence = `${lastRead.outcome === 'not_checked' ? 'not checked' : lastRead.outcome} at ${lastRead.readAt}: ${lastRead.reason ?? 'no reason recorded'}`
      + (lastRead.held ? `; ${lastRead.held}` : '') + pagesRead(lastRead);
    return row;
  }
  // Missing: the column was read, and held no report for the year.
  row.status = 'missing';
  row.evidence = `no ${year} report in ${lastRead.url ?? 'its 年报 column'} as read ${lastRead.readAt}` + (lastRead.held ? `; it held: ${lastRead.held}` : '') + pagesRead(lastRead);
  if (daysBetween(dl.date, chinaDate(lastRead.readAt)) <= 0) row.evidence += ' (read before the deadline; not read since)';
  return row;
}

export interface StatusTotals {
  /** Group key → status → count; groups: `all`, `region:<province code>`, `level:<level>`, `kind:<kind>`. */
  groups: Record<string, Record<StatusKind, number> & { agencies: number }>;
}

function emptyCounts(): Record<StatusKind, number> & { agencies: number } {
  const c = { agencies: 0 } as Record<StatusKind, number> & { agencies: number };
  for (const s of STATUS_KINDS) c[s] = 0;
  return c;
}

export function totals(rows: StatusRow[]): StatusTotals {
  const groups: StatusTotals['groups'] = {};
  const add = (key: string, s: StatusKind) => {
    const g = (groups[key] ??= emptyCounts());
    g.agencies++;
    g[s]++;
  };
  for (const r of rows) {
    add('all', r.status);
    add(`region:${r.province ?? 'unknown'}`, r.status);
    add(`level:${r.level ?? 'unknown'}`, r.status);
    add(`kind:${r.kind ?? 'unknown'}`, r.status);
  }
  return { groups };
}

export interface StatusReport {
  year: number;
  today: string;
  rows: StatusRow[];
  totals: StatusTotals;
}

/** One row per seed agency for `year`, judged as of `today` (a China date, `YYYY-MM-DD`). */
export function computeStatus(facts: ReportFacts, year: number, today: string): StatusReport {
  const versionsBy = new Map<string, ReportVersion[]>();
  for (const v of facts.versions) if (v.year === year) (versionsBy.get(v.agencyId) ?? versionsBy.set(v.agencyId, []).get(v.agencyId)!).push(v);
  const evidenceBy = new Map<string, ListEvidence[]>();
  for (const e of facts.evidence) (evidenceBy.get(e.agencyId) ?? evidenceBy.set(e.agencyId, []).get(e.agencyId)!).push(e);
  const rows = facts.agencies.map((a) => statusOfAgency(a, year, today, versionsBy.get(a.agencyId) ?? [], evidenceBy.get(a.agencyId) ?? []));
  return { year, today, rows, totals: totals(rows) };
}
