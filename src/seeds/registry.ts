/**
 * The national registry (seeds/registry.csv): every government that owes a 年报, generated from the
 * division codes (regions.ts) with the hand-kept patch applied, joined to the portal hints, and merged with
 * what the registry file already holds, so facts written into it (verified URLs, columns found, departments
 * discovered) survive a rebuild. Same inputs, same bytes.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSeeds, PROVENANCE_COLUMNS, SeedError, SEED_COLUMNS, type Agency } from './index.ts';
import { ACCESS_NEEDS_BROWSER, hintKey, loadHints, type PortalHint } from './hints.ts';
import { applyPatch, loadPatch } from './patch.ts';
import { divisions, type Division } from './regions.ts';

export const REGISTRY_COLUMNS = [...SEED_COLUMNS, ...PROVENANCE_COLUMNS] as const;

/** url_source of a URL taken from seeds/portal-hints.csv; `+second-list` when an independent list agrees. */
export const HINT_SOURCE = 'portal-hints';
const HINT_SOURCE_AGREED = `${HINT_SOURCE}+second-list`;

/**
 * The body that governs a division, by how the division's name ends (first match); any other division is
 * governed by a 人民政府. 地区 and 盟 are governed by a 行政公署; 大柴旦行政委员会 is itself the body; a 街道
 * (a township-level division of a district, found by discovery) by its 办事处.
 */
export const GOVERNING_BODIES: [ending: string, body: string][] = [
  ['行政委员会', ''],
  ['地区', '行政公署'],
  ['盟', '行政公署'],
  ['街道', '办事处'],
];
export const DEFAULT_BODY = '人民政府';

/**
 * A district (…区) is named with the city or municipality it belongs to, as district governments style
 * themselves (周口市川汇区人民政府, 重庆市黔江区人民政府), and many district names recur across cities (鼓楼区).
 * Two county-level divisions end in 区 without being a city's district: a 特区 and a 林区 under its province.
 */
const DISTRICT_ENDING = '区';
const NOT_DISTRICTS = new Set(['六枝特区', '神农架林区']);

/** The name of the government of a division, e.g. 周口市川汇区人民政府, 和田地区行政公署, 攸县人民政府. */
export function governmentName(division: Division, parentName: string | null): string {
  const body = GOVERNING_BODIES.find(([ending]) => division.name.endsWith(ending))?.[1] ?? DEFAULT_BODY;
  const isDistrict = division.level === 'county' && division.name.endsWith(DISTRICT_ENDING)
    && !NOT_DISTRICTS.has(division.name);
  return `${isDistrict && parentName ? parentName : ''}${division.name}${body}`;
}

/** A row the generator owns: a government whose id is its six-digit region code. */
const isGenerated = (a: Agency): boolean => a.kind === 'government' && /^\d{6}$/.test(a.agencyId);

/** URL facts the hints did not supply: checked by discovery (verified, failed) or written in from another source. */
function urlFactsKept(prev: Agency, hint: PortalHint | undefined): boolean {
  const p = prev.provenance;
  if (!p || (!prev.homeUrl && !prev.reportListUrls.length)) return false;
  if (p.urlSource && !p.urlSource.startsWith(HINT_SOURCE)) return true;
  if (p.urlStatus === 'verified') return true;
  // A failed hint is kept failed until the hints list offers another URL.
  return p.urlStatus === 'failed' && (!hint?.url || hint.url === prev.homeUrl);
}

export interface RegistryBuild {
  agencies: Agency[];
  /** Hints whose code and level match no government (e.g. a city's row repeated at county level, a removed division). */
  unusedHints: PortalHint[];
  /** Rows of the previous registry for governments no longer in the division list. */
  dropped: Agency[];
}

/**
 * The registry rows, in region-code order (a government before the departments filed under its code).
 * `previous` is the registry as it stands (read from `previousFile`, named in errors).
 */
export function buildRegistry(divisions: Division[], hints: PortalHint[], previous: Agency[] = [], previousFile = 'registry'): RegistryBuild {
  const hintOf = new Map(hints.map((h) => [hintKey(h.regionCode, h.level), h]));
  const nameOf = new Map(divisions.map((d) => [d.code, d.name]));
  const previousOf = new Map(previous.map((a) => [a.agencyId, a]));
  const used = new Set<PortalHint>();
  const agencies: Agency[] = divisions.map((d) => {
    const hint = hintOf.get(hintKey(d.code, d.level));
    if (hint) used.add(hint);
    const url = hint?.url ?? null;
    const row: Agency = {
      agencyId: d.code, name: governmentName(d, d.parentCode ? nameOf.get(d.parentCode) ?? null : null), regionCode: d.code,
      level: d.level, kind: 'government', parentId: d.parentCode, homeUrl: url, reportListUrls: [],
      render: hint?.access === ACCESS_NEEDS_BROWSER ? 'browser' : 'http',
      provenance: {
        urlStatus: url ? 'hint' : null, urlSource: url ? (hint!.secondListAgrees ? HINT_SOURCE_AGREED : HINT_SOURCE) : null,
        verifiedAt: null, columnFoundBy: null, hintAccess: hint?.access ?? null, urlNote: null,
      },
    };
    const prev = previousOf.get(d.code);
    if (!prev) return row;
    if (urlFactsKept(prev, hint)) {
      row.homeUrl = prev.homeUrl;
      row.render = prev.render;
      const p = prev.provenance!;
      row.provenance = { ...row.provenance!, urlStatus: p.urlStatus, urlSource: p.urlSource, verifiedAt: p.verifiedAt, urlNote: p.urlNote };
    } else if (prev.provenance?.urlNote && url && prev.homeUrl === url) {
      // Why a check could not read the hint stays with the hint it is about.
      row.provenance = { ...row.provenance!, urlNote: prev.provenance.urlNote };
    }
    if (prev.reportListUrls.length) {
      row.reportListUrls = prev.reportListUrls;
      row.provenance = { ...row.provenance!, columnFoundBy: prev.provenance?.columnFoundBy ?? null };
    }
    return row;
  });
  const generated = new Set(agencies.map((a) => a.agencyId));
  const kept = previous.filter((a) => !isGenerated(a));
  const taken = kept.find((a) => generated.has(a.agencyId));
  if (taken) throw new SeedError(previousFile, 0, 'agency_id', `${taken.agencyId} ${taken.name} (${taken.kind ?? 'no kind'}) has the id of the government of region ${taken.agencyId}; give it another id`);
  const dropped = previous.filter((a) => isGenerated(a) && !generated.has(a.agencyId));
  const order = (a: Agency) => `${a.regionCode ?? '~'} ${a.kind === 'government' ? 0 : 1} ${a.agencyId}`;
  return {
    agencies: [...agencies, ...kept].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)),
    unusedHints: hints.filter((h) => !used.has(h)),
    dropped,
  };
}

/** Where the registry is built from and written to (paths as given, relative to the working directory). */
export interface RegistryFiles {
  hints: string;
  patch: string;
  /** Read first (when it exists) for the facts to keep, then replaced. */
  registry: string;
}

/** The program's own seeds folder (beside src/ and dist/), so the embedded registry is found from any working directory. */
const SEEDS_DIR = fileURLToPath(new URL('../../seeds/', import.meta.url));

/** The registry the program ships (seeds/registry.csv) and what it is built from: the default of every command. */
export const DEFAULT_REGISTRY_FILES: RegistryFiles = {
  hints: `${SEEDS_DIR}portal-hints.csv`, patch: `${SEEDS_DIR}registry-patch.csv`, registry: `${SEEDS_DIR}registry.csv`,
};

/**
 * Builds the registry from the package's codes, the patch, the hints and the current registry file; writes
 * nothing. `amend` changes the current rows before the build (discovery's findings), so what it wrote passes
 * through the same keep rules as on any rebuild.
 */
export function buildRegistryFromFiles(files: RegistryFiles, amend: (rows: Agency[]) => Agency[] = (rows) => rows): RegistryBuild & { csv: string } {
  const previous = amend(existsSync(files.registry) ? loadSeeds(files.registry) : []);
  const build = buildRegistry(applyPatch(divisions(), loadPatch(files.patch)), loadHints(files.hints), previous, files.registry);
  return { ...build, csv: registryCsv(build.agencies) };
}

/** Replaces the registry file at once (a reader never sees half of it). */
export function writeRegistryFile(path: string, csv: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, csv);
  renameSync(tmp, path);
}

function csvField(v: string | null | undefined): string {
  const s = v ?? '';
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The registry as CSV text: REGISTRY_COLUMNS, one agency a line. */
export function registryCsv(agencies: Agency[]): string {
  const lines = agencies.map((a) => {
    const p = a.provenance;
    const values: Record<(typeof REGISTRY_COLUMNS)[number], string | null> = {
      agency_id: a.agencyId, name: a.name, region_code: a.regionCode, level: a.level, kind: a.kind, parent_id: a.parentId,
      home_url: a.homeUrl, report_list_url: a.reportListUrls.join('|'), render: a.render,
      url_status: p?.urlStatus ?? null, url_source: p?.urlSource ?? null, verified_at: p?.verifiedAt ?? null,
      column_found_by: p?.columnFoundBy ?? null, hint_access: p?.hintAccess ?? null, url_note: p?.urlNote ?? null,
    };
    return REGISTRY_COLUMNS.map((c) => csvField(values[c])).join(',');
  });
  return [REGISTRY_COLUMNS.join(','), ...lines].join('\n') + '\n';
}
