/**
 * The agencies of the registry, as last loaded (the denominator of coverage). Rows are stored as given; the
 * registry (src/seeds) turns its agencies into rows and back.
 */
import type { Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

export type AgencyRow = Selectable<Database['agencies']>;
export type AgencyRowInput = Omit<AgencyRow, 'updated_at'>;

export class Agencies extends Repository {
  /** Inserts or updates agencies; returns how many. */
  async upsert(rows: readonly AgencyRowInput[]): Promise<number> {
    this.assertWritable();
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const row = { ...r, updated_at: at };
        await trx.insertInto('agencies').values(row)
          .onConflict((oc) => oc.column('agency_id').doUpdateSet({ ...row, agency_id: undefined }))
          .execute();
      }
    });
    return rows.length;
  }

  async list(): Promise<AgencyRow[]> {
    return this.db.selectFrom('agencies').selectAll().orderBy('agency_id').execute();
  }

  async get(agencyId: string): Promise<AgencyRow | undefined> {
    return this.db.selectFrom('agencies').selectAll().where('agency_id', '=', agencyId).executeTakeFirst();
  }
}
