/**
 * Evidence per agency: which pages of its column the run read, with what outcome. A page is attached to every
 * agency it serves (a home page several seeds share, a county column holding its departments' reports, every
 * further page of a shared list), and its outcome is recorded for all of them at once, so a failure on a shared
 * host or list is every sharing agency's failure, and a list built by script that no browser rendered is
 * `blocked` for each, never "read, no reports".
 */
import type { ListRead, ListReadResult, ListReadRole, Store } from '../store/index.ts';

export interface AgencyOutcome {
  /** ok: its column was read; partial: read, but some pages failed; blocked / unreachable: nothing of it was read. */
  outcome: 'ok' | 'partial' | 'blocked' | 'unreachable';
  listPages: number;
  blocked: string | null;
  unreachable: string | null;
  platforms: string[];
}

export class Evidence {
  constructor(private readonly store: Pick<Store, 'listReads'>, private readonly runId: number) {}

  /** The page (reached from `source`) serves these agencies (in this run). */
  attach(agencyIds: string[], url: string, role: ListReadRole, source: string | null): Promise<void> {
    return this.store.listReads.attach(this.runId, [...new Set(agencyIds)].map((agencyId) => ({ agencyId, url, role, source })));
  }

  /** The agencies a page serves, the one it was queued for first. */
  async servedBy(url: string, fallback: string): Promise<string[]> {
    const ids = await this.store.listReads.agenciesAt(this.runId, url);
    return [fallback, ...ids.filter((i) => i !== fallback)];
  }

  /** Records a read of the page for every agency it serves. */
  async read(url: string, r: ListReadResult): Promise<string[]> {
    return this.store.listReads.record(this.runId, url, r);
  }

  /** What a run's rows say of one agency. */
  static outcomeOf(rows: ListRead[]): AgencyOutcome {
    const column = rows.filter((r) => r.role !== 'home');
    const read = column.filter((r) => r.outcome === 'read');
    const failed = rows.filter((r) => r.outcome === 'blocked' || r.outcome === 'unreachable');
    const why = (o: string) => failed.filter((r) => r.outcome === o).map((r) => `${r.reason ?? o} (${r.url})`).join('; ') || null;
    let unreachable = why('unreachable');
    const blocked = why('blocked');
    // A home page read without finding the column: nothing of the column was read.
    if (!column.length && !failed.length) {
      const home = rows.find((r) => r.role === 'home' && r.outcome === 'read');
      unreachable = home ? `no 年报 column found from ${home.url}` : 'nothing was read';
    }
    const outcome = read.length ? (failed.length ? 'partial' : 'ok') : blocked ? 'blocked' : 'unreachable';
    return { outcome, listPages: read.length, blocked, unreachable, platforms: [...new Set(read.map((r) => r.platform).filter((p): p is string => !!p))] };
  }
}
