import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, reparseArchive, type Storage } from '../../src/pipeline/index.ts';
import { agencyToRow } from '../../src/seeds/index.ts';
import { resolveStorageDir } from '../../src/store/index.ts';
import { parseDocument, PARSER_VERSION, type ReportRecord } from '../../src/parse/index.ts';
import { renderReport, SYNTHETIC } from '../helpers/synthetic.ts';
import { dropDatabase, ENGINES, freshStoreOptions } from '../helpers/postgres.ts';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

let dir: string;
let storage: Storage | null = null;

const REPORT = Buffer.from(renderReport(SYNTHETIC, { sep: 'tab', version: '2021' }, '某某市某某局', 2024));

describe('store locations', () => {
  it('resolves the storage directory from option, environment, default', () => {
    const saved = process.env.NIANBAO_STORAGE;
    try {
      process.env.NIANBAO_STORAGE = '/srv/nb';
      expect(resolveStorageDir('/x/y')).toBe('/x/y');
      expect(resolveStorageDir()).toBe('/srv/nb');
      delete process.env.NIANBAO_STORAGE;
      expect(resolveStorageDir()).toBe(join(process.cwd(), 'storage'));
    } finally {
      if (saved === undefined) delete process.env.NIANBAO_STORAGE; else process.env.NIANBAO_STORAGE = saved;
    }
  });
});

// Every test below runs on an embedded SQLite file and on a PostgreSQL server, each store fresh.
describe.each(ENGINES)('on $title', ({ engine, skip }) => {
let opts: { db?: string } = {};
beforeEach(async ({ skip: skipTest }) => {
  if (skip) return skipTest();
  dir = mkdtempSync(join(tmpdir(), 'nianbao-store-'));
  opts = await freshStoreOptions(engine);
});
afterEach(async () => {
  await storage?.close();
  storage = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (opts.db) await dropDatabase(opts.db);
  opts = {};
});

describe('store', () => {
  it('keeps originals and exchanges across a reopen, byte for byte', async () => {
    storage = await openStorage(dir, opts);
    await storage.store.agencies.upsert([{ agencyId: 'A1', name: '某某市某某局', regionCode: '110000', level: 'city', kind: 'department', reportListUrls: ['http://127.0.0.1/list1', 'http://127.0.0.1/list2'], render: 'http' }].map(agencyToRow));
    const run = await storage.store.runs.start('crawl', { seeds: 'x.csv' });
    const f = await storage.recordExchange({
      runId: run, agencyId: 'A1', purpose: 'attachment', url: 'http://127.0.0.1/r.txt', finalUrl: 'http://127.0.0.1/files/r.txt',
      status: 200, requestHeaders: { 'User-Agent': 'nianbao' }, responseHeaders: { 'Content-Type': 'text/plain; charset=utf-8', ETag: '"e1"' },
      redirects: [{ url: 'http://127.0.0.1/r.txt', status: 302, location: '/files/r.txt' }],
      fetchedAt: '2025-03-01T10:00:00.000Z', durationMs: 12, body: REPORT, referrer: 'http://127.0.0.1/list1',
    });
    expect(f.sha256).toBe(sha(REPORT));
    expect(f.newBody).toBe(true);
    const failed = await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'list', url: 'http://127.0.0.1/list2', error: 'ECONNRESET' });
    expect(failed.sha256).toBeNull();
    await storage.store.runs.finish(run);
    await storage.close();

    storage = await openStorage(dir, { ...opts, readonly: true });
    const [a] = await storage.store.agencies.list();
    expect(a).toMatchObject({ agency_id: 'A1', report_list_url: 'http://127.0.0.1/list1|http://127.0.0.1/list2', region_code: '110000' });
    const fetches = await storage.store.exchanges.list({ runId: run });
    expect(fetches).toHaveLength(2);
    expect(fetches[0]).toMatchObject({ status: 200, final_url: 'http://127.0.0.1/files/r.txt', body_size: REPORT.length, duration_ms: 12 });
    expect(JSON.parse(fetches[0]!.response_headers!)).toEqual({ 'Content-Type': 'text/plain; charset=utf-8', ETag: '"e1"' });
    expect(fetches[1]).toMatchObject({ error: 'ECONNRESET', body_sha256: null });
    expect(storage.archive.read(f.sha256!).equals(REPORT)).toBe(true);
    expect(readFileSync(storage.archive.pathOf(f.sha256!)).equals(REPORT)).toBe(true);
    expect(storage.archive.pathOf(f.sha256!)).toContain(`originals/${f.sha256!.slice(0, 2)}/${f.sha256!.slice(2, 4)}/${f.sha256}`);
    await expect(storage.store.runs.start('crawl')).rejects.toThrow(/read-only/);
  });

  it('a changed original is a second version beside the first; the same bytes again are not', async () => {
    storage = await openStorage(dir, opts);
    const v1 = Buffer.from('2023年报 第一版');
    const v2 = Buffer.from('2023年报 第二版（更正）');
    const r1 = await storage.recordVersion({ agencyId: 'A1', year: 2023, sourceUrl: 'http://127.0.0.1/r.pdf', bytes: v1, seenAt: '2024-01-20T00:00:00.000Z', publishedAt: '2024-01-18', discoveredFrom: 'http://127.0.0.1/list' });
    expect(r1).toMatchObject({ newReport: true, newVersion: true, changed: false });
    const again = await storage.recordVersion({ agencyId: 'A1', year: 2023, sourceUrl: 'http://127.0.0.1/r.pdf', bytes: v1, seenAt: '2024-01-21T00:00:00.000Z' });
    expect(again).toMatchObject({ reportId: r1.reportId, versionId: r1.versionId, newReport: false, newVersion: false, changed: false });
    const r2 = await storage.recordVersion({ agencyId: 'A1', year: 2023, sourceUrl: 'http://127.0.0.1/r.pdf', bytes: v2, seenAt: '2024-03-05T00:00:00.000Z' });
    expect(r2).toMatchObject({ reportId: r1.reportId, newReport: false, newVersion: true, changed: true });
    expect(r2.versionId).not.toBe(r1.versionId);

    const versions = await storage.store.reports.versions(r1.reportId);
    expect(versions.map((v) => [v.sha256, v.replaced_at])).toEqual([[sha(v1), '2024-03-05T00:00:00.000Z'], [sha(v2), null]]);
    expect(storage.archive.read(sha(v1)).equals(v1)).toBe(true); // the first is kept
    const [report] = await storage.store.reports.list({ agencyId: 'A1', year: 2023 });
    expect(report).toMatchObject({ current_version_id: r2.versionId, published_at: '2024-01-18', first_seen_at: '2024-01-20T00:00:00.000Z' });

    // A second URL pointing at the same report (the page, beside the attachment).
    await storage.recordVersion({ agencyId: 'A1', year: 2023, sourceUrl: 'http://127.0.0.1/page.html', bytes: Buffer.from('<p>page</p>') });
    expect((await storage.store.reports.urls(r1.reportId)).map((u) => u.url).sort()).toEqual(['http://127.0.0.1/page.html', 'http://127.0.0.1/r.pdf']);

    // Gone upstream: the report is marked, nothing deleted; seen again, it is back.
    expect(await storage.store.reports.markGone({ reportId: r1.reportId }, '2024-06-01T00:00:00.000Z')).toBe(1);
    expect((await storage.store.reports.list())[0]!.gone_at).toBe('2024-06-01T00:00:00.000Z');
    expect(await storage.store.reports.versions(r1.reportId)).toHaveLength(3);

    // A different agency or year is a different report.
    const other = await storage.recordVersion({ agencyName: '某县政府', year: 2023, sourceUrl: 'http://127.0.0.1/x.pdf', bytes: v1 });
    expect(other.newReport).toBe(true);
    expect(other.reportId).not.toBe(r1.reportId);
  });

  it('marks a report gone only when all its URLs are gone', async () => {
    storage = await openStorage(dir, opts);
    const r = await storage.recordVersion({ agencyId: 'A1', year: 2022, sourceUrl: 'http://127.0.0.1/a.pdf', otherUrls: ['http://127.0.0.1/a.html'], bytes: Buffer.from('x') });
    expect(await storage.store.reports.markGone({ url: 'http://127.0.0.1/a.pdf' })).toBe(0);
    expect(await storage.store.reports.markGone({ url: 'http://127.0.0.1/a.html' })).toBe(1);
    expect((await storage.store.reports.list())[0]).toMatchObject({ report_id: r.reportId });
    expect((await storage.store.reports.list())[0]!.gone_at).not.toBeNull();
  });

  it('keeps crawl state: conditional GET per URL, politeness per host, work items, agency summaries', async () => {
    storage = await openStorage(dir, opts);
    await storage.store.crawlState.setUrl({ url: 'http://h/a', etag: '"x"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', lastStatus: 200 });
    await storage.store.crawlState.setUrl({ url: 'http://h/a', lastStatus: 304 });
    expect(await storage.store.crawlState.url('http://h/a')).toMatchObject({ etag: '"x"', lastModified: 'Tue, 01 Oct 2024 00:00:00 GMT', lastStatus: 304 });
    expect(await storage.store.crawlState.url('http://h/none')).toBeNull();

    await storage.store.crawlState.setHost({ host: 'h', crawlDelayMs: 2000, nextAllowedAt: '2025-01-01T00:00:02.000Z' });
    await storage.store.crawlState.setHost({ host: 'h', consecutiveFailures: 3, pausedUntil: '2025-01-01T01:00:00.000Z' });
    expect(await storage.store.crawlState.host('h')).toMatchObject({ crawlDelayMs: 2000, consecutiveFailures: 3, pausedUntil: '2025-01-01T01:00:00.000Z', nextAllowedAt: '2025-01-01T00:00:02.000Z' });

    expect(await storage.store.work.add('docs', 'http://h/1', { url: 'http://h/1', depth: 1 })).toBe(true);
    expect(await storage.store.work.add('docs', 'http://h/1', { url: 'http://h/1', depth: 1 })).toBe(false);
    await storage.store.work.add('docs', 'http://h/2', { url: 'http://h/2' }, { priority: 5 });
    const claimed = await storage.store.work.claim<{ url: string }>('docs', 1);
    expect(claimed.map((c) => c.payload.url)).toEqual(['http://h/2']);
    await storage.store.work.fail(claimed[0]!.itemId, 'HTTP 503', '2000-01-01T00:00:00.000Z');
    const next = await storage.store.work.claim<{ url: string }>('docs', 5);
    expect(next.map((c) => [c.key, c.attempts])).toEqual([['http://h/2', 2], ['http://h/1', 1]]);
    await storage.store.work.complete(next[0]!.itemId);
    expect(await storage.store.work.requeueRunning('docs')).toBe(1);
    expect(await storage.store.work.count('docs')).toEqual({ done: 1, pending: 1 });

    const run = await storage.store.runs.start('crawl');
    await storage.store.agencies.upsert([{ agencyId: 'A1', name: '甲' }].map(agencyToRow));
    await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'list', url: 'http://h/list', status: 200, body: Buffer.from('<ul></ul>') });
    await storage.recordExchange({ runId: run, agencyId: 'A1', purpose: 'list', url: 'http://h/list_2', status: 404 });
    await storage.store.agencyRuns.record({ runId: run, agencyId: 'A1', listPagesRead: 2, reportsFound: 0, reportsNew: 0, reportsChanged: 0, outcome: 'ok' });
    const st = await storage.store.agencyRuns.listState('A1');
    expect(st.lastListFetch?.url).toBe('http://h/list_2');
    expect(st.lastListFetches.map((f) => f.status)).toEqual([200, 404]);
    expect(st.lastSummary).toMatchObject({ list_pages_read: 2, outcome: 'ok' });
  });

  it('saves parsed records as tidy cells and checks; a newer parse supersedes, never deletes', async () => {
    storage = await openStorage(dir, opts);
    const v = await storage.recordVersion({ agencyId: 'A1', year: 2024, sourceUrl: 'http://127.0.0.1/r.txt', bytes: REPORT, fileName: 'r.txt' });
    // An older parser: the same reading, labelled with an older version.
    const first = await reparseArchive(storage, { parserVersion: '0.9-old', parse: (d, h) => ({ ...parseDocument(d, h), parser_version: '0.9-old' }) });
    expect(first).toMatchObject({ versions: 1, parsed: 1, failed: [] });
    const second = await reparseArchive(storage);
    expect(second.parserVersion).toBe(PARSER_VERSION);

    const history = await storage.store.records.history(v.versionId);
    expect(history.map((h) => h.parser_version)).toEqual(['0.9-old', PARSER_VERSION]);
    expect(history[0]!.superseded_by).toBe(history[1]!.record_id);
    expect(history[1]!.superseded_at).toBeNull();
    const [latest] = await storage.store.records.latest({ agencyId: 'A1', year: 2024 });
    expect(latest!.record_id).toBe(history[1]!.record_id);
    expect(latest).toMatchObject({ agency: '某某市某某局', year: 2024 });

    // Values typed by hand in test/helpers/synthetic.ts: 新收 total 50, 行政许可 57, fees 12.35.
    const cells = await storage.store.records.cells(latest!.record_id);
    const cell = (t: string, r: string, c: string) => cells.find((x) => x.table_key === t && x.row_key === r && x.col_key === c);
    expect(cell('requests', 'new', 'total')).toMatchObject({ value: 50, text: '50', inferred: 0 });
    expect(cell('active', 'licensing', 'decisions')?.value).toBe(57);
    expect(cells.some((c) => c.table_key === 'active' && c.value === 12.35)).toBe(true);
    const checks = await storage.store.records.checks(latest!.record_id);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => !c.soft).every((c) => c.pass === 1)).toBe(true);
    // The old record is still there, whole: its JSON, and its cells rebuilt from it (the cells table only
    // indexes current records, so re-parsing does not grow it).
    const oldCells = await storage.store.records.cells(history[0]!.record_id);
    expect(oldCells).toEqual(cells.map((c) => ({ ...c, record_id: history[0]!.record_id })));
    expect((await storage.store.records.get(history[0]!.record_id))?.parser_version).toBe('0.9-old');
    const stored = (await sql<{ n: number }>`select count(distinct record_id) as n from cells`.execute(storage.store.db)).rows[0]!;
    expect(stored.n).toBe(1);

    // --only-stale skips versions already read by this parser.
    const third = await reparseArchive(storage, { onlyStale: true });
    expect(third).toMatchObject({ versions: 0, skipped: 1 });
  });

  it('keeps a failed parse as a visible error record', async () => {
    storage = await openStorage(dir, opts);
    await storage.recordVersion({ agencyId: 'A1', year: 2024, bytes: Buffer.from('whatever') });
    const r = await reparseArchive(storage, { extract: async () => { throw new Error('cannot read this original\nstack'); } });
    expect(r.failed).toEqual([expect.objectContaining({ error: 'cannot read this original' })]);
    const [rec] = await storage.store.db.selectFrom('records').selectAll().execute();
    expect(rec).toMatchObject({ json: null, error: 'cannot read this original', superseded_at: null });
  });
});

describe('store migrations', () => {
  it('upgrades a storage written before migration 002 and still reads its records', async () => {
    const { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } = await import('kysely');
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const pg = (await import('pg')).default;
    const { MIGRATIONS } = await import('../../src/store/schema.ts');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const old = new Kysely<any>({ dialect: opts.db ? new PostgresDialect({ pool: new pg.Pool({ connectionString: opts.db }) })
      : new SqliteDialect({ database: new BetterSqlite3(join(dir, 'nianbao.sqlite')) }) });
    await new Migrator({ db: old, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo('001_initial');
    await sql`insert into reports (report_key, agency_id, year, first_seen_at, last_seen_at) values ('A|2020', 'A', 2020, 't', 't')`.execute(old);
    await sql`insert into report_versions (report_id, sha256, first_seen_at, last_seen_at) values (1, ${'a'.repeat(64)}, 't', 't')`.execute(old);
    await sql`insert into records (version_id, sha256, parser_version, parsed_at, json) values (1, ${'a'.repeat(64)}, '0.1', 't', '{"year":2020}')`.execute(old);
    await sql`insert into cells values (1, 'requests', 'new', 'total', 7, '7', 0, 0)`.execute(old);
    await old.destroy();

    storage = await openStorage(dir, { ...opts, readonly: true }); // a reader upgrades it once
    const [rec] = await storage.store.records.latest();
    expect(JSON.parse(rec!.json!)).toEqual({ year: 2020 });
    expect(await storage.store.records.cells(rec!.record_id)).toEqual([expect.objectContaining({ row_key: 'new', value: 7 })]);
    const applied = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.store.db)).rows.map((r) => r.name);
    expect(applied).toEqual(Object.keys(MIGRATIONS));
  });

  it('refuses a database written by a newer nianbao', async () => {
    storage = await openStorage(dir, opts);
    await sql`insert into kysely_migration (name, timestamp) values ('999_future', 'x')`.execute(storage.store.db);
    await storage.close();
    storage = null;
    await expect(openStorage(dir, { ...opts, readonly: true })).rejects.toThrow(/newer nianbao \(migration 999_future\)/);
    await expect(openStorage(dir, opts)).rejects.toThrow(/newer nianbao \(migration 999_future\)/);
    // The refused writer let go of the lock.
    storage = await openStorage(dir, { ...opts, readonly: true }).catch(() => null);
    expect(storage).toBeNull();
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'writer.lock'))).toBe(false);
  });
});

describe('ingestOriginal (the crawler writing through the storage)', () => {
  it('records the exchange, the version and the parse, once per original', async () => {
    const { ingestOriginal } = await import('../../src/pipeline/index.ts');
    storage = await openStorage(dir, opts);
    const run = await storage.store.runs.start('crawl');
    const arrive = { bytes: REPORT, url: 'http://127.0.0.1/files/2024.txt', requestedUrl: 'http://127.0.0.1/r?id=9', contentType: 'text/plain', kind: 'attachment' as const, agencyId: 'A1', year: 2024, title: '2024年报', discoveredFrom: 'http://127.0.0.1/list', status: 200, fileName: '2024.txt' };
    const first = await ingestOriginal(storage, arrive, { runId: run });
    expect(first).toMatchObject({ newReport: true, newVersion: true, parseError: null });
    expect(first.recordId).not.toBeNull();
    const again = await ingestOriginal(storage, arrive, { runId: run });
    expect(again).toMatchObject({ newVersion: false, recordId: null });
    expect(await storage.store.exchanges.list()).toHaveLength(2); // both exchanges are evidence
    const [f] = await storage.store.exchanges.list();
    expect(f).toMatchObject({ url: 'http://127.0.0.1/r?id=9', final_url: 'http://127.0.0.1/files/2024.txt', purpose: 'attachment', referrer: 'http://127.0.0.1/list' });
    const rec = await storage.store.records.get<ReportRecord>(first.recordId!);
    expect(rec?.tables.requests.rows.new!.total!.value).toBe(50); // typed by hand in synthetic.ts
    await expect(ingestOriginal(storage, { ...arrive, sha256: 'f'.repeat(64) })).rejects.toThrow(/does not match/);
  });
});

describe('verifyStorage on records', () => {
  it('reports a parsed record whose stored JSON no longer reads', async () => {
    const { verifyStorage } = await import('../../src/pipeline/index.ts');
    storage = await openStorage(dir, opts);
    await storage.recordVersion({ agencyId: 'A1', year: 2024, bytes: REPORT, fileName: 'r.txt' });
    await reparseArchive(storage);
    expect((await verifyStorage(storage)).problems).toEqual([]);
    await storage.store.db.updateTable('records').set({ json_z: Buffer.from('not deflate data') }).execute();
    const v = await verifyStorage(storage);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'record-unreadable', message: expect.stringMatching(/^record 1: stored JSON cannot be read/) })]);
  });
});

describe('fetchInputOf (recording every crawler exchange)', () => {
  it('maps a response, keeping the body except for a 304', async () => {
    const { fetchInputOf } = await import('../../src/crawl/http.ts');
    storage = await openStorage(dir, opts);
    const res = { url: 'http://127.0.0.1/l', finalUrl: 'http://127.0.0.1/l/', status: 200, headers: { etag: '"1"' }, body: Buffer.from('<ul/>'), redirects: [{ url: 'http://127.0.0.1/l', status: 301, location: '/l/' }], fetchedAt: '2025-01-01T00:00:00.000Z', elapsedMs: 12.6 };
    const a = await storage.recordExchange(fetchInputOf(res, { purpose: 'list', agencyId: 'A1' }));
    expect(a.sha256).toBe(sha('<ul/>'));
    const b = await storage.recordExchange(fetchInputOf({ ...res, status: 304, body: Buffer.alloc(0) }, { purpose: 'list', agencyId: 'A1' }));
    expect(b.sha256).toBeNull();
    const rows = await storage.store.exchanges.list({ agencyId: 'A1' });
    expect(rows.map((r) => [r.status, r.duration_ms, r.final_url])).toEqual([[200, 13, 'http://127.0.0.1/l/'], [304, 13, 'http://127.0.0.1/l/']]);
    expect(JSON.parse(rows[0]!.redirects!)).toEqual([{ url: 'http://127.0.0.1/l', status: 301, location: '/l/' }]);
  });
});
});
