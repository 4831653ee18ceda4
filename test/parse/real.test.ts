import { describe, expect, it } from 'vitest';
import { parseText, readFixture, valuesOf } from '../helpers/records.ts';
import { HUAIAN_2024 } from '../fixtures/renderings/labels.ts';

describe('real reports as published', () => {
  it('淮安市人民政府 2024, pdftotext -layout: every cell as printed in the PDF', () => {
    const r = parseText(readFixture('real-reports/001_huaian_shi_2024.txt'));
    expect(r.agency).toBe('淮安市人民政府');
    expect(r.year).toBe(2024);
    // Every cell of tables 二, 三 and 四 as read by hand (test/fixtures/renderings/labels.ts), one copy of them.
    expect(valuesOf(r, 'active')).toMatchObject(HUAIAN_2024.active);
    expect(valuesOf(r, 'requests')).toEqual(HUAIAN_2024.requests);
    expect(valuesOf(r, 'appeals')).toEqual(HUAIAN_2024.appeals);
    expect(r.checks.filter((c) => !c.pass)).toEqual([]);
  });

  it('洪泽区 2023: table 四 totals printed as 0 fail their checks and stay 0', () => {
    const r = parseText(readFixture('real-reports/002_hongze_qu_2023.txt'));
    expect(valuesOf(r, 'appeals').review).toEqual([10, 1, 0, 0, 0]);
    const failed = r.checks.filter((c) => !c.pass).map((c) => `${c.rule}:${c.row}:${c.left}:${c.right}`);
    expect(failed).toEqual(['appeals_total:review:0:11', 'appeals_total:litigation_after_review:0:5']);
  });

  it('plain pdftotext output (one cell a line) places nothing it cannot place', () => {
    const r = parseText(readFixture('real-reports/016_huaian_shi_2024_rawtext.txt'));
    // Issue 14: table 三's rows are recovered from the column count and the template order (values as
    // read from the PDF by hand, in test/fixtures/renderings/labels.ts).
    expect(valuesOf(r, 'requests')).toEqual(HUAIAN_2024.requests);
    // Table 四's fifteen values come in an order its totals do not confirm: nothing is placed, all marked.
    const appeals = Object.values(r.tables.appeals.rows).flatMap((row) => Object.values(row));
    expect(appeals.every((c) => c.value === null && c.uncertain)).toBe(true);
    expect(r.warnings.some((w) => w.includes('not placed'))).toBe(true);
  });
});
