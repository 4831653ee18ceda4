/**
 * TRS WCM columns in six renderings (portal-snippets/01 §A; issue 12's failures): the pager call in each form
 * (total-first 0-based; defined inline before the call; the function in a script file with the container-first
 * one-based call; `pageControl`; `var countPage` with year sub-columns; Fujian's avalon `pagebar`), UTF-8 and
 * GBK declared only in <meta>, relative, root-relative and absolute links, `_wap` twins, a detail page that is
 * only a link to its PDF (named P0…0404…), a report behind a same-host redirect, and 平潭's reports titled with
 * its short name under the registry's formal name.
 */
import { decoys, entry, listDoc, SiteBuilder, type FarmSite } from './site.ts';

/** A TRS define-then-call script, as some templates print it inline. */
const TRS_PAGER_FUNCTION = `function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var nCurrIndex = _nCurrIndex || 0;
  if (nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
  else document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
  for (var i = 1; i < _nPageCount; i++) { document.write("<a href=\\"" + _sPageName + "_" + i + "." + _sPageExt + "\\">" + (i + 1) + "</a>"); }
}`;

function column(b: SiteBuilder, o: { dir: string; files: string[]; title: string; unit: string; items: string[][]; pager: (k: number) => string; external?: string }): void {
  o.files.forEach((file, k) => {
    const path = `${o.dir}${file}`;
    const scripts = `${o.external ? `<script src="${o.external}"></script>` : ''}<div class="page"><script>${o.pager(k)}</script></div>`;
    b.html(path, listDoc({ title: o.title, charset: b.charset, body: `<ul class="list-t">${o.items[k]!.join('')}${decoys((p) => b.href(p, path), o.dir, o.unit)}</ul>`, scripts }));
    if (k === 0 && file === 'index.html') b.html(o.dir, listDoc({ title: o.title, charset: b.charset, body: `<ul class="list-t">${o.items[0]!.join('')}</ul>`, scripts }));
  });
}

export function trsSites(): FarmSite[] {
  const out: FarmSite[] = [];

  // 1. createPageHTML(total, current, name, ext), counting from 0; UTF-8; relative links; seed is the folder URL.
  {
    const b = new SiteBuilder('www.raoyang.gov.cn', 'utf-8', 'relative');
    const dir = '/xxgk/zfxxgknb/';
    const unit = '饶阳县人民政府';
    const r = (n: number, year: number, files: string[] = []) => { const path = `${dir}2024${String(n).padStart(2, '0')}/t2024${String(n).padStart(2, '0')}20_${n}.html`; b.report({ path, owner: 'trs-raoyang', unit, year, files }); return path; };
    const pages = [[r(1, 2023, [`${dir}202401/P020240120000001.pdf`])], [r(2, 2022)], [r(3, 2021)]];
    column(b, { dir, files: ['index.html', 'index_1.html', 'index_2.html'], title: '政府信息公开年报', unit,
      items: pages.map((ps, k) => ps.map((p, i) => entry(b.href(p, `${dir}index${k ? `_${k}` : ''}.html`), `${unit}${2023 - k - i}年政府信息公开工作年度报告`))),
      pager: (k) => `createPageHTML(3, ${k}, "index", "html");` });
    out.push(b.build('trs', 'createPageHTML 0-based, utf-8, relative links', [{ id: 'trs-raoyang', name: unit, level: 'county', kind: 'government', list: `http://${b.host}${dir}` }]));
  }

  // 2. The function defined in the same inline script before the call; GBK only in <meta>; absolute links; _wap twins.
  {
    const b = new SiteBuilder('www.wuqiang.gov.cn', 'gbk', 'absolute');
    const dir = '/zwgk/tjj/xxgknb/';
    const unit = '武强县统计局';
    const files = ['index.shtml', 'index_1.shtml'];
    const items = [2023, 2022].map((year, k) => {
      const path = `${dir}${year + 1}01/t${year + 1}0125_${k + 10}.shtml`;
      b.report({ path, owner: 'trs-wuqiang-tjj', unit, year });
      const wap = path.replace('.shtml', '_wap.shtml');
      b.html(wap, listDoc({ title: 'wap', charset: b.charset, body: '<p>手机版</p>' }));
      const from = `${dir}${files[k]}`;
      return [entry(b.href(path, from), `${unit}${year}年政府信息公开工作年度报告`), entry(b.href(wap, from), `${unit}${year}年政府信息公开工作年度报告`)];
    });
    column(b, { dir, files, title: '统计局年报', unit, items, pager: (k) => `${TRS_PAGER_FUNCTION}\ncreatePageHTML(2, ${k}, "index", "shtml");` });
    out.push(b.build('trs', 'pager defined inline then called, GBK in <meta>, absolute links, _wap twins', [{ id: 'trs-wuqiang-tjj', name: unit, level: 'county', kind: 'department', list: `http://${b.host}${dir}index.shtml` }]));
  }

  // 3. The function in a script file; the call container-first and counting from 1 (page 2 = index_2);
  //    a detail page whose only content is a link to the PDF (published 4 April: P0…0404…).
  {
    const b = new SiteBuilder('www.jingxian.gov.cn', 'utf-8', 'root');
    const dir = '/xxgk/ndbg/';
    const unit = '景县人民政府';
    b.raw('/js/createPageHTML.js', { type: 'application/javascript', body: TRS_PAGER_FUNCTION });
    const files = ['index.shtml', 'index_2.shtml', 'index_3.shtml'];
    const items = [2023, 2022, 2021].map((year, k) => {
      const path = `${dir}${year + 1}01/t${year + 1}0125_${30 + k}.shtml`;
      if (year === 2021) {
        // Only a link to the file: the page and its PDF are the report.
        const pdf = `${dir}${year + 1}04/P0${year + 1}0404123456789.pdf`;
        b.html(path, `<html><head><meta charset="utf-8"><title></title></head><body><p><a href="${b.href(pdf, path)}">P0${year + 1}0404123456789.pdf</a></p></body></html>`);
        b.file(pdf);
        b.reports.push({ owner: 'trs-jingxian', year, originals: [path, pdf] });
      } else b.report({ path, owner: 'trs-jingxian', unit, year });
      return [entry(b.href(path, `${dir}${files[k]}`), `${unit}${year}年政府信息公开工作年度报告`)];
    });
    column(b, { dir, files, title: '年度报告', unit, items, external: '/js/createPageHTML.js', pager: (k) => `createPageHTML('page_div', 3, ${k + 1}, 'index', 'shtml', 25);` });
    out.push(b.build('trs', 'pager in a script file, container-first call counting from 1, a page that is only a link to its PDF', [{ id: 'trs-jingxian', name: unit, level: 'county', kind: 'government', list: `http://${b.host}${dir}index.shtml` }]));
  }

  // 4. pageControl(total, current, name, ext, size, id); GBK; relative; a report behind a same-host redirect.
  {
    const b = new SiteBuilder('www.fucheng.gov.cn', 'gbk', 'relative');
    const dir = '/zwgk/zfxxgkndbg/';
    const unit = '阜城县人民政府';
    const moved = `${dir}202401/t20240115_41.htm`;
    const target = `${dir}202401/t20240115_41_1.htm`;
    b.raw(moved, { status: 302, headers: { location: target }, body: '' });
    b.report({ path: target, owner: 'trs-fucheng', unit, year: 2023 });
    const second = `${dir}202301/t20230118_40.htm`;
    b.report({ path: second, owner: 'trs-fucheng', unit, year: 2022 });
    const files = ['index.htm', 'index_1.htm'];
    column(b, { dir, files, title: '政府信息公开工作年度报告', unit,
      items: [[entry(b.href(moved, `${dir}index.htm`), `${unit}2023年政府信息公开工作年度报告`)], [entry(b.href(second, `${dir}index_1.htm`), `${unit}2022年政府信息公开工作年度报告`)]],
      pager: (k) => `pageControl(2, ${k}, "index", "htm", 10, 'pages-nav');` });
    out.push(b.build('trs', 'pageControl, GBK, relative links, a report behind a same-host redirect', [{ id: 'trs-fucheng', name: unit, level: 'county', kind: 'government', list: `http://${b.host}${dir}index.htm` }]));
  }

  // 5. var countPage / currentPage; the column root holds year folders (2023n/, 2022n/), each paged.
  {
    const b = new SiteBuilder('www.gucheng.gov.cn', 'utf-8', 'relative');
    const root = '/zwgk/zfxxgknb/';
    const unit = '故城县人民政府';
    b.html(root, listDoc({ title: '政府信息公开年报', charset: 'utf-8', body: `<div class="sub"><a href="./2023n/">2023年</a> <a href="./2022n/">2022年</a> <a href="/zwgk/">返回</a></div>` }));
    for (const year of [2023, 2022]) {
      const dir = `${root}${year}n/`;
      const dept = `${unit.replace('人民政府', '')}教育局`;
      const gov = `${dir}${year + 1}03/t${year + 1}0320_${year}.html`;
      const edu = `${dir}${year + 1}01/t${year + 1}0120_${year}.html`;
      b.report({ path: gov, owner: 'trs-gucheng', unit, year });
      b.report({ path: edu, owner: 'trs-gucheng-jyj', unit: dept, year });
      const files = ['index.html', 'index_1.html'];
      column(b, { dir, files, title: `${year}年`, unit,
        items: [[entry(b.href(gov, `${dir}index.html`), `${unit}${year}年政府信息公开工作年度报告`)], [entry(b.href(edu, `${dir}index_1.html`), `${dept}${year}年政府信息公开工作年度报告`)]],
        pager: (k) => `var countPage = 2;\nvar currentPage = ${k};` });
    }
    out.push(b.build('trs', 'var countPage with year sub-columns, a department listed in the government column', [
      { id: 'trs-gucheng', name: unit, level: 'county', kind: 'government', list: `http://${b.host}${root}` },
      { id: 'trs-gucheng-jyj', name: '故城县教育局', level: 'county', kind: 'department', parent: 'trs-gucheng', home: `http://${b.host}/` },
    ]));
    // The department's home page links the government's column (a column two agencies share).
    b.html('/', listDoc({ title: '故城县人民政府门户网站', charset: 'utf-8', body: `<div class="nav"><a href="/zwgk/zfxxgknb/">政府信息公开年报</a></div>` }));
  }

  // 6. Fujian (平潭): the avalon pagebar config, pages index_N.htm; reports titled with the short name 平潭综合实验区
  //    while the registry holds 平潭综合实验区管理委员会; a bureau's report in the same column names another unit.
  {
    const b = new SiteBuilder('www.pingtan.gov.cn', 'utf-8', 'relative');
    const dir = '/zwgk/zfxxgknb/';
    const short = '平潭综合实验区';
    const files = ['index.htm', 'index_1.htm'];
    const gov = [2023, 2022, 2021].map((year) => { const p = `${dir}${year + 1}02/t${year + 1}0208_${year}.htm`; b.report({ path: p, owner: 'fj-pingtan', unit: short, year, title: `${short}${year}年政府信息公开工作年度报告` }); return p; });
    const bureau = `${dir}202401/t20240126_7001.htm`;
    b.report({ path: bureau, owner: `name:${short}财政金融局`, unit: `${short}财政金融局`, year: 2023 });
    const avalon = `var vm = avalon.define({ $id: 'list', pagebar: { prepage: 10, recordCount: '20' } });`;
    const items = [
      [entry(b.href(gov[0]!, `${dir}index.htm`), `${short}2023年政府信息公开工作年度报告`), entry(b.href(bureau, `${dir}index.htm`), `${short}财政金融局2023年政府信息公开工作年度报告`)],
      [entry(b.href(gov[1]!, `${dir}index_1.htm`), `${short}2022年政府信息公开工作年度报告`), entry(b.href(gov[2]!, `${dir}index_1.htm`), `${short}2021年政府信息公开工作年度报告`)],
    ];
    column(b, { dir, files, title: '政府信息公开年报', unit: short, items, pager: () => avalon });
    out.push(b.build('trs', 'avalon pagebar (index_N.htm), short-name titles under a formal registry name', [
      { id: 'fj-pingtan', name: '平潭综合实验区管理委员会', level: 'county', kind: 'government', region: '350128', list: `http://${b.host}${dir}index.htm` },
    ]));
  }
  return out;
}
