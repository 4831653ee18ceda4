/**
 * `nianbao run`, the nightly job: crawl → parse → status, one run at a time, and a summary of what changed
 * since the last run (new reports, changed reports, newly late, newly unreachable), stored under
 * `<storage>/runs/` and printed. Exit codes are documented in RUN_EXIT for schedulers.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRAWL_EXIT } from '../crawl/exit-codes.ts';
import { loadFacts } from './source.ts';
import { computeStatus, type StatusKind } from './status.ts';
import type { AgencyFacts } from './types.ts';

/** Exit codes of `nianbao run`, for cron and systemd (`SuccessExitStatus=`, `OnFailure=`). */
export const RUN_EXIT = {
  ok: 0,
  /** An unexpected error (a bug or a broken storage); see the log. */
  error: 1,
  /** Bad command-line input. */
  usage: 2,
  /** Another `nianbao run` holds the lock on this storage; nothing was done. */
  locked: 3,
  /** The crawl or the parse failed; status and the summary were still computed from what is stored. */
  stageFailed: 4,
} as const;

export const RUN_LOCK = 'nightly.lock';
export const RUNS_DIR = 'runs';

export interface StageOutcome {
  ok: boolean;
  /** One line: what the stage did or why it failed. */
  detail: string;
}

export type Stage = (ctx: { storageDir: string; seeds: string | null; crawlArgs: string[]; log: (line: string) => void }) => Promise<StageOutcome>;

/** One agency × year as the summary compares it. */
interface SnapshotEntry {
  status: StatusKind;
  daysLate: number | null;
  sha256s: string[];
  name: string;
}

export interface RunSnapshot {
  finishedAt: string;
  today: string;
  years: number[];
  entries: Record<string, SnapshotEntry>;
}

export interface ChangeItem {
  agencyId: string;
  name: string;
  year: number;
  detail: string;
}

export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  today: string;
  years: number[];
  previousRun: string | null;
  stages: Record<string, StageOutcome>;
  exitCode: number;
  counts: Partial<Record<StatusKind, number>> & { agencies: number };
  newReports: ChangeItem[];
  changedReports: ChangeItem[];
  newlyLate: ChangeItem[];
  newlyUnreachable: ChangeItem[];
}

export class RunLockedError extends Error {
  constructor(readonly path: string, readonly owner: string) {
    super(`another nianbao run is in progress on this storage (${owner}); lock file ${path}`);
    this.name = 'RunLockedError';
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Takes the run lock (O_EXCL); a lock left by a dead process on this host is taken over. */
export function acquireRunLock(storageDir: string): () => void {
  mkdirSync(storageDir, { recursive: true });
  const path = join(storageDir, RUN_LOCK);
  const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try { writeSync(fd, JSON.stringify(me)); } finally { closeSync(fd); }
      return () => { try { unlinkSync(path); } catch { /* already gone */ } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner: { pid: number; host: string; since: string } | null = null;
    try { owner = JSON.parse(readFileSync(path, 'utf8')); } catch { /* being written */ }
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      // Stale: move it aside atomically so that two takers cannot both remove a fresh lock.
      try { renameSync(path, `${path}.stale-${process.pid}`); unlinkSync(`${path}.stale-${process.pid}`); } catch { /* someone else took it */ }
      continue;
    }
    throw new RunLockedError(path, owner ? `pid ${owner.pid} on ${owner.host} since ${owner.since}` : 'owner unknown');
  }
  throw new RunLockedError(path, 'could not take over a stale lock');
}

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));

/** Runs `nianbao <args>` as a child, its output passed through line by line to `log`. */
export function nianbaoChild(args: string[], log: (line: string) => void, okCodes: readonly number[] = [0]): Promise<StageOutcome> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The detail line: on success the first line the command printed on stdout (its summary), on
    // failure the last line of stderr (the error).
    let firstOut = '';
    let lastErr = '';
    const pipe = (s: NodeJS.ReadableStream, isErr: boolean) => {
      let buf = '';
      const line = (l: string) => {
        if (!l.trim()) return;
        if (isErr) lastErr = l; else if (!firstOut) firstOut = l;
        log(l);
      };
      s.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) { line(buf.slice(0, i)); buf = buf.slice(i + 1); }
      });
      s.on('end', () => line(buf));
    };
    pipe(child.stdout!, false);
    pipe(child.stderr!, true);
    const cut = (l: string) => l.trim().replace(/\s+/g, ' ').slice(0, 200);
    child.on('error', (e) => res({ ok: false, detail: `could not start: ${e.message}` }));
    child.on('close', (code, signal) => res(code !== null && okCodes.includes(code)
      ? { ok: true, detail: `nianbao ${args[0]}${firstOut ? `: ${cut(firstOut)}` : ' finished'}` }
      : { ok: false, detail: `nianbao ${args[0]} exited ${signal ?? code}${lastErr || firstOut ? `: ${cut(lastErr || firstOut)}` : ''}` }));
  });
}

/** The default stages: the crawler's and the parser's own commands, each a separate process. */
export const DEFAULT_STAGES: Record<'crawl' | 'parse', Stage> = {
  crawl: ({ storageDir, seeds, crawlArgs, log }) =>
    // A crawl that read some columns but not others finished its work: the unread ones are in status.
    seeds ? nianbaoChild(['crawl', '--seeds', seeds, '--storage', storageDir, ...crawlArgs], log, [CRAWL_EXIT.ok, CRAWL_EXIT.someUnread])
      : Promise.resolve({ ok: false, detail: 'no --seeds given: nothing to crawl' }),
  parse: ({ storageDir, log }) => nianbaoChild(['reparse', '--storage', storageDir, '--only-stale', '--wait', '600'], log),
};

function readPrevious(runsDir: string): RunSnapshot | null {
  try { return JSON.parse(readFileSync(join(runsDir, 'latest.json'), 'utf8')).snapshot as RunSnapshot; } catch { return null; }
}

/** What changed between two snapshots. A first run reports everything it found as new. */
export function compareSnapshots(prev: RunSnapshot | null, next: RunSnapshot): Pick<RunSummary, 'newReports' | 'changedReports' | 'newlyLate' | 'newlyUnreachable'> {
  const out = { newReports: [] as ChangeItem[], changedReports: [] as ChangeItem[], newlyLate: [] as ChangeItem[], newlyUnreachable: [] as ChangeItem[] };
  for (const [key, e] of Object.entries(next.entries)) {
    const [agencyId, y] = key.split('|') as [string, string];
    const year = Number(y);
    const before = prev?.entries[key];
    const item = (detail: string) => ({ agencyId, name: e.name, year, detail });
    if (e.sha256s.length && !before?.sha256s.length) out.newReports.push(item(`${e.status}${e.daysLate ? ` (${e.daysLate} days late)` : ''}`));
    else if (before && e.sha256s.some((s) => !before.sha256s.includes(s))) {
      out.changedReports.push(item(`new version ${e.sha256s.filter((s) => !before.sha256s.includes(s)).map((s) => s.slice(0, 12)).join(', ')}`));
    }
    if (e.status === 'late' && before?.status !== 'late') out.newlyLate.push(item(`${e.daysLate} days late`));
    if (e.status === 'missing' && before && before.status === 'not_yet_due') out.newlyLate.push(item('deadline passed, nothing published'));
    // Unreachable is about the agency's column, not a year: listed once per agency.
    if ((e.status === 'unreachable' || e.status === 'blocked') && before && before.status !== 'unreachable' && before.status !== 'blocked'
      && !out.newlyUnreachable.some((x) => x.agencyId === agencyId)) {
      out.newlyUnreachable.push(item(e.status));
    }
  }
  return out;
}

export interface NightlyOptions {
  storageDir: string;
  seeds: string | null;
  agencies?: AgencyFacts[];
  today: string;
  /** Report years to judge; default the last two (the year now due and the one before). */
  years?: number[];
  stages?: Partial<Record<'crawl' | 'parse', Stage | null>>;
  /** Extra arguments for `nianbao crawl` (e.g. --delay-ms 2000 --proxy http://...). */
  crawlArgs?: string[];
  log?: (line: string) => void;
}

export async function nightlyRun(opts: NightlyOptions): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`));
  const release = acquireRunLock(opts.storageDir); // throws RunLockedError
  const startedAt = new Date().toISOString();
  try {
    const stages: Record<string, StageOutcome> = {};
    for (const name of ['crawl', 'parse'] as const) {
      const stage = opts.stages?.[name] === undefined ? DEFAULT_STAGES[name] : opts.stages[name];
      if (!stage) continue;
      log(`${name}: start`);
      try {
        stages[name] = await stage({ storageDir: opts.storageDir, seeds: opts.seeds, crawlArgs: opts.crawlArgs ?? [], log: (l) => log(`${name}: ${l}`) });
      } catch (e) {
        stages[name] = { ok: false, detail: (e as Error).message.split('\n')[0]! };
      }
      log(`${name}: ${stages[name]!.ok ? 'ok' : 'FAILED'}: ${stages[name]!.detail}`);
    }
    const dueYear = Number(opts.today.slice(0, 4)) - 1;
    const years = opts.years ?? [dueYear - 1, dueYear];
    // Loaded here, not at the top: `nianbao --help` imports this module and must not load the pipeline.
    const { openStorage } = await import('../pipeline/index.ts');
    const storage = await openStorage(opts.storageDir, { readonly: true });
    let snapshot: RunSnapshot;
    const counts: RunSummary['counts'] = { agencies: 0 };
    try {
      const facts = await loadFacts(storage, { agencies: opts.agencies });
      const entries: RunSnapshot['entries'] = {};
      for (const y of years) {
        const st = computeStatus(facts, y, opts.today);
        for (const r of st.rows) {
          entries[`${r.agencyId}|${y}`] = {
            status: r.status, daysLate: r.daysLate, name: r.name,
            sha256s: facts.versions.filter((v) => v.agencyId === r.agencyId && v.year === y).map((v) => v.sha256).sort(),
          };
          if (y === dueYear) { counts.agencies++; counts[r.status] = (counts[r.status] ?? 0) + 1; }
        }
      }
      snapshot = { finishedAt: new Date().toISOString(), today: opts.today, years, entries };
    } finally {
      await storage.close();
    }
    const runsDir = join(opts.storageDir, RUNS_DIR);
    mkdirSync(runsDir, { recursive: true });
    const prev = readPrevious(runsDir);
    const summary: RunSummary = {
      startedAt, finishedAt: snapshot.finishedAt, today: opts.today, years, previousRun: prev?.finishedAt ?? null, stages,
      exitCode: Object.values(stages).every((s) => s.ok) ? RUN_EXIT.ok : RUN_EXIT.stageFailed,
      counts, ...compareSnapshots(prev, snapshot),
    };
    const body = JSON.stringify({ summary, snapshot }, null, 1) + '\n';
    const file = join(runsDir, `run-${startedAt.replace(/[:.]/g, '')}.json`);
    writeFileSync(file, body);
    // latest.json is replaced atomically: a run killed here leaves the previous one intact.
    writeFileSync(join(runsDir, '.latest.tmp'), body);
    renameSync(join(runsDir, '.latest.tmp'), join(runsDir, 'latest.json'));
    return summary;
  } finally {
    release();
  }
}

/** Earlier run summaries, newest first (file names sort by start time). */
export function listRuns(storageDir: string): string[] {
  try {
    return readdirSync(join(storageDir, RUNS_DIR)).filter((f) => /^run-.*\.json$/.test(f)).sort().reverse();
  } catch { return []; }
}

export function summaryText(s: RunSummary): string {
  const out = [`nianbao run ${s.startedAt} → ${s.finishedAt} (as of ${s.today}; previous run ${s.previousRun ?? 'none'})`];
  for (const [name, st] of Object.entries(s.stages)) out.push(`  ${name}: ${st.ok ? 'ok' : 'FAILED'}: ${st.detail}`);
  const due = s.years[s.years.length - 1];
  out.push(`  report year ${due}: ${s.counts.agencies} agencies; ` +
    Object.entries(s.counts).filter(([k]) => k !== 'agencies').map(([k, v]) => `${k} ${v}`).join(', '));
  const section = (title: string, items: ChangeItem[]) => {
    out.push(`  ${title}: ${items.length}`);
    for (const i of items.slice(0, 50)) out.push(`    ${i.agencyId} ${i.name} ${i.year}: ${i.detail}`);
    if (items.length > 50) out.push(`    ... and ${items.length - 50} more (see the stored summary)`);
  };
  section('new reports', s.newReports);
  section('changed reports', s.changedReports);
  section('newly late', s.newlyLate);
  section('newly unreachable', s.newlyUnreachable);
  out.push(`  exit ${s.exitCode}`);
  return out.join('\n') + '\n';
}
