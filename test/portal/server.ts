/**
 * The fixture portal: several imitated government sites on 127.0.0.1, one port each (one host each), with
 * the markup and URL shapes of shared/notes/portal-snippets: a TRS county portal in GBK (createPageHTML in
 * both argument orders, year and unit-type sub-columns, decoys, `_wap` twins, soft 404, meta refresh to the
 * parent, robots.txt with Crawl-delay), a Hanweb jcms column (inline <datastore>, dataproxy.jsp POST windows,
 * downfile.jsp redirects, a 429 with Retry-After), a Guangdong gkmlpt JSON API, a JS-only list, a 瑞数-style
 * 412 cookie challenge, a spam mirror, pagination traps, and a port that refuses connections.
 * Every response carries ETag and Last-Modified and answers conditional GETs with 304.
 */
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { REAL_REPORTS } from '../helpers/fixtures.ts';
import iconv from 'iconv-lite';

export interface Hit {
  site: string; method: string; path: string; ua: string; cookie: string; at: number; status: number;
  /** When the response was sent in full or the connection closed (Date.now()); until then the request is in flight. */
  end?: number;
}

type Resp = { status?: number; type?: string; body: Buffer | string; headers?: Record<string, string>; gbk?: boolean };
type Route = (req: http.IncomingMessage, path: string, body: string) => Resp | null;

const PDF_A = readFileSync(REAL_REPORTS + '/002_hongze_qu_2023.pdf');
const PDF_B = readFileSync(REAL_REPORTS + '/003_hongze_qu_2024.pdf');

const html = (title: string, body: string, head = '', charset = 'utf-8') =>
  `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=${charset}"><title>${title}</title>${head}</head><body>` +
  `<div class="top"><a href="/">首页</a> <a href="/zwgk/">政府信息公开</a> <a href="/hdjl/">互动交流</a> <span>无障碍</span> <span>长者版</span></div>${body}` +
  `<div class="foot">网站地图 ICP备案 网站标识码</div></body></html>`;

/** A report page as TRS prints it: standard meta tags, 信息公开 header, .TRS_Editor body with a table. */
export function reportPage(o: { title: string; unit: string; year: number; pubDate: string; attachments?: string; metaSource?: string; revision?: string; charset?: string }): string {
  const head = `<meta name="ArticleTitle" content="${o.title}"><meta name="PubDate" content="${o.pubDate} 09:30">` +
    `<meta name="ContentSource" content="${o.metaSource ?? o.unit}"><meta name="ColumnName" content="政府信息公开年报">`;
  return html(`${o.title}_门户网站`, `<div class="xxgk_head">索引号：11330825/${o.year + 1}-00012 发布机构：${o.metaSource ?? o.unit} 发布日期：${o.pubDate}</div>` +
    `<h1>${o.title}</h1><div class="TRS_Editor"><p>本报告根据《中华人民共和国政府信息公开条例》编制。</p>` +
    `<p>一、总体情况</p><p>${o.year}年，${o.unit}认真贯彻落实《条例》${o.revision ?? ''}。</p>` +
    `<p>二、主动公开政府信息情况</p><table border="1"><tr><td rowspan="2">信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>` +
    `<tr><td>规章</td><td>0</td><td>0</td></tr><tr><td>行政规范性文件</td><td>5</td><td>12</td><td>8</td></tr></table>` +
    `<p>三、收到和处理政府信息公开申请情况</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>` +
    `${o.attachments ?? ''}</div>`, head, o.charset ?? 'utf-8');
}

const li = (href: string, title: string, date = '2024-01-29') => `<li><a href="${href}" title="${title}" target="_blank">${title}</a><span class="date">${date}</span></li>`;

export interface Portal {
  url: Record<string, string>;
  hits: Hit[];
  /** Night-two edits: a report's text changes, or it is deleted. */
  changeReport(site: string, path: string): void;
  deleteReport(site: string, path: string): void;
  setCrawlDelay(seconds: number | null): void;
  /** Arms the one-time answers again (Hanweb's first dataproxy POST gets a 429), so a second crawl meets what the first met. */
  rearm(): void;
  close(): Promise<void>;
}

function etagOf(b: Buffer): string {
  return `"${createHash('sha1').update(b).digest('hex').slice(0, 16)}"`;
}

export async function startPortal(): Promise<Portal> {
  const hits: Hit[] = [];
  const changed = new Set<string>();
  const deleted = new Set<string>();
  let crawlDelay: number | null = null;
  const servers: http.Server[] = [];
  const url: Record<string, string> = {};

  async function listen(site: string, route: Route): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const key = `${site}${u.pathname}`;
        let r: Resp | null;
        if (deleted.has(key)) r = { status: 404, body: html('404', '<h1>404 您访问的页面不存在</h1>') };
        else r = route(req, u.pathname + u.search, body);
        if (!r) r = { status: 404, body: html('页面不存在', '<p>对不起，您访问的页面不存在或已被删除。404</p>') };
        let bytes = typeof r.body === 'string' ? (r.gbk ? iconv.encode(r.body, 'gbk') : Buffer.from(r.body)) : r.body;
        if (changed.has(key) && typeof r.body === 'string') {
          const text = r.body.replace('认真贯彻落实《条例》', '认真贯彻落实《条例》（更正：本报告于次年二月修订）');
          bytes = r.gbk ? iconv.encode(text, 'gbk') : Buffer.from(text);
        }
        const status = r.status ?? 200;
        const headers: Record<string, string> = { 'content-type': r.type ?? 'text/html', ...(r.headers ?? {}) };
        if (status === 200) {
          headers.etag = etagOf(bytes);
          headers['last-modified'] = 'Mon, 29 Jan 2024 01:30:00 GMT';
        }
        const notModified = status === 200 && req.method === 'GET' && req.headers['if-none-match'] === headers.etag;
        const hit: Hit = { site, method: req.method ?? 'GET', path: u.pathname + u.search, ua: String(req.headers['user-agent'] ?? ''),
          cookie: String(req.headers.cookie ?? ''), at: Date.now(), status: notModified ? 304 : status };
        hits.push(hit);
        res.on('close', () => { hit.end = Date.now(); });
        if (notModified) { res.writeHead(304, { etag: headers.etag! }); res.end(); return; }
        res.writeHead(status, headers);
        res.end(req.method === 'HEAD' ? undefined : bytes);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    url[site] = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }

  // ---- 1. county portal, TRS WCM, GBK ---------------------------------------------------------------
  const gbkCt = 'text/html'; // charset only in <meta>, as 朝阳-style pages do
  const county: Route = (_req, fullPath) => {
    const path = fullPath.split('?')[0]!; // static TRS pages ignore the query, as real servers do
    const P = (s: string) => ({ body: s, gbk: true, type: gbkCt });
    const trsPage = (title: string, items: string, pager: string) => P(html(title,
      `<div class="position">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div><ul class="list-t">${items}</ul><div class="page"><script>${pager}</script></div>`, '', 'gb2312'));
    switch (path) {
      case '/robots.txt':
        return { type: 'text/plain', body: `User-agent: *\nDisallow: /private/\n${crawlDelay !== null ? `Crawl-delay: ${crawlDelay}\n` : ''}` };
      case '/': case '/index.html':
        return P(html('安平县人民政府门户网站', '<div class="nav"><a href="/xwzx/">新闻中心</a><a href="/zwgk/">政府信息公开</a><a href="/zwfw/">政务服务</a></div>', '', 'gb2312'));
      case '/zwgk/':
        return P(html('政府信息公开', '<ul class="xxgk-nav"><li><a href="./zfxxgkzn/">政府信息公开指南</a></li><li><a href="./zfxxgkzd/">政府信息公开制度</a></li>' +
          '<li><a href="./fdzdgknr/">法定主动公开内容</a></li><li><a href="./zfxxgknb/">政府信息公开年报</a></li></ul>', '', 'gb2312'));
      case '/zwgk/zfxxgknb/':
        return P(html('政府信息公开年报', '<div class="sub"><a href="./2023n/">2023年</a> <a href="./bm/">部门</a> <a href="/zwgk/">返回</a></div>' +
          `<ul>${li('./202001/t20200110_55.html', '关于政府信息公开工作年度报告有关事项的通知')}</ul>`, '', 'gb2312'));
      case '/zwgk/zfxxgknb/2023n/': case '/zwgk/zfxxgknb/2023n/index.html':
        return trsPage('2023年', li('./202403/t20240329_1001.html', '安平县人民政府2023年政府信息公开工作年度报告') +
          li('./202403/t20240329_1001_wap.html', '安平县人民政府2023年政府信息公开工作年度报告（手机版）') +
          li('./202402/t20240201_1002.html', '安平县2023年政府信息公开工作年度报告公布情况') +
          li('./202401/P020240131000001.pdf', '安平县城关镇2023年政府信息公开工作年度报告.pdf') +
          li('./202401/t20240105_1003.html', '安平县2023年度部门整体支出绩效评价报告') +
          li('http://' + '127.0.0.1:' + mirrorPort() + '/zwgk/zfxxgknb/2023n/202403/t20240329_1001.html', '安平县人民政府2023年政府信息公开工作年度报告（镜像）'),
          'createPageHTML(2, 0, "index", "html");');
      case '/zwgk/zfxxgknb/2023n/index_1.html':
        return trsPage('2023年', li('./202401/t20240126_1004.html', '2023年政府信息公开工作年度报告') +
          li('./202401/t20240120_1005.html', '安平县卫生健康局2023年政府信息公开工作年度报告') +
          li('./202401/t20240118_1006.html', '安平县司法局2023年政府信息公开工作年度报告') +
          li('/private/202401/t20240101_1.html', '安平县内部2023年政府信息公开工作年度报告'),
          "createPageHTML('page_div',2, 1,'index','html',10);");
      case '/zwgk/zfxxgknb/bm/': case '/zwgk/zfxxgknb/bm/index.html':
        return trsPage('部门', li('../2023n/202401/t20240126_1004.html?isMobile=false', '安平县统计局2023年政府信息公开工作年度报告') +
          li('./202401/t20240125_2001.html', '安平县教育局2023年政府信息公开工作年度报告') +
          li('./202401/t20240125_2002.html', '安平县水利局2023年政府信息公开工作年度报告'),
          'var countPage = 1;');
      case '/zwgk/zfxxgknb/2023n/202403/t20240329_1001.html':
        return P(reportPage({ title: '安平县人民政府2023年政府信息公开工作年度报告', unit: '安平县人民政府', year: 2023, pubDate: '2024-03-29', charset: 'gb2312',
          attachments: '<p>附件：<a href="./P020240329385561234567.pdf">安平县人民政府2023年政府信息公开工作年度报告.pdf</a></p>' +
            '<p><a href="javascript:void(0)" onclick="openFile(\'./P020240329385561234568.doc\')">表格下载</a></p>' }));
      case '/zwgk/zfxxgknb/2023n/202403/P020240329385561234567.pdf':
        return { type: 'application/pdf', body: PDF_A };
      case '/zwgk/zfxxgknb/2023n/202403/P020240329385561234568.doc':
        return { type: 'application/msword', body: Buffer.from('\xD0\xCF\x11\xE0 fixture doc', 'latin1') };
      case '/zwgk/zfxxgknb/2023n/202401/P020240131000001.pdf':
        return { type: 'application/pdf', body: PDF_B };
      case '/zwgk/zfxxgknb/2023n/202401/t20240126_1004.html':
        // Unit-less title: the unit comes from <meta name="ContentSource">.
        return P(reportPage({ title: '2023年政府信息公开工作年度报告', unit: '县统计局', metaSource: '安平县统计局', year: 2023, pubDate: '2024-01-26', charset: 'gb2312' }));
      case '/zwgk/zfxxgknb/2023n/202401/t20240120_1005.html':
        // Deleted: the CMS left a meta refresh to the parent column.
        return P(`<html><head><meta charset="gb2312"><meta http-equiv="refresh" content="0;url=../"></head><body>内容已删除</body></html>`);
      case '/zwgk/zfxxgknb/2023n/202401/t20240118_1006.html':
        return P(html('提示', '<p>对不起，您访问的页面不存在！</p>', '', 'gb2312')); // soft 404 with status 200
      case '/zwgk/zfxxgknb/bm/202401/t20240125_2001.html':
        return P(reportPage({ title: '安平县教育局2023年政府信息公开工作年度报告', unit: '安平县教育局', year: 2023, pubDate: '2024-01-25', charset: 'gb2312' }));
      case '/zwgk/zfxxgknb/bm/202401/t20240125_2002.html':
        return P(reportPage({ title: '安平县水利局2023年政府信息公开工作年度报告', unit: '安平县水利局', year: 2023, pubDate: '2024-01-25', charset: 'gb2312' }));
      default:
        if (path.startsWith('/private/')) return { body: html('内部', '<p>内部页面</p>') };
        return null;
    }
  };

  // ---- 2. Hanweb jcms ---------------------------------------------------------------------------------
  const hwTitles: [number, string][] = [];
  for (let i = 1; i <= 50; i++) hwTitles.push([90000 + i, i % 9 === 0 ? `龙游县某局${2025 - Math.floor(i / 9)}年政府信息公开工作年度报告` : `龙游县工作动态第${i}期`]);
  hwTitles[0] = [89890, '龙游县人民政府2023年政府信息公开工作年度报告'];
  const hwRecord = ([id, t]: [number, string]) => `<record><![CDATA[<li><a href="/art/2024/1/30/art_1229114055_${id}.html" title="${t}">${t}</a><span>2024-01-30</span></li>]]></record>`;
  let hw429 = true;
  const hanweb: Route = (req, path, body): Resp | null => {
    if (path === '/robots.txt') return { type: 'text/plain', body: 'User-agent: *\nAllow: /\n' };
    if (path.startsWith('/col/col1229114055/index.html')) {
      return { body: html('政府信息公开年报', `<div id="4040"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3139&path=/&columnid=1229114055&unitid=5678&webname=龙游县人民政府&permissiontype=0"></a>]]></nextgroup><recordset>` +
        hwTitles.slice(0, 3).map(hwRecord).join('') + `</recordset></datastore></script>` +
        `<script language="javascript" src="/module/web/jpage/jpage.js"></script><script>var pageConfig={columnid:1229114055,unitid:'5678',webid:3139,perpage:15,totalRecord:50};</script></div>`) };
    }
    if (path.startsWith('/module/web/jpage/dataproxy.jsp') && req.method === 'POST') {
      if (hw429) { hw429 = false; return { status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests' }; }
      const q = new URL(path, 'http://x').searchParams;
      const form = new URLSearchParams(body);
      if (form.get('columnid') !== '1229114055') return { status: 400, body: 'bad column' };
      const s = Number(q.get('startrecord'));
      const e = Number(q.get('endrecord'));
      const recs = hwTitles.slice(s - 1, e).map(hwRecord).join('');
      return { type: 'text/xml;charset=UTF-8', body: `<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>50</totalrecord><recordset>${recs}</recordset></datastore>` };
    }
    const art = /^\/art\/2024\/1\/30\/art_1229114055_(\d+)\.html$/.exec(path);
    if (art) {
      const t = hwTitles.find(([id]) => id === Number(art[1]));
      if (!t) return null;
      const unit = t[1].split(/\d{4}/)[0]!;
      return { body: reportPage({ title: t[1], unit, year: Number(/(\d{4})年/.exec(t[1])?.[1] ?? 2023), pubDate: '2024-01-30',
        attachments: `<p><a href="/module/download/downfile.jsp?classid=0&filename=${t[0].toString(16)}a1b2c3d4e5f6.pdf">附件下载</a></p>` }) };
    }
    const dl = /^\/module\/download\/downfile\.jsp\?classid=0&filename=(\w+)\.pdf$/.exec(path);
    if (dl) return { status: 302, headers: { location: `/attach/0/${dl[1]}.pdf` }, body: '' };
    if (/^\/attach\/0\/\w+\.pdf$/.test(path)) return { type: 'application/pdf', body: PDF_B };
    return null;
  };

  // ---- 3. gkmlpt ----------------------------------------------------------------------------------------
  const gkArticles = Array.from({ length: 14 }, (_, i) => ({ id: 4688990 + i,
    title: i === 7 ? '广东省人民政府2024年政府信息公开工作年度报告' : i === 3 ? '广东省人民政府2023年政府信息公开工作年度报告' : `广东省政务公开第${i}号通知` }));
  const gkmlpt: Route = (_req, path) => {
    if (path === '/robots.txt') return null;
    if (path === '/gkmlpt/index') return { body: html('政务公开目录', `<div id="app"></div><script>window._CONFIG = { SID: '2', SITE_NAME: '广东省人民政府', TREE: [] };</script><script src="/gkmlpt/static/js/chunk-vendors.js"></script>`) };
    const api = /^\/gkmlpt\/api\/all\/5\?page=(\d+)&sid=2$/.exec(path);
    if (api) {
      const page = Number(api[1]);
      const arts = gkArticles.slice((page - 1) * 10, page * 10).map((a) => ({ id: a.id, title: a.title,
        url: `http://${_req.headers.host}/gkmlpt/content/4/4688/post_${a.id}.html`, create_time: 1743379200, publisher: '广东省人民政府' }));
      return { type: 'application/json', body: JSON.stringify({ total: gkArticles.length, articles: arts }) };
    }
    const post = /^\/gkmlpt\/content\/4\/4688\/post_(\d+)\.html$/.exec(path);
    if (post) {
      const a = gkArticles.find((x) => x.id === Number(post[1]));
      if (!a) return null;
      return { body: reportPage({ title: a.title, unit: '广东省人民政府', year: Number(/(\d{4})年/.exec(a.title)?.[1] ?? 2024), pubDate: '2025-03-31' }) };
    }
    return null;
  };

  // ---- 4. JS-only list ----------------------------------------------------------------------------------
  const jsonly: Route = (_req, path) => {
    if (path === '/robots.txt') return null;
    if (path === '/xxgk/ndbg/index.html') {
      return { body: html('年度报告', `<ul id="list"></ul><script>var d=[['1101','北城区人民政府2024年政府信息公开工作年度报告'],['1102','北城区人民政府2023年政府信息公开工作年度报告']];` +
        `var h='';for(var i=0;i<d.length;i++){h+='<li><a href="./content/'+d[i][0]+'.html">'+d[i][1]+'</a></li>';}document.getElementById('list').innerHTML=h;</script>`) };
    }
    const m = /^\/xxgk\/ndbg\/content\/(1101|1102)\.html$/.exec(path);
    if (m) {
      const y = m[1] === '1101' ? 2024 : 2023;
      return { body: reportPage({ title: `北城区人民政府${y}年政府信息公开工作年度报告`, unit: '北城区人民政府', year: y, pubDate: `${y + 1}-03-20` }) };
    }
    return null;
  };

  // ---- 5. 412 cookie challenge (瑞数-style) ----------------------------------------------------------------
  const challenge: Route = (req, path) => {
    if (path === '/robots.txt') return null;
    if (!/FSSBBIl1UgzbN7N80T=cleared/.test(String(req.headers.cookie ?? ''))) {
      return { status: 412, body: `<html><head><meta charset="utf-8"></head><body><script>var $_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=84129;` +
        `document.cookie="FSSBBIl1UgzbN7N80T=cleared; path=/";setTimeout(function(){location.reload()},50);</script></body></html>` };
    }
    if (path === '/zwgk/zfxxgknb/index.html') {
      return { body: html('政府信息公开年报', `<ul>${li('./202401/t20240131_501.html', '国家卫生健康委员会2023年政府信息公开工作年度报告')}</ul><script>createPageHTML(1, 0, "index", "html");</script>`) };
    }
    if (path === '/zwgk/zfxxgknb/202401/t20240131_501.html') {
      return { body: reportPage({ title: '国家卫生健康委员会2023年政府信息公开工作年度报告', unit: '国家卫生健康委员会', year: 2023, pubDate: '2024-01-31' }) };
    }
    return null;
  };

  // ---- 6. spam mirror copying a county page -----------------------------------------------------------------
  const mirror: Route = (req, path) => {
    if (path === '/robots.txt') return null;
    return county(req, path, '');
  };
  let mirrorPortNo = 0;
  const mirrorPort = () => mirrorPortNo;

  // ---- 7. pagination traps ------------------------------------------------------------------------------
  const trap: Route = (_req, path) => {
    if (path === '/robots.txt') return null;
    // (a) every page links a next page and repeats the same reports: stop on "no new links".
    const a = /^\/same\/index(?:_(\d+))?\.html$/.exec(path);
    if (a) {
      const n = Number(a[1] ?? 0);
      return { body: html('年报', `<ul>${li('/same/t1.html', '青山镇2023年政府信息公开工作年度报告')}${li('/same/t2.html', '青山镇2022年政府信息公开工作年度报告')}</ul>` +
        `<div class="page"><a href="/same/index_${n + 1}.html">下一页</a></div>`) };
    }
    // (b) endless pages, each with a new link: the page cap stops it.
    const b = /^\/endless\/index(?:_(\d+))?\.html$/.exec(path);
    if (b) {
      const n = Number(b[1] ?? 0);
      return { body: html('年报', `<ul>${li(`/endless/t${n}.html`, `青山镇${2000 + (n % 25)}年政府信息公开工作年度报告`)}</ul><a href="/endless/index_${n + 1}.html">下一页</a>`) };
    }
    const t = /^\/(same|endless)\/t(\d+)\.html$/.exec(path);
    if (t) return { body: reportPage({ title: `青山镇${t[1]}${t[2]}政府信息公开工作年度报告`, unit: '青山镇', year: 2023, pubDate: '2024-01-10', revision: `${t[1]}-${t[2]}` }) };
    return null;
  };

  await listen('county', county);
  await listen('hanweb', hanweb);
  await listen('gkmlpt', gkmlpt);
  await listen('jsonly', jsonly);
  await listen('challenge', challenge);
  await listen('mirror', mirror);
  mirrorPortNo = Number(new URL(url.mirror!).port);
  await listen('trap', trap);
  // A host that refuses connections: bind a port, then close it.
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  url.dead = `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
  await new Promise<void>((r) => s.close(() => r()));

  return {
    url, hits,
    changeReport: (site, path) => { changed.add(`${site}${path}`); },
    deleteReport: (site, path) => { deleted.add(`${site}${path}`); },
    setCrawlDelay: (sec) => { crawlDelay = sec; },
    rearm: () => { hw429 = true; },
    close: async () => { await Promise.all(servers.map((sv) => new Promise<void>((r) => { sv.closeAllConnections(); sv.close(() => r()); }))); },
  };
}

/** The seed CSV for the fixture portal. */
export function fixtureSeeds(u: Record<string, string>): string {
  return [
    'agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render',
    `130529,安平县人民政府,131125,county,government,,${u.county}/,,http`,
    `130529-tjj,安平县统计局,131125,county,department,130529,,${u.county}/zwgk/zfxxgknb/bm/,http`,
    `130529-jyj,安平县教育局,131125,county,department,130529,${u.county}/,,http`,
    `130529-cgz,安平县城关镇,131125,township,government,130529,${u.county}/,,http`,
    `330825,龙游县人民政府,330825,county,government,,,${u.hanweb}/col/col1229114055/index.html,http`,
    `440000,广东省人民政府,440000,province,government,,,${u.gkmlpt}/gkmlpt/index#5,http`,
    `990001,北城区人民政府,,county,government,,,${u.jsonly}/xxgk/ndbg/index.html,http`,
    `bm-nhc,国家卫生健康委员会,,national,department,,,${u.challenge}/zwgk/zfxxgknb/index.html,http`,
    `990002,青山镇人民政府,,township,government,,,${u.trap}/same/index.html|${u.trap}/endless/index.html,http`,
    `990003,远山县人民政府,,county,government,,${u.dead}/,,http`,
  ].join('\n') + '\n';
}
