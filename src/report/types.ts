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

/** One archived version of one agency's report for one year (a changed report is a second version). */
export interface ReportVersion {
  agencyId: string;
  year: number;
  url: string;
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

/** What the crawler saw the last time it read an agency's 年报 column (or tried to). */
export interface ListEvidence {
  agencyId: string;
  url: string;
  /** ISO timestamp of the read. */
  readAt: string;
  outcome: 'ok' | 'unreachable' | 'blocked';
  httpStatus: number | null;
  /** For unreachable/blocked: why (DNS failure, timeout, 403, robots.txt, ...). */
  reason: string | null;
  /** What the column held, in a line: e.g. "12 report links; newest: 2023年度报告". */
  held: string | null;
  /** Digest of the archived list page, when it was archived. */
  sha256: string | null;
}

/** Everything the report stage reads, as plain data. */
export interface ReportFacts {
  agencies: AgencyFacts[];
  versions: ReportVersion[];
  /** Every read of each column (the latest per agency is used; older reads give history). */
  evidence: ListEvidence[];
}
