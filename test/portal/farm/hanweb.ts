/**
 * Hanweb jcms columns in four renderings (portal-snippets/01 §C): inline `<datastore>` then POST windows of
 * `dataproxy.jsp` (config with bare keys); the datastore entity-escaped and the config in JSON with quoted keys;
 * GBK in <meta> with the older GET proxy (`/module/jpage/dataproxy.jsp?page=N`); absolute record links and
 * `downfile.jsp` attachments that redirect to `/attach/…`.
 */
import { listDoc, SiteBuilder, type FarmRequest, type FarmSite } from './site.ts';

interface Record { id: number; title: string; report?: { owner: string; unit: string; year: number } }

function records(unit: string, owner: string, years: number[], news: number): Record[] {
  const out: Record[] = [];
  let id = 5000;
  const perReport = Math.max(1, Math.floor(news / years.length));
  for (const year of years) {
    out.push({ id: id++, title: `${unit}${year}年政府信息公开工作年度报告`, report: { owner, unit, year } });
    for (let k = 0; k < perReport; k++) out.push({ id: id++, title: `${unit}工作动态第${id}期` });
  }
  return out;
}

function hanwebSite(o: { host: string; charset: 'utf-8' | 'gbk'; links: 'root' | 'absolute'; col: number; unit: string; owner: string; years: number[]; news: number;
  inline: number; perpage: number; escaped?: boolean; quotedKeys?: boolean; getProxy?: boolean; downfile?: boolean; kind: string; variant: string }): FarmSite {
  const b = new SiteBuilder(o.host, o.charset, o.links);
  const recs = records(o.unit, o.owner, o.years, o.news);
  const colPath = `/col/col${o.col}/index.html`;
  const artPath = (r: Record) => `/art/2024/1/30/art_${o.col}_${r.id}.html`;
  const record = (r: Record) => `<record><![CDATA[<li><a href="${b.href(artPath(r), colPath)}" title="${r.title}" target="_blank">${r.title}</a><span>2024-01-30</span></li>]]></record>`;
  for (const r of recs) {
    if (!r.report) continue;
    // Hanweb links files through its download proxy, which redirects to /attach/…: the store keeps the final URL.
    const files = o.downfile ? [{ link: `/module/download/downfile.jsp?classid=0&filename=${r.id}a1b2c3.pdf`, file: `/attach/0/${r.id}a1b2c3.pdf` }] : [];
    b.report({ path: artPath(r), owner: r.report.owner, unit: r.report.unit, year: r.report.year, files });
  }
  const config = o.quotedKeys
    ? `var jpageConfig = {"columnid":"${o.col}","unitid":"4455","webid":"1934","perpage":"${o.perpage}","totalRecord":"${recs.length}"};`
    : `var pageConfig={columnid:${o.col},unitid:'4455',webid:1934,perpage:${o.perpage},totalRecord:${recs.length}};`;
  let store = `<datastore><recordset>${recs.slice(0, o.inline).map(record).join('')}</recordset></datastore>`;
  if (o.escaped) store = store.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const proxyScript = o.getProxy ? '<script src="/module/jpage/jpage.js"></script><script>var url="/module/jpage/dataproxy.jsp";</script>' : '<script language="javascript" src="/module/web/jpage/jpage.js"></script>';
  const holder = o.escaped ? `<div id="4040">${store}</div>` : `<div id="4040"><script type="text/xml">${store}</script></div>`;
  b.html(colPath, listDoc({ title: '政府信息公开年报', charset: o.charset, body: holder, scripts: `${proxyScript}<script>${config}</script>` }));
  const xml = (rs: Record[]) => ({ type: 'text/xml;charset=UTF-8', body: `<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>${recs.length}</totalrecord><recordset>${rs.map(record).join('')}</recordset></datastore>` });
  if (o.getProxy) {
    b.raw('GET /module/jpage/dataproxy.jsp', (req: FarmRequest) => {
      if (req.query.get('columnid') !== String(o.col)) return { status: 400, body: 'bad column' };
      const page = Number(req.query.get('page'));
      return xml(recs.slice(o.inline + (page - 2) * o.perpage, o.inline + (page - 1) * o.perpage));
    });
  } else {
    b.raw('POST /module/web/jpage/dataproxy.jsp', (req: FarmRequest) => {
      if (new URLSearchParams(req.body).get('columnid') !== String(o.col)) return { status: 400, body: 'bad column' };
      return xml(recs.slice(Number(req.query.get('startrecord')) - 1, Number(req.query.get('endrecord'))));
    });
  }
  return b.build('hanweb', o.variant, [{ id: o.owner, name: o.unit, level: 'county', kind: o.kind, list: `http://${b.host}${colPath}` }]);
}

export function hanwebSites(): FarmSite[] {
  return [
    hanwebSite({ host: 'www.longyou.gov.cn', charset: 'utf-8', links: 'root', col: 1229114055, unit: '龙游县人民政府', owner: 'hw-longyou', years: [2023, 2022, 2021, 2020], news: 40,
      inline: 3, perpage: 5, kind: 'government', variant: 'inline datastore, POST windows, bare config keys' }),
    hanwebSite({ host: 'fzggw.yunhe.gov.cn', charset: 'utf-8', links: 'absolute', col: 282, unit: '云和县发展和改革局', owner: 'hw-yunhe-fgj', years: [2023, 2022, 2021], news: 20,
      inline: 4, perpage: 4, escaped: true, quotedKeys: true, kind: 'department', variant: 'entity-escaped datastore, JSON config with quoted keys, absolute links' }),
    hanwebSite({ host: 'www.wencheng.gov.cn', charset: 'gbk', links: 'root', col: 1389975, unit: '文成县人民政府', owner: 'hw-wencheng', years: [2023, 2022, 2021], news: 12,
      inline: 5, perpage: 5, getProxy: true, kind: 'government', variant: 'GBK in <meta>, older GET dataproxy (page=N)' }),
    hanwebSite({ host: 'www.taishun.gov.cn', charset: 'utf-8', links: 'absolute', col: 1229300001, unit: '泰顺县人民政府', owner: 'hw-taishun', years: [2023, 2022], news: 10,
      inline: 3, perpage: 3, downfile: true, kind: 'government', variant: 'absolute record links, downfile.jsp → /attach/ redirects' }),
  ];
}
