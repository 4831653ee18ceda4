import { readFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import * as cheerio from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHtml, extractFile, extractOriginal, findReportBody, sniffOriginal, type ExtractedDocument } from '../../src/extract/index.ts';
import { parseDocument, tableRows, type ReportRecord } from '../../src/parse/index.ts';
import { EXPECTED, PRINTED_REQUEST_LABELS, makeFixtures, type Fixtures } from '../fixtures/make-fixtures.ts';
import { FIXTURES } from '../helpers/records.ts';

const REAL = path.join(FIXTURES, 'real-reports');
let fx: Fixtures;

beforeAll(async () => {
  fx = await makeFixtures();
}, 180_000);

/** Every number of the report, in the codebook's order, as the fixture states them by hand. */
function expectedValues(): number[] {
  const a = EXPECTED.active;
  return [
    ...a.regulations, ...a.normative_documents, a.licensing, a.penalty, a.coercion, a.fees,
    ...tableRows('2021', 'requests').flatMap((r) => EXPECTED.requests[r.row]!),
    ...EXPECTED.appeals,
  ];
}

function recordValues(rec: ReportRecord): Array<number | null> {
  const out: Array<number | null> = [];
  for (const t of ['active', 'requests', 'appeals'] as const)
    for (const r of tableRows('2021', t)) for (const [c] of r.cols) out.push(rec.tables[t].rows[r.row]?.[c]?.value ?? null);
  return out;
}

/** The item label of each table-三 row as printed in the fixture (unique within the table). */
const REQUEST_LABELS: Record<string, string> = Object.fromEntries(
  tableRows('2021', 'requests').map((r, i) => [r.row, PRINTED_REQUEST_LABELS()[i]!]),
);

function tables(doc: ExtractedDocument): string[][][] {
  return doc.blocks.flatMap((b) => (b.kind === 'table' ? [b.rows] : []));
}

function rowOf(doc: ExtractedDocument, label: string): string[] | undefined {
  for (const t of tables(doc)) for (const r of t) if (r.some((c) => c.includes(label))) return r;
  return undefined;
}

describe('the same report in every format', () => {
  let htmlRecord: ReportRecord;
  beforeAll(async () => {
    htmlRecord = parseDocument(await extractFile(fx.html));
  });

  it('HTML original parses to the hand-written numbers', () => {
    const got = recordValues(htmlRecord);
    const want = expectedValues();
    const wrong = want.map((v, i) => [i, v, got[i]] as const).filter(([, v, g]) => v !== g);
    expect(wrong).toEqual([]);
  });

  for (const key of ['html', 'docx', 'pdf', 'doc', 'portalGbk'] as const) {
    it(`${key}: every row of table 三 comes out as a grid row with the hand-written numbers`, async () => {
      const doc = await extractFile(fx[key]);
      for (const r of tableRows('2021', 'requests')) {
        const label = REQUEST_LABELS[r.row]!;
        expect(rowOf(doc, label)?.slice(-7), `${key} ${r.row}`).toEqual(EXPECTED.requests[r.row]!.map(String));
      }
    });
  }

  for (const [name, key, method] of [
    ['DOCX (mammoth HTML)', 'docx', 'docx'],
    ['PDF made by LibreOffice (text layer, ruled grids)', 'pdf', 'pdf-text'],
    ['DOC (word-extractor rows run together, so LibreOffice → DOCX)', 'doc', 'libreoffice'],
    ['WPS-named OLE file', 'wps', 'libreoffice'],
    ['GBK portal page with chrome', 'portalGbk', 'html-dom'],
    ['XLSX (the tables saved as a spreadsheet)', 'xlsx', 'xls'],
    ['XLS (BIFF8)', 'xls', 'xls'],
    ['OFD made from the PDF (text objects at the words\' places)', 'ofd', 'ofd'],
  ] as const) {
    it(`${name} parses to the same record as the HTML`, async () => {
      const doc = await extractFile(fx[key]);
      expect(doc.method).toBe(method);
      const rec = parseDocument(doc);
      expect(recordValues(rec)).toEqual(recordValues(htmlRecord));
      expect(rec.year).toBe(EXPECTED.year);
    });
  }

  it('scanned PDF goes to OCR, is marked, and most cells match', async () => {
    const doc = await extractFile(fx.scanPdf);
    expect(doc.ocr).toBe(true);
    expect(doc.method).toBe('ocr');
    expect(doc.quality).toBeLessThan(1);
    const got = recordValues(parseDocument(doc));
    const want = expectedValues();
    const matched = want.filter((v, i) => got[i] === v).length;
    console.log(`OCR: ${matched}/${want.length} cells match the original (${((100 * matched) / want.length).toFixed(1)}%)`);
    // 145 of 200 when measured (lone digits are read cell by cell); the floor guards against regressions.
    expect(matched / want.length).toBeGreaterThanOrEqual(0.6);
  }, 240_000);

  it('a photographed page (PNG) goes to OCR and the rows of table 三 on it are read', async () => {
    const doc = await extractFile(fx.pagePng);
    expect([doc.method, doc.ocr]).toEqual(['ocr', true]);
    const rec = parseDocument(doc);
    // Page 2 holds the first three rows of table 三 (read off the image).
    const rows = { new: [171, 32, 22, 21, 25, 22, 293], carried_over: [9, 2, 1, 1, 1, 1, 15], granted: [52, 6, 2, 1, 3, 2, 66] };
    for (const [row, want] of Object.entries(rows)) {
      expect(Object.values(rec.tables.requests.rows[row]!).map((c) => c.value), row).toEqual(want);
    }
  }, 120_000);
});

describe('PDF grids', () => {
  it('a table running over pages is one grid with every row, wrapped labels joined', async () => {
    const doc = await extractFile(fx.pdf);
    const requests = tables(doc).find((t) => t.some((r) => r.some((c) => c.includes('本年新收政府信息公开申请数量'))))!;
    expect(requests).toBeDefined();
    // The fixture's table 三 starts on page 2 and ends on page 4 (checked in the PDF by eye).
    const pages = doc.blocks.filter((b) => b.kind === 'table' && b.rows === requests).map((b) => b.page);
    expect(pages).toEqual([2]);
    expect(requests.filter((r) => r.some((c) => /^(一|二|四)、|^[1-8]\.|^（[一二七]）/.test(c))).length).toBeGreaterThanOrEqual(25);
    const wrapped = rowOf(doc, '申请人逾期未按收费通知要求缴纳费用');
    expect(wrapped?.some((c) => c.includes('申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请'))).toBe(true);
    expect(wrapped?.slice(-7)).toEqual(['2', '1', '1', '1', '1', '1', '7']);
    expect(rowOf(doc, '四、结转下年度继续办理')?.slice(-7)).toEqual(['12', '3', '1', '1', '2', '1', '20']);
  });

  it('real WPS PDFs (淮安 2024, 洪泽 2023/2024) give table 三 as grids', async () => {
    // Numbers read from the PDFs by a person (pdftotext -layout copies beside them agree).
    const cases: Array<[string, string, string[]]> = [
      ['001_huaian_shi_2024.pdf', '（七）总计', ['2932', '53', '0', '0', '61', '4', '3050']],
      ['001_huaian_shi_2024.pdf', '本机关不掌握相关政府信息', ['746', '12', '0', '0', '10', '1', '769']],
      ['002_hongze_qu_2023.pdf', '没有现成信息需要另行制作', ['3', '0', '0', '0', '0', '0', '3']],
      ['003_hongze_qu_2024.pdf', '本年新收政府信息公开申请数量', ['95', '0', '0', '0', '0', '0', '95']],
    ];
    for (const [file, label, want] of cases) {
      const doc = await extractFile(path.join(REAL, file));
      expect(doc.method, file).toBe('pdf-text');
      expect(rowOf(doc, label)?.slice(-7), `${file} ${label}`).toEqual(want);
    }
    const huaian = await extractFile(path.join(REAL, '001_huaian_shi_2024.pdf'));
    expect(rowOf(huaian, '行政复议')).toBeDefined();
    const appeals = tables(huaian).find((t) => t.some((r) => r.includes('未经复议直接起诉')))!;
    expect(appeals.at(-1)).toEqual(['72', '64', '178', '37', '351', '13', '4', '8', '1', '26', '12', '1', '1', '6', '20']);
  });

  it('real PDFs parse: 淮安 2024 balances per the printed table', async () => {
    const rec = parseDocument(await extractFile(path.join(REAL, '001_huaian_shi_2024.pdf')));
    expect(rec.tables.requests.rows.new?.total?.value).toBe(3119);
    expect(rec.tables.requests.rows.carried_forward?.total?.value).toBe(103);
    expect(rec.tables.active.rows.fees?.amount_10k_yuan?.value).toBe(96171.6);
    // The grid row "三、本年度办理结果 | （六）其他处理 | 3、其他 | 108 …" is the 2021 row other_other.
    expect(Object.values(rec.tables.requests.rows.other_other ?? {}).map((c) => c.value)).toEqual([108, 2, 0, 0, 0, 0, 110]);
    expect(rec.checks.filter((c) => !c.pass)).toEqual([]);
    // 行政许可's one number fills a merged cell three grid columns wide: one value, no warning.
    expect(rec.tables.active.rows.licensing?.decisions?.value).toBe(447228);
    expect(rec.warnings).toEqual([]);
  });
});

describe('HTML', () => {
  it('decodes a GBK page that declares gb2312 only in <meta>, as gb18030', async () => {
    const bytes = await readFile(fx.portalGbk);
    const d = decodeHtml(bytes);
    expect(d.charset).toBe('gb18030');
    expect(d.source).toBe('meta');
    expect(d.html).toContain('政府信息公开工作年度报告');
    expect(decodeHtml(bytes, 'text/html; charset=GBK').source).toBe('header');
    // No header, no meta: detection must still not produce mojibake.
    const bare = iconv.encode('<html><body><p>收到和处理政府信息公开申请情况，本年新收政府信息公开申请数量共计一百件。</p></body></html>', 'gbk');
    expect(decodeHtml(bare).html).toContain('收到和处理政府信息公开申请情况');
  });

  it('finds the report body among the page chrome and keeps the page metadata', async () => {
    const doc = await extractFile(fx.portalGbk);
    const text = doc.blocks.map((b) => (b.kind === 'text' ? b.text : b.rows.flat().join(' '))).join('\n');
    expect(text).not.toContain('繁體版');
    expect(text).not.toContain('ICP备');
    expect(text).not.toContain('相关链接');
    expect(doc.meta).toMatchObject({ publishedAt: '2025-01-20', publisher: '临川市人民政府办公室' });
    const $ = cheerio.load(decodeHtml(await readFile(fx.portalGbk)).html);
    expect($(findReportBody($)!.element).attr('id')).toBe('zoom');
  });

  it('expands rowspan/colspan, nested tags and &nbsp; into a full grid', async () => {
    const html = `<html><body><div class="TRS_Editor"><p>三、收到和处理政府信息公开申请情况</p><table>
      <tr><td colspan="2" rowspan="2"><p>本年<br/>度</p></td><td><span><b>自然人</b></span></td><td>总计</td></tr>
      <tr><td>&nbsp;</td><td>7</td></tr>
      <tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td><td>&nbsp;</td></tr>
      <tr><td>（二）部分公开</td><td>2</td><td>2</td></tr></table></div></body></html>`;
    const doc = await extractOriginal(Buffer.from(html));
    expect(tables(doc)[0]).toEqual([
      ['本年度', '本年度', '自然人', '总计'],
      ['本年度', '本年度', '', '7'],
      ['三、本年度办理结果', '（一）予以公开', '5', ''],
      ['三、本年度办理结果', '（二）部分公开', '2', '2'],
    ]);
  });
});

describe('choosing the reader by content', () => {
  it('sniffs magic bytes, not names', async () => {
    expect(await sniffOriginal(await readFile(fx.pdf))).toBe('pdf');
    expect(await sniffOriginal(await readFile(fx.docx))).toBe('docx');
    expect(await sniffOriginal(await readFile(fx.wps))).toBe('doc');
    expect(await sniffOriginal(await readFile(fx.portalGbk))).toBe('html');
    expect(await sniffOriginal(Buffer.from('一、总体情况\n本年新收 3\t4'))).toBe('text');
    // A PDF saved under a .html name is still read as a PDF.
    const doc = await extractOriginal(await readFile(fx.pdf), { fileName: 'report.html' });
    expect(doc.method).toBe('pdf-text');
  });
});
