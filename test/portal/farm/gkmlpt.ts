/**
 * Guangdong gkmlpt sites in four renderings (portal-snippets/01 §D; issue 12): `window._CONFIG` as a JS object
 * (`SID: '2'`) or as JSON (`{"SID":"768031"}`); the API counting pages from 1 or from 0 (Dongguan); the category
 * in the seed URL's `#hash` or only in a 年报 link of the shell; absolute or relative article URLs.
 */
import { listDoc, SiteBuilder, type FarmRequest, type FarmSite } from './site.ts';

function gkmlptSite(o: { host: string; sid: string; cat: number; unit: string; owner: string; kind: string; years: number[]; news: number; perPage: number;
  zeroBased?: boolean; json?: boolean; hashInSeed: boolean; absolute: boolean; variant: string }): FarmSite {
  const b = new SiteBuilder(o.host, 'utf-8', 'root');
  const articles: { id: number; title: string; year?: number }[] = [];
  let id = 4688000;
  for (const year of o.years) {
    articles.push({ id: id++, title: `${o.unit}${year}年政府信息公开工作年度报告`, year });
    for (let k = 0; k < Math.floor(o.news / o.years.length); k++) articles.push({ id: id++, title: `${o.unit}政务公开第${id}号通知` });
  }
  const post = (a: { id: number }) => `/gkmlpt/content/4/${Math.floor(a.id / 1000)}/post_${a.id}.html`;
  for (const a of articles) if (a.year) b.report({ path: post(a), owner: o.owner, unit: o.unit, year: a.year, pubDate: `${a.year + 1}-03-31` });
  const config = o.json
    ? `window._CONFIG = {"SID":"${o.sid}","SITE_NAME":"${o.unit}","TREE":[]};`
    : `window._CONFIG = { SID: '${o.sid}', SITE_NAME: '${o.unit}', TREE: [] };`;
  const nav = o.hashInSeed ? '' : `<div class="nav"><a href="/gkmlpt/index#3">政策文件</a> <a href="/gkmlpt/index#${o.cat}">政府信息公开年报</a></div>`;
  b.html('/gkmlpt/index', listDoc({ title: '政务公开目录', charset: 'utf-8', body: `${nav}<div id="app"></div>`, scripts: `<script>${config}</script><script src="/gkmlpt/static/js/chunk-vendors.js"></script>` }));
  b.raw(`GET /gkmlpt/api/all/${o.cat}`, (req: FarmRequest) => {
    if (req.query.get('sid') !== o.sid) return { status: 400, type: 'application/json', body: '{"error":"sid"}' };
    const page = Number(req.query.get('page'));
    const index = o.zeroBased ? page : page - 1;
    const slice = index < 0 ? [] : articles.slice(index * o.perPage, (index + 1) * o.perPage);
    const arts = slice.map((a) => ({ id: a.id, title: a.title, url: o.absolute ? `http://${o.host}${post(a)}` : post(a), create_time: 1743379200, publisher: o.unit }));
    return { type: 'application/json', body: JSON.stringify({ total: articles.length, articles: arts }) };
  });
  return b.build('gkmlpt', o.variant, [{ id: o.owner, name: o.unit, level: 'city', kind: o.kind, list: `http://${b.host}/gkmlpt/index${o.hashInSeed ? `#${o.cat}` : ''}` }]);
}

export function gkmlptSites(): FarmSite[] {
  return [
    gkmlptSite({ host: 'www.zhuhai.gov.cn', sid: '756001', cat: 5, unit: '珠海市人民政府', owner: 'gk-zhuhai', kind: 'government', years: [2023, 2022, 2021], news: 18, perPage: 10,
      hashInSeed: true, absolute: true, variant: '_CONFIG as a JS object, pages from 1, category in the seed URL' }),
    gkmlptSite({ host: 'www.jiangmen.gov.cn', sid: '768031', cat: 1473, unit: '江门市人民政府', owner: 'gk-jiangmen', kind: 'government', years: [2023, 2022], news: 12, perPage: 10,
      json: true, hashInSeed: true, absolute: false, variant: '_CONFIG as JSON (the SID: regex missed it), relative article URLs' }),
    gkmlptSite({ host: 'im.dg.gov.cn', sid: '769033', cat: 368, unit: '东莞市工业和信息化局', owner: 'gk-dg-gxj', kind: 'department', years: [2023, 2022, 2021], news: 15, perPage: 8,
      zeroBased: true, hashInSeed: true, absolute: true, variant: 'API counting pages from 0 (Dongguan)' }),
    gkmlptSite({ host: 'www.huizhou.gov.cn', sid: '752001', cat: 2089, unit: '惠州市人民政府', owner: 'gk-huizhou', kind: 'government', years: [2023], news: 3, perPage: 10,
      json: true, hashInSeed: false, absolute: true, variant: 'category only in a 年报 link of the shell, one page' }),
  ];
}
