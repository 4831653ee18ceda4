/**
 * What several commands read from the command line, checked once: report years, dates, the storage to open.
 * Every problem becomes a UserError (one line, exit 2, or the code given).
 */
import type { Command } from 'commander';
import type { Storage } from '../pipeline/index.ts';
import type { ReportFacts } from '../report/index.ts';
import { agencyFromRow, loadSeeds, SeedError, type Agency } from '../seeds/index.ts';
import { AgencyFilterError, parseAgencyFilter, selectAgencies } from '../seeds/select.ts';
import { UserError } from './errors.ts';
import { EXIT } from './exit-codes.ts';

// The stages are imported where they are used: `nianbao --help` loads this module and must stay fast.

/** Exit code of a command refused because another writer holds the storage (EX_TEMPFAIL). */
export const LOCKED_EXIT = EXIT.locked;

/** The denominator options of status, export and dashboard: a seed file or the registry, and a subset of it. */
export function agencyFilterOptions(cmd: Command): Command {
  return cmd
    .option('--seeds <file>', 'seed CSV or the registry (seeds/registry.csv) to judge: its agencies are the denominator, an agency never reached is not_checked (default: the agencies in the store)')
    .option('--province <p...>', 'only agencies in these provinces (code 44 or 440000, or name 广东)')
    .option('--level <l...>', 'only agencies of these levels (province, city, county, ...)')
    .option('--limit <n>', 'only the first n agencies (after the other filters)');
}

export interface AgencyChoice { seeds?: string; province?: string[]; level?: string[]; limit?: string }

/** The agencies the options choose: from the seed file, or (null) the store's, filtered there. */
export function chooseAgencies(o: AgencyChoice, fromStore?: Agency[]): Agency[] | undefined {
  const all = o.seeds ? readSeeds(o.seeds) : fromStore;
  if (!all || (!o.province && !o.level && o.limit === undefined)) return all;
  try { return selectAgencies(all, parseAgencyFilter(o)); } catch (e) { if (e instanceof AgencyFilterError) throw new UserError(e.message); throw e; }
}

export function parseYear(s: string | undefined, what = '--year'): number {
  if (s === undefined) throw new UserError(`${what} is required (a report year such as 2023)`);
  if (!/^\d{4}$/.test(s) || Number(s) < 2008 || Number(s) > 2100) throw new UserError(`${what} must be a report year such as 2023, not "${s}"`);
  return Number(s);
}

export function parseYears(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined;
  const years = s.split(',').map((y) => y.trim()).filter(Boolean).map((y) => parseYear(y, '--years'));
  if (!years.length) throw new UserError('--years needs at least one year, e.g. 2022,2023');
  return years;
}

export function parseToday(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(s))) throw new UserError(`--today must be a date YYYY-MM-DD, not "${s}"`);
  return s;
}

/** A seed file's agencies; a problem with the file is one line naming it. */
export function readSeeds(path: string): Agency[] {
  try {
    return loadSeeds(path);
  } catch (e) {
    if (e instanceof SeedError) throw new UserError(e.message);
    throw e;
  }
}

/** Opens an existing storage (writers wait up to `waitSeconds` for another writer); problems become one line. */
export async function openExisting(storage: string | undefined, waitSeconds: number, readonly = false): Promise<Storage> {
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UserError('--wait must be a number of seconds');
  const { openStorage } = await import('../pipeline/index.ts');
  const { resolveStorageDir, StoreError, StoreLockedError } = await import('../store/index.ts');
  try {
    return await openStorage(resolveStorageDir(storage), { readonly, lockWaitMs: waitSeconds * 1000, mustExist: true });
  } catch (err) {
    if (err instanceof StoreLockedError) throw new UserError(err.message, LOCKED_EXIT);
    if (err instanceof StoreError) throw new UserError(err.message);
    throw err;
  }
}

/**
 * Opens the storage read-only and loads the report stage's facts. A seed file or the registry, if given, is
 * the denominator; `--province`, `--level`, `--limit` take a subset of it (or of the store's agencies).
 */
export async function readFacts(opts: AgencyChoice & { storage?: string; year?: number }): Promise<{ facts: ReportFacts; storageDir: string }> {
  chooseAgencies({ ...opts, seeds: undefined }, []); // bad filter values fail before the storage is opened
  let agencies = opts.seeds ? chooseAgencies(opts) : undefined;
  const storage = await openExisting(opts.storage, 0, true);
  const { loadFacts } = await import('../report/index.ts');
  try {
    if (!agencies && (opts.province || opts.level || opts.limit !== undefined)) {
      agencies = chooseAgencies(opts, (await storage.store.agencies.list()).map(agencyFromRow));
    }
    return { facts: await loadFacts(storage, { agencies, year: opts.year }), storageDir: storage.dir };
  } finally {
    await storage.close();
  }
}
