/**
 * `nianbao dashboard`: a static site (open index.html, no server) of coverage, lateness, each agency's
 * table totals over the years and the reports that fail checks, every number linked to its archived
 * original. Chart.js is copied beside the page (no CDN); the data is embedded as JSON and every piece of
 * text reaches the page through textContent, never as markup.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { provinceCode } from '../seeds/regions.ts';
import { isSha256 } from '../archive/index.ts';
import { computeStatus, STATUS_KINDS, STATUS_MEANING, type StatusKind } from './status.ts';
import type { ReportFacts, ReportVersion } from './types.ts';

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

export interface DashboardOptions {
  today: string;
  /** Report years shown; default every year with a report plus the last year now due. */
  years?: number[];
  /**
   * How numbers link to originals: `relative` (a path from the site to the storage's archive, default),
   * `copy` (originals copied into the site, self-contained) or `none`.
   */
  originals?: 'relative' | 'copy' | 'none';
}

export interface DashboardData {
  generatedAt: string;
  asOf: string;
  years: number[];
  statusKinds: { key: StatusKind; meaning: string; color: string }[];
  agencies: { id: string; name: string; regionCode: string | null; province: string | null; level: string | null; kind: string | null }[];
  /** status[year] = one entry per agency, same order as agencies. */
  status: Record<string, {
    id: string; status: StatusKind; deadline: string; published: string | null; daysLate: number | null;
    url: string | null; href: string | null; evidence: string;
    /** The report's title as published (text from the web: shown only through textContent/attributes). */
    title: string | null;
  }[]>;
  figures: { key: string; label: string }[];
  /** Key figures of each agency's current report per year, each with the link to its original. */
  values: { id: string; year: number; sha256: string; href: string | null; url: string; figures: Record<string, number | null> }[];
  failingChecks: {
    id: string; year: number; sha256: string; href: string | null; url: string; table: string; rule: string;
    row: string | null; col: string | null; left: number; right: number; soft: boolean;
  }[];
  latenessBuckets: { label: string; max: number | null }[];
}

/** A link from the site folder to an original, or null. */
function hrefFor(outDir: string, v: { sha256: string; archivePath: string | null }, mode: DashboardOptions['originals']): string | null {
  if (mode === 'none') return null;
  if (mode === 'copy') return `originals/${v.sha256}`;
  if (!v.archivePath) return null;
  return relative(outDir, v.archivePath).split(sep).map(encodeURIComponent).join('/');
}

export function dashboardData(facts: ReportFacts, outDir: string, opts: DashboardOptions): DashboardData {
  const dueYear = Number(opts.today.slice(0, 4)) - 1;
  const years = opts.years ?? [...new Set([...facts.versions.map((v) => v.year), dueYear])].sort((a, b) => a - b);
  const mode = opts.originals ?? 'relative';
  const bySha = new Map(facts.versions.map((v) => [v.sha256, v]));
  const status: DashboardData['status'] = {};
  for (const y of years) {
    status[y] = computeStatus(facts, y, opts.today).rows.map((r) => ({
      id: r.agencyId, status: r.status, deadline: r.deadline, published: r.publishedDate, daysLate: r.daysLate, url: r.url,
      href: r.sha256 ? hrefFor(outDir, { sha256: r.sha256, archivePath: bySha.get(r.sha256)?.archivePath ?? null }, mode) : null,
      evidence: r.evidence, title: r.title,
    }));
  }
  const values: DashboardData['values'] = [];
  const failingChecks: DashboardData['failingChecks'] = [];
  for (const v of facts.versions.filter((x) => x.current)) {
    if (!v.parse.ok) continue;
    const rec = v.parse.record;
    const href = hrefFor(outDir, v, mode);
    const figures: Record<string, number | null> = {};
    for (const f of KEY_FIGURES) {
      const t = rec.tables[f.table];
      figures[f.key] = t.found ? t.rows[f.row]?.[f.col]?.value ?? null : null;
    }
    values.push({ id: v.agencyId, year: v.year, sha256: v.sha256, href, url: v.url, figures });
    for (const c of rec.checks) {
      if (c.pass) continue;
      failingChecks.push({
        id: v.agencyId, year: v.year, sha256: v.sha256, href, url: v.url, table: c.table, rule: c.rule, row: c.row, col: c.col,
        left: c.left, right: c.right, soft: c.soft,
      });
    }
  }
  values.sort((a, b) => a.id.localeCompare(b.id) || a.year - b.year);
  return {
    generatedAt: new Date().toISOString(), asOf: opts.today, years,
    statusKinds: STATUS_KINDS.map((k) => ({ key: k, meaning: STATUS_MEANING[k], color: STATUS_COLORS[k] })),
    agencies: facts.agencies.map((a) => ({
      id: a.agencyId, name: a.name, regionCode: a.regionCode,
      province: provinceCode(a.regionCode), level: a.level, kind: a.kind,
    })),
    status,
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

export function writeDashboard(outDir: string, facts: ReportFacts, opts: DashboardOptions): DashboardResult {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const data = dashboardData(facts, dir, opts);
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
  if (opts.originals === 'copy') {
    const od = join(dir, 'originals');
    rmSync(od, { recursive: true, force: true });
    mkdirSync(od);
    // The copy is named by digest only (checked: a digest read back from the database is still input).
    for (const v of facts.versions) if (v.archivePath && isSha256(v.sha256)) {
      try { copyFileSync(v.archivePath, join(od, v.sha256)); } catch { /* missing original: the link stays, verify reports it */ }
    }
  }
  return { dir, index: join(dir, 'index.html'), data };
}
