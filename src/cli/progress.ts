/**
 * Progress of long work, the same for every command: on a terminal a bar redrawn in place (cli-progress);
 * otherwise (cron mail, journald, a pipe) a timestamped line when the work starts, every few seconds while
 * it goes on, and at the end, because a bar's carriage returns would be noise there. `--quiet` silences
 * both. The final summary is a block of `name: value` lines, like Scrapy's stats dump.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of `total` items (total 0: not known); `label` says what is being worked on now. */
  update(done: number, total: number, label?: string): void;
  /** A line worth keeping (a failure, a stage starting), printed above the bar. */
  log(line: string): void;
  /** Work finished: the bar goes, the summary line stays. */
  end(summary?: string): void;
}

export interface ProgressOptions {
  /** Nothing at all (`--quiet`). */
  quiet?: boolean;
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Draw a bar; default when the stream is a terminal and CI is not set. */
  tty?: boolean;
  /** Off a terminal: the gap between progress lines (default 5 s). */
  intervalMs?: number;
  /** The clock, for the timestamps (UTC ISO 8601). */
  now?: () => Date;
}

/** Off a terminal, a progress line at most this often. */
export const PLAIN_INTERVAL_MS = 5000;

export function progress(task: string, opts: ProgressOptions = {}): Progress {
  if (opts.quiet) return { update() {}, log() {}, end() {} };
  const stream = (opts.stream ?? process.stderr) as NodeJS.WriteStream;
  const tty = opts.tty ?? (!!stream.isTTY && !process.env.CI);
  return tty ? barProgress(task, stream) : plainProgress(task, stream, opts.intervalMs ?? PLAIN_INTERVAL_MS, opts.now ?? (() => new Date()));
}

function plainProgress(task: string, stream: NodeJS.WritableStream, intervalMs: number, now: () => Date): Progress {
  let last = -Infinity;
  let pending: string | null = null;
  const stamp = () => now().toISOString();
  const line = (s: string) => stream.write(`${stamp()} ${task}: ${s}\n`);
  return {
    update(done, total, label = '') {
      const text = `${total > 0 ? `${done}/${total} (${Math.floor((done / total) * 100)}%)` : done}${label ? ` ${label}` : ''}`;
      const t = now().getTime();
      // The first update, then one every interval; the last one is printed by end() if it was held back.
      if (t - last >= intervalMs) { line(text); last = t; pending = null; } else pending = text;
    },
    log(s) { line(s); },
    end(summary) {
      if (pending !== null) line(pending);
      pending = null;
      if (summary) line(summary);
    },
  };
}

function barProgress(task: string, stream: NodeJS.WriteStream): Progress {
  const multi = new cliProgress.MultiBar({
    stream, hideCursor: true, clearOnComplete: true, noTTYOutput: true, stopOnComplete: false, barsize: 24, fps: 8, forceRedraw: true,
    format: `${task} [{bar}] {value}/{total} {percentage}% {duration_formatted} {label}`,
    // The terminal may be narrow: the line is cut, never wrapped (a wrapped bar cannot be redrawn in place).
    linewrap: false,
  }, cliProgress.Presets.legacy);
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total, label = '') {
      if (total <= 0) total = Math.max(done, 1); // not known: a count, the bar full
      if (!bar) bar = multi.create(total, done, { label });
      else { bar.setTotal(total); bar.update(done, { label }); }
    },
    log(s) {
      if (bar) multi.log(`${task}: ${s}\n`);
      else stream.write(`${task}: ${s}\n`);
    },
    end(summary) {
      multi.stop();
      bar = null;
      if (summary) stream.write(`${task}: ${summary}\n`);
    },
  };
}

/**
 * A run's figures as a block of aligned `name: value` lines (requests, bytes, per-status counts, new,
 * changed and unchanged reports, time), for the end of crawl, reparse and run. Keys are snake_case, the
 * same as in the command's `--json` output.
 */
export function statsBlock(title: string, stats: Record<string, string | number | null | undefined>): string {
  const entries = Object.entries(stats).filter(([, v]) => v !== undefined && v !== null);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return [`${title}:`, ...entries.map(([k, v]) => `  ${`${k}:`.padEnd(width + 2)}${v}`)].join('\n') + '\n';
}

/** Seconds with one decimal, for the summaries. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
