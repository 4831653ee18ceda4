/**
 * The plain facts the report stage reads. The store provides them (see `source.ts`); tests and other
 * callers may build them by hand. Dates are ISO strings: `YYYY-MM-DD` for calendar dates, full ISO
 * timestamps for fetch times.
 */
import type { ReportRecord } from '../parse/index.ts';
import type { Agency } from '../seeds/index.ts';

export type { AgencyKind } from '../seeds/index.ts';

/** The agencies status and export judge: the registry's, as loaded. */
export type AgencyFacts = Agency;

/** Why a found document has no usable record. */
export type ParseOutcome = { ok: true; record: ReportRecord } | { ok: false; problem: string };

/**
 * One archived original of one agency's report for one year. A report is one thing per agency-year: the
 * same report reached at several URLs (a quoted copy, a `_wap` twin, a page and its attachment) has
 * several sources; a new version is a change of content at the same source (the older one `replacedAt`).
 */
export interface ReportVersion {
  agencyId: string;
  year: number;
  /** The source this original was fetched from. */
  url: string;
  /** Every URL the report (not only this original) was reached at; absent when built by hand. */
  sources?: string[];
  /** When a different original was seen at the same source URL; null while this one stands there. */
  replacedAt?: string | null;
  sha256: string;
  /** When this exact content was first fetched (ISO timestamp). */
  fetchedAt: string;
  /** The publication date the page or the file itself shows (`YYYY-MM-DD`); null when none is shown. */
  shownDate: string | null;
  /** Where that date was read, e.g. "list page", "report page", "file"; null with shownDate null. */
  shownDateSource: string | null;
  title: string | null;
  /** Every list page (年报 column) that linked to this report; empty when not recorded. */
  listedOn?: string[];
  /** Whether this is the current version of its report: the one every reader uses (the store decides, see reports.current_version_id). */
  current: boolean;
  /** Path of the archived original on this machine, if known (for links from the dashboard). */
  archivePath: string | null;
  parse: ParseOutcome;
}

/** One list page read (or tried) for an agency's 年报 column: the exchange and its archived capture. */
export interface PageRead {
  url: string;
  /** ISO timestamp of the exchange. */
  fetchedAt: string;
  status: number | null;
  error: string | null;
  /** Digest of the archived page (the capture), when a body was kept. */
  sha256: string | null;
  /** Made for this agency, a list URL it shares with another agency, or a failure of the host its column is on. */
  via: 'own' | 'shared list' | 'shared host';
}

/** What was read of an agency's 年报 column at its last attempt (see evidence.ts). */
export interface ListEvidence {
  agencyId: string;
  /** The page the verdict rests on; null when no page was fetched. */
  url: string | null;
  /** ISO timestamp of the read. */
  readAt: string;
  /** ok: read in full; not_checked: the crawl counted the agency but read nothing of its column. */
  outcome: 'ok' | 'unreachable' | 'blocked' | 'not_checked';
  httpStatus: number | null;
  /** For unreachable/blocked: why (DNS failure, timeout, 403, robots.txt, a list that needs a browser, ...). */
  reason: string | null;
  /** What the column held, in a line: e.g. "2 list page(s) read, 12 report link(s) found". */
  held: string | null;
  /** Digest of the archived list page, when it was archived. */
  sha256: string | null;
  /** Where that capture is on this machine, when known (for links from the dashboard). */
  archivePath?: string | null;
  /** Every page of the attempt, with its capture; absent when built by hand. */
  pages?: PageRead[];
  /** The portal platform the crawl recognised, when it recorded one. */
  platform?: string | null;
  /** Report links the column's pages held. */
  linksFound?: number | null;
}

/** Everything the report stage reads, as plain data. */
export interface ReportFacts {
  agencies: AgencyFacts[];
  versions: ReportVersion[];
  /** Every read of each column (the latest per agency is used; older reads give history). */
  evidence: ListEvidence[];
}
