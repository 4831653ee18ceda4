/**
 * 年报汇总 pages: one table of a city's or county's units by year (淮安's `/col/18073_668815/`), each cell a link
 * to that unit's report for that year, often a PDF named by a unit code (`/wzxxgknb/2024/qjp.pdf`), the link
 * text only "下载", "查看" or the unit's name. The title is read from the table itself: the row's unit and the
 * column's year (or, transposed, the row's year and the column's unit), so the report is found and filed
 * like any titled link.
 */
import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode } from 'domhandler';
import { clean, type PageLink } from '../links.ts';
import { resolveHref } from '../url.ts';
import { byFingerprints, type ListPageInput, type ListReading, type Platform } from './types.ts';

const FACTS = {
  /** Page headings of a summary page. */
  heading: /年报汇总|年度报告汇总|年报目录|信息公开年报一览/,
  /** A header cell naming a report year: 2023, 2023年, 2023年度. */
  yearCell: /^\s*((?:19|20)\d{2})\s*年?度?\s*$/,
  /** Header cells that label the unit column (skipped as a unit name). */
  unitHeader: /^(单位|单位名称|部门|部门名称|序号|名称|县区|乡镇|街道)$/,
  /** Summary tables need at least this many year columns (or rows). */
  minYears: 2,
  reportTitle: (unit: string, year: string) => `${unit}${year}年政府信息公开工作年度报告`,
};

export const summary: Platform = {
  name: 'summary',
  title: '年报汇总 (a table of units by year)',
  notes: ['portals.md §1.2 (the "年报汇总" page mode)', 'portal-snippets/04 §1 (淮安 年报汇总, /wzxxgknb/{Y}/{unit}.pdf)'],
  examples: ['https://www.huaian.gov.cn/col/18073_668815/index.html'],
  fingerprints: [FACTS.heading],
  detect: (page) => byFingerprints(summary.fingerprints)(page) || tablesOf(page).length > 0,
  readList: (page) => ({ links: tablesOf(page).flatMap((t) => t.links), continuations: [] }),
};

interface Grid { cells: { text: string; links: { href?: string; onclick?: string }[] }[][] }

/** A table as rows of cells, spans spread so a column index means the same column in every row. */
function grid($: CheerioAPI, table: Cheerio<AnyNode>): Grid {
  const rows: Grid['cells'] = [];
  const carry: (Grid['cells'][number][number] & { left: number })[] = [];
  table.find('tr').each((_, tr) => {
    const row: Grid['cells'][number] = [];
    let col = 0;
    const take = () => { while (carry[col] && carry[col]!.left > 0) { carry[col]!.left--; row[col] = carry[col]!; col++; } };
    $(tr).children('td, th').each((__, td) => {
      take();
      const c = $(td);
      const cell = { text: clean(c.text()), links: c.find('a').map((___, a) => ({ href: $(a).attr('href'), onclick: $(a).attr('onclick') })).get() };
      const span = Math.max(1, Number(c.attr('colspan') ?? 1) || 1);
      const down = Math.max(1, Number(c.attr('rowspan') ?? 1) || 1);
      for (let k = 0; k < span; k++) {
        row[col] = cell;
        if (down > 1) carry[col] = { ...cell, links: [], left: down - 1 };
        col++;
      }
    });
    take();
    rows.push(row);
  });
  return { cells: rows };
}

/** The summary tables of a page: years along the header row (units down the first column), or transposed. */
function tablesOf(page: ListPageInput): { links: PageLink[] }[] {
  const { $ } = page;
  const out: { links: PageLink[] }[] = [];
  $('table').each((_, t) => {
    const g = grid($, $(t)).cells.filter((r) => r.length);
    if (g.length < 2) return;
    const yearOf = (s: string) => FACTS.yearCell.exec(s)?.[1] ?? null;
    const headerAt = g.findIndex((r) => r.filter((c) => yearOf(c.text)).length >= FACTS.minYears);
    const links: PageLink[] = [];
    const push = (unit: string, year: string, cell: Grid['cells'][number][number]) => {
      if (!unit || FACTS.unitHeader.test(unit) || yearOf(unit)) return;
      for (const a of cell.links) {
        const url = resolveHref(a.href, a.onclick, page.url, page.base);
        if (url) links.push({ url, text: FACTS.reportTitle(unit, year) });
      }
    };
    if (headerAt >= 0) {
      const header = g[headerAt]!;
      for (const row of g.slice(headerAt + 1)) row.forEach((cell, i) => { const y = yearOf(header[i]?.text ?? ''); if (y && i > 0) push(row[0]?.text ?? '', y, cell); });
    } else {
      const yearRows = g.filter((r) => yearOf(r[0]?.text ?? ''));
      if (yearRows.length < FACTS.minYears) return;
      const header = g[0]!;
      for (const row of yearRows) row.forEach((cell, i) => { if (i > 0) push(header[i]?.text ?? '', yearOf(row[0]!.text)!, cell); });
    }
    if (links.length) out.push({ links });
  });
  return out;
}
