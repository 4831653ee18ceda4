import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExport } from '../../src/report/export.ts';
import { parseCsvRows } from '../../src/seeds/index.ts';
import { agency, version } from './fixtures.ts';
import { runCrossYearChecks } from '../../src/parse/index.ts';
import { parseText, readFixture } from '../helpers/records.ts';

// 洪泽区 2023 and 2024, as printed (real-reports/002 and 003, read by eye):
// 2023 行政规范性文件 制发 0 废止 5 现行有效 5; 结转下年度 all 0.
// 2024 行政规范性文件 制发 3 废止 0 现行有效 8; 上年结转 all 0.
const y2023 = readFixture('real-reports/002_hongze_qu_2023.txt');
const y2024 = readFixture('real-reports/003_hongze_qu_2024.txt');

describe('checks across two years of one agency (codebook rule 4, table 二 continuity)', () => {
  it('洪泽区 2024 against 2023: carried over = carried forward in all 7 columns, in force 8 = 5 + 3 - 0', () => {
    const checks = runCrossYearChecks(parseText(y2024), parseText(y2023));
    const carried = checks.filter((c) => c.rule === 'carried_over_previous');
    expect(carried.map((c) => [c.col, c.left, c.right, c.pass])).toEqual(
      ['natural_person', 'commercial', 'research', 'social_welfare', 'legal_service', 'other_org', 'total'].map((col) => [col, 0, 0, true]),
    );
    const normative = checks.find((c) => c.rule === 'active_in_force_previous' && c.row === 'normative_documents')!;
    expect([normative.left, normative.right, normative.pass, normative.soft]).toEqual([8, 8, true, true]);
  });

  it('a carried-over count that the year before did not carry forward fails, with both sides kept', () => {
    const edited = y2024.replace(/(二、上年结转政府信息公开申请数量\s+)0(\s+)0/, '$12$20').replace(
      /(二、上年结转政府信息公开申请数量(?:\s+\d+){6}\s+)0/, '$12');
    expect(edited).not.toBe(y2024);
    const checks = runCrossYearChecks(parseText(edited), parseText(y2023));
    const failed = checks.filter((c) => !c.pass).map((c) => [c.rule, c.col, c.left, c.right]);
    expect(failed).toEqual([['carried_over_previous', 'natural_person', 2, 0], ['carried_over_previous', 'total', 2, 0]]);
  });

  it('reports of different format versions are not compared', () => {
    const version2019 = y2023.replace(/本年制发件数/g, '本年新制作数量').replace(/本年废止件数/g, '本年新公开数量').replace(/现行有效件数/g, '对外公开总数量');
    const a = parseText(version2019);
    expect(a.tables.active.version).toBe('2019');
    expect(runCrossYearChecks(parseText(y2024), a).filter((c) => c.table === 'active')).toEqual([]);
  });
});

describe('nianbao export writes the checks across years', () => {
  it('checks.csv holds 洪泽区 2024 against 2023, naming the 2023 version it was compared with', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-crossyear-'));
    try {
      const [old, now] = ['1'.repeat(64), '2'.repeat(64)];
      await writeExport(dir, {
        agencies: [agency('hz', { kind: 'government' })],
        versions: [
          version('hz', 2023, { sha256: old, parse: { ok: true, record: parseText(y2023) } }),
          version('hz', 2024, { sha256: now, parse: { ok: true, record: parseText(y2024) } }),
        ],
        evidence: [],
      }, { today: '2025-04-01' });
      const [header, ...rows] = parseCsvRows(readFileSync(join(dir, 'checks.csv'), 'utf8')).map((r) => r.cells);
      const checks = rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));
      const across = checks.filter((c) => c.rule === 'carried_over_previous');
      expect(across.map((c) => [c.year, c.sha256, c.previous_sha256, c.left, c.right, c.pass])).toEqual(
        Array.from({ length: 7 }, () => ['2024', now, old, '0', '0', 'true']),
      );
      expect(checks.filter((c) => c.year === '2023' && c.previous_sha256)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
