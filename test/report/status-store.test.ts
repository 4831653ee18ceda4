import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadFacts } from '../../src/report/source.ts';
import { computeStatus } from '../../src/report/status.ts';
import { openStorage } from '../../src/pipeline/index.ts';
import { fillStore } from './store-fixture.ts';
import { dropDatabase, ENGINES, freshStoreOptions } from '../helpers/postgres.ts';

// The same store, facts and answers on an embedded SQLite file and on a PostgreSQL server.
describe.each(ENGINES)('on $title', ({ engine, skip }) => {
const dir = mkdtempSync(join(tmpdir(), 'nianbao-status-'));
let opts: { db?: string } = {};
/** The command line's own words for the same store. */
const where = () => (opts.db ? ['--db', opts.db] : []);
beforeAll(async () => {
  if (skip) return;
  opts = await freshStoreOptions(engine);
  await fillStore(dir, opts);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (opts.db) await dropDatabase(opts.db);
});

async function statusAt(today: string) {
  const storage = await openStorage(dir, { ...opts, readonly: true });
  try {
    return computeStatus(await loadFacts(storage, { year: 2023 }), 2023, today);
  } finally {
    await storage.close();
  }
}

describe.skipIf(skip)('status from a real store', () => {
  it('classifies every seed agency with its evidence', async () => {
    const r = await statusAt('2024-04-20');
    const by = Object.fromEntries(r.rows.map((x) => [x.agencyId, x]));
    expect(r.rows).toHaveLength(9);
    expect(by['d-ontime']).toMatchObject({ status: 'on_time', publishedDate: '2024-01-25', deadline: '2024-01-31' });
    expect(by['d-late']).toMatchObject({ status: 'late', daysLate: 14 });
    expect(by['g-late']).toMatchObject({ status: 'late', daysLate: 10, deadline: '2024-03-31' });
    expect(by['d-missing']).toMatchObject({ status: 'missing', lastReadAt: '2024-04-15T02:00:00.000Z' });
    expect(by['d-missing']!.evidence).toContain('3 report link(s) found');
    expect(by['g-none']!.status).toBe('missing');
    expect(by['d-down']).toMatchObject({ status: 'unreachable' });
    expect(by['d-down']!.reason).toContain('ECONNREFUSED');
    expect(by['d-blocked']).toMatchObject({ status: 'blocked', reason: 'HTTP 403' });
    expect(by['d-scan']).toMatchObject({ status: 'not_parsed', reason: 'scanned PDF without a text layer' });
    expect(by['d-undated']).toMatchObject({ status: 'published_undated', daysLate: null });
    expect(by['d-undated']!.dateNote).toContain('no date shown');
  });
  it('a government without a report is not yet due before 31 March', async () => {
    const r = await statusAt('2024-03-15');
    const by = Object.fromEntries(r.rows.map((x) => [x.agencyId, x]));
    expect(by['g-none']!.status).toBe('not_yet_due');
    expect(by['d-missing']!.status).toBe('missing');
  });
  it('nianbao status --json and --csv', async () => {
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => { out.push(s); return true; }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['status', '--year', '2023', '--storage', dir, ...where(), '--today', '2024-04-20', '--json']);
    } finally { process.stdout.write = write; }
    expect(code).toBe(0);
    const j = JSON.parse(out.join(''));
    expect(j.rows.find((r: { agency_id: string }) => r.agency_id === 'g-late')).toMatchObject({ status: 'late', days_late: 10 });
    expect(j.totals.all).toMatchObject({ agencies: 9, late: 2, on_time: 1, missing: 2 });
    expect(j.totals['region:110000']).toMatchObject({ agencies: 1, late: 1 });
  });
  it('bad input: one clear line, non-zero exit', async () => {
    const err: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => { err.push(s); return true; }) as typeof process.stderr.write;
    try {
      expect(await main(['status', '--year', 'twenty', '--storage', dir, ...where()])).toBe(2);
      expect(await main(['status', '--year', '2023', '--storage', join(dir, 'nope')])).not.toBe(0);
    } finally { process.stderr.write = write; }
    expect(err[0]).toMatch(/^nianbao: .*year/);
    expect(err.join('')).toContain('no nianbao storage');
  });
});
});
