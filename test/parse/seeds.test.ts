import { describe, expect, it } from 'vitest';
import { parseText, readFixture, valuesOf, zerosExcept } from '../helpers/records.ts';
import { tableRows } from '../../src/parse/index.ts';

// Expected values typed by hand from the text of each seed report in test/fixtures/seed-reports/.
const SEEDS = [
  {
    file: '000_f0e0ccd929df4214.txt',
    agency: '石嘴山市机关事务服务中心',
    year: 2023,
    versions: { active: '2021', requests: '2019', appeals: '2019' },
    // The report prints no 行政强制 row; its 规范性文件 row uses the 2019 label under 2021 columns.
    active: zerosExcept('2021', 'active', { coercion: [null] }),
    requests: zerosExcept('2019', 'requests'),
    appeals: zerosExcept('2019', 'appeals'),
  },
  {
    file: '001_17306181f9b38851.txt',
    agency: '吴忠市政务服务中心',
    year: 2023,
    versions: { active: '2021', requests: '2021', appeals: '2021' },
    active: zerosExcept('2021', 'active'),
    requests: zerosExcept('2021', 'requests', {
      new: [1, 0, 0, 0, 0, 0, 1],
      unable_not_held: [1, 0, 0, 0, 0, 0, 1],
      total: [1, 0, 0, 0, 0, 0, 1],
    }),
    appeals: zerosExcept('2021', 'appeals'),
  },
  {
    file: '002_af8fd19025225cb0.txt',
    agency: '川汇区机关事务中心',
    year: 2023,
    versions: { active: '2021', requests: '2021', appeals: '2021' },
    active: zerosExcept('2021', 'active'),
    requests: zerosExcept('2021', 'requests'),
    appeals: zerosExcept('2021', 'appeals'),
  },
  {
    file: '003_72e72a2c63e0f17f.txt',
    agency: '安丘市机关事务服务中心',
    year: 2023,
    versions: { active: '2021', requests: '2021', appeals: null },
    active: zerosExcept('2021', 'active'),
    requests: zerosExcept('2021', 'requests', {
      new: [1, 0, 0, 0, 0, 0, 1],
      granted: [1, 0, 0, 0, 0, 0, 1],
      total: [1, 0, 0, 0, 0, 0, 1],
    }),
    appeals: {},
  },
  {
    file: '004_296dda90f04c7ddd.txt',
    agency: '平罗县机关事务服务中心',
    year: 2024,
    versions: { active: '2021', requests: '2021', appeals: '2021' },
    active: zerosExcept('2021', 'active'),
    requests: zerosExcept('2021', 'requests'),
    // 行政复议 cells are printed blank: null, not 0.
    appeals: zerosExcept('2021', 'appeals', { review: [null, null, null, null, null] }),
  },
] as const;

describe('the five seed reports', () => {
  for (const seed of SEEDS) {
    describe(seed.file, () => {
      const record = parseText(readFixture(`seed-reports/${seed.file}`));

      it('reads agency and year from the title', () => {
        expect(record.agency).toBe(seed.agency);
        expect(record.year).toBe(seed.year);
      });

      it('detects each table and its version from the labels', () => {
        expect(record.tables.active.version).toBe(seed.versions.active);
        expect(record.tables.requests.version).toBe(seed.versions.requests);
        expect(record.tables.appeals.version).toBe(seed.versions.appeals);
        expect(record.tables.appeals.found).toBe(seed.versions.appeals !== null);
      });

      it('reads every cell', () => {
        expect(valuesOf(record, 'active')).toEqual(seed.active);
        expect(valuesOf(record, 'requests')).toEqual(seed.requests);
        expect(valuesOf(record, 'appeals')).toEqual(seed.appeals);
      });

      it('runs every check that has numbers, and all pass', () => {
        const v = seed.versions.requests;
        const rows = tableRows(v, 'requests').length;
        const byRule = (rule: string) => record.checks.filter((c) => c.rule === rule).length;
        expect(byRule('row_total')).toBe(rows);
        expect(byRule('balance')).toBe(7);
        expect(byRule('result_total')).toBe(7);
        const appealRows = Object.values(seed.appeals).filter((r) => r.some((x) => x !== null)).length;
        expect(byRule('appeals_total')).toBe(appealRows);
        expect(record.checks.filter((c) => !c.pass)).toEqual([]);
      });
    });
  }

  it('000: a lost cell beside a label that took its place is restored from the row total and marked inferred', () => {
    const r = parseText(readFixture('seed-reports/000_f0e0ccd929df4214.txt'));
    const cell = r.tables.requests.rows.denied_state_secret!.natural_person!;
    expect(cell).toMatchObject({ value: 0, text: null, inferred: true });
    expect(r.tables.requests.rows.denied_state_secret!.total).toMatchObject({ value: 0, text: '0', inferred: false });
    expect(r.warnings.some((w) => w.includes('mixed format'))).toBe(true);
  });

  it('003: when the identities cannot tell which cell was lost, those cells are uncertain', () => {
    const r = parseText(readFixture('seed-reports/003_72e72a2c63e0f17f.txt'));
    const granted = r.tables.requests.rows.granted!;
    expect(granted.natural_person).toMatchObject({ value: 1, text: '1', uncertain: false });
    expect(granted.total).toMatchObject({ value: 1, text: '1', uncertain: false });
    for (const c of ['commercial', 'research', 'social_welfare', 'legal_service', 'other_org']) {
      expect(granted[c]).toMatchObject({ value: 0, uncertain: true, inferred: true });
    }
    expect(r.warnings).toContain('appeals: table not found');
  });

  it('004: blank cells are null with their printed text kept; a row printed all blank is not checked', () => {
    const r = parseText(readFixture('seed-reports/004_296dda90f04c7ddd.txt'));
    expect(r.tables.appeals.rows.review!.upheld).toMatchObject({ value: null, text: '' });
    expect(r.checks.find((c) => c.rule === 'appeals_total' && c.row === 'review')).toBeUndefined();
  });
});
