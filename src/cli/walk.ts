/**
 * What `nianbao crawl` and `nianbao discover` share on the command line: the seed file (the embedded registry by
 * default) and its subset, the client's manners and limits, the storage (locked → 75), SIGINT/SIGTERM (finish
 * what is in flight, the run continues next time; a second signal ends at once), and the progress display.
 */
import type { Command } from 'commander';
import type { CrawlProgress } from '../crawl/index.ts';
import { DEFAULT_LIMITS, type HttpLimits } from '../crawl/http.ts';
import { DEFAULT_DELAY_MS } from '../crawl/tables.ts';
import type { Storage } from '../pipeline/index.ts';
import type { Agency } from '../seeds/index.ts';
import { DEFAULT_REGISTRY_FILES } from '../seeds/registry.ts';
import { AgencyFilterError, parseAgencyFilter, selectAgencies } from '../seeds/select.ts';
import { UserError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import { openLocated, readSeeds } from './options.ts';
import { progress, type Progress } from './progress.ts';

export interface WalkArgs {
  seeds?: string; storage?: string; proxy?: string; userAgent?: string; delayMs?: string; agency?: string[]; province?: string[]; level?: string[]; limit?: string;
  maxBytes?: string; connectTimeoutMs?: string; idleTimeoutMs?: string; totalTimeoutMs?: string; maxRedirects?: string; browser: boolean;
  json?: boolean; quiet?: boolean; verbose?: boolean;
}

/** The seed file a walk reads: `--seeds`, else the registry the program ships (seeds/registry.csv). */
export const seedFileOf = (o: { seeds?: string }): string => o.seeds ?? DEFAULT_REGISTRY_FILES.registry;

/** The options every walk takes (crawl, discover). */
export function walkOptions(cmd: Command): Command {
  return cmd
    .option('--seeds <file>', 'seed CSV or registry (agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render); default: the registry the program ships, seeds/registry.csv')
    .option('--storage <dir>', 'storage directory (default $NIANBAO_STORAGE or ./storage)')
    .option('--proxy <url>', 'send every request, browser included, through this HTTP proxy')
    .option('--user-agent <s>', 'User-Agent with a contact URL')
    .option('--delay-ms <n>', `minimum gap between requests to one host (default ${DEFAULT_DELAY_MS})`)
    .option('--agency <id...>', 'only these agency ids')
    .option('--province <p...>', 'only agencies in these provinces (code 44 or 440000, or name 广东)')
    .option('--level <l...>', 'only agencies of these levels (province, city, county, ...)')
    .option('--limit <n>', 'only the first n agencies (after the other filters), for a first try')
    .option('--max-bytes <size>', `cap on one response body, on the wire and after decompression; larger files are stopped and recorded as too-large (K/M/G suffixes; default ${DEFAULT_LIMITS.maxBytes / 1024 ** 2}M)`)
    .option('--connect-timeout-ms <n>', `give up on a connection not up within this (default ${DEFAULT_LIMITS.connectTimeoutMs})`)
    .option('--idle-timeout-ms <n>', `give up on a response with no byte for this long (default ${DEFAULT_LIMITS.idleTimeoutMs})`)
    .option('--total-timeout-ms <n>', `give up on one fetch, redirects and body included, after this long (default ${DEFAULT_LIMITS.totalTimeoutMs})`)
    .option('--max-redirects <n>', `redirect hops followed per fetch (default ${DEFAULT_LIMITS.maxRedirects})`)
    .option('--no-browser', 'never start Chromium (JS-only lists and challenges are reported as blocked)');
}

/** The agencies of the seed file the options choose. */
export function chooseWalkAgencies(all: Agency[], o: WalkArgs, file: string): Agency[] {
  let agencies = all;
  if (o.agency) {
    const want = new Set(o.agency);
    const unknown = o.agency.filter((id) => !agencies.some((a) => a.agencyId === id));
    if (unknown.length) throw new UserError(`--agency: not in ${file}: ${unknown.join(', ')}`);
    agencies = agencies.filter((a) => want.has(a.agencyId));
  }
  try { agencies = selectAgencies(agencies, parseAgencyFilter(o)); } catch (e) { if (e instanceof AgencyFilterError) throw new UserError(e.message); throw e; }
  if (!agencies.length && (o.province || o.level)) throw new UserError(`--province, --level: no agency in ${file} matches`);
  return agencies;
}

/** A whole number option. */
export function wholeNumber(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a whole number, got "${v}"`);
  return Number(v);
}

/** `--max-bytes 100M`: a whole number of bytes, with an optional K/M/G (binary) suffix. */
function byteSize(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*([kmg])?i?b?$/i.exec(v.trim());
  if (!m || Number(m[1]) === 0) throw new UserError(`${name} must be a positive size like 50000000, 100M or 1G, got "${v}"`);
  return Number(m[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 0);
}

/** The client's settings the options give, checked. */
export function clientSettings(o: WalkArgs): { proxy?: string; userAgent?: string; delayMs?: number; limits: Partial<HttpLimits>; useBrowser: boolean } {
  if (o.proxy) { try { const u = new URL(o.proxy); if (u.protocol !== 'http:') throw new Error(); } catch { throw new UserError(`--proxy must be an http:// URL, got "${o.proxy}"`); } }
  const limits: Partial<HttpLimits> = Object.fromEntries(Object.entries({
    maxBytes: byteSize(o.maxBytes, '--max-bytes'), connectTimeoutMs: wholeNumber(o.connectTimeoutMs, '--connect-timeout-ms'),
    idleTimeoutMs: wholeNumber(o.idleTimeoutMs, '--idle-timeout-ms'), totalTimeoutMs: wholeNumber(o.totalTimeoutMs, '--total-timeout-ms'),
    maxRedirects: wholeNumber(o.maxRedirects, '--max-redirects'),
  }).filter(([, v]) => v !== undefined));
  const delayMs = wholeNumber(o.delayMs, '--delay-ms');
  return { ...(o.proxy ? { proxy: o.proxy } : {}), ...(o.userAgent ? { userAgent: o.userAgent } : {}), ...(delayMs !== undefined ? { delayMs } : {}), limits, useBrowser: o.browser };
}

export interface WalkContext {
  storage: Storage;
  storageDir: string;
  signal: AbortSignal;
  onProgress?: (p: CrawlProgress) => void;
  log?: (line: string) => void;
  /** Ends the progress display (before the results are printed). */
  endProgress(): void;
}

/**
 * Opens the storage for a walk (`command` names it to a second writer), stops on SIGINT/SIGTERM after the items
 * in flight, shows progress under `task`; closes the storage when `fn` is done.
 */
export async function withWalk<T>(o: WalkArgs, task: string, fn: (w: WalkContext) => Promise<T>): Promise<T> {
  const { resolveStorageDir } = await import('../store/index.ts');
  const storageDir = resolveStorageDir(o.storage);
  const storage = await openLocated(o.storage, { command: `nianbao ${task}` });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write(`nianbao: ${task}: ${sig}: finishing the pages in flight (again to stop at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const shown = o.quiet || o.json ? null : walkProgress(progress(task));
  try {
    return await fn({
      storage, storageDir, signal: abort.signal, endProgress: () => shown?.end(),
      ...(shown ? { onProgress: shown.update } : {}),
      ...(o.verbose ? { log: (l: string) => { if (shown) shown.log(l); else process.stderr.write(`${l}\n`); } } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await storage.close();
  }
}

/** A walk's progress through the command line's progress display (src/cli/progress.ts). */
function walkProgress(bar: Progress): { update: (p: CrawlProgress) => void; log: (line: string) => void; end: () => void } {
  let last: CrawlProgress | null = null;
  const label = (p: CrawlProgress) => `items, ${p.requests} requests, ${(p.bytes / 1048576).toFixed(1)} MB, ${(p.elapsedMs / 1000).toFixed(0)} s`;
  return {
    update: (p) => { last = p; bar.update(p.done, p.total, label(p)); },
    log: (l) => bar.log(l),
    end: () => bar.end(last ? `${last.done}/${last.total} ${label(last)}` : undefined),
  };
}
