/**
 * Exit codes of `nianbao crawl`, for schedulers and alerts (docs/operations.md). Kept apart from the crawler so
 * the nightly job can read them without loading Crawlee.
 */
export const CRAWL_EXIT = {
  /** Every agency's column was read (some pages may have failed: `partial`). */
  ok: 0,
  /** An unexpected error (a bug, a broken storage); see the log. */
  error: 1,
  /** Bad command-line input. */
  usage: 2,
  /** Some agencies' columns could not be read (unreachable or blocked); a summary line says how many. */
  someUnread: 3,
  /** No agency's column could be read (the network is down, the proxy is wrong, every host refuses). */
  noneRead: 4,
  /** Another writer holds the storage (EX_TEMPFAIL). */
  locked: 75,
  /** Stopped by SIGINT or SIGTERM before the run was complete; the next crawl continues it. */
  interrupted: 130,
} as const;

/** The exit code for a finished crawl's agencies. */
export function crawlExitCode(outcomes: { outcome: string }[]): number {
  const read = outcomes.filter((a) => a.outcome === 'ok' || a.outcome === 'partial').length;
  if (!outcomes.length || read === outcomes.length) return CRAWL_EXIT.ok;
  return read === 0 ? CRAWL_EXIT.noneRead : CRAWL_EXIT.someUnread;
}
