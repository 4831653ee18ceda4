/**
 * Reading a 年报 column's unit-type sub-columns (部门, 乡镇/街道 …; portals.md §0.3): which links of a column are
 * such sub-columns (by their text or their path token, tables.ts UNIT_SUBCOLUMNS), which year folders a
 * sub-column holds, and the units a sub-column page shows: the unit a report's title names (its reports are listed
 * there), or a link named for a unit leading to its own column below the sub-column.
 */
import type { PageLink } from './links.ts';
import { COLUMN_LINK_TEXTS, DISCLOSURE_LINK_TEXTS, SUBCOLUMN_URL_TOKENS, UNIT_NAME_ENDINGS, UNIT_SUBCOLUMNS, YEAR_FOLDER_TEXT } from './tables.ts';
import { classifyTitle } from './titles.ts';
import { isOwnHost } from './url.ts';

export interface UnitSubcolumn { url: string; lists: (typeof UNIT_SUBCOLUMNS)[number]['lists']; foundBy: 'link-text' | 'platform-path' }

const squeeze = (s: string): string => s.replace(/[\s\u00a0\u3000]+/g, '');
const lastSegment = (url: string): string => new URL(url).pathname.replace(/\/(index(_\d+)?\.\w+)?$/, '').split('/').pop() ?? '';

/** A link's unit-type sub-column, by its text (部门, 乡镇年报), else its path's last folder (bm, 2025szbm, xzjd_1). */
function subcolumnOf(l: PageLink): Omit<UnitSubcolumn, 'url'> | null {
  const text = squeeze(l.text).replace(/年报$/, '');
  const byText = UNIT_SUBCOLUMNS.find((t) => t.texts.includes(text));
  if (byText) return { lists: byText.lists, foundBy: 'link-text' };
  const folder = lastSegment(l.url).toLowerCase().replace(/^(19|20)\d{2}/, '').replace(/_\d+$/, '');
  const byPath = UNIT_SUBCOLUMNS.find((t) => t.paths.includes(folder));
  return byPath ? { lists: byPath.lists, foundBy: 'platform-path' } : null;
}

/** The unit-type sub-columns a column page links (on its own site, one per URL). */
export function unitSubcolumns(links: PageLink[], pageUrl: string): UnitSubcolumn[] {
  const site = new Set([new URL(pageUrl).host.toLowerCase()]);
  const out: UnitSubcolumn[] = [];
  for (const l of links) {
    if (l.url === pageUrl || !isOwnHost(l.url, site) || out.some((s) => s.url === l.url)) continue;
    const t = subcolumnOf(l);
    if (t) out.push({ url: l.url, ...t });
  }
  return out;
}

/** The year a link names as a year folder (2024年, …/2024n/, …/gknb2024/), or null. */
function folderYear(l: PageLink): number | null {
  const byText = YEAR_FOLDER_TEXT.exec(l.text);
  if (byText) return Number(byText[1]);
  const path = new URL(l.url).pathname;
  if (!SUBCOLUMN_URL_TOKENS.test(path)) return null;
  const y = /(19|20)\d{2}/.exec(lastSegment(l.url));
  return y ? Number(y[0]) : null;
}

/** The newest `count` year folders below `root` (a sub-column's folder), newest first. */
export function newestYearFolders(links: PageLink[], root: string, count: number): string[] {
  const years = new Map<string, number>();
  for (const l of links) {
    if (!l.url.startsWith(root) || l.url === root) continue;
    const y = folderYear(l);
    if (y !== null && !years.has(l.url)) years.set(l.url, y);
  }
  return [...years].sort((a, b) => b[1] - a[1]).slice(0, count).map(([url]) => url);
}

/** A link text that names a unit of government (ends with a unit's word, no year, no column or 专栏 word). */
function namesUnit(text: string): boolean {
  const t = squeeze(text);
  if (t.length < 2 || t.length > 30 || !/^[\u4e00-\u9fa5（）()]+$/.test(t)) return false;
  if ([...COLUMN_LINK_TEXTS, ...DISCLOSURE_LINK_TEXTS].some((re) => re.test(t))) return false;
  return UNIT_NAME_ENDINGS.some((e) => t.endsWith(e));
}

export interface PrintedUnit {
  /** The unit's name as printed (a report title's unit, or a link's text). */
  printed: string;
  /** report-title: its reports are listed on this page; own-column: a link to its own column. */
  seen: 'report-title' | 'own-column';
  /** The unit's own column, for `own-column`. */
  url: string | null;
}

/** The units a sub-column page shows: report titles' units anywhere on the site, unit-named links below `root`. */
export function unitsOnPage(links: PageLink[], pageUrl: string, root: string): PrintedUnit[] {
  const site = new Set([new URL(pageUrl).host.toLowerCase()]);
  const out: PrintedUnit[] = [];
  for (const l of links) {
    if (!isOwnHost(l.url, site)) continue;
    const info = classifyTitle(l.text);
    if (info.isReport && info.unit) out.push({ printed: info.unit, seen: 'report-title', url: null });
    else if (l.url.startsWith(root) && l.url !== root && folderYear(l) === null && namesUnit(l.text)) out.push({ printed: squeeze(l.text), seen: 'own-column', url: l.url });
  }
  return out;
}
