import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeeds } from '../../src/seeds/index.ts';
import { coverage } from '../../src/seeds/coverage.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

// A hand-made registry; the expected figures below are counted from these lines.
const REGISTRY = `agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render,url_status,url_source,verified_at,column_found_by,hint_access
440000,广东省人民政府,440000,province,government,,http://www.gd.gov.cn/,http://www.gd.gov.cn/gkmlpt/nb/,http,verified,portal-hints,2026-05-01,link-text,direct
440100,广州市人民政府,440100,city,government,440000,https://www.gz.gov.cn/,,http,hint,portal-hints,,,direct
440103,广州市荔湾区人民政府,440103,county,government,440100,http://www.lw.gov.cn/,http://www.lw.gov.cn/zfxxgknb/,http,hint,portal-hints,,manual,direct
440100-fgw,广州市发展和改革委员会,440100,city,department,440100,,https://fgw.gz.gov.cn/nb/,http,,discover,,link-text,
440103-jd,荔湾区某街道办事处,440103,township,department,440103,,http://www.lw.gov.cn/jd/nb/,http,,discover,,link-text,
440103-jd-sq,荔湾区某街道某科,440103,township,department,440103-jd,,http://www.lw.gov.cn/jd/sq/nb/,http,,discover,,link-text,
440104,广州市越秀区人民政府,440104,county,government,440100,,,http,,,,,
440300,深圳市人民政府,440300,city,government,440000,http://www.sz.gov.cn/,,browser,failed,portal-hints,2026-05-03,,none
450000,广西壮族自治区人民政府,450000,province,government,,http://www.gxzf.gov.cn/,,http,hint,portal-hints+second-list,,,direct
460000,海南省人民政府,460000,province,government,,https://www.hainan.gov.cn/,,http,,,,,
bm-mwr,水利部,,national,department,,,http://zwgk.mwr.gov.cn/zfxxgkndbg/,http,,manual,,manual,
`;

const zero = { governments: 0, hint: 0, verified: 0, failed: 0, no_url: 0, no_status: 0, column: 0, departments: 0 };

describe('registry coverage', () => {
  it('counts per province and level: governments, URL status, columns, departments under their government', () => {
    const c = coverage(parseSeeds(REGISTRY));
    const row = (p: string | null, level: string) => c.rows.find((r) => r.provinceCode === p && r.level === level);
    expect(c.rows.map((r) => `${r.provinceCode} ${r.level}`)).toEqual(['440000 province', '440000 city', '440000 county', '450000 province', '460000 province', 'null national']);
    expect(row('440000', 'province')).toMatchObject({ province: '广东省', governments: 1, verified: 1, hint: 0, column: 1, departments: 0 });
    expect(row('440000', 'city')).toMatchObject({ governments: 2, hint: 1, failed: 1, column: 0, departments: 1 });
    // The township office and its section are filed under 荔湾区 through parent_id, so they count at county level.
    expect(row('440000', 'county')).toMatchObject({ governments: 2, hint: 1, noUrl: 1, column: 1, departments: 2 });
    expect(row('460000', 'province')).toMatchObject({ governments: 1, noStatus: 1, hint: 0 });
    expect(row(null, 'national')).toMatchObject({ governments: 0, departments: 1 });
    expect(c.totals.at(-1)).toMatchObject({ level: null, governments: 7, hint: 3, verified: 1, failed: 1, noUrl: 1, noStatus: 1, column: 2, departments: 4 });
  });

  it('`nianbao registry coverage --json` prints the same figures', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nianbao-coverage-'));
    writeFileSync(path.join(dir, 'registry.csv'), REGISTRY);
    const r = run('registry', 'coverage', '--seeds', path.join(dir, 'registry.csv'), '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.rows.find((x: { province_code: string; level: string }) => x.province_code === '440000' && x.level === 'city'))
      .toEqual({ ...zero, province_code: '440000', province: '广东省', level: 'city', governments: 2, hint: 1, failed: 1, departments: 1 });
    expect(out.totals.map((t: { level: string | null; governments: number }) => [t.level, t.governments])).toEqual([['national', 0], ['province', 3], ['city', 2], ['county', 2], [null, 7]]);

    const text = run('registry', '--seeds', path.join(dir, 'registry.csv'));
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^province\s+level\s+governments\s+hint\s+verified\s+failed\s+no_url\s+no_status\s+column\s+departments\s+name$/);
    expect(lines).toContainEqual(expect.stringMatching(/^440000\s+county\s+2\s+1\s+0\s+0\s+1\s+0\s+1\s+2\s+广东省$/));
    expect(lines.at(-1)).toMatch(/^all\s+all\s+7\s+3\s+1\s+1\s+1\s+1\s+2\s+4$/);
  });

  it('the committed registry: 3,214 governments, 3,206 with a hint, 8 without a URL', () => {
    const r = run('registry', 'coverage', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).totals.at(-1)).toEqual({ ...zero, province_code: null, province: null, level: null, governments: 3214, hint: 3206, no_url: 8 });
  });

  it('bad input: one line on stderr, exit 2', () => {
    const missing = run('registry', 'coverage', '--seeds', '/nonexistent/registry.csv');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^nianbao: \/nonexistent\/registry\.csv: cannot read/);
    const dir = mkdtempSync(path.join(tmpdir(), 'nianbao-coverage-'));
    writeFileSync(path.join(dir, 'bad.csv'), REGISTRY.replace('verified,portal-hints,2026-05-01', 'verified,portal-hints,'));
    const bad = run('registry', 'coverage', '--seeds', path.join(dir, 'bad.csv'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^nianbao: .*bad\.csv: line 2, column verified_at: url_status verified needs the time of the check\n$/);
  });

  it('`nianbao registry build --check` finds the committed registry up to date, and a stale one not', () => {
    expect(run('registry', 'build', '--check').status).toBe(0);
    const dir = mkdtempSync(path.join(tmpdir(), 'nianbao-build-'));
    writeFileSync(path.join(dir, 'registry.csv'), REGISTRY);
    const stale = run('registry', 'build', '--check', '--out', path.join(dir, 'registry.csv'));
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/registry\.csv is not what `nianbao registry build` writes/);
  });
});
