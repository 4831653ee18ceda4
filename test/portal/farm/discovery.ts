/**
 * The discovery farm: the portals of 衡水市 (河北) and its counties as `nianbao discover` meets them from the
 * registry's hints, each on its own gov.cn-like host behind the farm's recording proxy. Home pages name their
 * government in different places (title, SiteName meta, footer, a short form), hide their 年报 column zero, one
 * or two 专栏 pages down under varied link texts or only a platform path (/zfxxgk/fdzdgknr/ndbg/), in UTF-8 and
 * GBK; the column's sub-columns list departments (by their reports' titles, paged, in year folders) and
 * townships (links to their own columns, or their reports). One county's hint is its city's portal, one hint
 * answers only over http, one page names no government, one sits behind a challenge. What a reader of these
 * pages would write into the registry is in test/crawl/discover.test.ts.
 */
import { SiteBuilder, type FarmSite } from './site.ts';

/** A row of the hints file (seeds/portal-hints.csv's columns) for the farm's governments. */
export interface FarmHint { code: string; name: string; level: 'city' | 'county'; url: string; agrees: 0 | 1; access: string }

export const DISCOVERY_HINTS: FarmHint[] = [
  { code: '131100', name: '衡水市', level: 'city', url: 'http://www.hengshui.gov.cn/', agrees: 1, access: 'direct' },
  { code: '131102', name: '桃城区', level: 'county', url: 'http://www.taocheng.gov.cn/', agrees: 1, access: 'direct' },
  { code: '131121', name: '枣强县', level: 'county', url: 'http://www.zaoqiang.gov.cn/', agrees: 1, access: 'direct' },
  { code: '131122', name: '武邑县', level: 'county', url: 'http://www.wuyi.gov.cn/', agrees: 1, access: 'direct' },
  { code: '131123', name: '武强县', level: 'county', url: 'http://www.wuqiang.gov.cn/', agrees: 1, access: 'direct' },
  { code: '131124', name: '饶阳县', level: 'county', url: 'http://www.raoyang.gov.cn/', agrees: 1, access: 'direct' },
  // Listed over https; the portal answers over http only.
  { code: '131125', name: '安平县', level: 'county', url: 'https://www.anping.gov.cn/', agrees: 1, access: 'protocol-switch' },
  { code: '131126', name: '故城县', level: 'county', url: 'http://www.gucheng.gov.cn/', agrees: 1, access: 'direct' },
  // A wrong hint: the county pointed at its city's portal.
  { code: '131127', name: '景县', level: 'county', url: 'http://www.hengshui.gov.cn/', agrees: 0, access: 'direct' },
  { code: '131128', name: '阜城县', level: 'county', url: 'http://www.hbfcx.gov.cn/', agrees: 1, access: 'direct' },
  // Behind a WAF challenge when the hints were made.
  { code: '131182', name: '深州市', level: 'county', url: 'http://www.shenzhou.gov.cn/', agrees: 1, access: 'none' },
];

/** A portal page: the charset in <meta>, a title, meta tags, a body and a footer, nothing else (no chrome links). */
function page(b: SiteBuilder, o: { title: string; meta?: Record<string, string>; body: string; footer?: string; scripts?: string }): string {
  const cs = b.charset === 'gbk' ? 'gb2312' : 'utf-8';
  const metas = Object.entries(o.meta ?? {}).map(([k, v]) => `<meta name="${k}" content="${v}">`).join('');
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=${cs}"><title>${o.title}</title>${metas}</head>`
    + `<body>${o.body}${o.scripts ?? ''}<div class="footer">${o.footer ?? ''}</div></body></html>`;
}

const a = (href: string, text: string) => `<a href="${href}">${text}</a>`;
const li = (href: string, text: string) => `<li><a href="${href}" title="${text}">${text}</a><span>2024-01-29</span></li>`;
const report = (unit: string, year: number) => `${unit}${year}年政府信息公开工作年度报告`;

/** 衡水市: 政务公开 → 政府信息公开年报 (one 专栏); 市直部门 in year folders (2024 paged, 2023, 2022); a wrong hint lands here too. */
function hengshui(): FarmSite {
  const b = new SiteBuilder('www.hengshui.gov.cn', 'utf-8', 'root');
  const meta = { SiteName: '衡水市人民政府', SiteDomain: 'www.hengshui.gov.cn' };
  b.html('/', page(b, { title: '衡水市人民政府门户网站', meta, footer: '主办：衡水市人民政府办公室  承办：衡水市信息中心',
    body: `<div class="nav">${a('/', '首页')} ${a('/xwzx/', '新闻中心')} ${a('/zwgk/', '政务公开')} ${a('/bsfw/', '办事服务')}</div>`
      // The latest report is on the home page: a title with the column's words and its path, but a report.
      + `<ul class="news">${li('/zwgk/zfxxgknb/2024n/202403/t20240320_1.html', report('衡水市', 2023))}</ul>` }));
  b.html('/zwgk/', page(b, { title: '政务公开_衡水市人民政府', meta, body: `<ul>${li('/zwgk/zfxxgkzn/', '政府信息公开指南')}${li('/zwgk/zfxxgkzd/', '政府信息公开制度')}`
    + `${li('/zwgk/fdzdgknr/', '法定主动公开内容')}${li('/zwgk/zfxxgknb/', '政府信息公开年报')}</ul>` }));
  b.html('/zwgk/zfxxgknb/', page(b, { title: '政府信息公开年报_衡水市人民政府', meta,
    body: `<div class="sub">${a('/zwgk/zfxxgknb/szfnb/', '本级政府')} ${a('/zwgk/zfxxgknb/szbm/', '市直部门')} ${a('/zwgk/zfxxgknb/xq/', '县区')}</div>`
      + `<ul>${li('/zwgk/zfxxgknb/szfnb/202403/t20240320_1.html', report('衡水市人民政府', 2023))}</ul>` }));
  // The counties' sub-column: governments the registry holds, never read for units.
  b.html('/zwgk/zfxxgknb/xq/', page(b, { title: '县区', meta, body: `<ul>${li('/zwgk/zfxxgknb/xq/tcq/', '桃城区')}${li('/zwgk/zfxxgknb/xq/gxq/', '衡水高新技术产业开发区管委会')}</ul>` }));
  b.html('/zwgk/zfxxgknb/szbm/', page(b, { title: '市直部门', meta,
    body: `<div class="years">${a('/zwgk/zfxxgknb/szbm/2024n/', '2024年')} ${a('/zwgk/zfxxgknb/szbm/2023n/', '2023年')} ${a('/zwgk/zfxxgknb/szbm/2022n/', '2022年')}</div>` }));
  const list = (path: string, items: string[], pager = '') => b.html(path, page(b, { title: '市直部门', meta, body: `<ul class="list">${items.join('')}</ul>`, scripts: pager }));
  list('/zwgk/zfxxgknb/szbm/2024n/', [li('/zwgk/zfxxgknb/szbm/2024n/202501/t20250120_11.html', report('衡水市教育局', 2024)), li('/zwgk/zfxxgknb/szbm/2024n/202501/t20250121_12.html', report('衡水市财政局', 2024))],
    '<div class="page"><script>createPageHTML(2, 0, "index", "html");</script></div>');
  list('/zwgk/zfxxgknb/szbm/2024n/index_1.html', [li('/zwgk/zfxxgknb/szbm/2024n/202501/t20250122_13.html', report('市生态环境局', 2024))],
    '<div class="page"><script>createPageHTML(2, 1, "index", "html");</script></div>');
  list('/zwgk/zfxxgknb/szbm/2023n/', [li('/zwgk/zfxxgknb/szbm/2023n/202401/t20240120_21.html', report('衡水市教育局', 2023)), li('/zwgk/zfxxgknb/szbm/2023n/202401/t20240122_22.html', report('衡水市体育局', 2023))]);
  // Only in the third newest year: a bureau since merged away.
  list('/zwgk/zfxxgknb/szbm/2022n/', [li('/zwgk/zfxxgknb/szbm/2022n/202301/t20230120_31.html', report('衡水市粮食局', 2022))]);
  return b.build('discovery', '政务公开 → 年报; 市直部门 by year folders, paged; the wrong hint of 景县', []);
}

/** 故城县 (GBK, relative links): 政府信息公开 → 政府信息公开年度报告; 部门 (reports, paged) and 乡镇 (links to their columns). */
function gucheng(): FarmSite {
  const b = new SiteBuilder('www.gucheng.gov.cn', 'gbk', 'relative');
  const root = '/zwgk/zfxxgkndbg/';
  b.html('/', page(b, { title: '故城县人民政府网', footer: '版权所有：故城县人民政府 地址：故城县郑口镇',
    body: `<div class="nav">${a('./', '首页')} ${a('./zwgk/', '政府信息公开')} ${a('./hdjl/', '互动交流')}</div>`
      + `<div class="links">友情链接：${a('http://www.hengshui.gov.cn/', '衡水市人民政府')}</div>` }));
  b.html('/zwgk/', page(b, { title: '政府信息公开', body: `<div class="menu">${a('./', '政府信息公开')} ${a('./zfxxgkzn/', '政府信息公开指南')} ${a('./zfxxgkndbg/', '政府信息公开年度报告')}</div>` }));
  b.html(root, page(b, { title: '政府信息公开年度报告', body: `<div class="sub">${a('./xzf/', '县政府')} ${a('./bm/', '部门')} ${a('./xz/', '乡镇')}</div>` }));
  const dept = `${root}bm/`;
  b.html(dept, page(b, { title: '部门',
    body: `<ul>${li('./202401/t20240125_1.html', report('故城县教育局', 2023))}${li('./202401/t20240126_2.html', report('县财政局', 2023))}`
      + `${li('./202401/t20240127_3.html', report('故城县人民政府办公室', 2023))}${li('../xzf/202403/t20240320_4.html', report('故城县人民政府', 2023))}`
      // Words of a report without being one, and news: no unit.
      + `${li('./decoy/notice.html', `关于故城县教育局2023年政府信息公开工作年度报告有关事项的通知`)}${li('./decoy/perf.html', '故城县财政局2023年度部门整体支出绩效评价报告')}</ul>`,
    scripts: '<div class="page"><script>createPageHTML(2, 0, "index", "html");</script></div>' }));
  b.html(`${dept}index_1.html`, page(b, { title: '部门', body: `<ul>${li('./202401/t20240128_5.html', report('故城县卫生健康局', 2023))}</ul>`,
    scripts: '<div class="page"><script>createPageHTML(2, 1, "index", "html");</script></div>' }));
  b.html(`${root}xz/`, page(b, { title: '乡镇', body: `<ul>${li('./zkz/', '郑口镇')}${li('./xzz/', '夏庄镇')}${li('./xzx/', '辛庄乡人民政府')}</ul>`
    + `<p>${a('../', '返回')} ${a('/', '首页')}</p>` }));
  return b.build('discovery', 'GBK; 政府信息公开 → 年度报告; 部门 paged, 乡镇 as links to their columns', []);
}

/** 桃城区: its title a short form; the city's 年报 column linked by name before its own (a platform path under 更多). */
function taocheng(): FarmSite {
  const b = new SiteBuilder('www.taocheng.gov.cn', 'utf-8', 'root');
  const col = '/zfxxgk/zfxxgknb/index.html';
  b.html('/', page(b, { title: '首页 - 桃城区人民政府',
    body: `<div class="links">${a('http://www.hengshui.gov.cn/zwgk/zfxxgknb/', '衡水市政府信息公开年报')}</div>`
      + `<div class="box"><h3>政府信息公开</h3><ul>${li('/zfxxgk/tzgg/202404/t1.html', '关于开展政务公开日活动的通知')}</ul>${a(col, '更多&gt;&gt;')}</div>` }));
  b.html(col, page(b, { title: '政府信息公开年报', body: `<div class="sub">${a('/zfxxgk/zfxxgknb/xzjd/', '乡镇（街道）')}</div>` }));
  b.html('/zfxxgk/zfxxgknb/xzjd/', page(b, { title: '乡镇（街道）',
    body: `<ul>${li('/zfxxgk/zfxxgknb/xzjd/202401/t20240118_1.html', report('河西街道办事处', 2023))}${li('/zfxxgk/zfxxgknb/xzjd/202401/t20240119_2.html', report('郑家河沿镇', 2023))}</ul>` }));
  return b.build('discovery', 'short-form title; a platform path under 更多; the city\'s column linked by its name', []);
}

/** 饶阳县: the column linked from the home page itself (信息公开年报), no sub-columns. */
function raoyang(): FarmSite {
  const b = new SiteBuilder('www.raoyang.gov.cn', 'utf-8', 'absolute');
  b.html('/', page(b, { title: '饶阳县人民政府', meta: { SiteName: '饶阳县人民政府' },
    body: `<div class="nav">${a('http://www.raoyang.gov.cn/xwzx/', '新闻中心')}</div>`, footer: `${a('http://www.raoyang.gov.cn/xxgk/xxgknb/', '信息公开年报')} ${a('http://www.raoyang.gov.cn/wzdt/', '网站地图')}` }));
  b.html('/xxgk/xxgknb/', page(b, { title: '信息公开年报', body: `<ul>${li('/xxgk/xxgknb/202403/t20240320_1.html', report('饶阳县人民政府', 2023))}</ul>` }));
  return b.build('discovery', 'the column linked from the home page', []);
}

/** 武强县 (GBK, absolute links): no link names the column; its path does (/zfxxgk/fdzdgknr/ndbg/). */
function wuqiang(): FarmSite {
  const b = new SiteBuilder('www.wuqiang.gov.cn', 'gbk', 'absolute');
  const h = (p: string) => `http://www.wuqiang.gov.cn${p}`;
  b.html('/', page(b, { title: '武强县人民政府门户网站', meta: { SiteName: '武强县人民政府' },
    body: `<div class="nav">${a(h('/zwgk/'), '政务公开')}</div><div class="icons">${a(h('/zfxxgk/fdzdgknr/ndbg/'), '<img src="/img/nb.png" alt="">')} ${a(h('/zfxxgk/fdzdgknr/ghjh/'), '规划计划')}</div>` }));
  b.html('/zfxxgk/fdzdgknr/ndbg/', page(b, { title: '年度报告', body: `<ul>${li(h('/zfxxgk/fdzdgknr/ndbg/202403/t1.html'), report('武强县人民政府', 2023))}</ul>` }));
  return b.build('discovery', 'GBK; the column found by its platform path only', []);
}

/** 安平县: over http only; 政务公开 → 政府信息公开 → 年度报告 (two 专栏 pages, a nested menu). */
function anping(): FarmSite {
  const b = new SiteBuilder('www.anping.gov.cn', 'utf-8', 'relative');
  b.html('/', page(b, { title: '安平县人民政府', meta: { SiteName: '安平县人民政府' }, body: `<ul class="menu"><li>${a('./zwgk/', '政务公开')}<ul><li>${a('./zwgk/zcwj/', '政策文件')}</li></ul></li></ul>` }));
  b.html('/zwgk/', page(b, { title: '政务公开', body: `<ul class="menu"><li>${a('./', '政务公开')}</li><li>${a('./zfxxgk/', '政府信息公开')}</li><li>${a('./zcjd/', '政策解读')}</li></ul>` }));
  b.html('/zwgk/zfxxgk/', page(b, { title: '政府信息公开', body: `<ul class="menu"><li>${a('./zn/', '政府信息公开指南')}</li><li>${a('./gknb/', '年度报告')}</li></ul>` }));
  b.html('/zwgk/zfxxgk/gknb/', page(b, { title: '年度报告', body: `<ul>${li('./202403/t20240318_1.html', report('安平县人民政府', 2023))}</ul>` }));
  return b.build('discovery', 'http only; two 专栏 pages down', []);
}

/** 武邑县: the government named only in the footer (主办 its office); 政务公开 → 年报. */
function wuyi(): FarmSite {
  const b = new SiteBuilder('www.wuyi.gov.cn', 'utf-8', 'root');
  b.html('/', page(b, { title: '首页', footer: '<p>主办：武邑县人民政府办公室 承办：武邑县融媒体中心</p>', body: `<div class="nav">${a('/zwgk/index.html', '政务公开')}</div>` }));
  b.html('/zwgk/index.html', page(b, { title: '政务公开', body: `<div class="tabs">${a('/zwgk/zcwj/index.html', '政策文件')} ${a('/zwgk/nb/index.html', '年报')}</div>` }));
  b.html('/zwgk/nb/index.html', page(b, { title: '年报', body: `<ul>${li('/zwgk/nb/202403/t1.html', report('武邑县人民政府', 2023))}</ul>` }));
  return b.build('discovery', 'named in the footer only; 政务公开 → 年报', []);
}

/** 枣强县: named by SiteName in a short form (枣强县政府); a report on the home page before the column's link. */
function zaoqiang(): FarmSite {
  const b = new SiteBuilder('www.zaoqiang.gov.cn', 'utf-8', 'root');
  b.html('/', page(b, { title: '中国·枣强', meta: { SiteName: '枣强县政府' },
    body: `<ul class="news">${li('/xxgk/zfxxgknb/202403/t20240320_1.html', report('枣强县', 2023))}</ul><div class="nav">${a('/xxgk/zfxxgknb/', '政府信息公开工作年度报告')}</div>` }));
  b.html('/xxgk/zfxxgknb/', page(b, { title: '政府信息公开工作年度报告', body: `<ul>${li('/xxgk/zfxxgknb/202403/t20240320_1.html', report('枣强县', 2023))}</ul>` }));
  return b.build('discovery', 'SiteName in a short form; a report linked before the column', []);
}

/** 阜城县: the hinted host answers with a page that names no government. */
function fucheng(): FarmSite {
  const b = new SiteBuilder('www.hbfcx.gov.cn', 'utf-8', 'root');
  b.html('/', page(b, { title: '网站维护中', body: '<p>网站正在维护，请稍后访问。</p>' }));
  return b.build('discovery', 'a page that names no government', []);
}

/** 深州市: a 412 script challenge (瑞数-like) on every page. */
function shenzhou(): FarmSite {
  const b = new SiteBuilder('www.shenzhou.gov.cn', 'utf-8', 'root');
  b.raw('/', { status: 412, type: 'text/html', body: '<html><head><script>var $_ts=window.$_ts||{};$_ts.cd="qEtcqr";document.cookie="FSSBBIl1UgzbN7N80T=1";location.reload();</script></head><body></body></html>' });
  return b.build('discovery', 'a script challenge', []);
}

export function discoverySites(): FarmSite[] {
  return [hengshui(), gucheng(), taocheng(), raoyang(), wuqiang(), anping(), wuyi(), zaoqiang(), fucheng(), shenzhou()];
}

/** The hints as seeds/portal-hints.csv writes them. */
export function hintsCsv(hints: FarmHint[] = DISCOVERY_HINTS): string {
  return ['region_code,name,level,portal_url_hint,second_list_agrees,access_2026_04', ...hints.map((h) => [h.code, h.name, h.level, h.url, h.agrees, h.access].join(','))].join('\n') + '\n';
}
