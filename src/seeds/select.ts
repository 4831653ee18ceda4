/**
 * Choosing agencies from a seed file: by province, by level, the first N. The crawl's `--province`,
 * `--level`, `--limit`, and the denominator other commands count against.
 */
import { LEVELS, loadSeeds, type Agency } from './index.ts';
import { provinceCode, provinces } from './regions.ts';

export interface AgencyFilter {
  /** Province codes (`440000`); an agency matches by its region code. */
  provinces?: string[];
  levels?: string[];
  /** At most this many, in file order, after the other filters. */
  limit?: number;
}

/** A filter option the user gave that means nothing; the message names the option. */
export class AgencyFilterError extends Error {
  override name = 'AgencyFilterError';
}

/** A province by code (`44`, `440000`) or name (`广东省`, `广东`: the start of one province's name). */
function resolveProvince(value: string): string {
  const all = provinces();
  if (/^\d{2}(0000)?$/.test(value)) {
    const code = `${value.slice(0, 2)}0000`;
    if (all.some((p) => p.code === code)) return code;
  }
  const named = all.filter((p) => p.name === value || p.name.startsWith(value));
  if (named.length === 1) return named[0]!.code;
  const which = named.length ? `matches ${named.map((p) => p.name).join(', ')}` : 'is no province code or name';
  throw new AgencyFilterError(`--province: "${value}" ${which}`);
}

/** The filter the command-line options ask for; values may also be comma-separated (`--level city,county`). */
export function parseAgencyFilter(opts: { province?: string[]; level?: string[]; limit?: string }): AgencyFilter {
  const list = (v: string[] | undefined) => v?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const filter: AgencyFilter = {};
  const province = list(opts.province);
  if (province?.length) filter.provinces = province.map(resolveProvince);
  const level = list(opts.level);
  if (level?.length) {
    const bad = level.filter((l) => !(LEVELS as readonly string[]).includes(l));
    if (bad.length) throw new AgencyFilterError(`--level: "${bad.join(', ')}" is not one of ${LEVELS.join(', ')}`);
    filter.levels = level;
  }
  if (opts.limit !== undefined) {
    if (!/^[1-9]\d*$/.test(opts.limit)) throw new AgencyFilterError(`--limit must be a positive whole number, got "${opts.limit}"`);
    filter.limit = Number(opts.limit);
  }
  return filter;
}

export function selectAgencies(agencies: Agency[], filter: AgencyFilter): Agency[] {
  const provinceSet = filter.provinces ? new Set(filter.provinces) : null;
  const levelSet = filter.levels ? new Set(filter.levels) : null;
  const chosen = agencies.filter((a) => (!provinceSet || provinceSet.has(provinceCode(a.regionCode) ?? ''))
    && (!levelSet || levelSet.has(a.level ?? '')));
  return filter.limit === undefined ? chosen : chosen.slice(0, filter.limit);
}

/** The denominator: the agencies of a seed file or registry that the filter selects. Throws SeedError on a bad file. */
export function loadAgencies(path: string, filter: AgencyFilter = {}): Agency[] {
  return selectAgencies(loadSeeds(path), filter);
}
