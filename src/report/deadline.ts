/**
 * Publication deadlines (政府信息公开条例 2019, Article 49; `spec/codebook.md` § Deadlines) and lateness.
 * Lateness is counted only from a date the page or the file shows; without one we say so.
 */
import type { AgencyFacts } from './types.ts';

export interface Deadline {
  /** `YYYY-MM-DD`, the last day on which publication is on time. */
  date: string;
  /** Which rule gave the date, in words a reader can check. */
  rule: string;
}

/** The rules as data: first match wins. `mmdd` is a date of year Y+1. */
const RULES: { when: (a: Pick<AgencyFacts, 'kind' | 'level'>, year: number) => boolean; mmdd: string; rule: string }[] = [
  { when: (_a, y) => y < 2019, mmdd: '03-31', rule: 'before report year 2019 every agency: 31 March' },
  { when: (a) => a.level === 'township', mmdd: '03-31', rule: 'township or sub-district: 31 March (unless its county sets another date)' },
  { when: (a) => a.kind === 'department', mmdd: '01-31', rule: 'department of a government at county level or above: 31 January' },
  { when: (a) => a.kind === 'government', mmdd: '03-31', rule: "government's own report: 31 March" },
  // Unknown kind: the later date, so that nobody is called late on a guess.
  { when: () => true, mmdd: '03-31', rule: 'kind not recorded: 31 March (the later deadline)' },
];

export function deadlineFor(agency: Pick<AgencyFacts, 'kind' | 'level' | 'deadline'>, year: number): Deadline {
  if (agency.deadline && /^\d{2}-\d{2}$/.test(agency.deadline)) {
    return { date: `${year + 1}-${agency.deadline}`, rule: `set in the seed: ${agency.deadline} of the next year` };
  }
  const r = RULES.find((x) => x.when(agency, year))!;
  return { date: `${year + 1}-${r.mmdd}`, rule: r.rule };
}

const DAY_MS = 86_400_000;

function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!m) throw new Error(`not a date: "${date}"`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

/** Whole calendar days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

export { chinaDate, todayInChina } from '../seeds/calendar.ts';

/** Reads a date as pages print it (2024-01-20, 2024/1/20, 2024.1.20, 2024年1月20日); null if none. */
export function normalizeShownDate(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCMonth() !== mo - 1) return null; // 2月30日 and the like
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export type Timeliness =
  | { kind: 'on_time'; date: string; basis: 'shown_date' | 'first_capture' }
  | { kind: 'late'; date: string; daysLate: number }
  | { kind: 'no_date_shown' };

/**
 * On time or late against the deadline. The date shown decides. Without one, a capture made on or
 * before the deadline still proves the report was out in time; a later capture proves nothing.
 */
export function timeliness(deadline: string, shownDate: string | null, firstCapturedOn: string | null): Timeliness {
  if (shownDate) {
    const late = daysBetween(deadline, shownDate);
    return late > 0 ? { kind: 'late', date: shownDate, daysLate: late } : { kind: 'on_time', date: shownDate, basis: 'shown_date' };
  }
  if (firstCapturedOn && daysBetween(deadline, firstCapturedOn) <= 0) {
    return { kind: 'on_time', date: firstCapturedOn, basis: 'first_capture' };
  }
  return { kind: 'no_date_shown' };
}
