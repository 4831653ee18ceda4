import { describe, expect, it } from 'vitest';
import { parseText, readFixture, valuesOf } from '../helpers/records.ts';
import { HUAIAN_2024 } from '../fixtures/renderings/labels.ts';

describe('real reports as published', () => {
  it('淮安市人民政府 2024, pdftotext -layout: every cell as printed in the PDF', () => {
    // Values read by hand from pages 3-5 of test/fixtures/real-reports/001_huaian_shi_2024.pdf.
    const r = parseText(readFixture('real-reports/001_huaian_shi_2024.txt'));
    expect(r.agency).toBe('淮安市人民政府');
    expect(r.year).toBe(2024);
    expect(valuesOf(r, 'requests')).toMatchObject({
      new: [3001, 53, 0, 0, 61, 4, 3119],
      carried_over: [34, 0, 0, 0, 0, 0, 34],
      granted: [1288, 21, 0, 0, 50, 3, 1362],
      partly_granted: [447, 7, 0, 0, 0, 0, 454],
      denied_state_secret: [2, 0, 0, 0, 0, 0, 2],
      denied_prohibited_by_law: [30, 1, 0, 0, 0, 0, 31],
      denied_internal_affairs: [7, 1, 0, 0, 0, 0, 8],
      denied_query_matter: [105, 0, 0, 0, 0, 0, 105],
      unable_not_held: [746, 12, 0, 0, 10, 1, 769],
      unable_needs_creation: [11, 0, 0, 0, 0, 0, 11],
      rejected_petition: [56, 6, 0, 0, 0, 0, 62],
      rejected_confirmation: [1, 0, 0, 0, 0, 0, 1],
      other_no_correction: [67, 3, 0, 0, 1, 0, 71],
      other_no_fee: [6, 0, 0, 0, 0, 0, 6],
      other_other: [108, 2, 0, 0, 0, 0, 110],
      total: [2932, 53, 0, 0, 61, 4, 3050],
      carried_forward: [103, 0, 0, 0, 0, 0, 103],
    });
    expect(valuesOf(r, 'appeals')).toEqual({
      review: [72, 64, 178, 37, 351],
      litigation_direct: [13, 4, 8, 1, 26],
      litigation_after_review: [12, 1, 1, 6, 20],
    });
    expect(valuesOf(r, 'active')).toMatchObject({ penalty: [3985758], coercion: [88283], fees: [96171.6] });
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
