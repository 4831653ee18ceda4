import { describe, expect, it } from 'vitest';
import { parseText, readFixture, valuesOf, zerosExcept } from '../helpers/records.ts';
import { renderReport, SYNTHETIC, type RenderStyle } from '../helpers/synthetic.ts';
import type { ReportRecord } from '../../src/parse/index.ts';

function expectSynthetic(record: ReportRecord, requests = SYNTHETIC.requests) {
  expect(record.agency).toBe('某某市某某局');
  expect(record.year).toBe(2024);
  expect(valuesOf(record, 'active')).toEqual(SYNTHETIC.active);
  expect(valuesOf(record, 'requests')).toEqual(requests);
  expect(valuesOf(record, 'appeals')).toEqual(SYNTHETIC.appeals);
}

/** The 2019 form of the synthetic table: (六) as one row holding the sum of the three 2021 rows. */
const REQUESTS_2019 = (() => {
  const { other_no_correction, other_no_fee, other_other, ...rest } = SYNTHETIC.requests;
  const other = other_no_correction!.map((v, i) => v! + other_no_fee![i]! + other_other![i]!);
  const out: typeof rest = {};
  for (const [k, v] of Object.entries(rest)) {
    out[k] = v;
    if (k === 'rejected_confirmation') out.other = other;
  }
  return out;
})();

describe('a report with non-zero numbers in the shapes real extractions give', () => {
  const styles: [string, RenderStyle][] = [
    ['tab-separated', { sep: 'tab', version: '2021' }],
    ['layout text (runs of spaces, no blanks visible)', { sep: 'spaces', version: '2021' }],
    ['markdown tables', { sep: 'markdown', version: '2021' }],
    ['labels wrapped over two lines', { sep: 'tab', version: '2021', splitLabels: true }],
    ['layout text with wrapped labels', { sep: 'spaces', version: '2021', splitLabels: true }],
    ['the group label printed vertically', { sep: 'spaces', version: '2021', verticalGroup: true }],
    ['a page break with a page number and repeated header inside table 三', { sep: 'tab', version: '2021', pageBreak: true }],
    ['full-width digits, brackets and 1、 numbering', { sep: 'tab', version: '2021', fullWidth: true }],
    ['group labels repeated on every row (rowspans expanded), in tabs', { sep: 'tab', version: '2021', repeatGroups: true }],
    ['group labels repeated on every row, in layout text', { sep: 'spaces', version: '2021', repeatGroups: true }],
  ];
  for (const [name, style] of styles) {
    it(name, () => {
      const r = parseText(renderReport(SYNTHETIC, style), style.sep === 'markdown' ? 'markdown' : 'text');
      expectSynthetic(r);
      expect(r.tables.requests.version).toBe('2021');
      expect(r.checks.filter((c) => !c.pass)).toEqual([]);
    });
  }

  it('2019 labels for table 三 give a 2019 table with one (六) row', () => {
    const r = parseText(renderReport(SYNTHETIC, { sep: 'tab', version: '2019' }));
    expect(r.tables.requests.version).toBe('2019');
    expect(valuesOf(r, 'requests')).toEqual(REQUESTS_2019);
    expect(r.checks.filter((c) => !c.pass)).toEqual([]);
  });

  it('table 四 printed as one run of digits is split by its totals; one cut only, so no cell is uncertain', () => {
    // Issue 14: a cut the identities (and the row's shape) prove is certain; only one they allow several ways is not.
    const r = parseText(renderReport(SYNTHETIC, { sep: 'tab', version: '2021', runTogetherAppeals: true }));
    expect(valuesOf(r, 'appeals')).toEqual(SYNTHETIC.appeals);
    expect(Object.values(r.tables.appeals.rows.review!).some((c) => c.uncertain)).toBe(false);
  });

  it('a row whose digits run together ("4061021") is split by the row total and column identities', () => {
    const text = renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }).replace(
      '一、本年新收政府信息公开申请数量\t\t40\t6\t1\t0\t2\t1\t50',
      '一、本年新收政府信息公开申请数量\t\t4061021\t50',
    );
    expect(text).toContain('4061021\t50');
    const r = parseText(text);
    expect(valuesOf(r, 'requests').new).toEqual([40, 6, 1, 0, 2, 1, 50]);
    // 40|6|1|0|2|1 is the only cut of 4061021 into six that adds up to 50: proven, so certain (issue 14).
    expect(r.tables.requests.rows.new!.natural_person!.uncertain).toBe(false);
  });

  it('a lost cell is restored from its row total and marked inferred', () => {
    const text = renderReport(SYNTHETIC, { sep: 'spaces', version: '2021' }).replace(
      /(（一）予以公开\s+)12\s+/,
      '$1',
    );
    const r = parseText(text);
    expect(r.tables.requests.rows.granted!.natural_person).toMatchObject({ value: 12, text: null, inferred: true });
    expect(valuesOf(r, 'requests')).toEqual(SYNTHETIC.requests);
  });

  it('dashes, slashes and blanks are null, never 0', () => {
    const text = renderReport(SYNTHETIC, { sep: 'tab', version: '2021' })
      .replace('规章\t0\t0\t0', '规章\t—\t/\t-')
      .replace('行政强制\t2', '行政强制\t');
    const r = parseText(text);
    expect(valuesOf(r, 'active').regulations).toEqual([null, null, null]);
    expect(r.tables.active.rows.regulations!.issued).toMatchObject({ value: null, text: '—' });
    expect(valuesOf(r, 'active').coercion).toEqual([null]);
  });
});

describe('reports that break an identity', () => {
  it('the failure is reported with both sides, and the numbers are kept as printed', () => {
    // (七)总计 for 自然人 printed as 45 where the results add up to 41: rule 3 and the balance fail.
    const text = renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }).replace(
      '（七）总计\t\t41\t6\t1\t0\t2\t1\t51',
      '（七）总计\t\t45\t6\t1\t0\t2\t1\t55',
    );
    const r = parseText(text);
    expect(valuesOf(r, 'requests').total).toEqual([45, 6, 1, 0, 2, 1, 55]);
    const failed = r.checks.filter((c) => !c.pass).map((c) => [c.rule, c.col, c.left, c.right]);
    expect(failed).toContainEqual(['result_total', 'natural_person', 45, 41]);
    expect(failed).toContainEqual(['result_total', 'total', 55, 51]);
    expect(failed).toContainEqual(['balance', 'natural_person', 43, 47]);
    expect(r.checks.filter((c) => c.rule === 'row_total' && !c.pass)).toEqual([]);
  });

  it('table 四 totals printed as 0 beside non-zero parts fail their check', () => {
    const text = renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }).replace('2\t1\t0\t1\t4\t1', '2\t1\t0\t1\t0\t1');
    const r = parseText(text);
    expect(valuesOf(r, 'appeals').review).toEqual([2, 1, 0, 1, 0]);
    expect(r.checks.find((c) => c.rule === 'appeals_total' && c.row === 'review')).toMatchObject({ pass: false, left: 0, right: 4 });
  });
});

describe('variants of the seed reports', () => {
  const seed = (f: string) => readFixture(`seed-reports/${f}`);
  const expected001 = zerosExcept('2021', 'requests', {
    new: [1, 0, 0, 0, 0, 0, 1],
    unable_not_held: [1, 0, 0, 0, 0, 0, 1],
    total: [1, 0, 0, 0, 0, 0, 1],
  });

  it('shifted tabs (an extra empty field after every label)', () => {
    const shifted = seed('001_17306181f9b38851.txt').replace(/^([^\t\n]+[\u4e00-\u9fff）)])\t/gm, '$1\t\t');
    expect(valuesOf(parseText(shifted), 'requests')).toEqual(expected001);
  });

  it('dropped tabs (fields separated by spaces)', () => {
    const spaced = seed('001_17306181f9b38851.txt').replace(/\t+/g, '   ');
    const r = parseText(spaced);
    expect(valuesOf(r, 'requests')).toEqual(expected001);
    expect(valuesOf(r, 'appeals')).toEqual(zerosExcept('2021', 'appeals'));
  });

  it('split labels (a label wrapped before its numbers)', () => {
    const split = seed('001_17306181f9b38851.txt').replace('一、本年接收政府信息公开数量', '一、本年接收政府信\n息公开数量');
    expect(valuesOf(parseText(split), 'requests')).toEqual(expected001);
  });

  it('2019 labels in table 二 give a 2019 active table', () => {
    const v2019 = seed('002_af8fd19025225cb0.txt')
      .replace('信息内容\t本年制发件数\t本年废止件数\t现行有效件数', '信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量')
      .replace('行政规范性文件', '规范性文件')
      .replace(/信息内容\t本年处理决定数量\t\t/g, '信息内容\t上一年项目数量\t本年增/减\t处理决定数量')
      .replace('行政许可\t0\t\t', '行政许可\t3\t+1\t25')
      .replace('行政处罚\t0\t\t', '行政处罚\t4\t减1\t0')
      .replace('行政强制\t0\t\t', '行政强制\t2\t0\t1')
      .replace('信息内容\t本年收费金额（单位：万元）\t\t', '信息内容\t上一年项目数量\t本年增/减\t')
      .replace('行政事业性收费\t0\t\t', '行政事业性收费\t5\t-2\t');
    const r = parseText(v2019);
    expect(r.tables.active.version).toBe('2019');
    expect(valuesOf(r, 'active')).toEqual({
      regulations: [0, 0, 0],
      normative_documents: [0, 0, 0],
      licensing: [3, 1, 25],
      other_services: [null, null, null],
      penalty: [4, -1, 0],
      coercion: [2, 0, 1],
      fees: [5, -2],
      procurement: [null, null],
    });
    expect(r.tables.requests.version).toBe('2021');
  });
});
