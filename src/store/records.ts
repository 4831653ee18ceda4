/**
 * Parsed records: one per parse of a report version, with its cells in tidy form (one row per value) and
 * its checks. A newer parse supersedes an older one; the older keeps its JSON and checks, and its cells
 * are rebuilt from that JSON on demand, so re-parsing does not grow the cells table.
 */
import { deflateSync } from 'node:zlib';
import type { Selectable } from 'kysely';
import { now, Repository, StoreError } from './db.ts';
import { recordJson } from './json.ts';
import { refreshCurrentVersion } from './reports.ts';
import type { Database } from './schema.ts';

export type RecordRow = Selectable<Database['records']>;
export type CellRow = Selectable<Database['cells']>;
export type CheckRow = Selectable<Database['checks']>;

/**
 * The part of a parsed record the store indexes (the parser's ReportRecord has this shape and more; the
 * whole record is kept as JSON).
 */
export interface ParsedRecord {
  parser_version: string;
  agency: string | null;
  year: number | null;
  tables: Record<string, { found: boolean; rows: Record<string, Record<string, ParsedCell>> }>;
  checks: readonly { table: string; rule: string; row: string | null; col: string | null; left: number; right: number; pass: boolean; soft?: boolean; nulls_as_zero: unknown }[];
}
export interface ParsedCell { value: number | null; text: string | null; inferred?: boolean; uncertain?: boolean }

/** A parse that failed, kept with its message so the failure is visible. */
export interface FailedParse { error: string; parserVersion: string }

export interface SaveRecordOptions {
  runId?: number | null;
  parsedAt?: string;
}

export class Records extends Repository {
  /**
   * Saves the parse of one report version: the record JSON, its cells in tidy form and its checks.
   * Earlier records of the same version are marked superseded by this one (kept, never deleted).
   * `record` may be an Error for a parse that failed: it is kept with its message.
   */
  async save(versionId: number, record: ParsedRecord | FailedParse, opts: SaveRecordOptions = {}): Promise<number> {
    this.assertWritable();
    const parsedAt = opts.parsedAt ?? now();
    return this.db.transaction().execute(async (trx) => {
      const version = await trx.selectFrom('report_versions').select(['sha256', 'report_id']).where('version_id', '=', versionId).executeTakeFirst();
      if (!version) throw new StoreError(`saveRecord: no report version ${versionId}`);
      const isError = 'error' in record;
      const ins = await trx.insertInto('records').values({
        version_id: versionId, sha256: version.sha256,
        parser_version: isError ? record.parserVersion : record.parser_version,
        run_id: opts.runId ?? null, parsed_at: parsedAt,
        agency: isError ? null : record.agency, year: isError ? null : record.year,
        json: null, json_z: isError ? null : deflateSync(JSON.stringify(record)), error: isError ? record.error : null,
        superseded_at: null, superseded_by: null,
      }).returning('record_id').executeTakeFirstOrThrow();
      const recordId = ins.record_id;
      const older = (await trx.selectFrom('records').select('record_id')
        .where('version_id', '=', versionId).where('superseded_at', 'is', null).where('record_id', '!=', recordId).execute())
        .map((r) => r.record_id);
      if (older.length) {
        await trx.updateTable('records').set({ superseded_at: parsedAt, superseded_by: recordId }).where('record_id', 'in', older).execute();
        // The tidy cells are an index of current records; a superseded record keeps its full JSON (and its
        // checks), and `cells()` rebuilds its cells from that JSON, so re-parsing does not grow the table.
        await trx.deleteFrom('cells').where('record_id', 'in', older).execute();
      }
      if (!isError) {
        const cells = tidyCells(record).map((c) => ({ record_id: recordId, ...c }));
        for (let i = 0; i < cells.length; i += 100) await trx.insertInto('cells').values(cells.slice(i, i + 100)).execute();
        const checks = record.checks.map((c, seq) => ({
          record_id: recordId, seq, table_key: c.table, rule: c.rule, row_key: c.row, col_key: c.col,
          left_value: c.left, right_value: c.right, pass: c.pass ? 1 : 0, soft: c.soft ? 1 : 0,
          nulls_as_zero: JSON.stringify(c.nulls_as_zero),
        }));
        for (let i = 0; i < checks.length; i += 100) await trx.insertInto('checks').values(checks.slice(i, i + 100)).execute();
      }
      await refreshCurrentVersion(trx, version.report_id);
      return recordId;
    });
  }

  /** Current (not superseded) records, optionally of one agency/year/report. */
  async latest(filter: { agencyId?: string; year?: number; reportId?: number; versionId?: number } = {}): Promise<(RecordRow & { report_id: number; agency_id: string | null; report_year: number | null })[]> {
    let q = this.db.selectFrom('records')
      .innerJoin('report_versions', 'report_versions.version_id', 'records.version_id')
      .innerJoin('reports', 'reports.report_id', 'report_versions.report_id')
      .selectAll('records')
      .select(['reports.report_id', 'reports.agency_id', 'reports.year as report_year'])
      .where('records.superseded_at', 'is', null);
    if (filter.agencyId !== undefined) q = q.where('reports.agency_id', '=', filter.agencyId);
    if (filter.year !== undefined) q = q.where('reports.year', '=', filter.year);
    if (filter.reportId !== undefined) q = q.where('reports.report_id', '=', filter.reportId);
    if (filter.versionId !== undefined) q = q.where('records.version_id', '=', filter.versionId);
    // In the order the versions were seen: parse workers finish in any order, so record ids do not say it.
    return (await q.orderBy('records.version_id').orderBy('records.record_id').execute()).map(withJson);
  }

  /** Current successful records, oldest first, streamed; `json` still compressed (read it with recordJson). */
  streamCurrent(): AsyncIterableIterator<RecordRow> {
    return this.db.selectFrom('records').selectAll().where('superseded_at', 'is', null).where('error', 'is', null).orderBy('record_id').stream();
  }

  /** Versions whose current record is a successful parse by this parser version. */
  async parsedBy(parserVersion: string): Promise<Set<number>> {
    return new Set((await this.db.selectFrom('records').select('version_id')
      .where('superseded_at', 'is', null).where('parser_version', '=', parserVersion).where('error', 'is', null).execute())
      .map((r) => r.version_id));
  }

  /** Every record of a version, oldest first, superseded ones included (`json` decoded). */
  async history(versionId: number): Promise<RecordRow[]> {
    return (await this.db.selectFrom('records').selectAll().where('version_id', '=', versionId).orderBy('record_id').execute()).map(withJson);
  }

  /** One parsed record as the parser returned it; null for a failed parse or an unknown id. */
  async get<T = ParsedRecord>(recordId: number): Promise<T | null> {
    const r = await this.db.selectFrom('records').selectAll().where('record_id', '=', recordId).executeTakeFirst();
    const json = r ? recordJson(r) : null;
    return json ? JSON.parse(json) as T : null;
  }

  /** The tidy cells of a record; for a superseded record they are rebuilt from its stored JSON. */
  async cells(recordId: number): Promise<CellRow[]> {
    const rows = await this.db.selectFrom('cells').selectAll().where('record_id', '=', recordId)
      .orderBy('table_key').orderBy('row_key').orderBy('col_key').execute();
    if (rows.length) return rows;
    const record = await this.get(recordId);
    if (!record) return [];
    const key = (c: { table_key: string; row_key: string; col_key: string }) => `${c.table_key}\u0000${c.row_key}\u0000${c.col_key}`;
    return tidyCells(record).map((c) => ({ record_id: recordId, ...c })).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  async checks(recordId: number): Promise<CheckRow[]> {
    return this.db.selectFrom('checks').selectAll().where('record_id', '=', recordId).orderBy('seq').execute();
  }
}

/** One row per cell of every found table (tidy form). */
export function tidyCells(record: ParsedRecord): Omit<Database['cells'], 'record_id'>[] {
  const out: Omit<Database['cells'], 'record_id'>[] = [];
  for (const [tableKey, table] of Object.entries(record.tables)) {
    if (!table.found) continue;
    for (const [rowKey, row] of Object.entries(table.rows)) {
      for (const [colKey, c] of Object.entries(row)) {
        out.push({ table_key: tableKey, row_key: rowKey, col_key: colKey, value: c.value, text: c.text, inferred: c.inferred ? 1 : 0, uncertain: c.uncertain ? 1 : 0 });
      }
    }
  }
  return out;
}

function withJson<T extends RecordRow>(r: T): T {
  return { ...r, json: recordJson(r), json_z: null };
}
