/**
 * `nianbao run`, the nightly job: crawl → parse → status, one run at a time, and a summary of what changed
 * since the last run (new reports, changed reports, newly late, newly unreachable), stored under
 * `<storage>/runs/` and printed. Its exit code is the command line's (src/cli/exit-codes.ts, given as
 * `exitCodeOf`); the stored summary's keys are snake_case like every JSON nianbao writes.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFacts } from './source.ts';
import { computeStatus, type StatusKind } from './status.ts';
import type { AgencyFacts } from './types.ts';

export const RUN_LOCK = 'nightly.lock';
export const RUNS_DIR = 'runs';

export interface StageOutcome {
  ok: boolean;
  /** One line: what the stage did or why it failed. */
  detail: string;
  /** The stage process's exit code (its own verdict: 3 some agencies not read, ...); null when it did not exit. */
  code: number | null;
}

export type Stage = (ctx: { storageDir: string; seeds: string | null; crawlArgs: string[]; log: (line: string) => void }) => Promise<StageOutcome>;

/** One agency × year as the summary compares it. */
interface SnapshotEntry {
  status: StatusKind;
  days_late: number | null;
  sha256s: string[];
  name: string;
}

export interface RunSnapshot {
  finished_at: string;
  today: string;
  years: number[];
  /** Keyed `agency_id|year`. */
  entries: Record<string, SnapshotEntry>;
}

export interface ChangeItem {
  agency_id: string;
  name: string;
  year: number;
  detail: string;
}

/** How the agencies' 年报 columns stood after the run: read, or why not (their last attempt, see evidence.ts). */
export interface ColumnCounts { agencies: number; read: number; unreachable: number; blocked: number; not_checked: number }

/** The run's summary, as printed with --json and stored in runs/ (snake_case, like every JSON nianbao writes). */
export interface RunSummary {
  started_at: string;
  finished_at: string;
  today: string;
  years: number[];
  previous_run: string | null;
  stages: Record<string, StageOutcome>;
  exit_code: number;
  /** One line: how many agencies were read, unreachable, blocked (what an alert says). */
  line: string;
  columns: ColumnCounts;
  counts: Partial<Record<StatusKind, number>> & { agencies: number };
  new_reports: ChangeItem[];
  changed_reports: ChangeItem[];
  newly_late: ChangeItem[];
  newly_unreachable: ChangeItem[];
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
export function nianbaoChild(args: string[], log: (line: string) => void): Promise<StageOutcome> {
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
    child.on('error', (e) => res({ ok: false, detail: `could not start: ${e.message}`, code: null }));
    child.on('close', (code, signal) => res(code === 0
      ? { ok: true, detail: `nianbao ${args[0]}${firstOut ? `: ${cut(firstOut)}` : ' finished'}`, code }
      : { ok: false, detail: `nianbao ${args[0]} exited ${signal ?? code}${lastErr || firstOut ? `: ${cut(lastErr || firstOut)}` : ''}`, code: signal ? null : code }));
  });
}

/** The default stages: the crawler's and the parser's own commands, each a separate process. */
export const DEFAULT_STAGES: Record<'crawl' | 'parse', Stage> = {
  crawl: ({ storageDir, seeds, crawlArgs, log }) =>
    seeds ? nianbaoChild(['crawl', '--seeds', seeds, '--storage', storageDir, ...crawlArgs], log)
      : Promise.resolve({ ok: false, detail: 'no --seeds given: nothing to crawl', code: null }),
  parse: ({ storageDir, log }) => nianbaoChild(['reparse', '--storage', storageDir, '--only-stale', '--wait', '600'], log),
};

function readPrevious(runsDir: string): RunSnapshot | null {
  let snap: Record<string, unknown>;
  try { snap = JSON.parse(readFileSync(join(runsDir, 'latest.json'), 'utf8')).snapshot; } catch { return null; }
  if (!snap || typeof snap !== 'object') return null;
  // A summary stored before the keys were snake_case (finishedAt, daysLate) is still a baseline.
  const entries: RunSnapshot['entries'] = {};
  for (const [k, e] of Object.entries((snap.entries ?? {}) as Record<string, Record<string, unknown>>)) {
    entries[k] = { status: e.status as StatusKind, days_late: (e.days_late ?? e.daysLate ?? null) as number | null, sha256s: (e.sha256s ?? []) as string[], name: String(e.name ?? '') };
  }
  return { finished_at: String(snap.finished_at ?? snap.finishedAt ?? ''), today: String(snap.today ?? ''), years: (snap.years ?? []) as number[], entries };
}

/** What changed between two snapshots. A first run reports everything it found as new. */
export function compareSnapshots(prev: RunSnapshot | null, next: RunSnapshot): Pick<RunSummary, 'new_reports' | 'changed_reports' | 'newly_late' | 'newly_unreachable'> {
  const out = { new_reports: [] as ChangeItem[], changed_reports: [] as ChangeItem[], newly_late: [] as ChangeItem[], newly_unreachable: [] as ChangeItem[] };
  for (const [key, e] of Object.entries(next.entries)) {
    const [agencyId, y] = key.split('|') as [string, string];
    const year = Number(y);
    const before = prev?.entries[key];
    const item = (detail: string) => ({ agency_id: agencyId, name: e.name, year, detail });
    if (e.sha256s.length && !before?.sha256s.length) out.new_reports.push(item(`${e.status}${e.days_late ? ` (${e.days_late} days late)` : ''}`));
    else if (before && e.sha256s.some((s) => !before.sha256s.includes(s))) {
      out.changed_reports.push(item(`new version ${e.sha256s.filter((s) => !before.sha256s.includes(s)).map((s) => s.slice(0, 12)).join(', ')}`));
    }
    if (e.status === 'late' && before?.status !== 'late') out.newly_late.push(item(`${e.days_late} days late`));
    if (e.status === 'missing' && before && before.status === 'not_yet_due') out.newly_late.push(item('deadline passed, nothing published'));
    // Unreachable is about the agency's column, not a year: listed once per agency.
    if ((e.status === 'unreachable' || e.status === 'blocked') && before && before.status !== 'unreachable' && before.status !== 'blocked'
      && !out.newly_unreachable.some((x) => x.agency_id === agencyId)) {
      out.newly_unreachable.push(item(e.status));
    }
  }
  return out;
}

/** The one line an operator reads: how many columns were read, and why the others were not. */
export function columnsLine(c: ColumnCounts): string {
  return `${c.read} of ${c.agencies} agencies read, ${c.unreachable} unreachable, ${c.blocked} blocked, ${c.not_checked} not checked`;
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
  /** The run's exit code from its stages' outcomes (the command line's codes, src/cli/exit-codes.ts). */
  exitCodeOf: (stages: StageOutcome[]) => number;
  log?: (line: string) => void;
  /** Before each step (crawl, parse, status): its number, the count of steps, its name. */
  onStep?: (done: number, total: number, name: string) => void;
}

export async function nightlyRun(opts: NightlyOptions): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${new Date().toISOString()} run: ${l}\n`));
  const release = acquireRunLock(opts.storageDir); // throws RunLockedError
  const startedAt = new Date().toISOString();
  try {
    const stages: Record<string, StageOutcome> = {};
    const chosen = (['crawl', 'parse'] as const).map((name) => [name, opts.stages?.[name] === undefined ? DEFAULT_STAGES[name] : opts.stages[name]] as const)
      .filter((x): x is readonly ['crawl' | 'parse', Stage] => !!x[1]);
    const steps = chosen.length + 1;
    for (const [i, [name, stage]] of chosen.entries()) {
      opts.onStep?.(i, steps, name);
      log(`${name}: start`);
      try {
        stages[name] = await stage({ storageDir: opts.storageDir, seeds: opts.seeds, crawlArgs: opts.crawlArgs ?? [], log: (l) => log(`${name}: ${l}`) });
      } catch (e) {
        stages[name] = { ok: false, detail: (e as Error).message.split('\n')[0]!, code: null };
      }
      log(`${name}: ${stages[name]!.ok ? 'ok' : `exit ${stages[name]!.code ?? '-'}`}: ${stages[name]!.detail}`);
    }
    opts.onStep?.(chosen.length, steps, 'status');
    const dueYear = Number(opts.today.slice(0, 4)) - 1;
    const years = opts.years ?? [dueYear - 1, dueYear];
    // Loaded here, not at the top: `nianbao --help` imports this module and must not load the pipeline.
    const { openStorage } = await import('../pipeline/index.ts');
    const storage = await openStorage(opts.storageDir, { readonly: true });
    let snapshot: RunSnapshot;
    const counts: RunSummary['counts'] = { agencies: 0 };
    const columns: ColumnCounts = { agencies: 0, read: 0, unreachable: 0, blocked: 0, not_checked: 0 };
    try {
      const facts = await loadFacts(storage, { agencies: opts.agencies });
      const entries: RunSnapshot['entries'] = {};
      for (const y of years) {
        const st = computeStatus(facts, y, opts.today);
        for (const r of st.rows) {
          entries[`${r.agencyId}|${y}`] = {
            status: r.status, days_late: r.daysLate, name: r.name,
            sha256s: facts.versions.filter((v) => v.agencyId === r.agencyId && v.year === y).map((v) => v.sha256).sort(),
          };
          if (y === dueYear) { counts.agencies++; counts[r.status] = (counts[r.status] ?? 0) + 1; }
        }
      }
      const lastRead = new Map(facts.evidence.map((e) => [e.agencyId, e.outcome]));
      for (const a of facts.agencies) {
        const o = lastRead.get(a.agencyId) ?? 'not_checked';
        columns.agencies++;
        columns[o === 'ok' ? 'read' : o]++;
      }
      snapshot = { finished_at: new Date().toISOString(), today: opts.today, years, entries };
    } finally {
      await storage.close();
    }
    const runsDir = join(opts.storageDir, RUNS_DIR);
    mkdirSync(runsDir, { recursive: true });
    const prev = readPrevious(runsDir);
    const summary: RunSummary = {
      started_at: startedAt, finished_at: snapshot.finished_at, today: opts.today, years, previous_run: prev?.finished_at || null, stages,
      exit_code: opts.exitCodeOf(Object.values(stages)), line: columnsLine(columns), columns,
      counts, ...compareSnapshots(prev, snapshot),
    };
    const body = JSON.stringify({ summary, snapshot }, null, 1) + '\n';
    const file = join(runsDir, `run-${startedAt.replace(/[:.]/g, '')}.json`);
    writeFileSync(file, body);
    // latest.json is replaced atomically: a run killed here leaves the previous one intact.
    writeFileSync(join(runsDir, '.latest.tmp'), body);
    renameSync(join(runsDir, '.latest.tmp'), join(runsDir, 'latest.json'));
    opts.onStep?.(steps, steps, 'done');
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
  const out = [`nianbao run ${s.started_at} → ${s.finished_at} (as of ${s.today}; previous run ${s.previous_run ?? 'none'})`];
  for (const [name, st] of Object.entries(s.stages)) out.push(`  ${name}: ${st.ok ? 'ok' : `exit ${st.code ?? '-'}`}: ${st.detail}`);
  out.push(`  columns: ${s.line}`);
  const due = s.years[s.years.length - 1];
  out.push(`  report year ${due}: ${s.counts.agencies} agencies; ` +
    Object.entries(s.counts).filter(([k]) => k !== 'agencies').map(([k, v]) => `${k} ${v}`).join(', '));
  const section = (title: string, items: ChangeItem[]) => {
    out.push(`  ${title}: ${items.length}`);
    for (const i of items.slice(0, 50)) out.push(`    ${i.agency_id} ${i.name} ${i.year}: ${i.detail}`);
    if (items.length > 50) out.push(`    ... and ${items.length - 50} more (see the stored summary)`);
  };
  section('new reports', s.new_reports);
  section('changed reports', s.changed_reports);
  section('newly late', s.newly_late);
  section('newly unreachable', s.newly_unreachable);
  out.push(`  exit ${s.exit_code}`);
  return out.join('\n') + '\n';
}
