/** Runs: one row per crawl, reparse or other job, so every exchange, version and record says which job made it. */
import { hostname } from 'node:os';
import { sql, type Selectable } from 'kysely';
import { now, Repository } from './db.ts';
import type { Database } from './schema.ts';

export type RunRow = Selectable<Database['runs']>;

export class Runs extends Repository {
  /** Starts a run (crawl, reparse, ...); returns its id. */
  async start(kind: string, args?: unknown, parserVersion?: string | null): Promise<number> {
    this.assertWritable();
    const r = await this.db.insertInto('runs').values({
      kind, started_at: now(), status: 'running', args: args === undefined ? null : JSON.stringify(args),
      host: hostname(), pid: process.pid, finished_at: null, notes: null, parser_version: parserVersion ?? null,
    }).returning('run_id').executeTakeFirstOrThrow();
    return r.run_id;
  }

  async finish(runId: number, status: 'ok' | 'failed' | 'interrupted' = 'ok', notes?: string | null): Promise<void> {
    this.assertWritable();
    await this.db.updateTable('runs').set({ finished_at: now(), status, notes: notes ?? null })
      .where('run_id', '=', runId).execute();
  }

  /**
   * The newest run of `kind` still marked running: its process was killed or stopped early (a live writer
   * would hold the storage lock we hold now). It is taken over by this process and continued.
   */
  async takeOver(kind: string): Promise<RunRow | null> {
    this.assertWritable();
    const r = await this.db.selectFrom('runs').selectAll().where('kind', '=', kind).where('status', '=', 'running')
      .orderBy('run_id', 'desc').limit(1).executeTakeFirst();
    if (!r) return null;
    await this.db.updateTable('runs').set({ host: hostname(), pid: process.pid }).where('run_id', '=', r.run_id).execute();
    return { ...r, host: hostname(), pid: process.pid };
  }

  /**
   * The run of `kind` under way, joined, or a new one. On PostgreSQL several processes start together
   * (three crawl workers): a transaction-scoped advisory lock makes them agree on one run instead of each
   * starting its own. A joined run keeps the host and pid of the process that started it.
   */
  async joinOrStart(kind: string, args?: unknown): Promise<{ run: RunRow; joined: boolean }> {
    this.assertWritable();
    return this.db.transaction().execute(async (trx) => {
      if (this.engine === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`nianbao run ${kind}`}))`.execute(trx);
      const running = await trx.selectFrom('runs').selectAll().where('kind', '=', kind).where('status', '=', 'running')
        .orderBy('run_id', 'desc').limit(1).executeTakeFirst();
      if (running) return { run: running, joined: true };
      const run = await trx.insertInto('runs').values({
        kind, started_at: now(), status: 'running', args: args === undefined ? null : JSON.stringify(args),
        host: hostname(), pid: process.pid, finished_at: null, notes: null, parser_version: null,
      }).returningAll().executeTakeFirstOrThrow();
      return { run, joined: false };
    });
  }

  async get(runId: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  }

  async list(limit = 100): Promise<RunRow[]> {
    return this.db.selectFrom('runs').selectAll().orderBy('run_id', 'desc').limit(limit).execute();
  }
}
