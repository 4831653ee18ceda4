/**
 * The research dataset: which tables `nianbao export` writes, every column with its type and meaning.
 * One definition feeds the CSV header, the Parquet column types and the Frictionless `datapackage.json`.
 */
import { STATUS_KINDS, STATUS_MEANING, type StatusRow } from './status.ts';
import { provinceCode } from '../seeds/regions.ts';
import { runCrossYearChecks, type CheckResult } from '../parse/index.ts';
import type { ReportFacts, ReportVersion } from './types.ts';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export interface Field {
  name: string;
  type: FieldType;
  description: string;
  /** Allowed values, when the column is a code. */
  enum?: readonly string[];
  required?: boolean;
}

export interface DatasetTable {
  name: string;
  title: string;
  description: string;
  fields: Field[];
  primaryKey: string[];
  foreignKeys?: { fields: string[]; reference: { resource: string; fields: string[] } }[];
}

const f = (name: string, type: FieldType, description: string, extra: Partial<Field> = {}): Field => ({ name, type, description, ...extra });

/** A tidy cell's fields after its agency and year (cells and cells_all). */
const cellFields = [
  f('table', 'string', 'Table key', { enum: ['active', 'requests', 'appeals'], required: true }),
  f('format_version', 'string', 'Format of this table (2019 or 2021): row and column keys mean what codebook.json says for it', { enum: ['2019', '2021'] }),
  f('row', 'string', 'Row key (codebook.json)', { required: true }),
  f('column', 'string', 'Column key (codebook.json)', { required: true }),
  f('value', 'number', 'The number as printed; empty for a blank, a dash, a slash or an unreadable cell (never a made-up 0)'),
  f('text', 'string', 'The printed text of the cell; empty when nothing was printed'),
  f('inferred', 'boolean', 'true when the value was restored from an accounting identity, not read'),
  f('uncertain', 'boolean', 'true when the printed numbers could be placed in more than one way'),
  f('ocr', 'boolean', 'true when the value was machine-read from an image (OCR): check it against the original'),
  f('sha256', 'string', 'SHA-256 of the archived original the value was read from', { required: true }),
  f('url', 'string', 'URL of that original'),
];

const toAgencies = { fields: ['agency_id'], reference: { resource: 'agencies', fields: ['agency_id'] } };
const toReports = { fields: ['agency_id', 'year'], reference: { resource: 'reports', fields: ['agency_id', 'year'] } };
const toVersions = { fields: ['agency_id', 'year', 'sha256'], reference: { resource: 'versions', fields: ['agency_id', 'year', 'sha256'] } };

/** What a report and each version say of their original and its parse: the same columns in both tables. */
function parseOutcomeFields(): Field[] {
  return [
    f('shown_date', 'date', 'Publication date shown on the page or in the file; empty when none is shown'),
    f('shown_date_source', 'string', 'Where shown_date was read (list page, report page, file)'),
    f('title', 'string', 'Report title'),
    f('parsed', 'boolean', 'true when at least one of the three tables was read'),
    f('parse_problem', 'string', 'Why the report could not be read, when parsed is false'),
    f('parser_version', 'string', 'Version of the nianbao parser that produced the record'),
    f('version_active', 'string', 'Table format detected for table 二 (2019 or 2021); empty when not found'),
    f('version_requests', 'string', 'Table format detected for table 三 (2019 or 2021); empty when not found'),
    f('version_appeals', 'string', 'Table format detected for table 四; empty when not found'),
    f('checks_total', 'integer', 'Number of accounting checks run (see checks)'),
    f('checks_failed', 'integer', 'Number of checks that failed (hard and soft)'),
    f('cells_inferred', 'integer', 'Number of cells restored from an identity instead of read'),
    f('extraction_method', 'string', 'How the text was obtained (html, pdf text layer, ocr, ...)'),
    f('extraction_quality', 'number', 'Extractor\'s quality estimate, 0 to 1'),
    f('ocr', 'boolean', 'true when the text came from OCR'),
    f('warnings', 'string', 'Parser notes, separated by " | "'),
  ];
}

export const TABLES: DatasetTable[] = [
  {
    name: 'agencies', title: 'Agencies',
    description: 'The seed registry: every agency that must publish an annual report (the denominator of coverage).',
    primaryKey: ['agency_id'],
    fields: [
      f('agency_id', 'string', 'Stable nianbao agency id', { required: true }),
      f('name', 'string', 'Agency name as in the seed registry', { required: true }),
      f('region_code', 'string', 'Administrative division code (GB/T 2260, 6 digits; 9 or 12 for townships)'),
      f('province', 'string', 'Province code: first two digits of region_code followed by 0000'),
      f('level', 'string', 'Administrative level', { enum: ['national', 'province', 'city', 'county', 'township'] }),
      f('kind', 'string', 'government (the government\'s own report) or department', { enum: ['government', 'department'] }),
      f('parent_id', 'string', 'agency_id or region code of the government the agency belongs to'),
      f('home_url', 'string', 'Home page URL'),
      f('report_list_url', 'string', 'URL(s) of the agency\'s 年报 column, separated by |'),
    ],
  },
  {
    name: 'reports', title: 'Reports',
    description: 'One row per report: one agency\'s report for one year, described by its current version (the one status, cells and the dashboard read). '
      + 'The same report reached at several URLs (a quoted copy, a _wap twin, a page and its attachment) is one row with several sources; every archived original is in versions.',
    primaryKey: ['agency_id', 'year'],
    foreignKeys: [toAgencies],
    fields: [
      f('agency_id', 'string', 'Agency that published the report', { required: true }),
      f('year', 'integer', 'Report year (the year the report is about, not the year it was published)', { required: true }),
      f('sha256', 'string', 'SHA-256 of the current version\'s archived original (hex): the one its tables were read from (most tables found, then the newest)', { required: true }),
      f('url', 'string', 'URL the current version was fetched from', { required: true }),
      f('sources', 'string', 'Every URL the report was reached at (page, attachment, quoted copies, twins), separated by " | "'),
      f('listed_on', 'string', 'Every list page (年报 column) that linked to the report, separated by " | "'),
      f('versions', 'integer', 'Versions of the report: changes of content at one source, plus one (see versions)'),
      f('fetched_at', 'datetime', 'When the current version\'s content was first fetched (UTC)', { required: true }),
      f('first_captured_at', 'datetime', 'When any original of the report was first fetched (UTC)'),
      ...parseOutcomeFields(),
    ],
  },
  {
    name: 'versions', title: 'Report versions',
    description: 'One row per archived original of a report: each source\'s content over time (replaced_at set when a different original later stood at the same URL). '
      + 'current marks the version reports, cells and status use.',
    primaryKey: ['agency_id', 'year', 'sha256'],
    foreignKeys: [toAgencies, toReports],
    fields: [
      f('agency_id', 'string', 'Agency that published the report', { required: true }),
      f('year', 'integer', 'Report year', { required: true }),
      f('sha256', 'string', 'SHA-256 of the archived original bytes (hex)', { required: true }),
      f('url', 'string', 'URL (source) the original was fetched from', { required: true }),
      f('fetched_at', 'datetime', 'When this exact content was first fetched (UTC)', { required: true }),
      f('replaced_at', 'datetime', 'When a different original was first seen at the same URL (UTC); empty while this one stands there'),
      f('current', 'boolean', 'true for the report\'s current version (one per agency and year)', { required: true }),
      ...parseOutcomeFields(),
    ],
  },
  {
    name: 'cells', title: 'Table cells (tidy)',
    description: 'One value per row: every cell of every table found in each report\'s current version (one report per agency and year, so one value per agency, year, table, row and column). '
      + 'Keys as in codebook.json. Cells of every version: cells_all.',
    primaryKey: ['agency_id', 'year', 'table', 'row', 'column'],
    foreignKeys: [toAgencies, toReports],
    fields: [
      f('agency_id', 'string', 'Agency', { required: true }),
      f('year', 'integer', 'Report year', { required: true }),
      ...cellFields,
    ],
  },
  {
    name: 'cells_all', title: 'Table cells of every version (tidy)',
    description: 'The cells of every archived version of every report, current or not (current says which): for comparing versions. For analysis use cells.',
    primaryKey: ['agency_id', 'year', 'sha256', 'table', 'row', 'column'],
    foreignKeys: [toAgencies, toVersions],
    fields: [
      f('agency_id', 'string', 'Agency', { required: true }),
      f('year', 'integer', 'Report year', { required: true }),
      f('current', 'boolean', 'true when the cell is from the report\'s current version (the same row is in cells)', { required: true }),
      ...cellFields,
    ],
  },
  {
    name: 'checks', title: 'Accounting checks',
    description: 'Every accounting identity checked on each report\'s current version, passed or failed (failures are data, not errors).',
    // No primary key: row and column are empty for some rules.
    primaryKey: [],
    foreignKeys: [toReports],
    fields: [
      f('agency_id', 'string', 'Agency', { required: true }),
      f('year', 'integer', 'Report year', { required: true }),
      f('sha256', 'string', 'The report\'s current version the check was run on', { required: true }),
      f('table', 'string', 'Table key', { enum: ['active', 'requests', 'appeals'] }),
      f('rule', 'string', 'Identity (codebook.md § Accounting identities); the last two compare with the year before', {
        enum: ['balance', 'row_total', 'result_total', 'appeals_total', 'active_published_le_total', 'carried_over_previous', 'active_in_force_previous'],
      }),
      f('row', 'string', 'Row the check is about, if any'),
      f('column', 'string', 'Column the check is about, if any'),
      f('left', 'number', 'Left side of the identity'),
      f('right', 'number', 'Right side of the identity'),
      f('pass', 'boolean', 'true when both sides are equal'),
      f('soft', 'boolean', 'true for a plausibility check rather than an identity printed in the format'),
      f('nulls_as_zero', 'string', 'Blank cells counted as 0 in this check ("row.column", separated by " "; "previous:" for the year before)'),
      f('previous_sha256', 'string', 'For checks across years: the current version of the same agency\'s report for year - 1 it was compared with'),
    ],
  },
  {
    name: 'status', title: 'Publication status',
    description: 'One row per agency and report year: published on time, late (days), missing, not yet due, unreachable, blocked, not parsed, not checked.',
    primaryKey: ['agency_id', 'year'],
    foreignKeys: [toAgencies],
    fields: [
      f('agency_id', 'string', 'Agency', { required: true }),
      f('year', 'integer', 'Report year', { required: true }),
      f('status', 'string', STATUS_KINDS.map((s) => `${s}: ${STATUS_MEANING[s]}`).join('; '), { enum: STATUS_KINDS, required: true }),
      f('as_of', 'date', 'Date (China) on which the status was judged'),
      f('deadline', 'date', 'Last on-time day (政府信息公开条例 Art. 49: departments 31 Jan, governments 31 Mar of the next year)'),
      f('deadline_rule', 'string', 'Which deadline rule applied'),
      f('published_date', 'date', 'Publication date used for timeliness; empty when no date is shown'),
      f('published_date_source', 'string', 'Where the date came from (list page, file, first capture)'),
      f('days_late', 'integer', 'Days after the deadline; empty unless late'),
      f('date_note', 'string', 'Why no timeliness could be judged (no date shown)'),
      f('url', 'string', 'URL of the current report version'),
      f('sha256', 'string', 'SHA-256 of the current report version'),
      f('versions', 'integer', 'Versions of the report: changes of content at one source, plus one; a quoted copy, a twin or an attachment is a source, not a version'),
      f('revisions', 'integer', 'Originals replaced at the same URL after first capture (more than 0: changed after publication)'),
      f('sources', 'integer', 'URLs the report was reached at (its page, attachment, quoted copies, twins)'),
      f('last_read_at', 'datetime', 'When the 年报 column was last read or tried (UTC)'),
      f('last_read_url', 'string', 'The column page that status rests on; empty when no page was fetched'),
      f('last_read_held', 'string', 'What the column held at that read'),
      f('last_read_sha256', 'string', 'SHA-256 of the archived capture of that page'),
      f('reason', 'string', 'For unreachable, blocked or not parsed: why'),
      f('evidence', 'string', 'The status in one readable line'),
    ],
  },
];

export function tableDef(name: string): DatasetTable {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no dataset table ${name}`);
  return t;
}

export type Row = Record<string, string | number | boolean | null>;

export function agencyRows(facts: ReportFacts): Row[] {
  return facts.agencies.map((a) => ({
    agency_id: a.agencyId, name: a.name, region_code: a.regionCode,
    province: provinceCode(a.regionCode),
    level: a.level, kind: a.kind, parent_id: a.parentId, home_url: a.homeUrl,
    report_list_url: a.reportListUrls.length ? a.reportListUrls.join('|') : null,
  }));
}

/** What a version's parse says, the same columns in reports and versions. */
function parseColumns(v: ReportVersion): Row {
  const rec = v.parse.ok ? v.parse.record : null;
  const anyTable = rec ? Object.values(rec.tables).some((t) => t.found) : false;
  let inferred = 0;
  if (rec) for (const t of Object.values(rec.tables)) for (const r of Object.values(t.rows)) for (const c of Object.values(r)) if (c.inferred) inferred++;
  return {
    shown_date: v.shownDate, shown_date_source: v.shownDateSource, title: v.title ?? rec?.title ?? null,
    parsed: anyTable,
    parse_problem: !v.parse.ok ? v.parse.problem : anyTable ? null : 'none of the three statistical tables was found',
    parser_version: rec?.parser_version ?? null,
    version_active: rec?.tables.active.version ?? null, version_requests: rec?.tables.requests.version ?? null,
    version_appeals: rec?.tables.appeals.version ?? null,
    checks_total: rec ? rec.checks.length : null, checks_failed: rec ? rec.checks.filter((c) => !c.pass).length : null,
    cells_inferred: rec ? inferred : null,
    extraction_method: rec?.extraction.method ?? null, extraction_quality: rec?.extraction.quality ?? null, ocr: rec?.extraction.ocr ?? null,
    warnings: rec && rec.warnings.length ? rec.warnings.join(' | ') : null,
  };
}

/** Each report's versions, keyed agency|year, in the order given; the current one is the one marked so. */
export function reportsOf(facts: ReportFacts): Map<string, { current: ReportVersion; all: ReportVersion[] }> {
  const out = new Map<string, { current: ReportVersion; all: ReportVersion[] }>();
  for (const v of facts.versions) {
    const key = `${v.agencyId}|${v.year}`;
    const r = out.get(key);
    if (!r) out.set(key, { current: v, all: [v] });
    else { r.all.push(v); if (v.current) r.current = v; }
  }
  // Facts from the store mark exactly one current version per report; hand-made facts may mark none.
  for (const r of out.values()) if (!r.current.current) r.current = r.all.find((v) => v.current) ?? r.all[r.all.length - 1]!;
  return out;
}

/** One row per report (agency × year), from its current version. */
export function reportRows(facts: ReportFacts): Row[] {
  return [...reportsOf(facts).values()].map(({ current: v, all }) => {
    const perSource = new Map<string, number>();
    for (const x of all) perSource.set(x.url, (perSource.get(x.url) ?? 0) + 1);
    const sources = [...new Set(all.flatMap((x) => [x.url, ...(x.sources ?? [])]))];
    const listed = [...new Set(all.flatMap((x) => x.listedOn ?? []))].sort();
    return {
      agency_id: v.agencyId, year: v.year, sha256: v.sha256, url: v.url, sources: sources.join(' | '),
      listed_on: listed.length ? listed.join(' | ') : null, versions: Math.max(...perSource.values()),
      fetched_at: v.fetchedAt, first_captured_at: all.map((x) => x.fetchedAt).sort()[0]!,
      ...parseColumns(v),
    };
  });
}

/** One row per archived original. */
export function versionRows(facts: ReportFacts): Row[] {
  const current = new Set([...reportsOf(facts).values()].map((r) => r.current));
  return facts.versions.map((v) => ({
    agency_id: v.agencyId, year: v.year, sha256: v.sha256, url: v.url, fetched_at: v.fetchedAt, replaced_at: v.replacedAt ?? null,
    current: current.has(v), ...parseColumns(v),
  }));
}

function* cellsOf(v: ReportVersion): Generator<Row> {
  if (!v.parse.ok) return;
  for (const [table, t] of Object.entries(v.parse.record.tables)) {
    if (!t.found) continue;
    for (const [row, cols] of Object.entries(t.rows)) {
      for (const [column, c] of Object.entries(cols)) {
        yield {
          agency_id: v.agencyId, year: v.year, table, format_version: t.version, row, column,
          value: c.value, text: c.text, inferred: c.inferred, uncertain: c.uncertain, ocr: v.parse.record.extraction.ocr,
          sha256: v.sha256, url: v.url,
        };
      }
    }
  }
}

/** The cells of each report's current version: one value per agency, year, table, row and column. */
export function* cellRows(facts: ReportFacts): Generator<Row> {
  for (const r of reportsOf(facts).values()) yield* cellsOf(r.current);
}

/** The cells of every version, with `current`. */
export function* allCellRows(facts: ReportFacts): Generator<Row> {
  const current = new Set([...reportsOf(facts).values()].map((r) => r.current));
  for (const v of facts.versions) for (const c of cellsOf(v)) yield { ...c, current: current.has(v) };
}

/** The checks of each report's current version, and across years against the current version of the year before. */
export function checkRows(facts: ReportFacts): Row[] {
  const out: Row[] = [];
  const row = (v: ReportVersion, c: CheckResult, previous: ReportVersion | null): Row => ({
    agency_id: v.agencyId, year: v.year, sha256: v.sha256, table: c.table, rule: c.rule, row: c.row, column: c.col,
    left: c.left, right: c.right, pass: c.pass, soft: c.soft, nulls_as_zero: c.nulls_as_zero.length ? c.nulls_as_zero.join(' ') : null,
    previous_sha256: previous?.sha256 ?? null,
  });
  const reports = reportsOf(facts);
  for (const { current: v } of reports.values()) {
    if (!v.parse.ok) continue;
    for (const c of v.parse.record.checks) out.push(row(v, c, null));
    // Codebook rule 4 and table 二's continuity: against the year before.
    const previous = reports.get(`${v.agencyId}|${v.year - 1}`)?.current;
    if (previous?.parse.ok) for (const c of runCrossYearChecks(v.parse.record, previous.parse.record)) out.push(row(v, c, previous));
  }
  return out;
}

export function statusRows(rows: StatusRow[], asOf: string): Row[] {
  return rows.map((r) => ({
    agency_id: r.agencyId, year: r.year, status: r.status, as_of: asOf, deadline: r.deadline, deadline_rule: r.deadlineRule,
    published_date: r.publishedDate, published_date_source: r.publishedDateSource, days_late: r.daysLate, date_note: r.dateNote,
    url: r.url, sha256: r.sha256, versions: r.versions, revisions: r.revisions, sources: r.sources, last_read_at: r.lastReadAt,
    last_read_url: r.lastReadUrl, last_read_held: r.lastReadHeld, last_read_sha256: r.lastReadSha256, reason: r.reason, evidence: r.evidence,
  }));
}
