/**
 * What each run read of each agency's 年报 column, page by page: every page an agency's column is walked
 * through (its home page while the column is looked for, the column, further pages and API windows, a
 * browser render), the outcome, the platform recognised and the links found. A page serving several agencies
 * has a row for each, so its failure is every one's failure, and an agency is `missing` only when its own
 * rows say its column was read.
 */
import type { Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

export type ListReadOutcome = 'pending' | 'read' | 'unreachable' | 'blocked';
export type ListReadRole = 'home' | 'column' | 'continuation';

export interface ListRead {
  runId: number;
  agencyId: string;
  url: string;
  role: ListReadRole;
  source: string | null;
  outcome: ListReadOutcome;
  reason: string | null;
  platform: string | null;
  linksFound: number | null;
  reportLinks: number | null;
  fetchId: number | null;
  sha256: string | null;
  readAt: string | null;
}

/** What a read of one page gave (the same for every agency the page serves). */
export interface ListReadResult {
  outcome: Exclude<ListReadOutcome, 'pending'>;
  reason?: string | null;
  platform?: string | null;
  linksFound?: number | null;
  reportLinks?: number | null;
  fetchId?: number | null;
  sha256?: string | null;
}

type Row = Selectable<Database['agency_list_reads']>;

export class AgencyListReads extends Repository {
  /**
   * The page `url` (reached from `source`, null for a seed) serves these agencies in this run. A page already read
   * in the run (for another agency) gives its outcome to the newcomers at once: it will not be read again; and
   * the pages it led to serve them too.
   */
  async attach(runId: number, entries: { agencyId: string; url: string; role: ListReadRole; source?: string | null }[]): Promise<void> {
    this.assertWritable();
    if (!entries.length) return;
    await this.db.transaction().execute(async (trx) => {
      const todo = [...entries];
      for (let e = todo.shift(); e; e = todo.shift()) {
        const existing = await trx.selectFrom('agency_list_reads').selectAll().where('run_id', '=', runId).where('url', '=', e.url).execute();
        if (existing.some((r) => r.agency_id === e!.agencyId)) continue;
        const done = existing.filter((r) => r.outcome !== 'pending').sort((a, b) => (b.read_at ?? '').localeCompare(a.read_at ?? ''))[0];
        await trx.insertInto('agency_list_reads').values({
          run_id: runId, agency_id: e.agencyId, url: e.url, role: e.role, source_url: e.source ?? existing[0]?.source_url ?? null,
          outcome: done?.outcome ?? 'pending', reason: done?.reason ?? null, platform: done?.platform ?? null, links_found: done?.links_found ?? null,
          report_links: done?.report_links ?? null, fetch_id: done?.fetch_id ?? null, body_sha256: done?.body_sha256 ?? null, read_at: done?.read_at ?? null,
        }).onConflict((oc) => oc.columns(['run_id', 'agency_id', 'url']).doNothing()).execute();
        // What the page led to before this agency came serves it too.
        const led = await trx.selectFrom('agency_list_reads').select(['url', 'role']).distinct().where('run_id', '=', runId).where('source_url', '=', e.url).execute();
        for (const l of led) todo.push({ agencyId: e.agencyId, url: l.url, role: l.role as ListReadRole, source: e.url });
      }
    });
  }

  /** The agencies a page serves in this run. */
  async agenciesAt(runId: number, url: string): Promise<string[]> {
    const rows = await this.db.selectFrom('agency_list_reads').select('agency_id').where('run_id', '=', runId).where('url', '=', url)
      .orderBy('agency_id').execute();
    return rows.map((r) => r.agency_id);
  }

  /** Records the read of a page for every agency it serves; returns those agencies. */
  async record(runId: number, url: string, r: ListReadResult): Promise<string[]> {
    this.assertWritable();
    await this.db.updateTable('agency_list_reads').set({
      outcome: r.outcome, reason: r.reason ?? null, platform: r.platform ?? null, links_found: r.linksFound ?? null,
      report_links: r.reportLinks ?? null, fetch_id: r.fetchId ?? null, body_sha256: r.sha256 ?? null, read_at: now(),
    }).where('run_id', '=', runId).where('url', '=', url).execute();
    return this.agenciesAt(runId, url);
  }

  /** Every row of a run (all agencies), in the order the pages were attached. */
  async forRun(runId: number): Promise<ListRead[]> {
    return (await this.db.selectFrom('agency_list_reads').selectAll().where('run_id', '=', runId).orderBy('agency_id').orderBy('url').execute()).map(listReadOf);
  }

  /** An agency's rows in its most recent run that has any (the evidence of the last read of its column). */
  async latestFor(agencyId: string): Promise<ListRead[]> {
    const last = await this.db.selectFrom('agency_list_reads').select((eb) => eb.fn.max('run_id').as('run_id')).where('agency_id', '=', agencyId).executeTakeFirst();
    if (last?.run_id === null || last?.run_id === undefined) return [];
    return (await this.db.selectFrom('agency_list_reads').selectAll().where('agency_id', '=', agencyId).where('run_id', '=', Number(last.run_id))
      .orderBy('url').execute()).map(listReadOf);
  }
}

function listReadOf(r: Row): ListRead {
  return {
    runId: r.run_id, agencyId: r.agency_id, url: r.url, role: r.role as ListReadRole, source: r.source_url, outcome: r.outcome as ListReadOutcome, reason: r.reason,
    platform: r.platform, linksFound: r.links_found, reportLinks: r.report_links, fetchId: r.fetch_id, sha256: r.body_sha256, readAt: r.read_at,
  };
}
