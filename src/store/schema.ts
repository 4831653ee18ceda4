/**
 * The database schema as Kysely types plus versioned migrations, run on SQLite and on PostgreSQL alike.
 * Portable SQL throughout (TEXT, INTEGER, REAL; JSON kept as TEXT; times as ISO-8601 UTC text); where the
 * engines spell a type differently (`columnTypes`) or a step exists on one only (SQLite's WITHOUT ROWID
 * rebuild), the migration asks which engine it runs on. A migration, once committed, never changes what it
 * does on SQLite: add a new one.
 */
import { PostgresAdapter, sql, type ColumnDataType, type ColumnDefinitionBuilder, type Generated, type Kysely, type Migration } from 'kysely';

export interface AgencyTable {
  agency_id: string;
  name: string;
  region_code: string | null;
  level: string | null;
  kind: string | null;
  parent_id: string | null;
  home_url: string | null;
  /** Several list URLs joined by `|`, as in the seed CSV. */
  report_list_url: string | null;
  render: string;
  updated_at: string;
}

export interface RunTable {
  run_id: Generated<number>;
  /** crawl, reparse, import, ... */
  kind: string;
  started_at: string;
  finished_at: string | null;
  /** running, ok, failed, interrupted */
  status: string;
  args: string | null;
  host: string | null;
  pid: number | null;
  notes: string | null;
  /** Parser version a reparse run wrote, if any. */
  parser_version: string | null;
}

export interface FetchTable {
  fetch_id: Generated<number>;
  run_id: number | null;
  agency_id: string | null;
  /** robots, list, report-page, attachment, ... */
  purpose: string | null;
  method: string;
  url: string;
  final_url: string | null;
  status: number | null;
  request_headers: string | null;
  response_headers: string | null;
  /** Redirect hops as JSON [{url,status,location}]. */
  redirects: string | null;
  fetched_at: string;
  duration_ms: number | null;
  body_sha256: string | null;
  body_size: number | null;
  error: string | null;
  referrer: string | null;
  ip: string | null;
}

export interface DocumentTable {
  sha256: string;
  size: number;
  content_type: string | null;
  first_seen_at: string;
  first_url: string | null;
}

export interface UrlStateTable {
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_sha256: string | null;
  last_status: number | null;
  last_fetched_at: string | null;
}

export interface HostStateTable {
  host: string;
  next_allowed_at: string | null;
  consecutive_failures: number;
  paused_until: string | null;
  crawl_delay_ms: number | null;
  last_status: number | null;
  note: string | null;
  updated_at: string;
  /** Cookies the host set or a browser earned (a challenge clearance), JSON {name: value} (migration 004). */
  cookies: string | null;
  /** The worker holding the host's lease (migration 007): only it may send the host a request or complete its items. */
  lease_owner: string | null;
  /** When that lease ends unless renewed, by the database's clock; after it another worker may take the host over. */
  lease_expires_at: string | null;
}

export interface WorkItemTable {
  item_id: Generated<number>;
  queue: string;
  key: string;
  payload: string;
  /** pending, running, done, failed */
  status: string;
  attempts: number;
  priority: number;
  not_before: string | null;
  last_error: string | null;
  claimed_by: string | null;
  created_at: string;
  updated_at: string;
  /** The host a crawl item will contact (migration 003), so claims can share out hosts fairly; null for other work. */
  host: string | null;
}

export interface ReportTable {
  report_id: Generated<number>;
  /** agency_id, or `name:<agency name>` for an agency not in the seeds, plus `|year` or `|url:<url>`. */
  report_key: string;
  agency_id: string | null;
  agency_name: string | null;
  year: number | null;
  title: string | null;
  published_at: string | null;
  first_seen_at: string;
  last_seen_at: string;
  /** Date the report was seen to be gone upstream (deleted); null while it is there. */
  gone_at: string | null;
  current_version_id: number | null;
}

export interface ReportUrlTable {
  report_id: number;
  url: string;
  discovered_from: string | null;
  first_seen_at: string;
  last_seen_at: string;
  gone_at: string | null;
}

/** Every list page that linked to a URL (migration 005): a report listed in two columns has both. */
export interface LinkSourceTable {
  url: string;
  list_url: string;
  agency_id: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export interface ReportVersionTable {
  version_id: Generated<number>;
  report_id: number;
  sha256: string;
  size: number | null;
  source_url: string | null;
  content_type: string | null;
  file_name: string | null;
  title: string | null;
  published_at: string | null;
  discovered_from: string | null;
  fetch_id: number | null;
  run_id: number | null;
  first_seen_at: string;
  last_seen_at: string;
  /** When a different original was seen at the same source URL (this version kept, not deleted). */
  replaced_at: string | null;
}

export interface RecordTable {
  record_id: Generated<number>;
  version_id: number;
  sha256: string;
  parser_version: string;
  run_id: number | null;
  parsed_at: string;
  agency: string | null;
  year: number | null;
  /**
   * The ReportRecord as JSON text. Since migration 002 new rows keep it compressed in `json_z` instead
   * (the Store's readers return it decoded here); null when parsing failed (then `error` says why).
   */
  json: string | null;
  /** The record JSON, deflate-compressed (migration 002); the tidy cells stay queryable in `cells`. */
  json_z: Buffer | null;
  error: string | null;
  /** Set when a newer parse of the same version replaced this one (kept, not deleted). */
  superseded_at: string | null;
  superseded_by: number | null;
}

export interface CellTable {
  record_id: number;
  table_key: string;
  row_key: string;
  col_key: string;
  value: number | null;
  text: string | null;
  inferred: number;
  uncertain: number;
}

export interface CheckTable {
  record_id: number;
  seq: number;
  table_key: string;
  rule: string;
  row_key: string | null;
  col_key: string | null;
  left_value: number;
  right_value: number;
  pass: number;
  soft: number;
  nulls_as_zero: string;
}

export interface AgencyRunTable {
  run_id: number;
  agency_id: string;
  list_pages_read: number;
  reports_found: number;
  reports_new: number;
  reports_changed: number;
  /** ok, partial, blocked, unreachable, no-list-url */
  outcome: string;
  reason: string | null;
  finished_at: string;
  details: string | null;
}

/**
 * What a run read of each agency's 年报 column, page by page (migration 006): a list page shared by several
 * agencies (a county column holding its departments' reports, one home page for several seeds) has one row
 * per agency, so a failure there is every sharing agency's failure and `missing` can be said only of an
 * agency whose column was read.
 */
export interface AgencyListReadTable {
  run_id: number;
  agency_id: string;
  url: string;
  /** How the page serves the agency: home (looking for the column), column, continuation (a further page or API window). */
  role: string;
  /** The page that led to this one (null for a seed URL): an agency attached to a page later is attached to what it led to. */
  source_url: string | null;
  /** pending (queued, not read yet), read, unreachable, blocked. */
  outcome: string;
  reason: string | null;
  /** The portal platform recognised on the page (trs, hanweb, gkmlpt, ...). */
  platform: string | null;
  links_found: number | null;
  report_links: number | null;
  fetch_id: number | null;
  body_sha256: string | null;
  read_at: string | null;
}

/**
 * What a discovery run (`nianbao discover`) found, fact by fact (migration 008): a home page checked, a 年报
 * column found or not, a unit a column lists. Kept per run so a killed run continues with what it had, and
 * written into the registry CSV when the run finishes.
 */
export interface DiscoveryTable {
  run_id: number;
  /** The registry agency the fact is about; for a unit, the government whose column lists it. */
  agency_id: string;
  /** home, column or unit. */
  fact: string;
  /** Empty for home and column; the unit's name for a unit. */
  subject: string;
  url: string | null;
  /** home: verified, failed, unchecked; column: found, not-found; unit: verified, hint. */
  status: string;
  reason: string | null;
  /** How a column or a unit's column was found: link-text, platform-path. */
  found_by: string | null;
  /** JSON: what else the fact carries (a unit's kind, level, region code, the name as printed). */
  details: string | null;
  fetch_id: number | null;
  found_at: string;
}

export interface Database {
  agencies: AgencyTable;
  runs: RunTable;
  fetches: FetchTable;
  documents: DocumentTable;
  url_state: UrlStateTable;
  host_state: HostStateTable;
  work_items: WorkItemTable;
  reports: ReportTable;
  report_urls: ReportUrlTable;
  link_sources: LinkSourceTable;
  report_versions: ReportVersionTable;
  records: RecordTable;
  cells: CellTable;
  checks: CheckTable;
  agency_runs: AgencyRunTable;
  agency_list_reads: AgencyListReadTable;
  discoveries: DiscoveryTable;
}

/** Is this migration running on PostgreSQL? (The migrator hands every migration the store's handle.) */
export function onPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Column types as each engine spells them. SQLite's REAL is 8 bytes, PostgreSQL's 4 (12.35 would read back
 * as 12.3500004): a double there. SQLite's BLOB is PostgreSQL's BYTEA. Sizes of originals may pass 2 GiB
 * (`--max-bytes 3G`): a bigint on PostgreSQL, where integer is 4 bytes. An id is SQLite's INTEGER PRIMARY
 * KEY AUTOINCREMENT, PostgreSQL's identity column.
 */
function columnTypes(db: Kysely<any>) {
  const pg = onPostgres(db);
  return {
    real: (pg ? 'double precision' : 'real') as ColumnDataType,
    blob: (pg ? 'bytea' : 'blob') as ColumnDataType,
    size: (pg ? 'bigint' : 'integer') as ColumnDataType,
    id: (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()),
  };
}

const m001: Migration = {
  async up(db: Kysely<any>) {
    const t = columnTypes(db);
    await db.schema.createTable('agencies')
      .addColumn('agency_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('region_code', 'text').addColumn('level', 'text').addColumn('kind', 'text')
      .addColumn('parent_id', 'text').addColumn('home_url', 'text').addColumn('report_list_url', 'text')
      .addColumn('render', 'text', (c) => c.notNull().defaultTo('http'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('runs')
      .addColumn('run_id', 'integer', t.id)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('args', 'text').addColumn('host', 'text').addColumn('pid', 'integer')
      .addColumn('notes', 'text').addColumn('parser_version', 'text')
      .execute();
    await db.schema.createTable('fetches')
      .addColumn('fetch_id', 'integer', t.id)
      .addColumn('run_id', 'integer', (c) => c.references('runs.run_id'))
      .addColumn('agency_id', 'text')
      .addColumn('purpose', 'text')
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('final_url', 'text').addColumn('status', 'integer')
      .addColumn('request_headers', 'text').addColumn('response_headers', 'text').addColumn('redirects', 'text')
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .addColumn('duration_ms', 'integer').addColumn('body_sha256', 'text').addColumn('body_size', t.size)
      .addColumn('error', 'text').addColumn('referrer', 'text').addColumn('ip', 'text')
      .execute();
    await db.schema.createIndex('fetches_url').on('fetches').columns(['url', 'fetched_at']).execute();
    await db.schema.createIndex('fetches_agency').on('fetches').columns(['agency_id', 'purpose', 'fetched_at']).execute();
    await db.schema.createIndex('fetches_sha').on('fetches').column('body_sha256').execute();
    await db.schema.createIndex('fetches_run').on('fetches').column('run_id').execute();
    await db.schema.createTable('documents')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('size', t.size, (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('first_url', 'text')
      .execute();
    await db.schema.createTable('url_state')
      .addColumn('url', 'text', (c) => c.primaryKey())
      .addColumn('etag', 'text').addColumn('last_modified', 'text').addColumn('last_sha256', 'text')
      .addColumn('last_status', 'integer').addColumn('last_fetched_at', 'text')
      .execute();
    await db.schema.createTable('host_state')
      .addColumn('host', 'text', (c) => c.primaryKey())
      .addColumn('next_allowed_at', 'text')
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('paused_until', 'text').addColumn('crawl_delay_ms', 'integer').addColumn('last_status', 'integer')
      .addColumn('note', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createTable('work_items')
      .addColumn('item_id', 'integer', t.id)
      .addColumn('queue', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('not_before', 'text').addColumn('last_error', 'text').addColumn('claimed_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('work_items_queue_key', ['queue', 'key'])
      .execute();
    await db.schema.createIndex('work_items_pick').on('work_items').columns(['queue', 'status', 'priority', 'item_id']).execute();
    await db.schema.createTable('reports')
      .addColumn('report_id', 'integer', t.id)
      .addColumn('report_key', 'text', (c) => c.notNull().unique())
      .addColumn('agency_id', 'text').addColumn('agency_name', 'text').addColumn('year', 'integer')
      .addColumn('title', 'text').addColumn('published_at', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('gone_at', 'text').addColumn('current_version_id', 'integer')
      .execute();
    await db.schema.createIndex('reports_agency_year').on('reports').columns(['agency_id', 'year']).execute();
    await db.schema.createTable('report_urls')
      .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.report_id'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('discovered_from', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('gone_at', 'text')
      .addPrimaryKeyConstraint('report_urls_pk', ['report_id', 'url'])
      .execute();
    await db.schema.createIndex('report_urls_url').on('report_urls').column('url').execute();
    await db.schema.createTable('report_versions')
      .addColumn('version_id', 'integer', t.id)
      .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.report_id'))
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('size', t.size)
      .addColumn('source_url', 'text').addColumn('content_type', 'text').addColumn('file_name', 'text')
      .addColumn('title', 'text').addColumn('published_at', 'text').addColumn('discovered_from', 'text')
      .addColumn('fetch_id', 'integer').addColumn('run_id', 'integer')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('replaced_at', 'text')
      .addUniqueConstraint('report_versions_report_sha', ['report_id', 'sha256'])
      .execute();
    await db.schema.createIndex('report_versions_sha').on('report_versions').column('sha256').execute();
    await db.schema.createTable('records')
      .addColumn('record_id', 'integer', t.id)
      .addColumn('version_id', 'integer', (c) => c.notNull().references('report_versions.version_id'))
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('parser_version', 'text', (c) => c.notNull())
      .addColumn('run_id', 'integer')
      .addColumn('parsed_at', 'text', (c) => c.notNull())
      .addColumn('agency', 'text').addColumn('year', 'integer')
      .addColumn('json', 'text').addColumn('error', 'text')
      .addColumn('superseded_at', 'text').addColumn('superseded_by', 'integer')
      .execute();
    await db.schema.createIndex('records_version').on('records').columns(['version_id', 'superseded_at']).execute();
    await db.schema.createTable('cells')
      .addColumn('record_id', 'integer', (c) => c.notNull().references('records.record_id'))
      .addColumn('table_key', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .addColumn('col_key', 'text', (c) => c.notNull())
      .addColumn('value', t.real).addColumn('text', 'text')
      .addColumn('inferred', 'integer', (c) => c.notNull())
      .addColumn('uncertain', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('cells_pk', ['record_id', 'table_key', 'row_key', 'col_key'])
      .execute();
    await db.schema.createTable('checks')
      .addColumn('record_id', 'integer', (c) => c.notNull().references('records.record_id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('table_key', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text').addColumn('col_key', 'text')
      .addColumn('left_value', t.real, (c) => c.notNull())
      .addColumn('right_value', t.real, (c) => c.notNull())
      .addColumn('pass', 'integer', (c) => c.notNull())
      .addColumn('soft', 'integer', (c) => c.notNull())
      .addColumn('nulls_as_zero', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('checks_pk', ['record_id', 'seq'])
      .execute();
    await db.schema.createTable('agency_runs')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.run_id'))
      .addColumn('agency_id', 'text', (c) => c.notNull())
      .addColumn('list_pages_read', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reports_found', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reports_new', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reports_changed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .addPrimaryKeyConstraint('agency_runs_pk', ['run_id', 'agency_id'])
      .execute();
    await db.schema.createIndex('agency_runs_agency').on('agency_runs').columns(['agency_id', 'finished_at']).execute();
  },
};

/**
 * 002: the record JSON compressed (a record is ~20 KB of JSON that compresses ~10x; its values are also in
 * `cells`), and `cells` without a rowid so its primary key is the table itself instead of a second copy.
 * WITHOUT ROWID is SQLite syntax; on PostgreSQL this step is a plain table with a primary key.
 */
const m002: Migration = {
  async up(db: Kysely<any>) {
    const t = columnTypes(db);
    await db.schema.alterTable('records').addColumn('json_z', t.blob).execute();
    // PostgreSQL tables have no rowid to drop: `cells` as created by 001 is already what SQLite rebuilds here.
    if (onPostgres(db)) return;
    await db.schema.createTable('cells_new')
      .addColumn('record_id', 'integer', (c) => c.notNull().references('records.record_id'))
      .addColumn('table_key', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.notNull())
      .addColumn('col_key', 'text', (c) => c.notNull())
      .addColumn('value', 'real').addColumn('text', 'text')
      .addColumn('inferred', 'integer', (c) => c.notNull())
      .addColumn('uncertain', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('cells_pk2', ['record_id', 'table_key', 'row_key', 'col_key'])
      .modifyEnd(sql`without rowid`)
      .execute();
    await sql`insert into cells_new select record_id, table_key, row_key, col_key, value, text, inferred, uncertain from cells`.execute(db);
    await db.schema.dropTable('cells').execute();
    await db.schema.alterTable('cells_new').renameTo('cells').execute();
  },
};

/**
 * 003: the host of a work item, so a crawler claims the first pending item of each host (round robin over
 * hosts) instead of the oldest items globally, which would all sit on the host that was seeded first.
 */
const m003: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('work_items').addColumn('host', 'text').execute();
    await db.schema.createIndex('work_items_host').on('work_items').columns(['queue', 'status', 'host', 'item_id']).execute();
  },
};

/**
 * 004: a host's cookies, so a clearance a browser earned on a challenge page (412/521) is reused by the next
 * night's plain requests instead of starting Chromium again for every night.
 */
const m004: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('host_state').addColumn('cookies', 'text').execute();
  },
};

/**
 * 005: every list page that linked to a URL. A report listed in two columns (a county's own column and a
 * department's) is fetched and stored once, but both columns are its sources.
 */
const m005: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('link_sources')
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('list_url', 'text', (c) => c.notNull())
      .addColumn('agency_id', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('link_sources_pk', ['url', 'list_url'])
      .execute();
  },
};

/**
 * 006: per agency, every page of its column a run read (or failed to), with the platform recognised and the
 * links found: the evidence behind `missing`, kept for every agency sharing a page.
 */
const m006: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('agency_list_reads')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.run_id'))
      .addColumn('agency_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('source_url', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text').addColumn('platform', 'text')
      .addColumn('links_found', 'integer').addColumn('report_links', 'integer')
      .addColumn('fetch_id', 'integer').addColumn('body_sha256', 'text').addColumn('read_at', 'text')
      .addPrimaryKeyConstraint('agency_list_reads_pk', ['run_id', 'agency_id', 'url'])
      .execute();
    await db.schema.createIndex('agency_list_reads_url').on('agency_list_reads').columns(['run_id', 'url']).execute();
    await db.schema.createIndex('agency_list_reads_agency').on('agency_list_reads').columns(['agency_id', 'run_id']).execute();
    await db.schema.createIndex('agency_list_reads_source').on('agency_list_reads').columns(['run_id', 'source_url']).execute();
  },
};

/**
 * 007: a lease on each host, so several crawl processes (on one machine or several, sharing a PostgreSQL
 * store) talk to a host one at a time: a worker claims a host whose lease is free and whose politeness gap
 * has ended, renews the lease while it works, and gives it back with the next allowed time in the
 * transaction that completes its item (work-queue.ts, `HostLease`).
 */
const m007: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('host_state').addColumn('lease_owner', 'text').execute();
    await db.schema.alterTable('host_state').addColumn('lease_expires_at', 'text').execute();
  },
};

/**
 * 008: what discovery found (verified home pages, 年报 columns, units of a column's sub-columns), per run, so a
 * discovery killed half way continues with what it had. Numbered 008: 007 is the host leases of issue 16.
 */
const m008: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('discoveries')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.run_id'))
      .addColumn('agency_id', 'text', (c) => c.notNull())
      .addColumn('fact', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('url', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text').addColumn('found_by', 'text').addColumn('details', 'text')
      .addColumn('fetch_id', 'integer')
      .addColumn('found_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('discoveries_pk', ['run_id', 'agency_id', 'fact', 'subject'])
      .execute();
  },
};

/** Ordered by name; the Migrator records which ran in `kysely_migration`. */
export const MIGRATIONS: Record<string, Migration> = {
  '001_initial': m001,
  '002_compact_records': m002,
  '003_work_item_host': m003,
  '004_host_cookies': m004,
  '005_link_sources': m005,
  '006_agency_list_reads': m006,
  '007_host_leases': m007,
  '008_discoveries': m008,
};
