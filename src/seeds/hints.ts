/**
 * Portal hints (seeds/portal-hints.csv): for each government, the home page a public dataset of government
 * websites lists for it, whether a second public list agrees, and how that dataset reached the portal.
 * Hints, not facts: a URL from here stays `url_status: hint` until a fetch confirms it.
 */
import { readFileSync } from 'node:fs';
import { parseCsvRows, SeedError } from './index.ts';
import type { DivisionLevel } from './regions.ts';

const HINT_COLUMNS = ['region_code', 'name', 'level', 'portal_url_hint', 'second_list_agrees', 'access_2026_04'] as const;

/** The dataset reached the portal only through a WAF challenge page: a browser is needed. */
export const ACCESS_NEEDS_BROWSER = 'none';

export interface PortalHint {
  regionCode: string;
  name: string;
  level: DivisionLevel;
  /** The listed home page; null when the dataset lists none. */
  url: string | null;
  /** An independent list names the same host. */
  secondListAgrees: boolean;
  /** direct, protocol-switch, ua-mobile or none, with `-> URL` where the dataset was redirected; null when not tried. */
  access: string | null;
}

/** The key a hint is joined on: the hints list the city-level and county-level rows of one code apart. */
export const hintKey = (regionCode: string, level: string): string => `${regionCode} ${level}`;

export function parseHints(text: string, file = 'portal-hints.csv'): PortalHint[] {
  const [head, ...rows] = parseCsvRows(text);
  const header = head?.cells.map((h) => h.trim()) ?? [];
  if (header.join(',') !== HINT_COLUMNS.join(',')) throw new SeedError(file, 1, null, `header must be ${HINT_COLUMNS.join(',')}`);
  const seen = new Set<string>();
  return rows.map(({ line, cells }) => {
    if (cells.length !== header.length) throw new SeedError(file, line, null, `has ${cells.length} fields, header has ${header.length}`);
    const [regionCode, name, level, url, agrees, access] = cells.map((c) => c.trim()) as [string, string, string, string, string, string];
    if (!/^\d{6}$/.test(regionCode)) throw new SeedError(file, line, 'region_code', `"${regionCode}" is not a six-digit code`);
    if (level !== 'province' && level !== 'city' && level !== 'county') throw new SeedError(file, line, 'level', `"${level}" is not province, city or county`);
    if (seen.has(hintKey(regionCode, level))) throw new SeedError(file, line, 'region_code', `${regionCode} ${level} listed twice`);
    seen.add(hintKey(regionCode, level));
    let href: string | null = null;
    if (url) {
      try { href = new URL(url).href; } catch { throw new SeedError(file, line, 'portal_url_hint', `not a URL: "${url}"`); }
    }
    if (agrees !== '0' && agrees !== '1') throw new SeedError(file, line, 'second_list_agrees', `"${agrees}" must be 0 or 1`);
    return { regionCode, name, level, url: href, secondListAgrees: agrees === '1', access: access || null };
  });
}

export function loadHints(path: string): PortalHint[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new SeedError(path, 0, null, `cannot read: ${(e as Error).message}`);
  }
  return parseHints(text, path);
}
