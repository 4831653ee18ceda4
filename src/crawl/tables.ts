/**
 * Facts about real portals, as data (sources: shared/notes/portals.md and portal-snippets/).
 * Code elsewhere only loops over these tables.
 */

/** Anchor texts that name the 年报 column (portals.md §6.1). */
export const COLUMN_LINK_TEXTS: RegExp[] = [
  /政府信息公开.*(年报|年度报告)/,
  /信息公开年报/,
  /公开年报/,
  /^\s*年度报告\s*$/,
  /^\s*年报\s*$/,
  /^\s*(部门|区县|县区)年报\s*$/,
];

/** Anchor texts of the 政府信息公开 专栏 that usually holds the 年报 column (one hop from home). */
export const DISCLOSURE_LINK_TEXTS: RegExp[] = [/^\s*(政府)?信息公开\s*$/, /政府信息公开(专栏|目录|平台)?$/, /^\s*政务公开\s*$/];

/** 专栏 pages followed from a home page towards the column: two (nested menus: 政务公开 → 政府信息公开 → 年报). */
export const MAX_DISCLOSURE_HOPS = 2;

/** URL path tokens of 年报 columns. */
export const COLUMN_URL_TOKENS = /\/(zfxxgknb|zfxxgkndbg|xxgkndbg|gknb|ndbg|xxgknb|gkndbg|bmnb|bmxxgknb|wzxxgknb|nb_\d{4}n)(_\d+)?\//i;

/**
 * Unit-type sub-columns of a 年报 column (portals.md §0.3, §1.1, §6.1): their link texts and path tokens, and what
 * they list. `units`: departments, townships and streets, each owing a report of its own (discovery adds them to
 * the registry); `own`: the government's own reports; `governments`: a city's counties, rows the registry holds
 * already (the development zones listed beside them it leaves out).
 */
export const UNIT_SUBCOLUMNS: { lists: 'units' | 'own' | 'governments'; texts: string[]; paths: string[] }[] = [
  { lists: 'units', texts: ['部门', '市直部门', '区直部门', '县直部门', '乡镇', '街道', '乡镇（街道）', '乡镇街道'],
    paths: ['bm', 'szbm', 'bmdnbg', 'bmxxgknb', 'xzjd', 'zxjd', 'bmjdhz', 'qzfgzjg', 'qzfb'] },
  { lists: 'own', texts: ['本级政府', '市政府', '区政府', '县政府'], paths: ['szfnb', 'qzfxxgknb'] },
  { lists: 'governments', texts: ['县区', '区县', '区县开发区'], paths: ['xj'] },
];

/** Year folders of a 年报 column (`2023n`, `gknb2023`, `2023nb`, `gb2025`, `2022szbm`, `nb_2022n`, `zxjd2023`). */
const YEAR_FOLDERS = ['(19|20)\\d{2}n(_\\d+)?', 'gknb(19|20)\\d{2}', '(19|20)\\d{2}nb', 'gb(19|20)\\d{2}', '(19|20)\\d{2}(szbm|bmdnbg|xzjd|zxjd)?', 'nb_\\d{4}n', 'zxjd(19|20)\\d{2}'];

/** A year folder's link text: 2023, 2023年, 2023年度. */
export const YEAR_FOLDER_TEXT = /^\s*((?:19|20)\d{2})\s*年?(度)?\s*$/;

/** Sub-columns inside a 年报 column: year folders and unit-type folders (portals.md §6.1). */
export const SUBCOLUMN_URL_TOKENS = new RegExp(`\\/(${[...YEAR_FOLDERS, ...UNIT_SUBCOLUMNS.flatMap((t) => t.paths)].join('|')})(_\\d+)?\\/(index(_\\d+)?\\.\\w+)?$`, 'i');
export const SUBCOLUMN_LINK_TEXTS: RegExp[] = [
  YEAR_FOLDER_TEXT,
  new RegExp(`^\\s*(${UNIT_SUBCOLUMNS.flatMap((t) => t.texts).join('|')})(年报)?\\s*$`),
];

/** Year folders read for a sub-column's units: the newest two (a unit that has not published this year yet is in last year's). */
export const UNIT_YEARS_READ = 2;

/**
 * How a link text names a unit of government (a department, a township, a street office) rather than a page:
 * its last word. Links to each unit's own column are printed this way on a unit-type sub-column.
 */
export const UNIT_NAME_ENDINGS = ['局', '委员会', '委', '办公室', '办', '中心', '院', '厅', '所', '站', '队', '署', '会', '镇', '乡', '街道', '办事处', '人民政府', '管委会', '苏木'];

/**
 * How a page names its site (the names a portal gives itself, snippet 05 §1): `<meta>` names first, then the
 * `<title>` (its parts, the portal words around the name dropped), then the footer's 主办 and 版权所有 lines.
 */
export const SITE_NAME_META = ['SiteName'];
export const SITE_TITLE_SEPARATORS = /\s*[-_|｜—–·•:：>»\s]+\s*/;
// The portal words after a name keep its 政府: 故城县人民政府门户网站 is 故城县人民政府.
export const SITE_TITLE_NOISE = /^(中国|首页|主页|欢迎访问|欢迎您|网站首页)|(门户网站|官方网站|网站|官网|门户|首页|网)$/g;
export const FOOTER_SELECTORS = 'footer, .footer, #footer, .foot, #foot, .bottom, #bottom, .copyright, #copyright, .ft, .dibu';
export const FOOTER_NAME_LINES: RegExp[] = [
  /(?:主办单位|主办|版权所有)\s*[：:]?\s*([\u4e00-\u9fa5（）()]{3,40})/,
  /([\u4e00-\u9fa5（）()]{3,40}?)\s*(?:主办|版权所有)/,
];
/** The office that runs a government's portal, named in its footer for the government: 故城县人民政府办公室. */
export const PORTAL_OFFICE = /(?<=政府)(办公室|办公厅|办)$/;

/** Title of a report link: the positive pattern, and the year in it (1.2 of portals.md). */
export const REPORT_TITLE = /政府信息公开.{0,8}(年度报告|年报|工作报告|情况报告)|信息公开(工作)?年度报告|信息公开年报/;

/** Look-alikes that carry the words but are not reports (snippet 04 §3). */
export const NEGATIVE_TITLES: RegExp[] = [
  /公布情况/,
  /印发|格式》?的?通知|有关事项的通知|关于.*的通知/,
  /制度（?\(?试行/,
  /预算|决算|绩效|公积金|统计公报|统计年鉴|审计/,
  /工作要点|实施方案|考核|测评|评估报告/,
];

/** Report files linked directly from a list (淮安 `/wzxxgknb/{Y}/{unit}.pdf`, TRS `P0…` attachments). */
export const REPORT_FILE_URL = /xxgknb|ndbg|gknb/i;

/** Attachment extensions worth archiving. */
export const ATTACHMENT_EXT = /\.(pdf|docx?|wps|ofd|xlsx?|rtf|zip|rar|jpe?g|png)(\?|#|$)/i;

/** Attachment URL shapes without a useful extension (Hanweb download proxy). */
export const ATTACHMENT_URL = [/\/module\/download\/downfile\.jsp/i, /\/attach\//i, /\/P0\d{8}\d+\.\w+$/];

/** Soft 404 words (snippet 03 §4): a short body containing one of these is a missing page. */
// 404 as a number of its own: a file named P020240404… (published 4 April) is not an error page.
export const SOFT_404 = /找不到|页面不存在|not found|(?<!\d)404(?!\d)|无法找到|访问的页面不存在|错误页面|内容已删除|信息已删除/i;
export const SOFT_404_MAX_CHARS = 2000;

/** Query parameters that never change the document (tracking, device twins). */
export const TRACKING_PARAMS = /^(isMobile|utm_\w+|from|spm|timestamp|_t|t|rnd|random|source|share)$/i;

/** URL rewrites to the canonical twin: mobile `_wap` pages (cqqj), `/m/` mobile trees. */
export const CANONICAL_REWRITES: [RegExp, string][] = [
  [/_wap(\.s?html?)$/i, '$1'],
];

/** Challenge pages (snippet 03 §1-§2): status codes and body fingerprints. */
export const CHALLENGE_STATUS = [202, 412, 521];
export const CHALLENGE_BODY = /\$_ts|FSSBBIl1UgzbN7N80|wzwsquestion|__jsl_clearance|请开启JavaScript|document\.cookie\s*=|location\.reload/;

/**
 * An endpoint a script config names for a list it fetches (snippet 03 §6: `/front/api/data/search`, JSON APIs,
 * `.action`/`.do` servlets): a list page whose links come from there needs a browser (or a platform module).
 */
export const JS_API_ENDPOINT = /["'`]((?:https?:\/\/[^"'`\s]+)?\/[\w./-]*?(?:\/api\/|\/front\/|\.action\b|\.do\b|\.json\b|\/search\b|\/getList\b|\/list[A-Z]\w*)[^"'`\s]*)["'`]/;

/** A list shell that only JavaScript fills (snippet 03 §6). */
export const JS_SHELL = /id=["']app["']|chunk-vendors|__INITIAL_STATE__|new CMS\(|v-for=|ms-repeat|document\.write|innerHTML\s*[+]?=|appendChild/;

/** Anchor texts of "next page" and "last page" links (the generic fallback's pager, portals.md §2). */
export const NEXT_LINK_TEXT = /^\s*(下一页|下页|后一页|尾页|末页|最后一页|>>|»|›|>)\s*$/;

/** File names of a list's further pages beside its first (same directory): `index_2.html`, `2.html`, `column-index-2.shtml`. */
export const PAGE_COUNTER_FORMS: RegExp[] = [
  /^[A-Za-z][\w-]*?_(\d{1,5})\.(?:s?html?|jsp|aspx?|php)$/,
  /^(\d{1,4})\.(?:s?html?)$/,
  /^column-index-(\d{1,5})\.s?html?$/,
];

/** Query parameters that count pages (portals.md §2's generic fallback list). */
export const PAGE_COUNTER_PARAMS = /^(page|pageIndex|pageNo|pageNum|pageno|pagenum|currentPage|curPage|currPage|cur_page|pn|p|pageindex|PageIndex|start|startrecord|offset)$/i;

/** Parameters and values that vary a date: a calendar or a date archive, never pages of a list. */
export const DATE_LIKE_PARAMS = /^(calendar|date|day|days|month|year|ym|ymd|time|riqi|rq)$/i;
export const DATE_LIKE_VALUE = /^(19|20)\d{2}(0[1-9]|1[0-2])(\d{2})?$/;

/** A page total declared in words or script (the first that matches is taken). */
export const DECLARED_TOTALS: RegExp[] = [
  /共\s*(\d+)\s*页/,
  /totalPage[s]?\s*[:=]\s*["']?(\d+)/i,
  /\bpageCount\s*[:=]\s*["']?(\d+)/i,
  /pagecount\s*=\s*["'](\d+)["']/i,
  /logicTotalPage\s*=\s*(\d+)/,
  /\bcontenpage\s*[:=]\s*(\d+)/i,
];

/**
 * Pages walked along one list with no new report link before the walk stops, for pages nobody declared (a
 * "next" link, an API window past a total we do not know). Declared pages (a total the list states) are walked
 * to the total, under `--max-pages`.
 */
export const BARREN_PAGES_BEFORE_STOP = 1;

/** Default per-host politeness. */
export const DEFAULT_DELAY_MS = 1000;
export const DEFAULT_MAX_PAGES_PER_LIST = 200;
export const DEFAULT_USER_AGENT = 'nianbao/0.1 (+https://github.com/nianbao/nianbao; archiver of government information disclosure annual reports)';

/**
 * Where a page shows its publication date (portal-snippets/05 §1–2): the standard `<meta>` tags first, then
 * the 信息公开 header labels. 成文日期 (date written) is last: it can precede publication by weeks.
 */
export const PUBLISHED_META_NAMES = ['PubDate', 'pubdate', 'PublishDate', 'firstpublishedtime', 'publishdate', 'dc.date'];
export const PUBLISHED_LABELS = /(?:发布日期|发布时间|公开日期|发文日期|成文日期)\s*[：:]?\s*((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/;
/** A date printed beside a list entry: 2024-01-29, 2024/01/29, 2024.01.29, 2024年1月29日. */
export const LIST_ENTRY_DATE = /((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/;
