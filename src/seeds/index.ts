/**
 * The agency registry: the seed CSV of design.md, read and validated.
 * Columns: agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render
 * Only agency_id, name and one of the two URLs are required; several list URLs are separated by `|`.
 * A registry (seeds/registry.csv) adds how each URL is known: url_status,url_source,verified_at,
 * column_found_by,hint_access,url_note (see PROVENANCE_COLUMNS); there a government may have no URL yet.
 */
import { readFileSync } from 'node:fs';
import { splitListUrls } from './rows.ts';

export type AgencyKind = 'government' | 'department';
export type RenderMode = 'http' | 'browser';

/** hint: listed somewhere, not checked; verified: fetched and the page names the agency; failed: checked, not so. */
export const URL_STATUSES = ['hint', 'verified', 'failed'] as const;
export type UrlStatus = (typeof URL_STATUSES)[number];

/** How the 年报 column (report_list_url) was found. */
export const COLUMN_FOUND_BY = ['link-text', 'platform-path', 'manual'] as const;
export type ColumnFoundBy = (typeof COLUMN_FOUND_BY)[number];

/** How an agency's URLs are known (the registry columns); a field is null where its cell is empty. */
export interface UrlProvenance {
  /** Status of home_url (of report_list_url when there is no home_url). */
  urlStatus: UrlStatus | null;
  /** Where the URL came from, e.g. `portal-hints` (seeds/portal-hints.csv), `discover`, `manual`. */
  urlSource: string | null;
  /** ISO date or timestamp of the check that set url_status verified or failed. */
  verifiedAt: string | null;
  columnFoundBy: ColumnFoundBy | null;
  /** How the hint's source reached the portal: direct, protocol-switch, ua-mobile, none (a WAF challenge), `-> URL` when redirected. */
  hintAccess: string | null;
  /** Why the last check left url_status where it is: the government the page names instead, or why it could not be read. */
  urlNote: string | null;
}

export interface Agency {
  agencyId: string;
  name: string;
  regionCode: string | null;
  level: string | null;
  kind: AgencyKind | null;
  parentId: string | null;
  homeUrl: string | null;
  reportListUrls: string[];
  render: RenderMode;
  /** The agency's own publication deadline, `MM-DD` of the next year, where the statutory rule does not apply (townships: set by their county). */
  deadline?: string | null;
  /** Present when the file has any of the provenance columns. */
  provenance?: UrlProvenance;
}

export const SEED_COLUMNS = [
  'agency_id', 'name', 'region_code', 'level', 'kind', 'parent_id', 'home_url', 'report_list_url', 'render',
] as const;

/** The optional registry columns, after SEED_COLUMNS. */
export const PROVENANCE_COLUMNS = ['url_status', 'url_source', 'verified_at', 'column_found_by', 'hint_access', 'url_note'] as const;

const ALL_COLUMNS: readonly string[] = [...SEED_COLUMNS, ...PROVENANCE_COLUMNS];

export const LEVELS = ['national', 'province', 'city', 'county', 'township'] as const;

/** A seed file problem, pointing at the line (1-based, as an editor shows it) and column. */
export class SeedError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: string | null, readonly problem: string) {
    super(`${file}${line > 0 ? `: line ${line}` : ''}${column ? `, column ${column}` : ''}: ${problem}`);
    this.name = 'SeedError';
  }
}

/** RFC 4180 rows with the physical line each row starts on (quoted fields may span lines). */
export function parseCsvRows(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
      continue;
    }
    if (c === '"' && cell.trim() === '') { quoted = true; cell = ''; }
    else if (c === ',') { cells.push(cell); cell = ''; }
    else if (c === '\r') { /* CRLF */ }
    else if (c === '\n') { endRow(); line++; rowLine = line; }
    else cell += c;
  }
  if (cell !== '' || cells.length) endRow();
  return rows;
}

function checkUrl(file: string, line: number, column: string, value: string): string {
  let u: URL;
  try { u = new URL(value); } catch { throw new SeedError(file, line, column, `not a URL: "${value}"`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SeedError(file, line, column, `URL must be http or https: "${value}"`);
  }
  return u.href;
}

/** Parses and validates seed CSV text; throws SeedError naming the line and column of the first problem. */
export function parseSeeds(text: string, file = 'seeds.csv'): Agency[] {
  const rows = parseCsvRows(text);
  if (!rows.length) throw new SeedError(file, 1, null, 'empty file: expected a header line');
  const header = rows[0]!.cells.map((h) => h.trim());
  for (const h of header) {
    if (!ALL_COLUMNS.includes(h)) {
      throw new SeedError(file, rows[0]!.line, h, `unknown column (expected ${SEED_COLUMNS.join(',')}, optionally ${PROVENANCE_COLUMNS.join(',')})`);
    }
  }
  for (const required of ['agency_id', 'name']) {
    if (!header.includes(required)) throw new SeedError(file, rows[0]!.line, required, 'required column missing from header');
  }
  if (!header.includes('home_url') && !header.includes('report_list_url')) {
    throw new SeedError(file, rows[0]!.line, 'home_url', 'header needs home_url or report_list_url');
  }
  const withProvenance = PROVENANCE_COLUMNS.some((c) => header.includes(c));
  const seen = new Map<string, number>();
  const agencies: Agency[] = [];
  for (const { line, cells } of rows.slice(1)) {
    if (cells.length !== header.length) {
      throw new SeedError(file, line, null, `has ${cells.length} fields, header has ${header.length}`);
    }
    const get = (c: string) => {
      const i = header.indexOf(c);
      const v = i < 0 ? '' : cells[i]!.trim();
      return v === '' ? null : v;
    };
    const id = get('agency_id');
    if (!id) throw new SeedError(file, line, 'agency_id', 'required value is empty');
    if (!/^[A-Za-z0-9_.:-]+$/.test(id)) throw new SeedError(file, line, 'agency_id', `"${id}" may only hold letters, digits and _ . : -`);
    if (seen.has(id)) throw new SeedError(file, line, 'agency_id', `duplicate id "${id}" (first on line ${seen.get(id)})`);
    seen.set(id, line);
    const name = get('name');
    if (!name) throw new SeedError(file, line, 'name', 'required value is empty');
    const region = get('region_code');
    if (region && !/^\d{6}(\d{3})?(\d{3})?$/.test(region)) {
      throw new SeedError(file, line, 'region_code', `"${region}" is not a 6-, 9- or 12-digit administrative code`);
    }
    const level = get('level');
    if (level && !(LEVELS as readonly string[]).includes(level)) throw new SeedError(file, line, 'level', `"${level}" is not one of ${LEVELS.join(', ')}`);
    const kind = get('kind');
    if (kind && kind !== 'government' && kind !== 'department') {
      throw new SeedError(file, line, 'kind', `"${kind}" must be government or department`);
    }
    const render = get('render') ?? 'http';
    if (render !== 'http' && render !== 'browser') throw new SeedError(file, line, 'render', `"${render}" must be http or browser`);
    const home = get('home_url');
    const lists = splitListUrls(get('report_list_url'));
    const provenance = withProvenance ? readProvenance(file, line, get, !!home || lists.length > 0, lists.length > 0) : undefined;
    // A registry lists every government that owes a report, also those whose portal is not known yet.
    if (!home && !lists.length && !withProvenance) throw new SeedError(file, line, 'home_url', 'one of home_url or report_list_url is required');
    agencies.push({
      agencyId: id,
      name,
      regionCode: region,
      level,
      kind: kind as AgencyKind | null,
      parentId: get('parent_id'),
      homeUrl: home ? checkUrl(file, line, 'home_url', home) : null,
      reportListUrls: lists.map((u) => checkUrl(file, line, 'report_list_url', u)),
      render,
      ...(provenance ? { provenance } : {}),
    });
  }
  return agencies;
}

function readProvenance(file: string, line: number, get: (c: string) => string | null, hasUrl: boolean, hasColumn: boolean): UrlProvenance {
  const status = get('url_status');
  if (status && !(URL_STATUSES as readonly string[]).includes(status)) {
    throw new SeedError(file, line, 'url_status', `"${status}" is not one of ${URL_STATUSES.join(', ')}`);
  }
  if (status && !hasUrl) throw new SeedError(file, line, 'url_status', `"${status}" without a home_url or report_list_url`);
  const verifiedAt = get('verified_at');
  if (verifiedAt && (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(verifiedAt) || Number.isNaN(Date.parse(verifiedAt)))) {
    throw new SeedError(file, line, 'verified_at', `"${verifiedAt}" is not an ISO date or timestamp`);
  }
  if ((status === 'verified' || status === 'failed') && !verifiedAt) {
    throw new SeedError(file, line, 'verified_at', `url_status ${status} needs the time of the check`);
  }
  const foundBy = get('column_found_by');
  if (foundBy && !(COLUMN_FOUND_BY as readonly string[]).includes(foundBy)) {
    throw new SeedError(file, line, 'column_found_by', `"${foundBy}" is not one of ${COLUMN_FOUND_BY.join(', ')}`);
  }
  if (foundBy && !hasColumn) throw new SeedError(file, line, 'column_found_by', 'set, but report_list_url is empty');
  return {
    urlStatus: status as UrlStatus | null, urlSource: get('url_source'), verifiedAt, columnFoundBy: foundBy as ColumnFoundBy | null,
    hintAccess: get('hint_access'), urlNote: get('url_note'),
  };
}

export function loadSeeds(path: string): Agency[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new SeedError(path, 0, null, `cannot read: ${(e as Error).message}`);
  }
  return parseSeeds(text, path);
}
export { agencyFromRow, agencyToRow, joinListUrls, splitListUrls } from './rows.ts';
