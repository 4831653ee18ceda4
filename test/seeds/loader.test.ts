import { describe, expect, it } from 'vitest';
import { loadSeeds, parseSeeds, SeedError } from '../../src/seeds/index.ts';

const S = 'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render';
const R = `${S},url_status,url_source,verified_at,column_found_by,hint_access`;

describe('the seed loader and the registry columns', () => {
  it('reads the generated registry with the provenance of every row', () => {
    const registry = loadSeeds('seeds/registry.csv');
    expect(registry).toHaveLength(3214);
    const hebei = registry.find((a) => a.agencyId === '130000')!;
    expect(hebei).toMatchObject({ name: '河北省人民政府', level: 'province', kind: 'government', parentId: null, homeUrl: 'https://www.hebei.gov.cn/',
      provenance: { urlStatus: 'hint', urlSource: 'portal-hints', verifiedAt: null, columnFoundBy: null, hintAccess: 'direct' } });
    const jinmen = registry.find((a) => a.agencyId === '350527')!; // 金门县: no portal listed
    expect(jinmen).toMatchObject({ homeUrl: null, reportListUrls: [], provenance: { urlStatus: null, urlSource: null } });
  });

  it('still reads a plain seed file, without provenance', () => {
    const agencies = loadSeeds('seeds/agencies.csv');
    expect(agencies).toHaveLength(39); // 40 lines, the header first
    expect(agencies.every((a) => a.provenance === undefined)).toBe(true);
  });

  it('keeps every provenance column', () => {
    const [a] = parseSeeds(`${R}\n520323,绥阳县人民政府,520323,county,government,520300,https://www.suiyang.gov.cn/,https://www.suiyang.gov.cn/zwgk/zfxxgk/zfxxgknb/,browser,verified,discover,2026-05-02T08:00:00Z,platform-path,none\n`);
    expect(a!.provenance).toEqual({ urlStatus: 'verified', urlSource: 'discover', verifiedAt: '2026-05-02T08:00:00Z', columnFoundBy: 'platform-path', hintAccess: 'none', urlNote: null });
    const [b] = parseSeeds(`${R},url_note\n131127,景县人民政府,131127,county,government,131100,http://www.hengshui.gov.cn/,,http,failed,portal-hints,2026-05-02T08:00:00Z,,direct,names 衡水市人民政府 (title)\n`);
    expect(b!.provenance).toMatchObject({ urlStatus: 'failed', urlNote: 'names 衡水市人民政府 (title)' });
    expect(a!.render).toBe('browser');
  });

  it('lets a registry row have no URL, but not a plain seed row', () => {
    expect(parseSeeds(`${R}\n350527,金门县人民政府,350527,county,government,350500,,,http,,,,,\n`)[0]!.homeUrl).toBeNull();
    expect(() => parseSeeds(`${S}\n350527,金门县人民政府,350527,county,government,350500,,,http\n`, 'f.csv')).toThrow(/line 2, column home_url: one of home_url or report_list_url is required/);
  });

  const bad: [string, RegExp][] = [
    [`${R}\nx,名,,county,government,,http://a.gov.cn/,,http,checked,,,,`, /line 2, column url_status: "checked" is not one of hint, verified, failed/],
    [`${R}\nx,名,,county,government,,,,http,hint,portal-hints,,,`, /line 2, column url_status: "hint" without a home_url or report_list_url/],
    [`${R}\nx,名,,county,government,,http://a.gov.cn/,,http,verified,discover,,,`, /line 2, column verified_at: url_status verified needs the time of the check/],
    [`${R}\nx,名,,county,government,,http://a.gov.cn/,,http,failed,discover,yesterday,,`, /line 2, column verified_at: "yesterday" is not an ISO date/],
    [`${R}\nx,名,,county,government,,http://a.gov.cn/,,http,hint,,,guessed,`, /line 2, column column_found_by: "guessed" is not one of link-text, platform-path, manual/],
    [`${R}\nx,名,,county,government,,http://a.gov.cn/,,http,hint,,,manual,`, /line 2, column column_found_by: set, but report_list_url is empty/],
    [`${S},verified\nx,名,,county,government,,http://a.gov.cn/,,http,1`, /line 1, column verified: unknown column/],
  ];
  it.each(bad)('rejects bad provenance with line and column (%#)', (csv, re) => {
    expect(() => parseSeeds(csv, 'f.csv')).toThrow(SeedError);
    expect(() => parseSeeds(csv, 'f.csv')).toThrow(re);
  });
});
