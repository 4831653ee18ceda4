/**
 * China's calendar day: the statutory deadlines and the dates portals print are Beijing dates, whatever
 * the machine's time zone. The one formatter every stage uses.
 */

// Built once: constructing an Intl formatter costs far more than formatting with it.
const CHINA_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar date in China of an instant, `YYYY-MM-DD` (default: now). */
export function todayInChina(now: Date = new Date()): string {
  return CHINA_DAY.format(now);
}

/** The calendar date (in China) of an ISO timestamp; a bare date is returned as is. */
export function chinaDate(isoOrDate: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(isoOrDate)) return isoOrDate;
  const d = new Date(isoOrDate);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: "${isoOrDate}"`);
  return todayInChina(d);
}
