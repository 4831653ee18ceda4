import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSeeds } from '../../src/seeds/index.ts';
import { AgencyFilterError, loadAgencies, parseAgencyFilter, selectAgencies } from '../../src/seeds/select.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

const registry = loadSeeds('seeds/registry.csv');
// The registry's lines, split by hand (its names and URLs hold no commas): [agency_id, name, region_code, level, ...].
const lines = readFileSync('seeds/registry.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const ids = (pred: (f: string[]) => boolean) => lines.filter(pred).map((f) => f[0]);

describe('choosing agencies', () => {
  it('by province, given as a code, a long code, a full name or the start of one', () => {
    const guizhou = ids((f) => f[2]!.startsWith('52'));
    expect(guizhou.length).toBeGreaterThan(90);
    for (const p of ['52', '520000', '贵州省', '贵州']) {
      expect(selectAgencies(registry, parseAgencyFilter({ province: [p] })).map((a) => a.agencyId)).toEqual(guizhou);
    }
  });

  it('by several provinces and levels, space- or comma-separated', () => {
    const want = ids((f) => (f[2]!.startsWith('11') || f[2]!.startsWith('12')) && (f[3] === 'province' || f[3] === 'city'));
    expect(want).toEqual(['110000', '120000']); // the municipalities have no city rows
    expect(selectAgencies(registry, parseAgencyFilter({ province: ['北京,天津'], level: ['province', 'city'] })).map((a) => a.agencyId)).toEqual(want);
  });

  it('the first n after the other filters, in file order', () => {
    const counties = ids((f) => f[2]!.startsWith('44') && f[3] === 'county');
    expect(selectAgencies(registry, parseAgencyFilter({ province: ['44'], level: ['county'], limit: '5' })).map((a) => a.agencyId)).toEqual(counties.slice(0, 5));
    expect(selectAgencies(registry, parseAgencyFilter({ limit: '3' })).map((a) => a.agencyId)).toEqual(ids(() => true).slice(0, 3));
    expect(selectAgencies(registry, {})).toHaveLength(registry.length);
  });

  it('gives a filtered registry as a denominator', () => {
    expect(loadAgencies('seeds/registry.csv', parseAgencyFilter({ level: ['city'] }))).toHaveLength(lines.filter((f) => f[3] === 'city').length);
    expect(loadAgencies('seeds/agencies.csv', parseAgencyFilter({ province: ['宁夏'] })).map((a) => a.agencyId).sort())
      .toEqual(['640200', '640200-jgswfwzx', '640221', '640221-jgswfwzx', '640300', '640300-zwfwzx']);
  });

  const bad: [Parameters<typeof parseAgencyFilter>[0], RegExp][] = [
    [{ province: ['广'] }, /--province: "广" matches 广东省, 广西壮族自治区/],
    [{ province: ['Atlantis'] }, /--province: "Atlantis" is no province code or name/],
    [{ province: ['99'] }, /--province: "99" is no province code or name/],
    [{ level: ['town'] }, /--level: "town" is not one of national, province, city, county, township/],
    [{ limit: '0' }, /--limit must be a positive whole number, got "0"/],
    [{ limit: 'ten' }, /--limit must be a positive whole number/],
  ];
  it.each(bad)('refuses a filter that means nothing (%#)', (opts, re) => {
    expect(() => parseAgencyFilter(opts)).toThrow(AgencyFilterError);
    expect(() => parseAgencyFilter(opts)).toThrow(re);
  });

  it('`nianbao crawl` refuses a bad filter with one line and exit 2, before touching the storage', () => {
    const r = run('crawl', '--seeds', 'seeds/registry.csv', '--storage', '/nonexistent/storage', '--province', '广');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('nianbao: --province: "广" matches 广东省, 广西壮族自治区\n');
    const none = run('crawl', '--seeds', 'seeds/agencies.csv', '--storage', '/nonexistent/storage', '--province', '北京');
    expect(none.status).toBe(2);
    expect(none.stderr).toBe('nianbao: --province, --level: no agency in seeds/agencies.csv matches\n');
  });
});
