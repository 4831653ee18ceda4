/**
 * The exit codes of every nianbao command, in one place: what a scheduler (cron, systemd `OnFailure=`,
 * `SuccessExitStatus=`) alerts on. `--help` and docs/operations.md print them from here.
 */
export const EXIT = {
  /** Done; for crawl and run: every agency's 年报 column was read. */
  ok: 0,
  /** An unexpected error (a bug, a broken storage, a stage that crashed); the log says what. */
  error: 1,
  /** Bad command-line input (an unknown option, a bad value, a missing file); nothing was done. */
  usage: 2,
  /** crawl, run: some agencies' columns could not be read (unreachable or blocked); the rest was read and stored. */
  someUnread: 3,
  /** crawl, run: no agency's column could be read (every portal down, or the network). */
  noneRead: 4,
  /** The storage is held by another writer (another crawl, reparse or run); nothing was done. EX_TEMPFAIL. */
  locked: 75,
  /** crawl, discover: stopped by SIGINT or SIGTERM (the pages in flight finished); the next one continues the run. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, one line each, for `--help` and the docs. */
export const EXIT_MEANING: Record<ExitCode, string> = {
  0: 'ok (crawl, run: every agency read)',
  1: 'unexpected error',
  2: 'bad input',
  3: 'some agencies could not be read (a one-line summary says how many)',
  4: 'no agency could be read',
  75: 'the storage is locked by another writer; nothing done',
  130: 'crawl, discover: stopped by SIGINT or SIGTERM; the next one continues the run',
};

/** The exit-code paragraph `--help` shows. */
export function exitCodesHelp(codes: readonly ExitCode[] = Object.values(EXIT)): string {
  return `\nExit codes:\n${codes.map((c) => `  ${String(c).padStart(2)}  ${EXIT_MEANING[c]}`).join('\n')}\n`;
}

/**
 * The code of `nianbao run` from its stages' exit codes: a stage that could not run decides (locked, bad
 * input, error, in that order), then the crawl's own verdict on what it read (none, some), else ok.
 */
export function runExitCode(stageCodes: readonly (number | null)[]): ExitCode {
  const codes = stageCodes.map((c) => c ?? EXIT.error);
  for (const c of [EXIT.locked, EXIT.usage]) if (codes.includes(c)) return c;
  if (codes.some((c) => !([EXIT.ok, EXIT.someUnread, EXIT.noneRead] as number[]).includes(c))) return EXIT.error;
  for (const c of [EXIT.noneRead, EXIT.someUnread]) if (codes.includes(c)) return c;
  return EXIT.ok;
}
