/**
 * The other platforms, four renderings each (portals.md §2, portal-snippets/01 §B, §E; issue 12): 开普云 UCAP,
 * Beijing eportal, Lonsun (Anhui departments), Shaanxi 集约化, Anhui's county 信息公开 CMS (several units on one
 * host), 年报汇总 tables, and portals no module knows (next links, numbered links, Shanghai's one-based pager, a
 * calendar of per-day links and a `?page=` past the stated total as traps, a list only scripts fill).
 */
import { entry, listDoc, pagedColumn, SiteBuilder, type FarmRequest, type FarmSite, type SeedRow } from './site.ts';

const seed = (id: string, name: string, list: string, kind = 'government', extra: Partial<SeedRow> = {}): SeedRow => ({ id, name, level: 'county', kind, list, ...extra });

// ---- 开普云 UCAP: static pages, the container-first pager counting from 1 -------------------------------------
const UCAP_HEAD = '<script src="/ucap/js/ucapCommonFun.js"></script>';
const UCAP_DEFINITION = `function createPageHTML(divId, _nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nPageSum) {
  var s = ''; for (var i = 1; i <= _nPageCount; i++) { s += '<a href="' + (i == 1 ? _sPageName : _sPageName + '_' + i) + '.' + _sPageExt + '">' + i + '</a>'; }
  document.getElementById(divId).innerHTML = s;
}`;

function ucap(host: string, unit: string, id: string, o: { charset: 'utf-8' | 'gbk'; links: 'root' | 'relative' | 'absolute'; pages: number; inline: boolean; external: boolean; wap?: boolean; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const dir = '/zwgk/zfxxgknb/';
  if (o.external) b.raw('/ucap/js/page.js', { type: 'application/javascript', body: UCAP_DEFINITION });
  const paths = Array.from({ length: o.pages }, (_, k) => `${dir}${k === 0 ? 'index' : `index_${k + 1}`}.shtml`);
  pagedColumn(b, {
    paths, title: '政府信息公开年度报告', unit, owner: id, head: UCAP_HEAD,
    pages: paths.map((_, k) => [{ path: `${dir}${2024 - k}02/t${2024 - k}0210_${k + 60}.shtml`, year: 2023 - k }]),
    pager: (k) => `<div id="page_div"></div>${o.external ? '<script src="/ucap/js/page.js"></script>' : ''}<script>${o.inline ? `${UCAP_DEFINITION}\n` : ''}createPageHTML('page_div', ${o.pages}, ${k + 1}, 'index', 'shtml', ${o.pages * 11});</script>` +
      (o.wap ? `<a href="${b.href(`${dir}${2024 - k}02/t${2024 - k}0210_${k + 60}_wap.shtml`, paths[k]!)}">${unit}${2023 - k}年政府信息公开工作年度报告（手机版）</a>` : ''),
  });
  return b.build('ucap', o.variant, [seed(id, unit, `http://${host}${dir}index.shtml`)]);
}

export function ucapSites(): FarmSite[] {
  return [
    ucap('www.yanhu.gov.cn', '盐湖区人民政府', 'ucap-yanhu', { charset: 'utf-8', links: 'root', pages: 2, inline: false, external: false, variant: "createPageHTML('page_div', 2, 1, 'index', 'shtml', 11): page 2 is index_2" }),
    ucap('www.wanrong.gov.cn', '万荣县人民政府', 'ucap-wanrong', { charset: 'gbk', links: 'relative', pages: 3, inline: true, external: false, variant: 'defined inline then called, GBK in <meta>' }),
    ucap('www.jishan.gov.cn', '稷山县人民政府', 'ucap-jishan', { charset: 'utf-8', links: 'relative', pages: 2, inline: false, external: true, variant: 'definition in a script file' }),
    ucap('www.wenxi.gov.cn', '闻喜县人民政府', 'ucap-wenxi', { charset: 'utf-8', links: 'absolute', pages: 2, inline: false, external: false, wap: true, variant: 'absolute links, _wap twins' }),
  ];
}

// ---- Beijing eportal: ?pageId=…&currentPage=N --------------------------------------------------------------
function eportal(host: string, unit: string, id: string, o: { charset: 'utf-8' | 'gbk'; links: 'root' | 'absolute'; pages: number; stated: boolean; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const list = '/eportal/ui?pageId=559300';
  const paths = Array.from({ length: o.pages }, (_, k) => (k === 0 ? list : `${list}&currentPage=${k + 1}`));
  pagedColumn(b, {
    paths, title: '政府信息公开年报', unit, owner: id,
    pages: paths.map((_, k) => [{ path: `/eportal/ui?pageId=559300&articleKey=${900 + k}&columnId=559301`, year: 2023 - k }]),
    pager: (k) => (o.stated ? `<span>共${o.pages}页</span>` : '') + paths.map((p, i) => (i === k ? `<span>${i + 1}</span>` : `<a href="${b.href(p, paths[k]!)}">${i + 1}</a>`)).join(' ') +
      (k < o.pages - 1 ? ` <a href="${b.href(paths[k + 1]!, paths[k]!)}">下一页</a> <a href="${b.href(paths[o.pages - 1]!, paths[k]!)}">末页</a>` : ''),
  });
  return b.build('eportal', o.variant, [seed(id, unit, `http://${host}${list}`)]);
}

export function eportalSites(): FarmSite[] {
  return [
    eportal('www.bjpg.gov.cn', '北京市平谷区人民政府', 'ep-pinggu', { charset: 'utf-8', links: 'root', pages: 3, stated: true, variant: '共N页 stated, next links' }),
    eportal('www.bjmy.gov.cn', '北京市密云区人民政府', 'ep-miyun', { charset: 'utf-8', links: 'root', pages: 3, stated: false, variant: 'numbered page links only' }),
    eportal('www.bjyq.gov.cn', '北京市延庆区人民政府', 'ep-yanqing', { charset: 'gbk', links: 'root', pages: 2, stated: true, variant: 'GBK in <meta>' }),
    eportal('www.bjhr.gov.cn', '北京市怀柔区人民政府', 'ep-huairou', { charset: 'utf-8', links: 'absolute', pages: 2, stated: true, variant: 'absolute links' }),
  ];
}

// ---- Lonsun "Ls": /content/column/{id}?pageIndex=N ---------------------------------------------------------
function lonsun(host: string, unit: string, id: string, o: { charset: 'utf-8' | 'gbk'; links: 'root' | 'absolute'; pages: number; keys: 'bare' | 'quoted'; template: 'absolute' | 'root' | 'none'; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const col = '/content/column/6791573';
  const paths = Array.from({ length: o.pages }, (_, k) => (k === 0 ? col : `${col}?pageIndex=${k + 1}`));
  const target = o.template === 'absolute' ? `http://${host}${col}?pageIndex=` : `${col}?pageIndex=`;
  pagedColumn(b, {
    paths, title: '政府信息公开年报', unit, owner: id,
    pages: paths.map((_, k) => [{ path: `/public/6791573/${8100 + k}.html`, year: 2023 - k }]),
    pager: (k) => {
      const cfg = o.keys === 'bare' ? `{currPage: (${k}+1),pageCount:${o.pages}}` : `{"currPage":${k + 1},"pageCount":${o.pages}}`;
      const cb = o.template === 'none' ? 'function(pageIndex){ goPage(pageIndex); }' : `function(pageIndex){ location.href='${target}' + pageIndex;}`;
      return `<div id="page_6791573"></div><script>Ls.pagination("#page_6791573", ${cb},${cfg});</script>`;
    },
  });
  return b.build('lonsun', o.variant, [seed(id, unit, `http://${host}${col}`, 'department', { level: 'province' })]);
}

export function lonsunSites(): FarmSite[] {
  return [
    lonsun('fgw.ah.gov.cn', '安徽省发展和改革委员会', 'ls-fgw', { charset: 'utf-8', links: 'absolute', pages: 3, keys: 'bare', template: 'absolute', variant: 'bare keys, (0+1), absolute callback URL' }),
    lonsun('jyt.ah.gov.cn', '安徽省教育厅', 'ls-jyt', { charset: 'utf-8', links: 'root', pages: 2, keys: 'quoted', template: 'root', variant: 'quoted keys, root-relative callback URL' }),
    lonsun('kjt.ah.gov.cn', '安徽省科学技术厅', 'ls-kjt', { charset: 'gbk', links: 'root', pages: 3, keys: 'bare', template: 'root', variant: 'GBK in <meta>' }),
    lonsun('sthjt.ah.gov.cn', '安徽省生态环境厅', 'ls-sthjt', { charset: 'utf-8', links: 'root', pages: 2, keys: 'quoted', template: 'none', variant: 'the callback names no URL: the page parameter on the list URL' }),
  ];
}

// ---- Shaanxi 集约化: N.html pages, snowflake report ids ------------------------------------------------------
function shaanxi(host: string, unit: string, id: string, o: { charset: 'utf-8' | 'gbk'; links: 'root' | 'relative' | 'absolute'; dir: string; pages: number; stated: boolean; seedFirst: 'dir' | '1.html'; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const paths = Array.from({ length: o.pages }, (_, k) => `${o.dir}${k + 1}.html`);
  const snow = (k: number) => `${o.dir}17533116886161${String(28514 + k * 7).padStart(5, '0')}.html`;
  pagedColumn(b, {
    paths, title: '政府信息公开年报', unit, owner: id,
    pages: paths.map((_, k) => [{ path: snow(k), year: 2023 - k }]),
    pager: (k) => (o.stated ? `共 ${o.pages} 页 ` : '') + paths.map((p, i) => (i === k ? `<b>${i + 1}</b>` : `<a href="${b.href(p, paths[k]!)}">${i + 1}</a>`)).join(' '),
  });
  if (o.seedFirst === 'dir') b.raw(o.dir, b.pages.get(paths[0]!)!);
  return b.build('shaanxi', o.variant, [seed(id, unit, `http://${host}${o.seedFirst === 'dir' ? o.dir : paths[0]}`)]);
}

export function shaanxiSites(): FarmSite[] {
  return [
    shaanxi('www.wqx.gov.cn', '吴起县人民政府', 'sx-wuqi', { charset: 'utf-8', links: 'relative', dir: '/zfxxgk/zfxxgknb/xj/', pages: 3, stated: true, seedFirst: 'dir', variant: '共 N 页, the column folder as first page' }),
    shaanxi('www.zichang.gov.cn', '子长市人民政府', 'sx-zichang', { charset: 'utf-8', links: 'root', dir: '/zfxxgk/zfxxgknb/szfnb/', pages: 3, stated: false, seedFirst: '1.html', variant: 'seeded at 1.html, numbered links only' }),
    shaanxi('www.yangling.gov.cn', '杨凌示范区管委会', 'sx-yangling', { charset: 'gbk', links: 'relative', dir: '/zwgk/gknb/bmnb/', pages: 2, stated: true, seedFirst: 'dir', variant: 'GBK in <meta>' }),
    shaanxi('jyj.yanan.gov.cn', '延安市教育局', 'sx-yanan-jyj', { charset: 'utf-8', links: 'absolute', dir: '/zfxxgk/zfxxgknb/', pages: 2, stated: true, seedFirst: '1.html', variant: 'absolute links' }),
  ];
}

// ---- Anhui county 信息公开 CMS: /opennessAnnualReport/?branch_id=…, several units on one host ---------------------
function anhui(host: string, unit: string, id: string, branch: string, o: { charset: 'utf-8' | 'gbk'; links: 'root' | 'absolute'; pages: number; stated: boolean; others: string[]; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const list = `/opennessAnnualReport/?branch_id=${branch}`;
  const paths = Array.from({ length: o.pages }, (_, k) => (k === 0 ? list : `${list}&page=${k + 1}`));
  pagedColumn(b, {
    paths, title: '政府信息公开年报', unit, owner: id,
    pages: paths.map((_, k) => [{ path: `/openness/detail/content/${branch.slice(4)}${String(k).padStart(4, '0')}.html`, year: 2023 - k }]),
    pager: (k) => (o.stated ? `<span>共${o.pages}页</span> ` : '') + (k < o.pages - 1 ? `<a href="${b.href(paths[k + 1]!, paths[k]!)}">下一页</a> <a href="${b.href(paths[o.pages - 1]!, paths[k]!)}">末页</a>` : '') +
      `<div class="branches">${o.others.map((x) => `<a href="${b.href(`/opennessAnnualReport/?branch_id=${x}`, paths[k]!)}">其他单位年报</a>`).join(' ')}</div>`,
  });
  return b.build('anhui-openness', o.variant, [seed(id, unit, `http://${host}${list}`, unit.endsWith('人民政府') ? 'government' : 'department')]);
}

export function anhuiSites(): FarmSite[] {
  const [a, bId, c, d] = ['5a4c8b1e2f3d4e5f6a7b8c9d', '5a4c8b1e2f3d4e5f6a7b8c9e', '6b5d9c2f3a4e5f607b8c9dae', '6b5d9c2f3a4e5f607b8c9daf'];
  return [
    anhui('www.ahjx.gov.cn', '绩溪县人民政府', 'ah-jixi', a, { charset: 'utf-8', links: 'root', pages: 2, stated: false, others: [bId], variant: 'next and 末页 links, another unit of the host linked' }),
    anhui('www.ahjx.gov.cn', '绩溪县教育局', 'ah-jixi-jyj', bId, { charset: 'utf-8', links: 'root', pages: 2, stated: true, others: [a], variant: '共N页, the same host as its government' }),
    anhui('www.yixian.gov.cn', '黟县人民政府', 'ah-yixian', c, { charset: 'gbk', links: 'root', pages: 3, stated: true, others: [d], variant: 'GBK in <meta>' }),
    anhui('www.yixian.gov.cn', '黟县卫生健康委员会', 'ah-yixian-wjw', d, { charset: 'gbk', links: 'absolute', pages: 1, stated: false, others: [c], variant: 'absolute links, one page' }),
  ];
}

// ---- 年报汇总 tables ------------------------------------------------------------------------------------------
interface Cell { unit: string; year: number; href: string; owner: string; file?: boolean }

function summaryTable(host: string, o: { title: string; charset: 'utf-8' | 'gbk'; links: 'root' | 'absolute'; transposed: boolean; wordPaste?: boolean; header?: 'colspan'; page: string;
  units: { name: string; code: string; owner: string }[]; years: number[]; files: boolean; seeds: SeedRow[]; variant: string }): FarmSite {
  const b = new SiteBuilder(host, o.charset, o.links);
  const cells: Cell[] = [];
  for (const u of o.units) for (const y of o.years) {
    const href = o.files ? `/wzxxgknb/${y + 1}/${u.code}.pdf` : `/col/${u.code}/art/${y}/${u.code}${y}.html`;
    cells.push({ unit: u.name, year: y, href, owner: u.owner, file: o.files });
    if (o.files) { b.file(href); b.reports.push({ owner: u.owner, year: y, originals: [href] }); } else b.report({ path: href, owner: u.owner, unit: u.name, year: y, wordPaste: o.wordPaste });
  }
  const td = (t: string) => (o.wordPaste ? `<td><p class="MsoNormal" align="center"><span lang="EN-US">${t}<o:p></o:p></span></p></td>` : `<td>${t}</td>`);
  const link = (c: Cell) => td(`<a href="${b.href(c.href, o.page)}">${o.files ? '下载' : '查看'}</a>`);
  let table: string;
  if (!o.transposed) {
    const head = o.header === 'colspan'
      ? `<tr><td rowspan="2">单位</td><td colspan="${o.years.length}">年度</td></tr><tr>${o.years.map((y) => td(`${y}年`)).join('')}</tr>`
      : `<tr>${td('单位名称')}${o.years.map((y) => td(`${y}年度`)).join('')}</tr>`;
    table = head + o.units.map((u) => `<tr>${td(u.name)}${o.years.map((y) => link(cells.find((c) => c.unit === u.name && c.year === y)!)).join('')}</tr>`).join('');
  } else {
    table = `<tr>${td('年度')}${o.units.map((u) => td(u.name)).join('')}</tr>` + o.years.map((y) => `<tr>${td(String(y))}${o.units.map((u) => link(cells.find((c) => c.unit === u.name && c.year === y)!)).join('')}</tr>`).join('');
  }
  b.html(o.page, listDoc({ title: o.title, charset: o.charset, body: `<h2>${o.title}</h2><table class="MsoNormalTable" border="1">${table}</table>` }));
  return b.build('summary', o.variant, o.seeds);
}

export function summarySites(): FarmSite[] {
  return [
    summaryTable('www.huaian.gov.cn', { title: '政府信息公开年报汇总', charset: 'utf-8', links: 'root', transposed: false, page: '/col/18073_668815/index.html', files: true, years: [2024, 2023],
      units: [{ name: '清江浦区', code: 'qjp', owner: 'sum-qjp' }, { name: '淮阴区', code: 'hy', owner: 'name:淮阴区' }, { name: '经开区', code: 'kfq', owner: 'name:经开区' }],
      // The city's summary page is also where its districts' reports are: the 区's seed points at it too.
      seeds: [seed('sum-huaian', '淮安市人民政府', 'http://www.huaian.gov.cn/col/18073_668815/index.html', 'government', { level: 'city' }),
        seed('sum-qjp', '淮安市清江浦区人民政府', 'http://www.huaian.gov.cn/col/18073_668815/index.html')],
      variant: 'years across, PDFs named by unit code, link text 下载' }),
    summaryTable('www.suqian.gov.cn', { title: '部门政府信息公开年度报告汇总', charset: 'utf-8', links: 'absolute', transposed: true, page: '/sqsrmzf/nbhz/index.shtml', files: false, years: [2023, 2022],
      units: [{ name: '宿迁市教育局', code: 'jyj', owner: 'sum-sq-jyj' }, { name: '宿迁市民政局', code: 'mzj', owner: 'sum-sq-mzj' }],
      seeds: [seed('sum-suqian', '宿迁市人民政府', 'http://www.suqian.gov.cn/sqsrmzf/nbhz/index.shtml', 'government', { level: 'city' }),
        seed('sum-sq-jyj', '宿迁市教育局', 'http://www.suqian.gov.cn/sqsrmzf/nbhz/index.shtml', 'department', { level: 'city' }),
        seed('sum-sq-mzj', '宿迁市民政局', 'http://www.suqian.gov.cn/sqsrmzf/nbhz/index.shtml', 'department', { level: 'city' })],
      variant: 'transposed (years down), report pages, link text 查看, absolute links' }),
    summaryTable('www.lianshui.gov.cn', { title: '年报汇总', charset: 'gbk', links: 'root', transposed: false, wordPaste: true, page: '/lsxrmzf/nbhz/index.html', files: false, years: [2023, 2022],
      units: [{ name: '涟水县人民政府', code: 'lsx', owner: 'sum-lianshui' }, { name: '涟水县财政局', code: 'czj', owner: 'name:涟水县财政局' }],
      seeds: [seed('sum-lianshui', '涟水县人民政府', 'http://www.lianshui.gov.cn/lsxrmzf/nbhz/index.html')],
      variant: 'a table pasted from Word, GBK in <meta>' }),
    summaryTable('www.xuyi.gov.cn', { title: '政府信息公开年度报告汇总', charset: 'utf-8', links: 'absolute', transposed: false, header: 'colspan', page: '/xyxrmzf/nbhz/', files: true, years: [2023, 2022, 2021],
      units: [{ name: '盱眙县人民政府', code: 'xyx', owner: 'sum-xuyi' }],
      seeds: [seed('sum-xuyi', '盱眙县人民政府', 'http://www.xuyi.gov.cn/xyxrmzf/nbhz/')],
      variant: 'a spanning header row, absolute links' }),
  ];
}

// ---- portals no module knows ---------------------------------------------------------------------------------
export function genericSites(): FarmSite[] {
  const out: FarmSite[] = [];
  // 1. "下一页" with ?page=N, 共3页 stated; a link to ?page=4 past the stated total (never requested).
  {
    const b = new SiteBuilder('www.baohe.gov.cn', 'utf-8', 'root');
    const list = '/xxgk/nb/list.jsp';
    const paths = [list, `${list}?page=2`, `${list}?page=3`];
    pagedColumn(b, { paths, title: '政府信息公开年报', unit: '合肥市包河区人民政府', owner: 'gen-baohe',
      pages: paths.map((_, k) => [{ path: `/xxgk/nb/detail.jsp?id=${700 + k}`, year: 2023 - k }]),
      pager: (k) => `共3页 ${k < 2 ? `<a href="${paths[k + 1]}">下一页</a>` : ''} <a href="${list}?page=${k + 2 > 3 ? 4 : k + 2}">${k + 2 > 3 ? 4 : k + 2}</a>` });
    b.html(`${list}?page=4`, listDoc({ title: 'trap', charset: 'utf-8', body: entry('/xxgk/nb/detail.jsp?id=799', '合肥市包河区人民政府2019年政府信息公开工作年度报告') }));
    out.push(b.build('generic', '下一页 with ?page=N, a link past the stated total', [seed('gen-baohe', '合肥市包河区人民政府', `http://${b.host}${list}`)]));
  }
  // 2. Numbered links list_2.html, list_3.html and 尾页, no total stated.
  {
    const b = new SiteBuilder('www.shushan.gov.cn', 'utf-8', 'relative');
    const dir = '/content/nb/';
    const paths = [`${dir}list.html`, `${dir}list_2.html`, `${dir}list_3.html`];
    pagedColumn(b, { paths, title: '年度报告', unit: '合肥市蜀山区人民政府', owner: 'gen-shushan',
      pages: paths.map((_, k) => [{ path: `${dir}${2024 - k}01/c${9000 + k}.html`, year: 2023 - k }]),
      pager: (k, path) => paths.map((p, i) => (i === k ? `<span>${i + 1}</span>` : `<a href="${b.href(p, path)}">${i + 1}</a>`)).join(' ') + ` <a href="${b.href(paths[2]!, path)}">尾页</a>` });
    out.push(b.build('generic', 'numbered links list_N.html and 尾页', [seed('gen-shushan', '合肥市蜀山区人民政府', `http://${b.host}${dir}list.html`)]));
  }
  // 3. Shanghai's jQuery pager: totalPage and pagination("setPage", 1, N), page N = index_N.html.
  {
    const b = new SiteBuilder('www.jiading.gov.cn', 'utf-8', 'root');
    const dir = '/zwgk/zfxxgknb/';
    const paths = [`${dir}index.html`, `${dir}index_2.html`, `${dir}index_3.html`];
    pagedColumn(b, { paths, title: '政府信息公开年报', unit: '上海市嘉定区人民政府', owner: 'gen-jiading',
      pages: paths.map((_, k) => [{ path: `/zwgk/${2024 - k}0331/${'a'.repeat(8)}${k}${'b'.repeat(23)}.html`, year: 2023 - k }]),
      pager: (k) => `<script>totalPage: 3; $(".pagination").pagination("setPage",${k + 1},3);</script>` });
    out.push(b.build('generic', 'Shanghai pagination("setPage", p, N), counting from 1', [seed('gen-jiading', '上海市嘉定区人民政府', `http://${b.host}${dir}index.html`)]));
  }
  // 4. A calendar of per-day links (?calendar=YYYY-MM&day=D) and a date archive beside the list: a family of
  //    links that only varies a date, never walked; the list's own next page is.
  {
    const b = new SiteBuilder('www.yaohai.gov.cn', 'utf-8', 'root');
    const list = '/xxgk/ndbg/index.jsp';
    const paths = [list, `${list}?pageNo=2`];
    const calendar = (path: string) => `<table class="calendar"><tr>${Array.from({ length: 31 }, (_, d) => `<td><a href="${path}?calendar=2024-01&day=${d + 1}">${d + 1}</a></td>`).join('')}</tr></table>` +
      `<a href="${path}?calendar=2023-12">上一月</a> <a href="/xxgk/ndbg/archive/2024/01/05.html">5</a>`;
    pagedColumn(b, { paths, title: '年度报告', unit: '合肥市瑶海区人民政府', owner: 'gen-yaohai',
      pages: paths.map((_, k) => [{ path: `/xxgk/ndbg/show.jsp?id=${500 + k}`, year: 2023 - k }]),
      pager: (k) => `${calendar(list)}${k === 0 ? `<a href="${paths[1]}">下一页</a>` : ''}` });
    b.raw(`GET ${list}`, (req: FarmRequest) => (req.query.has('calendar') ? { type: 'text/html; charset=utf-8', body: listDoc({ title: '日历', charset: 'utf-8', body: calendar(list) }) } : null));
    out.push(b.build('generic', 'a calendar of per-day links and a date archive (traps), ?pageNo=2', [seed('gen-yaohai', '合肥市瑶海区人民政府', `http://${b.host}${list}`)]));
  }
  // 5. A list only a script fills, from an endpoint named in its config: blocked without a browser, read with one.
  {
    const b = new SiteBuilder('www.luyang.gov.cn', 'utf-8', 'root');
    const list = '/xxgk/nb/';
    const items = [2023, 2022].map((year) => ({ year, path: `/xxgk/nb/content/${year}.html` }));
    for (const it of items) b.report({ path: it.path, owner: 'gen-luyang', unit: '合肥市庐阳区人民政府', year: it.year });
    b.raw('GET /front/api/data/search', () => ({ type: 'application/json', body: JSON.stringify({ list: items.map((it) => ({ title: `合肥市庐阳区人民政府${it.year}年政府信息公开工作年度报告`, url: it.path })) }) }));
    b.html(list, listDoc({ title: '政府信息公开年报', charset: 'utf-8', body: '<ul id="list"></ul>',
      scripts: `<script>var listConfig = { url: '/front/api/data/search', channel: 'nb' };
fetch(listConfig.url + '?channel=' + listConfig.channel).then(function (r) { return r.json(); }).then(function (d) {
  document.getElementById('list').innerHTML = d.list.map(function (x) { return '<li><a href="' + x.url + '">' + x.title + '</a></li>'; }).join('');
});</script>` }));
    out.push(b.build('generic', 'a list only a script fills from /front/api/data/search', [seed('gen-luyang', '合肥市庐阳区人民政府', `http://${b.host}${list}`)]));
  }
  return out;
}
