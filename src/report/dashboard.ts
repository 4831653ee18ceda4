/**
 * `nianbao dashboard`: a static site (open index.html, no server): coverage by agency and year, a grid of
 * the provinces with their on-time shares, lateness, a page per agency (its reports by year, its checks, what
 * was read of its column), every number linked to its archived original. Filters live in the address
 * (`#year=2023&region=110000`), the filtered rows download as CSV, and the page reads at 400 px. Chart.js is
 * copied beside the page (no CDN); the data is embedded as JSON and every piece of text reaches the page
 * through textContent, never as markup.
 */
import { copyFileSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { provinceCode, provinces, regionLabel } from '../seeds/regions.ts';
import { isSha256 } from '../archive/index.ts';
import { sniffOriginal, type OriginalKind } from '../extract/index.ts';
import { computeStatus, STATUS_KINDS, STATUS_MEANING, type StatusKind } from './status.ts';
import type { ReportFacts } from './types.ts';

/** The figures followed over the years: label, table, row, column (keys of codebook.json). */
export const KEY_FIGURES = [
  { key: 'requests_new', label: '本年新收政府信息公开申请数量', table: 'requests', row: 'new', col: 'total' },
  { key: 'requests_total', label: '办理结果总计', table: 'requests', row: 'total', col: 'total' },
  { key: 'requests_carried_forward', label: '结转下年度继续办理', table: 'requests', row: 'carried_forward', col: 'total' },
  { key: 'appeals_review', label: '行政复议 总计', table: 'appeals', row: 'review', col: 'total' },
  { key: 'appeals_litigation_direct', label: '行政诉讼 未经复议直接起诉 总计', table: 'appeals', row: 'litigation_direct', col: 'total' },
  { key: 'appeals_litigation_after_review', label: '行政诉讼 复议后起诉 总计', table: 'appeals', row: 'litigation_after_review', col: 'total' },
] as const;

export const STATUS_COLORS: Record<StatusKind, string> = {
  on_time: '#2e7d32', late: '#ef6c00', published_undated: '#9e9d24', not_parsed: '#6a1b9a', missing: '#c62828',
  not_yet_due: '#90a4ae', unreachable: '#5d4037', blocked: '#37474f', not_checked: '#bdbdbd',
};

export const LATENESS_BUCKETS = [
  { label: '1–7', max: 7 }, { label: '8–14', max: 14 }, { label: '15–30', max: 30 }, { label: '31–60', max: 60 },
  { label: '61–90', max: 90 }, { label: '91–180', max: 180 }, { label: '>180', max: Infinity },
];

/**
 * Where each province sits in the grid that stands for the map (row, column): neighbours stay neighbours,
 * every tile the same size, so a share reads the same for 宁夏 as for 新疆.
 */
export const PROVINCE_TILES: Record<string, [number, number]> = {
  '230000': [0, 6],
  '150000': [1, 4], '220000': [1, 6],
  '650000': [2, 0], '640000': [2, 2], '140000': [2, 3], '130000': [2, 4], '110000': [2, 5], '210000': [2, 6],
  '630000': [3, 1], '620000': [3, 2], '610000': [3, 3], '410000': [3, 4], '120000': [3, 5], '370000': [3, 6],
  '540000': [4, 0], '510000': [4, 1], '500000': [4, 2], '420000': [4, 3], '340000': [4, 4], '320000': [4, 5], '310000': [4, 6],
  '530000': [5, 1], '520000': [5, 2], '430000': [5, 3], '360000': [5, 4], '330000': [5, 5],
  '450000': [6, 2], '440000': [6, 3], '350000': [6, 4],
  '460000': [7, 3],
};

/** The file extension an original is opened with, by what its bytes are (extract/sniff.ts). */
const EXTENSION: Record<OriginalKind, string | null> = {
  pdf: 'pdf', doc: 'doc', xls: 'xls', ole: null, docx: 'docx', xlsx: 'xlsx', ofd: 'ofd', zip: 'zip', archive: null, rtf: 'rtf',
  html: 'html', image: null, text: 'txt',
};
/** Where the bytes alone do not say which (an image, an OLE file, a compressed archive), the URL's extension may. */
const URL_EXTENSIONS: Partial<Record<OriginalKind, string[]>> = {
  image: ['png', 'jpg', 'jpeg', 'gif', 'tif', 'tiff', 'bmp'], ole: ['doc', 'wps', 'xls', 'et'], archive: ['rar', 'gz', 'tgz', '7z'],
};

async function extensionOf(bytes: Buffer, url: string | null): Promise<string> {
  const kind = await sniffOriginal(bytes);
  const fromUrl = url ? extname(new URL(url, 'http://x/').pathname).slice(1).toLowerCase() : '';
  return EXTENSION[kind] ?? (URL_EXTENSIONS[kind]?.includes(fromUrl) ? fromUrl : 'bin');
}

export interface DashboardOptions {
  today: string;
  /** Report years shown; default every year with a report plus the last year now due. */
  years?: number[];
  /**
   * How numbers link to originals: `relative` (hard links to the archived files, named with the right
   * extension; default), `copy` (originals copied into the site, self-contained, publishable) or `none`
   * (the source URL).
   */
  originals?: 'relative' | 'copy' | 'none';
}

type StatusEntry = {
  id: string; status: StatusKind; deadline: string; published: string | null; daysLate: number | null;
  url: string | null; href: string | null; evidence: string; reason: string | null;
  /** The report's title as published (text from the web: shown only through textContent/attributes). */
  title: string | null;
  versions: number; sources: number;
  lastReadAt: string | null; lastReadUrl: string | null; captureHref: string | null; captureSha256: string | null;
};

export interface DashboardData {
  generatedAt: string;
  asOf: string;
  years: number[];
  statusKinds: { key: StatusKind; meaning: string; color: string }[];
  agencies: {
    id: string; name: string; regionCode: string | null; region: string | null; province: string | null; provinceName: string | null;
    level: string | null; kind: string | null; columns: string[];
  }[];
  /** Every province with its place in the grid. */
  provinces: { code: string; name: string; row: number; col: number }[];
  /** status[year] = one entry per agency, same order as agencies. */
  status: Record<string, StatusEntry[]>;
  /** Every archived original of every report: one report per agency and year, its versions and sources. */
  reports: { id: string; year: number; sha256: string; url: string; href: string | null; current: boolean; replacedAt: string | null; fetchedAt: string; title: string | null }[];
  figures: { key: string; label: string }[];
  /** Key figures of each agency's current report per year, each with the link to its original. */
  values: { id: string; year: number; sha256: string; href: string | null; url: string; figures: Record<string, number | null> }[];
  failingChecks: {
    id: string; year: number; sha256: string; href: string | null; url: string; table: string; rule: string;
    row: string | null; col: string | null; left: number; right: number; soft: boolean;
  }[];
  latenessBuckets: { label: string; max: number | null }[];
}

/** An original to link: its digest, where it is on this machine, the URL it came from. */
interface Linked { sha256: string; archivePath: string | null; url: string | null }

/**
 * The site's links to originals, each named `originals/<sha256>.<ext>` so a browser opens it as what it is
 * (an HTML report rendered, not shown as source): a hard link to the archived file (no second copy; a
 * symlink would not do, browsers take the type from the target's name), a copy across file systems or
 * with `copy`.
 */
async function linkOriginals(dir: string, originals: Linked[], mode: DashboardOptions['originals']): Promise<Map<string, string>> {
  const hrefs = new Map<string, string>();
  if (mode === 'none') return hrefs;
  const od = join(dir, 'originals');
  rmSync(od, { recursive: true, force: true });
  mkdirSync(od);
  for (const o of originals) {
    // The name is made of the digest only (checked: a digest read back from the database is still input).
    if (hrefs.has(o.sha256) || !o.archivePath || !isSha256(o.sha256)) continue;
    let bytes: Buffer;
    try { bytes = readFileSync(o.archivePath); } catch { continue; } // missing original: no link; verify reports it
    const name = `${o.sha256}.${await extensionOf(bytes, o.url)}`;
    if (mode === 'copy') copyFileSync(o.archivePath, join(od, name));
    else {
      try { linkSync(o.archivePath, join(od, name)); } catch { copyFileSync(o.archivePath, join(od, name)); }
    }
    hrefs.set(o.sha256, `originals/${name}`);
  }
  return hrefs;
}

export async function dashboardData(facts: ReportFacts, outDir: string, opts: DashboardOptions): Promise<DashboardData> {
  const dueYear = Number(opts.today.slice(0, 4)) - 1;
  const years = opts.years ?? [...new Set([...facts.versions.map((v) => v.year), dueYear])].sort((a, b) => a - b);
  const mode = opts.originals ?? 'relative';
  const shown = new Set(years);
  const versions = facts.versions.filter((v) => shown.has(v.year));
  const hrefs = await linkOriginals(outDir, [
    ...versions.map((v) => ({ sha256: v.sha256, archivePath: v.archivePath, url: v.url })),
    ...facts.evidence.filter((e) => e.sha256).map((e) => ({ sha256: e.sha256!, archivePath: e.archivePath ?? null, url: e.url })),
  ], mode);
  const href = (sha: string | null) => (sha ? hrefs.get(sha) ?? null : null);
  const status: DashboardData['status'] = {};
  for (const y of years) {
    status[y] = computeStatus(facts, y, opts.today).rows.map((r) => ({
      id: r.agencyId, status: r.status, deadline: r.deadline, published: r.publishedDate, daysLate: r.daysLate, url: r.url,
      href: href(r.sha256), evidence: r.evidence, reason: r.reason, title: r.title, versions: r.versions, sources: r.sources,
      lastReadAt: r.lastReadAt, lastReadUrl: r.lastReadUrl, captureHref: href(r.lastReadSha256), captureSha256: r.lastReadSha256,
    }));
  }
  const values: DashboardData['values'] = [];
  const failingChecks: DashboardData['failingChecks'] = [];
  for (const v of versions.filter((x) => x.current)) {
    if (!v.parse.ok) continue;
    const rec = v.parse.record;
    const h = href(v.sha256);
    const figures: Record<string, number | null> = {};
    for (const f of KEY_FIGURES) {
      const t = rec.tables[f.table];
      figures[f.key] = t.found ? t.rows[f.row]?.[f.col]?.value ?? null : null;
    }
    values.push({ id: v.agencyId, year: v.year, sha256: v.sha256, href: h, url: v.url, figures });
    for (const c of rec.checks) {
      if (c.pass) continue;
      failingChecks.push({
        id: v.agencyId, year: v.year, sha256: v.sha256, href: h, url: v.url, table: c.table, rule: c.rule, row: c.row, col: c.col,
        left: c.left, right: c.right, soft: c.soft,
      });
    }
  }
  values.sort((a, b) => a.id.localeCompare(b.id) || a.year - b.year);
  const names = new Map(provinces().map((p) => [p.code, p.name]));
  return {
    generatedAt: new Date().toISOString(), asOf: opts.today, years,
    statusKinds: STATUS_KINDS.map((k) => ({ key: k, meaning: STATUS_MEANING[k], color: STATUS_COLORS[k] })),
    agencies: facts.agencies.map((a) => ({
      id: a.agencyId, name: a.name, regionCode: a.regionCode, region: a.regionCode ? regionLabel(a.regionCode) : null,
      province: provinceCode(a.regionCode), provinceName: names.get(provinceCode(a.regionCode) ?? '') ?? null, level: a.level, kind: a.kind,
      columns: a.reportListUrls,
    })),
    provinces: Object.entries(PROVINCE_TILES).map(([code, [row, col]]) => ({ code, name: names.get(code) ?? code, row, col })),
    status,
    reports: versions.map((v) => ({
      id: v.agencyId, year: v.year, sha256: v.sha256, url: v.url, href: href(v.sha256), current: v.current, replacedAt: v.replacedAt ?? null,
      fetchedAt: v.fetchedAt, title: v.title,
    })),
    figures: KEY_FIGURES.map((f) => ({ key: f.key, label: f.label })),
    values,
    failingChecks,
    latenessBuckets: LATENESS_BUCKETS.map((b) => ({ label: b.label, max: Number.isFinite(b.max) ? b.max : null })),
  };
}

/** JSON safe inside a <script> element: no `<` (so no `</script>` or `<!--`), no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function chartJsPath(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(main), 'chart.umd.min.js');
}

const HERE = dirname(new URL(import.meta.url).pathname);

export interface DashboardResult {
  dir: string;
  index: string;
  data: DashboardData;
}

export async function writeDashboard(outDir: string, facts: ReportFacts, opts: DashboardOptions): Promise<DashboardResult> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const data = await dashboardData(facts, dir, opts);
  const template = readFileSync(join(HERE, 'dashboard', 'index.html'), 'utf8');
  const html = template.replace('<!--DATA-->', () => `<script type="application/json" id="nianbao-data">${scriptSafeJson(data)}</script>`);
  // Files are written under a temporary name and renamed, so a reader never sees half a page.
  const put = (name: string, content: string | Buffer) => {
    const tmp = join(dir, `.${name}.tmp-${process.pid}`);
    writeFileSync(tmp, content);
    renameSync(tmp, join(dir, name));
  };
  put('chart.umd.min.js', readFileSync(chartJsPath()));
  put('app.js', readFileSync(join(HERE, 'dashboard', 'app.js')));
  put('index.html', html);
  return { dir, index: join(dir, 'index.html'), data };
}
