/**
 * Discovery as a walk (`nianbao discover`): the same session as the crawl (politeness, robots.txt, the address
 * guard, every exchange recorded, a frontier that survives a kill) with discovery's handlers
 * (handlers/discover.ts). Each registry row whose home page is a hint is verified and its 年报 column looked for;
 * a row verified before with its column has the column read again for units not seen yet. What it found is in the
 * store per run (discoveries) and comes back as registry facts (seeds/discovered.ts) for the CSV.
 */
import { openStorage, type Storage } from '../pipeline/index.ts';
import type { ColumnFinding, Findings, HomeFinding, UnitFinding, UnitIdentity } from '../seeds/discovered.ts';
import type { Agency } from '../seeds/index.ts';
import type { Discovery } from '../store/index.ts';
import type { CrawlItem, CrawlStats } from './context.ts';
import { MAX_ATTEMPTS } from './engine.ts';
import { discoverGaveUp, discoverHandlers } from './handlers/discover.ts';
import { itemKey, openSession, type WalkOptions } from './session.ts';

export interface DiscoverOptions extends WalkOptions {
  storageDir: string;
  /** The open storage of `storageDir` (the CLI's); otherwise discovery opens and closes one. */
  storage?: Storage;
  /** The whole registry (whose names a page may give, which units are known); default `agencies`. */
  registry?: Agency[];
}

/** What discovery made of one agency it was given. */
export interface DiscoverSummary {
  agencyId: string;
  name: string;
  /** ok: its home page (or its column) was read; unreachable, blocked: not. */
  outcome: 'ok' | 'unreachable' | 'blocked';
  home: HomeFinding | null;
  column: ColumnFinding | null;
  /** Why no column was found, when none was. */
  columnNote: string | null;
  units: number;
}

export interface DiscoverResult {
  runId: number;
  resumed: boolean;
  finished: boolean;
  interrupted: boolean;
  agencies: DiscoverSummary[];
  findings: Findings;
  requests: number;
  bytes: number;
  browserRenders: number;
  stats: CrawlStats & { elapsedMs: number };
}

/**
 * The work a registry row gives: its hinted (or not yet searched) home page to verify, or the column it has to be
 * read again for units. Failed rows wait for another hint or a person; rows without a home page have nothing to verify.
 */
export function discoverySeeds(a: Agency): CrawlItem[] {
  const p = a.provenance;
  const base = { agencyId: a.agencyId, source: null, root: null, depth: 0, page: 0 };
  if (p?.urlStatus === 'verified' && a.reportListUrls.length) {
    const foundBy = p.columnFoundBy === 'platform-path' ? 'platform-path' as const : 'link-text' as const;
    return [{ ...base, label: 'COLUMN', url: a.reportListUrls[0]!, discover: { foundBy } }];
  }
  if (!a.homeUrl || p?.urlStatus === 'failed') return [];
  return [{ ...base, label: 'VERIFY', url: a.homeUrl }];
}

export async function discover(opts: DiscoverOptions): Promise<DiscoverResult> {
  const storage = opts.storage ?? await openStorage(opts.storageDir, { command: 'nianbao discover' });
  try {
    return await discoverOn(storage, opts);
  } finally {
    if (!opts.storage) await storage.close();
  }
}

async function discoverOn(storage: Storage, opts: DiscoverOptions): Promise<DiscoverResult> {
  const session = await openSession(storage, {
    ...opts, kind: 'discover', known: opts.registry ?? opts.agencies, runArgs: { delayMs: opts.delayMs, agencies: opts.agencies.length },
    handlers: discoverHandlers(), gaveUp: discoverGaveUp,
    // A hint two governments share (a county given its city's portal) is checked for each of them.
    keyOf: (item) => `${itemKey(item)} @${item.agencyId}`,
  });
  const { runId, resumed, client, stats } = session;
  const { finished, failed, renders, elapsedMs } = await session.run(opts.agencies.flatMap(discoverySeeds));
  const facts = await storage.store.discoveries.forRun(runId);
  const findings = findingsOf(facts);
  if (finished) await storage.store.runs.finish(runId, 'ok', failed ? `${failed} work items failed after ${MAX_ATTEMPTS} attempts` : null);
  return {
    runId, resumed, finished, interrupted: !finished, agencies: summaries(opts.agencies, facts, findings), findings,
    requests: client.requests, bytes: client.bytes, browserRenders: renders, stats: { ...stats, requests: client.requests, bytes: client.bytes, elapsedMs },
  };
}

/** The run's facts as registry findings; a unit seen on several pages once (where its reports are listed, before a link to its own column). */
export function findingsOf(facts: Discovery[]): Findings {
  const homes: HomeFinding[] = facts.filter((f) => f.fact === 'home')
    .map((f) => ({ agencyId: f.agencyId, status: f.status as HomeFinding['status'], url: f.url!, reason: f.reason, at: f.foundAt }));
  const columns: ColumnFinding[] = facts.filter((f) => f.fact === 'column' && f.status === 'found')
    .map((f) => ({ agencyId: f.agencyId, url: f.url!, foundBy: f.foundBy as ColumnFinding['foundBy'], at: f.foundAt }));
  const units = new Map<string, UnitFinding>();
  for (const f of facts.filter((x) => x.fact === 'unit')) {
    const id = f.details as unknown as UnitIdentity;
    const seen = units.get(id.agencyId);
    if (seen && (seen.status === 'verified' || f.status !== 'verified')) continue;
    units.set(id.agencyId, {
      agencyId: id.agencyId, name: id.name, kind: id.kind, level: id.level, regionCode: id.regionCode, parentId: id.parentId,
      url: f.url!, status: f.status as UnitFinding['status'], foundBy: f.foundBy as UnitFinding['foundBy'], at: f.foundAt,
    });
  }
  return { homes, columns, units: [...units.values()] };
}

function summaries(agencies: Agency[], facts: Discovery[], found: Findings): DiscoverSummary[] {
  return agencies.filter((a) => discoverySeeds(a).length).map((a) => {
    const home = found.homes.find((h) => h.agencyId === a.agencyId) ?? null;
    const column = found.columns.find((c) => c.agencyId === a.agencyId) ?? null;
    const note = facts.find((f) => f.agencyId === a.agencyId && f.fact === 'column' && f.status === 'not-found')?.reason ?? null;
    // A home page fetched that names no government was read all the same; one never fetched was not.
    const fetched = facts.some((f) => f.agencyId === a.agencyId && f.fact === 'home' && f.fetchId !== null);
    const unread = home?.status === 'unchecked' && !fetched ? home.reason : !home && !column ? note ?? 'nothing was read' : null;
    const outcome = unread === null ? 'ok' as const : /challenge|robots\.txt|^blocked|^browser/.test(unread) ? 'blocked' as const : 'unreachable' as const;
    return { agencyId: a.agencyId, name: a.name, outcome, home, column, columnNote: column ? null : note, units: found.units.filter((u) => u.parentId === a.agencyId).length };
  });
}
