import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { nightlyRun, RUN_LOCK, type NightlyOptions, type Stage } from '../../src/report/run.ts';
import { EXIT, runExitCode } from '../../src/cli/exit-codes.ts';
import { openStorage } from '../../src/pipeline/index.ts';
import { fillStore } from './store-fixture.ts';
import { record } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'nianbao-run-'));
beforeAll(() => fillStore(dir));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => undefined;
/** The command line's mapping of stage codes, as `nianbao run` passes it. */
const exitCodeOf: NightlyOptions['exitCodeOf'] = (stages) => runExitCode(stages.map((x) => x.code));

/** Stands in for one night's crawl: writes what a crawler would, through the store's public API. */
const nightTwoCrawl: Stage = async ({ storageDir }) => {
  const storage = await openStorage(storageDir);
  try {
    const runId = await storage.store.runs.start('crawl');
    // d-ontime replaced its 2023 report with a corrected file at the same URL.
    const changed = await storage.recordVersion({
      agencyId: 'd-ontime', year: 2023, sourceUrl: 'http://d-ontime.localhost/nb/2023.html', bytes: Buffer.from('<html>2023 corrected</html>'),
      publishedAt: '2024-01-25', runId, seenAt: '2024-04-19T02:00:00.000Z',
    });
    await storage.store.records.save(changed.versionId, record({ 'requests.new.total': 16 }));
    // d-missing finally published, the page shows 2024-04-18: 78 days after 31 January (29 + 31 + 18).
    const fresh = await storage.recordVersion({
      agencyId: 'd-missing', year: 2023, sourceUrl: 'http://d-missing.localhost/nb/2023.pdf', bytes: Buffer.from('%PDF d-missing 2023'),
      publishedAt: '2024-04-18', runId, seenAt: '2024-04-19T02:00:00.000Z',
    });
    await storage.store.records.save(fresh.versionId, record({ 'requests.new.total': 2 }));
    // g-none's column stopped answering.
    await storage.recordExchange({ runId, agencyId: 'g-none', purpose: 'list', url: 'http://g-none.localhost/nb/', status: null, error: 'timeout after 30 s', fetchedAt: '2024-04-19T02:00:00.000Z' });
    await storage.store.agencyRuns.record({ runId, agencyId: 'g-none', listPagesRead: 0, reportsFound: 0, reportsNew: 0, reportsChanged: 0, outcome: 'unreachable', reason: 'timeout after 30 s', finishedAt: '2024-04-19T02:00:00.000Z' });
    await storage.store.runs.finish(runId);
  } finally {
    await storage.close();
  }
  return { ok: true, detail: 'crawled 9 agencies', code: 0 };
};

describe('nianbao run', () => {
  it('first run: everything stored is new; the summary is stored', async () => {
    const s = await nightlyRun({ storageDir: dir, seeds: null, today: '2024-04-20', stages: { crawl: null, parse: null }, log: quiet, exitCodeOf });
    expect(s.exit_code).toBe(EXIT.ok);
    expect(s.previous_run).toBeNull();
    // Reports in the fixture: d-ontime 2022 and 2023, d-late, g-late, d-scan, d-undated.
    expect(s.new_reports.map((i) => `${i.agency_id}/${i.year}`).sort()).toEqual(['d-late/2023', 'd-ontime/2022', 'd-ontime/2023', 'd-scan/2023', 'd-undated/2023', 'g-late/2023']);
    expect(s.counts).toMatchObject({ agencies: 9, late: 2, missing: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'runs', 'latest.json'), 'utf8')).summary.finished_at).toBe(s.finished_at);
  });

  it('second run: new, changed, newly late, newly unreachable; a failed stage gives exit 1', async () => {
    const failingParse: Stage = async () => ({ ok: false, detail: 'reparse exited 1', code: 1 });
    const s = await nightlyRun({ storageDir: dir, seeds: null, today: '2024-04-20', stages: { crawl: nightTwoCrawl, parse: failingParse }, log: quiet, exitCodeOf });
    expect(s.new_reports.map((i) => `${i.agency_id}/${i.year}`)).toEqual(['d-missing/2023']);
    expect(s.changed_reports.map((i) => `${i.agency_id}/${i.year}`)).toEqual(['d-ontime/2023']);
    expect(s.newly_late).toEqual([expect.objectContaining({ agency_id: 'd-missing', year: 2023, detail: '78 days late' })]);
    expect(s.newly_unreachable.map((i) => i.agency_id)).toEqual(['g-none']);
    expect(s.stages['parse']).toEqual({ ok: false, detail: 'reparse exited 1', code: 1 });
    // Issue 13: one set of exit codes (src/cli/exit-codes.ts); a stage that failed is an error (1), 4 now means "no agency read".
    expect(s.exit_code).toBe(EXIT.error);
    expect(s.previous_run).not.toBeNull();
  });

  it('one run at a time: a second run exits 75 (locked) and does nothing; the lock is released after', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    let started!: () => void;
    const isRunning = new Promise<void>((r) => { started = r; });
    const slowCrawl: Stage = async () => { started(); await held; return { ok: true, detail: 'slow', code: 0 }; };
    const first = nightlyRun({ storageDir: dir, seeds: null, today: '2024-04-20', stages: { crawl: slowCrawl, parse: null }, log: quiet, exitCodeOf });
    await isRunning;
    const err: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((x: string) => { err.push(x); return true; }) as typeof process.stderr.write;
    let code: number;
    try {
      code = await main(['run', '--no-crawl', '--no-parse', '--storage', dir, '--today', '2024-04-20']);
    } finally { process.stderr.write = write; }
    // Issue 13: "storage locked by another writer" is 75 for every command, run's lock included (was 3).
    expect(code).toBe(EXIT.locked);
    expect(err.join('')).toMatch(/^nianbao: another nianbao run is in progress/);
    release();
    expect((await first).exit_code).toBe(0);
    expect(existsSync(join(dir, RUN_LOCK))).toBe(false);
  });

  it('a lock left by a dead process is taken over; the CLI prints the summary', async () => {
    writeFileSync(join(dir, RUN_LOCK), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2024-04-19T00:00:00Z' }));
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((x: string) => { out.push(x); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['run', '--no-crawl', '--no-parse', '--storage', dir, '--today', '2024-04-20']);
    } finally { process.stdout.write = write; }
    expect(code).toBe(0);
    expect(out.join('')).toContain('new reports: 0');
    expect(out.join('')).toContain('exit 0');
  });

  it('bad input: --seeds missing', async () => {
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await main(['run', '--storage', dir])).toBe(2);
    } finally { process.stderr.write = write; }
  });

  it('a crawl that could not read some agencies gives 3, with the one-line count of what was read', async () => {
    const partial: Stage = async () => ({ ok: false, detail: 'nianbao crawl exited 3: 2 agencies not read', code: EXIT.someUnread });
    const s = await nightlyRun({ storageDir: dir, seeds: null, today: '2024-04-20', stages: { crawl: partial, parse: null }, log: quiet, exitCodeOf });
    expect(s.exit_code).toBe(EXIT.someUnread);
    // By hand from the fixture and night two: d-missing's column was read; d-down and g-none unreachable (night
    // two's timeout); d-blocked answered 403; the other five had no column read recorded.
    expect(s.columns).toEqual({ agencies: 9, read: 1, unreachable: 2, blocked: 1, not_checked: 5 });
    expect(s.line).toBe('1 of 9 agencies read, 2 unreachable, 1 blocked, 5 not checked');
    const stored = JSON.parse(readFileSync(join(dir, 'runs', 'latest.json'), 'utf8'));
    expect(Object.keys(stored.summary)).toContain('exit_code');
    expect(JSON.stringify(stored)).not.toMatch(/"[a-z]+[A-Z][A-Za-z]*":/); // no camelCase key anywhere
  });
});

describe('exit codes of nianbao run from its stages', () => {
  it('locked and bad input first, then a failed stage, then the crawl\'s verdict on what it read', () => {
    expect(runExitCode([0, 0])).toBe(0);
    expect(runExitCode([3, 0])).toBe(3);
    expect(runExitCode([4, 0])).toBe(4);
    expect(runExitCode([3, 4])).toBe(4);
    expect(runExitCode([4, 1])).toBe(1);
    expect(runExitCode([0, null])).toBe(1);
    expect(runExitCode([2, 1])).toBe(2);
    expect(runExitCode([75, 0])).toBe(75);
    expect(runExitCode([])).toBe(0);
  });
});
