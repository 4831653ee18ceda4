/**
 * Many workers, one run: three `nianbao crawl` processes sharing a PostgreSQL store and an S3 bucket
 * (s3rver) crawl the fixture portal (test/portal/server.ts, eight sites on 127.0.0.1) and must end with what
 * one embedded crawl stores: the same reports, versions, tidy cells and original digests. The portal's own
 * request log is the judge of politeness across processes: per site at most one request in flight, and at
 * least the delay between one response's end and the next request. Then one worker SIGKILLed mid-run (the
 * others finish its hosts once its leases expire), and one worker stopped (SIGSTOP) past its lease and
 * continued: it can neither complete its item nor send another request (fencing), and the result is the same.
 *
 * The crawler is the Crawlee one (issue 12): its request manager (crawl/frontier.ts) claims under the leases.
 * Last, the same three processes on the portal farm (test/portal/farm: every platform module in four to six
 * renderings, 41 hosts behind a recording proxy), against one embedded crawl of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { fixtureSeeds, startPortal, type Hit, type Portal } from '../portal/server.ts';
import { gapViolations, startFarm, type Farm } from '../portal/farm/index.ts';
import { dropDatabase, freshDatabase, PG_SKIPPED, TEST_PG } from '../helpers/postgres.ts';
import { startS3, type TestS3 } from '../helpers/s3.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nianbao.mjs');
const DELAY_MS = 150;
/** Short, so the kill and stop tests see leases expire; the others keep the default (60 s, never reached here). */
const LEASE_MS = 2000;
const ARGS = ['--delay-ms', String(DELAY_MS), '--max-pages', '6', '--no-browser'];
/** `nianbao crawl`'s exit when some agencies could not be read (cli/exit-codes.ts): the fixture's three. */
const CRAWL_EXIT = 3;

interface Life { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string; err: string }> }
function nianbao(args: string[]): Life {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  return { child, done: new Promise((res) => child.on('close', (code, signal) => res({ code, signal, out, err }))) };
}

let dir: string;
let seeds: string;
let portal: Portal;
let s3: TestS3;
let reference: Facts;
const dbs: string[] = [];

interface Facts { reports: string[]; versions: string[]; cells: string[]; digests: string[]; records: number; openWork: number; runs: string[] }

/** What a crawl stored, read the same way from either engine (sorted here: the engines' collations differ). */
async function factsOf(store: Store): Promise<Facts> {
  const rows = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(store.db)).rows;
  const reports = (await rows(sql<{ k: string }>`select report_key as k from reports`)).map((r) => r.k).sort();
  const versions = (await rows(sql<{ k: string; s: string }>`select r.report_key as k, v.sha256 as s from report_versions v join reports r on r.report_id = v.report_id`))
    .map((r) => `${r.k} ${r.s}`).sort();
  const cells = (await rows(sql<Record<string, unknown>>`
    select r.report_key, v.sha256, c.table_key, c.row_key, c.col_key, c.value, c.text, c.inferred, c.uncertain
    from cells c join records rec on rec.record_id = c.record_id join report_versions v on v.version_id = rec.version_id
    join reports r on r.report_id = v.report_id where rec.superseded_at is null`)).map((r) => JSON.stringify(Object.values(r))).sort();
  // The originals' digests (every version's bytes). List pages are exchanges, not originals: where a list's
  // end is judged by links already queued (the fixture's pagination trap), the order items are handled in may
  // read one page more or less, with no report gained or lost.
  const digests = (await rows(sql<{ s: string }>`select distinct sha256 as s from report_versions`)).map((r) => r.s).sort();
  const records = Number((await rows(sql<{ n: number }>`select count(*) as n from records where superseded_at is null`))[0]!.n);
  const openWork = Number((await rows(sql<{ n: number }>`select count(*) as n from work_items where status in ('pending', 'running')`))[0]!.n);
  const runs = (await rows(sql<{ s: string }>`select status as s from runs where kind = 'crawl'`)).map((r) => r.s);
  return { reports, versions, cells, digests, records, openWork, runs };
}

/** Per site, requests that overlapped another and the shortest gap between a response's end and the next request. */
function politeness(hits: Hit[]): { overlaps: string[]; shortestGap: number; requests: number; shortest: string } {
  const overlaps: string[] = [];
  let shortestGap = Infinity;
  let shortest = '';
  const bySite = new Map<string, Hit[]>();
  for (const h of hits) (bySite.get(h.site) ?? bySite.set(h.site, []).get(h.site)!).push(h);
  for (const [site, list] of bySite) {
    list.sort((a, b) => a.at - b.at);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1]!;
      const cur = list[i]!;
      const end = prev.end ?? Infinity;
      if (cur.at < end) overlaps.push(`${site}: ${cur.path} at ${cur.at} while ${prev.path} was in flight until ${prev.end}`);
      else if (cur.at - end < shortestGap) { shortestGap = cur.at - end; shortest = `${site}: ${prev.method} ${prev.path} → ${cur.method} ${cur.path}`; }
    }
  }
  return { overlaps, shortestGap, requests: hits.length, shortest };
}

async function sharedStore(leaseMs?: number): Promise<{ db: string; blobs: string; args: string[] }> {
  const db = await freshDatabase();
  dbs.push(db);
  const blobs = s3.blobs();
  portal.rearm(); // every crawl meets the portal as the embedded one did (its one-time 429 included)
  return { db, blobs, args: ['crawl', '--seeds', seeds, '--storage', join(dir, 'local'), '--db', db, '--blobs', blobs, ...(leaseMs ? ['--lease-ms', String(leaseMs)] : []), ...ARGS] };
}

async function readShared(db: string, local = join(dir, 'local')): Promise<{ facts: Facts; workers: number; sharedHosts: number; documents: number }> {
  const store = await openStore(local, { db, readonly: true });
  try {
    const facts = await factsOf(store);
    const w = (await sql<{ workers: number; hosts: number }>`
      select (select count(distinct claimed_by) from work_items where queue like 'crawl:%' and status = 'done') as workers,
             (select count(*) from (select host from work_items where queue like 'crawl:%' and status = 'done' group by host having count(distinct claimed_by) > 1) x) as hosts`
      .execute(store.db)).rows[0]!;
    const documents = Number((await sql<{ n: number }>`select count(*) as n from documents`.execute(store.db)).rows[0]!.n);
    return { facts, workers: Number(w.workers), sharedHosts: Number(w.hosts), documents };
  } finally {
    await store.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!TEST_PG)(`three crawl workers on PostgreSQL + S3${TEST_PG ? '' : ` (${PG_SKIPPED})`}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nianbao-distributed-'));
    seeds = join(dir, 'seeds.csv');
    portal = await startPortal();
    s3 = await startS3();
    writeFileSync(seeds, fixtureSeeds(portal.url));
    const ref = join(dir, 'embedded');
    const r = await nianbao(['crawl', '--seeds', seeds, '--storage', ref, ...ARGS, '--json']).done;
    // Exit 3: some agencies could not be read, by design of the fixture (a JS-only list and a challenge
    // without a browser, a host that refuses connections); 0 or anything else would mean something else broke.
    if (r.code !== CRAWL_EXIT) throw new Error(`embedded crawl exited ${r.code}: ${r.err}`);
    const store = await openStore(ref, { readonly: true });
    try { reference = await factsOf(store); } finally { await store.close(); }
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    await s3?.close();
    for (const db of dbs) await dropDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });

  it('end with the reports, versions, cells and digests of one embedded crawl, one request at a time per host, every gap at least the delay', { timeout: 240_000 }, async () => {
    // What the embedded crawl found, as read off the fixture (see test/crawl/e2e.test.ts): at least 20 versions.
    expect(reference.versions.length).toBeGreaterThanOrEqual(20);
    expect(reference.records).toBe(reference.versions.length);
    const { db, args } = await sharedStore();
    const before = portal.hits.length;
    const lives = [nianbao(args), nianbao(args), nianbao(args)];
    const ends = await Promise.all(lives.map((l) => l.done));
    for (const e of ends) expect(e.code, e.err.slice(-500)).toBe(CRAWL_EXIT);
    const hits = portal.hits.slice(before);

    const shared = await readShared(db);
    expect(shared.facts).toEqual({ ...reference, runs: ['ok'] });
    // Who did what is not asserted here: a worker keeps a host while it has work there, so on eight sites the
    // first to start may hold them all. The 41-host farm below asks for every worker's share and hand-overs.

    const p = politeness(hits);
    expect(p.overlaps).toEqual([]);
    // 1 ms for the timers' millisecond rounding; the lease and the database clock give the rest.
    expect(p.shortestGap, p.shortest).toBeGreaterThanOrEqual(DELAY_MS - 1);

    const v = await nianbao(['verify', '--storage', join(dir, 'local'), '--db', db, '--blobs', args[args.indexOf('--blobs') + 1]!, '--json']).done;
    expect(v.code, v.out + v.err).toBe(0);
    // Every object in the bucket re-hashed: one per document the store names (originals and exchange bodies).
    expect(JSON.parse(v.out)).toMatchObject({ problems: [], originals_checked: shared.documents });
  });

  it('SIGKILL one worker mid-run: the other two take over its hosts when its leases expire and finish with the same result', { timeout: 240_000 }, async () => {
    const { db, args } = await sharedStore(LEASE_MS);
    const before = portal.hits.length;
    const lives = [nianbao(args), nianbao(args), nianbao(args)];
    while (portal.hits.length - before < 15) await sleep(5);
    lives[0]!.child.kill('SIGKILL');
    const ends = await Promise.all(lives.map((l) => l.done));
    expect(ends[0]!.signal).toBe('SIGKILL');
    for (const e of ends.slice(1)) expect(e.code, e.err.slice(-500)).toBe(CRAWL_EXIT);
    const shared = await readShared(db);
    expect(shared.facts).toEqual({ ...reference, runs: ['ok'] });
    const p = politeness(portal.hits.slice(before));
    expect(p.overlaps).toEqual([]);
    expect(p.shortestGap, p.shortest).toBeGreaterThanOrEqual(DELAY_MS - 1);
  });

  it('a worker stopped past its lease cannot complete its item nor send another request once continued (fencing)', { timeout: 240_000 }, async () => {
    const { db, args: plain } = await sharedStore(LEASE_MS);
    const args = [...plain, '--verbose']; // a line per item: the stopped worker's account of its lost lease
    const before = portal.hits.length;
    const lives = [nianbao(args), nianbao(args), nianbao(args)];
    while (portal.hits.length - before < 3) await sleep(5); // the workers have migrated the database
    const watcher = await openStore(join(dir, 'local'), { db, readonly: true });
    let stopped: Life | null = null;
    let held: string[] = [];
    try {
      // Stop a worker at a moment it holds a lease: stopped, it can no longer give one back, so the check after is sure.
      for (let tries = 0; tries < 400 && !stopped; tries++) {
        await sleep(10);
        for (const life of lives) {
          life.child.kill('SIGSTOP');
          // A lease on the site that refuses connections would leave nothing in the portal's log to judge by.
          held = (await sql<{ host: string }>`select host from host_state where lease_owner like ${`%:${life.child.pid}:%`} and lease_expires_at > ${new Date().toISOString()}`.execute(watcher.db)).rows
            .map((r) => r.host).filter((h) => !portal.url.dead!.endsWith(h));
          if (held.length) { stopped = life; break; }
          life.child.kill('SIGCONT');
        }
      }
      expect(stopped, 'no worker was caught holding a lease').not.toBeNull();
      const leasedAt = portal.hits.length;
      await sleep(LEASE_MS + 1500); // its leases expire; the others take its hosts over and re-do its items
      // Someone else talked to a host it held while it was stopped.
      const sites = new Set(held.map((h) => Object.entries(portal.url).find(([, u]) => u.endsWith(h))?.[0]));
      expect(portal.hits.slice(leasedAt).some((h) => sites.has(h.site))).toBe(true);
      stopped!.child.kill('SIGCONT');
    } finally {
      await watcher.close();
      if (stopped) stopped.child.kill('SIGCONT');
    }
    const ends = await Promise.all(lives.map((l) => l.done));
    for (const e of ends) expect(e.code, e.err.slice(-500)).toBe(CRAWL_EXIT);
    const mine = (await stopped!.done).err;
    expect(mine).toMatch(new RegExp(`lease on (${held.map((h) => h.replace(/[.]/g, '\\.')).join('|')}) lost before the item completed; left to its new holder`));
    const shared = await readShared(db);
    const missing = reference.reports.filter((k) => !shared.facts.reports.includes(k));
    expect(shared.facts, `missing ${missing.join(', ')}; the stopped worker held ${held.join(', ')}; its log:\n${mine.split('\n').filter((l) => /lease|error|failed/.test(l)).slice(0, 30).join('\n')}`).toEqual({ ...reference, runs: ['ok'] });
    const p = politeness(portal.hits.slice(before));
    expect(p.overlaps).toEqual([]);
    expect(p.shortestGap, p.shortest).toBeGreaterThanOrEqual(DELAY_MS - 1);
  });
});

describe.skipIf(!TEST_PG)(`three crawl workers on the portal farm, every platform and rendering${TEST_PG ? '' : ` (${PG_SKIPPED})`}`, () => {
  const FARM_DELAY_MS = 60;
  let farm: Farm;
  let farmDir: string;
  let farmS3: TestS3;
  let farmArgs: string[];
  let embedded: { facts: Facts; code: number | null };
  beforeAll(async () => {
    farmDir = mkdtempSync(join(tmpdir(), 'nianbao-distributed-farm-'));
    farm = await startFarm();
    farmS3 = await startS3();
    const farmSeeds = join(farmDir, 'seeds.csv');
    writeFileSync(farmSeeds, farm.seeds());
    // Without the browser in all four crawls: three Chromiums on two cores would measure the machine, not the leases.
    farmArgs = ['--seeds', farmSeeds, '--proxy', farm.proxy, '--delay-ms', String(FARM_DELAY_MS), '--max-pages', '10', '--no-browser'];
    const ref = join(farmDir, 'embedded');
    const r = await nianbao(['crawl', '--storage', ref, ...farmArgs]).done;
    const store = await openStore(ref, { readonly: true });
    try { embedded = { facts: await factsOf(store), code: r.code }; } finally { await store.close(); }
  }, 240_000);
  afterAll(async () => {
    await farm?.close();
    await farmS3?.close();
    rmSync(farmDir, { recursive: true, force: true });
  });

  it('end with the embedded crawl\'s reports, versions, cells and digests; one request at a time per host, every gap at least the delay', { timeout: 240_000 }, async () => {
    // The farm's reports, read off its fixture data (test/crawl/farm.test.ts checks them one by one): the embedded crawl found many.
    expect(embedded.facts.reports.length).toBeGreaterThanOrEqual(80);
    const db = await freshDatabase();
    dbs.push(db);
    const before = farm.hits.length;
    const args = ['crawl', '--storage', join(farmDir, 'local'), '--db', db, '--blobs', farmS3.blobs(), ...farmArgs];
    const ends = await Promise.all([nianbao(args), nianbao(args), nianbao(args)].map((l) => l.done));
    for (const e of ends) expect(e.code, e.err.slice(-500)).toBe(embedded.code);
    const shared = await readShared(db, join(farmDir, 'local'));
    expect(shared.facts).toEqual({ ...embedded.facts, runs: ['ok'] });
    expect(shared.workers).toBe(3); // 41 hosts: every worker has its share
    expect(shared.sharedHosts).toBeGreaterThan(0);

    // 1 ms for the timers' millisecond rounding; an overlap is a negative gap.
    expect(gapViolations(farm.hits.slice(before), FARM_DELAY_MS - 1)).toEqual([]);
    expect(farm.hits.slice(before).filter((h) => h.thirdParty).map((h) => h.host)).toEqual([]);
  });
});
