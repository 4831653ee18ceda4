/**
 * What a discovery run found, fact by fact: a home page checked (verified, failed, or left unchecked and why), a
 * 年报 column found or not (and how), a unit a column's sub-column lists. One row per run, agency, fact and
 * subject; a fact recorded again (an item handled again after a kill) replaces the row.
 */
import type { Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

export type DiscoveryFact = 'home' | 'column' | 'unit';

export interface Discovery {
  runId: number;
  agencyId: string;
  fact: DiscoveryFact;
  /** Empty for home and column; the unit's name for a unit. */
  subject: string;
  url: string | null;
  status: string;
  reason: string | null;
  foundBy: string | null;
  details: Record<string, unknown> | null;
  fetchId: number | null;
  foundAt: string;
}

export type DiscoveryInput = Omit<Discovery, 'runId' | 'foundAt' | 'subject' | 'reason' | 'foundBy' | 'details' | 'fetchId' | 'url'>
  & Partial<Pick<Discovery, 'subject' | 'url' | 'reason' | 'foundBy' | 'details' | 'fetchId' | 'foundAt'>>;

type Row = Selectable<Database['discoveries']>;

const fromRow = (r: Row): Discovery => ({
  runId: r.run_id, agencyId: r.agency_id, fact: r.fact as DiscoveryFact, subject: r.subject, url: r.url, status: r.status, reason: r.reason,
  foundBy: r.found_by, details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null, fetchId: r.fetch_id, foundAt: r.found_at,
});

export class Discoveries extends Repository {
  async record(runId: number, d: DiscoveryInput): Promise<void> {
    this.assertWritable();
    const row = {
      run_id: runId, agency_id: d.agencyId, fact: d.fact, subject: d.subject ?? '', url: d.url ?? null, status: d.status, reason: d.reason ?? null,
      found_by: d.foundBy ?? null, details: d.details ? JSON.stringify(d.details) : null, fetch_id: d.fetchId ?? null, found_at: d.foundAt ?? now(),
    };
    await this.db.insertInto('discoveries').values(row)
      .onConflict((oc) => oc.columns(['run_id', 'agency_id', 'fact', 'subject']).doUpdateSet({
        url: row.url, status: row.status, reason: row.reason, found_by: row.found_by, details: row.details, fetch_id: row.fetch_id, found_at: row.found_at,
      })).execute();
  }

  /** Every fact a run recorded, in agency, fact and subject order. */
  async forRun(runId: number): Promise<Discovery[]> {
    const rows = await this.db.selectFrom('discoveries').selectAll().where('run_id', '=', runId)
      .orderBy('agency_id').orderBy('fact').orderBy('subject').execute();
    return rows.map(fromRow);
  }
}
