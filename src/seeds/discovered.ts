/**
 * What discovery (`nianbao discover`) found, as registry facts: a home page verified or failed (or left a hint,
 * and why), a 年报 column and how it was found, and the units a column's sub-columns list, each a new row with
 * its parent, kind and level. `applyDiscoveries` writes them into the registry's rows; the generator
 * (registry.ts) then keeps them on every rebuild. A status says only what was read: a page that could not be
 * read leaves its URL a hint, with the reason in `url_note`.
 */
import { createHash } from 'node:crypto';
import type { Agency, AgencyKind, ColumnFoundBy } from './index.ts';
import { DEFAULT_BODY, GOVERNING_BODIES } from './registry.ts';
import { region, townships } from './regions.ts';

/** url_source of a URL discovery wrote (a scheme switched, a redirect followed, a unit found). */
export const DISCOVER_SOURCE = 'discover';

export interface HomeFinding {
  agencyId: string;
  /** verified: the page names the agency; failed: it names another government, or none; unchecked: it could not be read. */
  status: 'verified' | 'failed' | 'unchecked';
  /** The URL the page was read at (after a scheme switch or redirects); the hint when it was not read. */
  url: string;
  reason: string | null;
  at: string;
}

export interface ColumnFinding {
  agencyId: string;
  url: string;
  foundBy: Exclude<ColumnFoundBy, 'manual'>;
  at: string;
}

/** A unit a government's 年报 sub-column lists. */
export interface UnitFinding extends UnitIdentity {
  /** The column its reports are listed in: the sub-column (verified: read, and it lists them), or its own column linked there (a hint). */
  url: string;
  status: 'verified' | 'hint';
  foundBy: Exclude<ColumnFoundBy, 'manual'>;
  at: string;
}

export interface Findings {
  homes: HomeFinding[];
  columns: ColumnFinding[];
  units: UnitFinding[];
}

/** Endings of a township-level division's name (乡 and 民族乡, 镇, 街道, 苏木 in Inner Mongolia). */
const TOWNSHIP_ENDINGS = ['镇', '乡', '街道', '苏木'];

/** The body a division's name ends with, if any (人民政府, 办事处, 行政公署), and a government's short form 政府. */
const BODIES = [...new Set([DEFAULT_BODY, ...GOVERNING_BODIES.map(([, body]) => body).filter(Boolean), '政府'])];

const withoutBody = (name: string): string => {
  const body = BODIES.find((b) => name.endsWith(b));
  return body ? name.slice(0, -body.length) : name;
};

/** The division part of a government's name: 故城县 of 故城县人民政府, 周口市川汇区 of 周口市川汇区人民政府. */
export const divisionPart = (governmentName: string): string => withoutBody(governmentName);

export interface UnitIdentity {
  agencyId: string;
  name: string;
  kind: AgencyKind;
  level: string | null;
  regionCode: string | null;
  parentId: string;
}

/** A township-level division's government, by its name as printed: its body from the endings, its code from the package. */
function township(parent: Agency, printed: string): Omit<UnitIdentity, 'agencyId' | 'parentId'> {
  const division = divisionPart(parent.name);
  const own = region(parent.regionCode)?.name ?? division;
  let base = withoutBody(printed);
  for (const prefix of [division, own]) if (base.startsWith(prefix) && base.length > prefix.length) base = base.slice(prefix.length);
  const known = townships(parent.regionCode).find((t) => t.name === base);
  const body = GOVERNING_BODIES.find(([ending]) => base.endsWith(ending))?.[1] ?? DEFAULT_BODY;
  return { name: `${division}${base}${body}`, kind: 'government', level: 'township', regionCode: known?.code ?? parent.regionCode };
}

/** Department names that begin with a level word without standing for their government (市场监督管理局, 市政公用局). */
const NOT_LEVEL_WORDS = ['市场', '市政', '区域', '县域'];

/**
 * A department's full name: as printed when it carries its government's division (故城县教育局, 河北省故城县教育局),
 * else completed with it: 川汇区教育局 → 周口市川汇区教育局, 县教育局 → 故城县教育局, 教育局 → 故城县教育局.
 */
function departmentName(parent: Agency, printed: string): string {
  const division = divisionPart(parent.name);
  const own = region(parent.regionCode)?.name ?? division;
  if (printed.includes(division)) return printed;
  if (printed.startsWith(own)) return division.slice(0, division.length - own.length) + printed;
  // 县教育局 printed in 故城县's column: 县 stands for 故城县.
  if (printed.startsWith(own.slice(-1)) && !NOT_LEVEL_WORDS.some((w) => printed.startsWith(w))) return division + printed.slice(1);
  return division + printed;
}

/** Whether a unit named so is a township-level government (郑口镇, 城关街道办事处, 辛庄乡人民政府). */
export const isTownship = (printed: string): boolean => TOWNSHIP_ENDINGS.some((e) => withoutBody(printed).endsWith(e));

/**
 * The registry row a unit printed on a government's sub-column becomes: a township government (level township,
 * its nine-digit code where the package knows it) or a department at its government's level. Its id: the
 * township's code; a department's, its parent's id, `-`, and the first eight hex digits of the SHA-1 of its name.
 */
export function unitIdentity(parent: Agency, printed: string): UnitIdentity {
  const p = printed.replace(/[\s\u00a0\u3000]+/g, '');
  const u = isTownship(p) ? township(parent, p)
    : { name: departmentName(parent, p), kind: 'department' as const, level: parent.level, regionCode: parent.regionCode };
  const agencyId = u.regionCode && u.regionCode.length === 9 ? u.regionCode : `${parent.agencyId}-${createHash('sha1').update(u.name).digest('hex').slice(0, 8)}`;
  return { ...u, agencyId, parentId: parent.agencyId };
}

/** A check's time as the registry writes it: UTC to the second. */
export const checkTime = (iso: string): string => `${iso.slice(0, 19)}Z`;

/**
 * The registry's rows with discovery's findings written in. A URL verified again keeps the time of the check that
 * verified it; a column set by hand (`manual`) is never replaced; a unit already in the registry (by id) is left as
 * a person may have edited it.
 */
export function applyDiscoveries(rows: Agency[], found: Findings): Agency[] {
  const out = rows.map((a) => ({ ...a, ...(a.provenance ? { provenance: { ...a.provenance } } : {}) }));
  const byId = new Map(out.map((a) => [a.agencyId, a]));
  const provenanceOf = (a: Agency) => a.provenance ?? (a.provenance = { urlStatus: null, urlSource: null, verifiedAt: null, columnFoundBy: null, hintAccess: null, urlNote: null });
  for (const h of found.homes) {
    const a = byId.get(h.agencyId);
    if (!a) continue;
    const p = provenanceOf(a);
    if (h.status === 'unchecked') { p.urlNote = h.reason; continue; }
    const same = p.urlStatus === h.status && a.homeUrl === h.url;
    if (h.status === 'verified' && a.homeUrl !== h.url) { a.homeUrl = h.url; p.urlSource = DISCOVER_SOURCE; }
    p.urlStatus = h.status;
    p.verifiedAt = same && p.verifiedAt ? p.verifiedAt : checkTime(h.at);
    p.urlNote = h.status === 'failed' ? h.reason : null;
  }
  for (const c of found.columns) {
    const a = byId.get(c.agencyId);
    if (!a || a.provenance?.columnFoundBy === 'manual') continue;
    a.reportListUrls = [c.url];
    provenanceOf(a).columnFoundBy = c.foundBy;
  }
  for (const u of found.units) {
    if (byId.has(u.agencyId)) continue;
    const parent = byId.get(u.parentId);
    const row: Agency = {
      agencyId: u.agencyId, name: u.name, regionCode: u.regionCode, level: u.level, kind: u.kind, parentId: u.parentId, homeUrl: null,
      reportListUrls: [u.url], render: parent?.render ?? 'http',
      provenance: { urlStatus: u.status, urlSource: DISCOVER_SOURCE, verifiedAt: u.status === 'verified' ? checkTime(u.at) : null, columnFoundBy: u.foundBy, hintAccess: null, urlNote: null },
    };
    out.push(row);
    byId.set(row.agencyId, row);
  }
  return out;
}
