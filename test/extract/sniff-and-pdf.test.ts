import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffOriginal } from '../../src/extract/index.ts';
import { readPdfFast, readPdfPages } from '../../src/extract/pdf.ts';
import { joinPageTables } from '../../src/extract/layout.ts';
import { REAL_REPORTS } from '../helpers/fixtures.ts';

describe('sniffing HTML fragments (issue 14)', () => {
  const cases: Array<[string, string, string]> = [
    ['a report body saved without <html>/<body>, starting with comments', '<!--StartFragment--><!-- saved from TRS -->\n<div class="TRS_Editor"><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></div>', 'html'],
    ['a bare table', '\n  <table border="1"><tr><td>行政许可</td><td>12</td></tr></table>', 'html'],
    ['a paragraph fragment in GBK with a BOM-less start', '<p style="text-indent:2em">二、主动公开政府信息情况</p>', 'html'],
    ['markdown with an inline <br>', '# 某某局2024年政府信息公开工作年度报告\n| 规章 | 0<br>件 | 0 |\n', 'text'],
    ['plain text that mentions <table>', '一、总体情况\n表格见下 <table> 标记不是网页\n', 'text'],
  ];
  for (const [name, text, kind] of cases) {
    it(`${name}: ${kind}`, async () => {
      expect(await sniffOriginal(Buffer.from(text))).toBe(kind);
    });
  }
});

describe('PDFs read at the speed of poppler: words from pdftotext, rulings from the content streams', () => {
  for (const f of ['001_huaian_shi_2024.pdf', '002_hongze_qu_2023.pdf', '003_hongze_qu_2024.pdf']) {
    it(`${f}: the fast reader takes the file and finds the same table cells as pdf.js`, async () => {
      const bytes = readFileSync(`${REAL_REPORTS}/${f}`);
      const fast = await readPdfFast(bytes);
      expect(fast).not.toBeNull();
      const slow = await readPdfPages(bytes);
      const cells = (pages: typeof slow.pages) => joinPageTables(pages).flatMap((b) => (b.kind === 'table' ? b.rows.map((r) => r.filter((c) => /^[\d.]+$/.test(c)).join(' ')) : []));
      // Every number cell of every table, row by row: the two readers agree (labels may be joined differently).
      expect(cells(fast!.pages)).toEqual(cells(slow.pages));
      expect(fast!.numPages).toBe(slow.numPages);
    });
  }

  it('a damaged file is left to pdf.js (the fast reader declines it; badfiles.test.ts checks the errors pdf.js gives)', async () => {
    const bytes = readFileSync(`${REAL_REPORTS}/001_huaian_shi_2024.pdf`);
    expect(await readPdfFast(bytes.subarray(0, bytes.length >> 1))).toBeNull();
  });
});
