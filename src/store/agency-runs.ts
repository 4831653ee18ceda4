/**
 * What each run found per agency: list pages read, reports found, and the problems met on the way
 * (blocked, unreachable, no column), noted as they happen so a continued run still knows them.
 */
import type { Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { FetchRow } from './fetches.ts';
import type { Database } from './schema.ts';

export type AgencyRunRow = Selectable<Database['agency_runs']>;

export interface AgencyRunSummary {
  runId: number;
  agencyId: string;
  listPagesRead: number;
  reportsFound: number;
  reportsNew: number;
  reportsChanged: number;
  /** ok, partial, blocked, unreachable, no-list-url */
  outcome: string;
  reason?: string | null;
  finishedAt?: string;
  details?: unknown;
}

export interface AgencyListState {
  agencyId: string;
  /** Last time a list page of this agency was read (any status), and what came back. */
  lastListFetch: FetchRow | null;
  /** Every list-page fetch of the agency's most recent run that read list pages. */
  lastListFetches: FetchRow[];
  /** The agency's summary in its most recent run. */
  lastSummary: AgencyRunRow | null;
}

export class AgencyRuns extends Repository {
  async record(s: AgencyRunSummary): Promise<void> {
    this.assertWritable();
    const row = {
      run_id: s.runId, agency_id: s.agencyId, list_pages_read: s.listPagesRead, reports_found: s.reportsFound,
      reports_new: s.reportsNew, reports_changed: s.reportsChanged, outcome: s.outcome, reason: s.reason ?? null,
      finished_at: s.finishedAt ?? now(), details: s.details === undefined ? null : JSON.stringify(s.details),
    };
    await this.db.insertInto('agency_runs').values(row)
      .onConflict((oc) => oc.columns(['run_id', 'agency_id']).doUpdateSet({ ...row, run_id: undefined, agency_id: undefined })).execute();
  }

  /**
   * Notes a problem with an agency's column while a run is under way (blocked, unreachable, ...), so that a
   * run killed and continued still knows it; the first problem of a kind is kept. The run's final
   * `recordAgencyRun` replaces the row with the full summary.
   */
  async noteProblem(runId: number, agencyId: string, outcome: 'blocked' | 'unreachable' | 'no-list-url', reason: string): Promise<void> {
    this.assertWritable();
    await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('agency_runs').selectAll().where('run_id', '=', runId).where('agency_id', '=', agencyId).executeTakeFirst();
      const problems = (row?.details ? (JSON.parse(row.details) as { problems?: { outcome: string; reason: string }[] }).problems : null) ?? [];
      if (problems.some((p) => p.outcome === outcome)) return;
      problems.push({ outcome, reason });
      const values = {
        run_id: runId, agency_id: agencyId, list_pages_read: row?.list_pages_read ?? 0, reports_found: row?.reports_found ?? 0,
        reports_new: row?.reports_new ?? 0, reports_changed: row?.reports_changed ?? 0,
        outcome: row && row.outcome !== 'ok' ? row.outcome : outcome, reason: row?.reason ?? reason, finished_at: now(),
        details: JSON.stringify({ problems }),
      };
      await trx.insertInto('agency_runs').values(values)
        .onConflict((oc) => oc.columns(['run_id', 'agency_id']).doUpdateSet({ ...values, run_id: undefined, agency_id: undefined })).execute();
    });
  }

  /** Problems noted for the agencies of a run (see noteAgencyProblem), by agency. */
  async problems(runId: number): Promise<Map<string, { outcome: string; reason: string }[]>> {
    const rows = await this.db.selectFrom('agency_runs').select(['agency_id', 'details']).where('run_id', '=', runId).execute();
    const out = new Map<string, { outcome: string; reason: string }[]>();
    for (const r of rows) {
      const p = r.details ? (JSON.parse(r.details) as { problems?: { outcome: string; reason: string }[] }).problems : undefined;
      if (p?.length) out.set(r.agency_id, p);
    }
    return out;
  }

  async list(filter: { runId?: number; agencyId?: string } = {}): Promise<AgencyRunRow[]> {
    let q = this.db.selectFrom('agency_runs').selectAll();
    if (filter.runId !== undefined) q = q.where('run_id', '=', filter.runId);
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    return q.orderBy('finished_at').execute();
  }

  /**
   * Each agency's newest summary (by finish time, then run), for the agencies given or all: where the
   * evidence of its last attempt lives.
   */
  async latestPerAgency(): Promise<AgencyRunRow[]> {
    const rows = await this.db.selectFrom('agency_runs').selectAll().orderBy('agency_id').orderBy('finished_at', 'desc').orderBy('run_id', 'desc').execute();
    const out: AgencyRunRow[] = [];
    for (const r of rows) if (out[out.length - 1]?.agency_id !== r.agency_id) out.push(r);
    return out;
  }

  /** Per agency: when its list pages were last read and what they held. */
  async listState(agencyId: string): Promise<AgencyListState> {
    const lastListFetch = (await this.db.selectFrom('fetches').selectAll()
      .where('agency_id', '=', agencyId).where('purpose', '=', 'list')
      .orderBy('fetched_at', 'desc').orderBy('fetch_id', 'desc').limit(1).executeTakeFirst()) ?? null;
    const lastListFetches = lastListFetch
      ? await this.db.selectFrom('fetches').selectAll().where('agency_id', '=', agencyId).where('purpose', '=', 'list')
        .where('run_id', lastListFetch.run_id === null ? 'is' : '=', lastListFetch.run_id).orderBy('fetch_id').execute()
      : [];
    const lastSummary = (await this.db.selectFrom('agency_runs').selectAll().where('agency_id', '=', agencyId)
      .orderBy('finished_at', 'desc').limit(1).executeTakeFirst()) ?? null;
    return { agencyId, lastListFetch, lastListFetches, lastSummary };
  }
}
