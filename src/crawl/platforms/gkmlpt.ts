/**
 * Guangdong's 政务公开目录平台 (gkmlpt): the column page `/gkmlpt/index#<category>` is a Vue shell whose
 * `window._CONFIG` names the site (`SID`), written as a JS object (`SID: '2'`) or as JSON (`{"SID":"768031"}`);
 * the list comes from `GET /gkmlpt/api/all/<category>?page=<n>&sid=<sid>` → `{total, articles:[{title, url,
 * create_time, …}]}`. Most sites count pages from 1; some (Dongguan) from 0: an empty page 1 while the total
 * says there are articles (or the pages from 1 end short of the total) sends the walk to page 0.
 */
import { todayInChina } from '../../seeds/calendar.ts';
import type { PageLink } from '../links.ts';
import { configValue, safeCount } from '../pagers.ts';
import { byFingerprints, type ApiContinuation, type ListPageInput, type ListReading, type Platform } from './types.ts';

const FACTS = {
  configBlock: /_CONFIG\s*=\s*(\{[^]*?\})\s*;?\s*(?:<\/script>|\n|$)/,
  siteKey: 'SID',
  categoryInUrl: /#(\d+)$/,
  /** A link to the 年报 category inside the platform's navigation. */
  categoryLinkText: /年报|年度报告/,
  categoryInHref: /#(\d+)$/,
  api: (cat: string, page: number, sid: string) => `/gkmlpt/api/all/${cat}?page=${page}&sid=${sid}`,
};

export const gkmlpt: Platform = {
  name: 'gkmlpt',
  title: 'Guangdong 政务公开目录平台 (gkmlpt)',
  notes: ['portals.md §2 (Guangdong 集约化 + gkmlpt row)', 'portal-snippets/01 §D', 'issue 12: _CONFIG as JSON; 0- and 1-based pages'],
  examples: ['http://www.gd.gov.cn/gkmlpt/index#5', 'https://www.gd.gov.cn/gkmlpt/api/all/5?page=1&sid=2', 'https://im.dg.gov.cn/gkmlpt/api/all/368?page=0&sid=769033'],
  fingerprints: [/\/gkmlpt\//, /window\._CONFIG\s*=/],
  detect: (page) => byFingerprints(gkmlpt.fingerprints)(page),
  readList,
  follow,
};

function readList(page: ListPageInput): ListReading {
  const config = FACTS.configBlock.exec(page.scripts)?.[1] ?? page.scripts;
  const sid = configValue(config, FACTS.siteKey);
  if (!sid || !/^\d+$/.test(sid)) return { links: [], continuations: [] };
  let cat = FACTS.categoryInUrl.exec(page.url)?.[1];
  if (!cat) {
    page.$('a').each((_, el) => {
      const a = page.$(el);
      const m = FACTS.categoryInHref.exec(a.attr('href') ?? '');
      if (!cat && m && FACTS.categoryLinkText.test(a.text())) cat = m[1];
    });
  }
  if (!cat) return { links: [], continuations: [], needsBrowser: 'gkmlpt shell without a category in its URL (#<id>): the list is chosen in the browser' };
  return { links: [], continuations: [apiPage(page.url, cat, sid, 1, { seen: 0, total: null, triedZero: false })] };
}

function apiPage(base: string, cat: string, sid: string, page: number, s: { seen: number; total: number | null; triedZero: boolean }, probe = false): ApiContinuation {
  return {
    kind: 'api', platform: 'gkmlpt', url: new URL(FACTS.api(cat, page, sid), base).href, method: 'GET', declared: s.total !== null, probe,
    headers: { accept: 'application/json', referer: new URL('/gkmlpt/index', base).href },
    state: { cat, sid, page, seen: s.seen, total: s.total, triedZero: s.triedZero },
  };
}

interface Article { title?: string; url?: string; post_url?: string; display_publish_time?: number | string; create_time?: number | string }

function follow(answer: { text: string; status: number }, c: ApiContinuation): ListReading {
  let data: { total?: number; articles?: Article[] } = {};
  try { data = JSON.parse(answer.text) as typeof data; } catch { data = {}; }
  const arts = answer.status < 400 && Array.isArray(data.articles) ? data.articles : [];
  const links: PageLink[] = arts.flatMap((a) => {
    const href = a.url ?? a.post_url;
    // gkmlpt times are Unix seconds; the publication date is the China calendar day.
    const t = Number(a.display_publish_time ?? a.create_time);
    const date = Number.isFinite(t) && t > 0 ? todayInChina(new Date(t * 1000)) : null;
    return href ? [{ url: new URL(href, c.url).href, text: a.title ?? '', ...(date ? { date } : {}) }] : [];
  });
  const page = Number(c.state.page);
  const total = safeCount(data.total) || (c.state.total === null ? null : Number(c.state.total));
  const seen = Number(c.state.seen) + arts.length;
  const triedZero = c.state.triedZero === true;
  const base = c.url;
  const [cat, sid] = [String(c.state.cat), String(c.state.sid)];
  if (!arts.length) {
    // The walk ran out before the total (or page 1 is empty): this site counts from 0 and page 0 is the first.
    const short = total === null ? page === 1 : seen < total;
    if (!triedZero && short) return { links, continuations: [apiPage(base, cat, sid, 0, { seen, total, triedZero: true }, true)] };
    return { links, continuations: [] };
  }
  // Page 0 comes last, after the pages from 1 on: the list is complete.
  if (page === 0 || (total !== null && seen >= total)) return { links, continuations: [] };
  const next = page + 1;
  return { links, continuations: [apiPage(base, cat, sid, next, { seen, total, triedZero })] };
}
