/**
 * Whose site a page is: the names a portal gives itself (its `SiteName` meta, its title, its footer's 主办 and
 * 版权所有 lines), judged against the agency a hint says it is. Names match across government forms and region
 * prefixes (titles.ts): 故城县人民政府 is 故城县, 故城县政府; 衡水市桃城区人民政府 is 桃城区人民政府.
 */
import * as cheerio from 'cheerio';
import { FOOTER_NAME_LINES, FOOTER_SELECTORS, PORTAL_OFFICE, SITE_NAME_META, SITE_TITLE_NOISE, SITE_TITLE_SEPARATORS } from './tables.ts';
import { isGovernmentName, unitMatches } from './titles.ts';

/** Where a name was read. */
export type NameSource = 'meta' | 'title' | 'footer';

export interface SiteName { name: string; source: NameSource }

const clean = (s: string): string => s.replace(/[\s\u00a0\u3000]+/g, '').replace(SITE_TITLE_NOISE, '');

/** The names a page gives its site, meta first, then title parts, then footer lines; duplicates dropped. */
export function siteNames(html: string): SiteName[] {
  const $ = cheerio.load(html);
  const out: SiteName[] = [];
  const add = (raw: string | undefined, source: NameSource) => {
    const name = clean(raw ?? '').replace(PORTAL_OFFICE, '');
    if (name.length >= 2 && !out.some((n) => n.name === name)) out.push({ name, source });
  };
  for (const m of SITE_NAME_META) add($(`meta[name="${m}"]`).attr('content'), 'meta');
  for (const part of $('title').first().text().split(SITE_TITLE_SEPARATORS)) add(part, 'title');
  const footer = $(FOOTER_SELECTORS).text() || $('body').text().slice(-800);
  for (const line of footer.split(/\s{2,}|\n|\|/)) for (const re of FOOTER_NAME_LINES) add(re.exec(line.trim())?.[1], 'footer');
  return out;
}

export type NameVerdict =
  | { names: 'it'; name: string; source: NameSource }
  | { names: 'other'; name: string; source: NameSource }
  | { names: 'none'; seen: string[] };

/**
 * Whether a page names the agency: any of its names matching; else the first that names a government (by its
 * form, or because `known` knows it: another agency of the registry); else none.
 */
export function judgeSite(names: SiteName[], agencyName: string, known: (name: string) => boolean = () => false): NameVerdict {
  const it = names.find((n) => unitMatches(n.name, agencyName));
  if (it) return { names: 'it', ...it };
  const other = names.find((n) => isGovernmentName(n.name) || known(n.name));
  if (other) return { names: 'other', ...other };
  return { names: 'none', seen: names.map((n) => n.name) };
}
