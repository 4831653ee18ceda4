/**
 * How discovery reads a page (pure functions over HTML): whose site it is (site-names.ts), where it leads towards
 * the 年报 column (columns.ts), which unit-type sub-columns a column links, their year folders and the units they
 * show (units.ts). Pages are small renderings of the shapes in portals.md §1.1, §6 and snippet 05 §1.
 */
import { describe, expect, it } from 'vitest';
import { columnLead } from '../../src/crawl/columns.ts';
import { readListPage } from '../../src/crawl/listing.ts';
import { judgeSite, siteNames } from '../../src/crawl/site-names.ts';
import { newestYearFolders, unitSubcolumns, unitsOnPage } from '../../src/crawl/units.ts';

const doc = (head: string, body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`;
const linksOf = (html: string, url: string) => readListPage(html, url).links;

describe('whose site a page is', () => {
  const cases: [what: string, html: string, agency: string, verdict: unknown][] = [
    ['SiteName meta (snippet 05 §1)', doc('<meta name="SiteName" content="国家药品监督管理局"><title>药品批件发布</title>', ''), '国家药品监督管理局', { names: 'it', name: '国家药品监督管理局', source: 'meta' }],
    ['a title with the portal words', doc('<title>故城县人民政府门户网站</title>', ''), '故城县人民政府', { names: 'it', name: '故城县人民政府', source: 'title' }],
    ['a title part in a short form', doc('<title>首页 - 桃城区人民政府</title>', ''), '衡水市桃城区人民政府', { names: 'it', name: '桃城区人民政府', source: 'title' }],
    ['the form 政府', doc('<title>中国·枣强</title><meta name="SiteName" content="枣强县政府">', ''), '枣强县人民政府', { names: 'it', name: '枣强县政府', source: 'meta' }],
    ['the footer\'s 主办, the government\'s office', doc('<title>首页</title>', '<div class="footer">主办：武邑县人民政府办公室 承办：武邑县融媒体中心</div>'), '武邑县人民政府', { names: 'it', name: '武邑县人民政府', source: 'footer' }],
    ['版权所有 at the end of a page without a footer element', doc('<title>首页</title>', '<p>新闻</p><p>版权所有：饶阳县人民政府 冀ICP备</p>'), '饶阳县人民政府', { names: 'it', name: '饶阳县人民政府', source: 'footer' }],
    ['another government (a county given its city\'s portal)', doc('<title>衡水市人民政府</title><meta name="SiteName" content="衡水市人民政府">', ''), '景县人民政府', { names: 'other', name: '衡水市人民政府', source: 'meta' }],
    ['no government at all', doc('<title>网站维护中</title>', '<p>请稍后访问</p>'), '阜城县人民政府', { names: 'none', seen: ['网站维护中'] }],
  ];
  it.each(cases)('%s', (_what, html, agency, verdict) => {
    expect(judgeSite(siteNames(html), agency)).toEqual(verdict);
  });

  it('a name the registry knows counts as another government\'s, even without a government form', () => {
    const page = doc('<title>中国·衡水</title>', '');
    expect(judgeSite(siteNames(page), '景县人民政府').names).toBe('none');
    expect(judgeSite(siteNames(page), '景县人民政府', (n) => n === '衡水')).toEqual({ names: 'other', name: '衡水', source: 'title' });
  });
});

describe('where a page leads towards the 年报 column', () => {
  const home = 'http://www.x.gov.cn/';
  it('the column by its link text first, a report\'s title never, another site\'s column never', () => {
    const html = doc('', '<a href="http://www.city.gov.cn/zwgk/zfxxgknb/">市政府信息公开年报</a><a href="/zfxxgknb/202403/t1.html">某县2023年政府信息公开工作年度报告</a>'
      + '<a href="/zwgk/">政务公开</a><a href="/ztzl/nb/">政府信息公开年报</a>');
    expect(columnLead(linksOf(html, home), home)).toEqual({ kind: 'column', url: 'http://www.x.gov.cn/ztzl/nb/', foundBy: 'link-text' });
  });

  it('then by a platform path (portals.md §0.2), over a link to the 专栏', () => {
    const html = doc('', '<a href="/zwgk/">政务公开</a><a href="/zfxxgk/fdzdgknr/ndbg/">更多&gt;&gt;</a>');
    expect(columnLead(linksOf(html, home), home)).toEqual({ kind: 'column', url: 'http://www.x.gov.cn/zfxxgk/fdzdgknr/ndbg/', foundBy: 'platform-path' });
  });

  it('else the 专栏 (not the page itself), else nothing', () => {
    const page = 'http://www.x.gov.cn/zwgk/';
    expect(columnLead(linksOf(doc('', '<a href="/zwgk/">政务公开</a><a href="/zwgk/xxgk/">政府信息公开</a>'), page), page)).toEqual({ kind: 'disclosure', url: 'http://www.x.gov.cn/zwgk/xxgk/' });
    expect(columnLead(linksOf(doc('', '<a href="/xwzx/">新闻中心</a>'), home), home)).toBeNull();
  });
});

describe('a column\'s unit-type sub-columns and what they show', () => {
  const column = 'http://www.x.gov.cn/zfxxgknb/';
  it('by their text or their path token; what each lists', () => {
    const html = doc('', '<a href="./bm/">部门</a><a href="./zxjd/">乡镇（街道）</a><a href="./szfnb/">本级政府</a><a href="./xj/">区县</a>'
      + '<a href="./2025szbm/">市直</a><a href="./2024n/">2024年</a><a href="/xwzx/">新闻</a>');
    expect(unitSubcolumns(linksOf(html, column), column)).toEqual([
      { url: `${column}bm/`, lists: 'units', foundBy: 'link-text' },
      { url: `${column}zxjd/`, lists: 'units', foundBy: 'link-text' },
      { url: `${column}szfnb/`, lists: 'own', foundBy: 'link-text' },
      { url: `${column}xj/`, lists: 'governments', foundBy: 'link-text' },
      { url: `${column}2025szbm/`, lists: 'units', foundBy: 'platform-path' },
    ]);
  });

  it('year folders below it, the newest first', () => {
    const sub = `${column}bm/`;
    const html = doc('', '<a href="./2022n/">2022年</a><a href="./2024n/">2024年</a><a href="./2023n/">2023年度</a><a href="../">返回</a>');
    expect(newestYearFolders(linksOf(html, sub), sub, 2)).toEqual([`${sub}2024n/`, `${sub}2023n/`]);
  });

  it('units: a report title\'s unit (not a look-alike), a link named for a unit below the sub-column (not the page\'s chrome)', () => {
    const sub = `${column}xzjd/`;
    const html = doc('', '<ul><li><a href="./202401/t1.html">河西街道办事处2023年政府信息公开工作年度报告</a></li>'
      + '<li><a href="./202401/t2.html">关于河东街道2023年政府信息公开工作年度报告有关事项的通知</a></li>'
      + '<li><a href="./zkz/">郑口镇</a></li><li><a href="./2023n/">2023年</a></li></ul>'
      + '<a href="/zwzx/">政务服务中心</a><a href="./">乡镇（街道）</a>');
    expect(unitsOnPage(linksOf(html, sub), sub, sub)).toEqual([
      { printed: '河西街道办事处', seen: 'report-title', url: null },
      { printed: '郑口镇', seen: 'own-column', url: `${sub}zkz/` },
    ]);
  });
});
