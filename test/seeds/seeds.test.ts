import { describe, expect, it } from 'vitest';
import { parseSeeds, loadSeeds, SeedError } from '../../src/seeds/index.ts';

const H = 'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render';

describe('seed CSV', () => {
  it('reads the starter registry with the five seed-report agencies', () => {
    const a = loadSeeds('seeds/agencies.csv');
    const names = a.map((x) => x.name);
    for (const n of ['石嘴山市机关事务服务中心', '吴忠市政务服务中心', '川汇区机关事务中心', '安丘市机关事务服务中心', '平罗县机关事务服务中心']) expect(names).toContain(n);
    expect(a.find((x) => x.agencyId === 'bm-mwr')!.reportListUrls).toEqual(['http://zwgk.mwr.gov.cn/zfxxgkndbg/']);
  });
  it('splits several list URLs on | and keeps quoted commas', () => {
    const [a] = parseSeeds(`${H}\nx1,"某县,人民政府",,county,government,,,http://a.gov.cn/n/|http://a.gov.cn/m/,http\n`);
    expect(a!.name).toBe('某县,人民政府');
    expect(a!.reportListUrls).toEqual(['http://a.gov.cn/n/', 'http://a.gov.cn/m/']);
  });
  const bad: [string, RegExp][] = [
    [`${H}\nx1,名,,county,government,,,,http\n`, /line 2, column home_url: one of home_url or report_list_url is required/],
    [`${H}\nx1,名,12,county,government,,http://a.gov.cn/,,http\n`, /line 2, column region_code/],
    [`${H}\nx1,名,,county,agency,,http://a.gov.cn/,,http\n`, /line 2, column kind/],
    [`${H}\nx1,名,,county,government,,http://a.gov.cn/,,http\nx1,名2,,county,government,,ftp://a.gov.cn/,,http\n`, /line 3, column agency_id: duplicate id "x1" \(first on line 2\)/],
    [`${H}\nx2,名,,county,government,,notaurl,,http\n`, /line 2, column home_url: not a URL/],
    [`${H}\nx2,名,,county,government,,http://a.gov.cn/\n`, /line 2: has 7 fields, header has 9/],
    [`agency_id,nam\n`, /line 1, column nam: unknown column/],
    [`${H}\nx2,名,,county,government,,http://a.gov.cn/,,chrome\n`, /line 2, column render/],
  ];
  it.each(bad)('rejects bad input with line and column (%#)', (csv, re) => {
    expect(() => parseSeeds(csv, 'f.csv')).toThrow(SeedError);
    expect(() => parseSeeds(csv, 'f.csv')).toThrow(re);
  });
});
