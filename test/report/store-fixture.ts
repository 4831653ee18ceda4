/**
 * A real store (SQLite in a temp dir) filled through the store's public API with agencies, column reads
 * and report versions whose dates and numbers were chosen by hand. Expected results, worked out on paper
 * for report year 2023 judged on 2024-04-20:
 *   d-ontime  department, page shows 2024-01-25          → on time (deadline 2024-01-31)
 *   d-late    department, page shows 2024-02-14          → late 14 days; its report fails the balance check
 *   g-late    government, page shows 2024-04-10          → late 10 days (deadline 2024-03-31)
 *   d-missing department, column read 2024-04-15, held 3 links, none for 2023 → missing
 *   g-none    government, column read 2024-03-10, nothing → missing on 04-20, not yet due on 2024-03-15
 *   d-down    department, column unreachable (ECONNREFUSED) → unreachable
 *   d-blocked department, column answered 403            → blocked
 *   d-scan    department, report found, parse failed      → not parsed
 *   d-undated department, no date shown, first seen 2024-03-05 → published, "no date shown"
 */
import { openStorage, type Storage, type StorageOptions } from '../../src/pipeline/index.ts';
import { agencyToRow } from '../../src/seeds/index.ts';
import type { ReportRecord } from '../../src/parse/index.ts';
import { record } from './fixtures.ts';

export const INJECTION_NAME = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">某局';

const A = (agencyId: string, kind: 'department' | 'government', regionCode: string, level: string, name = `测试${agencyId}`) => ({
  agencyId, name, kind, regionCode, level, parentId: null, homeUrl: `http://${agencyId}.localhost/`,
  reportListUrls: [`http://${agencyId}.localhost/nb/`], render: 'http',
});

export const AGENCIES = [
  A('d-ontime', 'department', '640200', 'city', '石嘴山市测试局'),
  A('d-late', 'department', '640200', 'city', INJECTION_NAME),
  A('g-late', 'government', '110105', 'county', '朝阳区人民政府'),
  A('d-missing', 'department', '640300', 'city'),
  A('g-none', 'government', '640300', 'city'),
  A('d-down', 'department', '370784', 'county'),
  A('d-blocked', 'department', '370784', 'county'),
  A('d-scan', 'department', '411602', 'county'),
  A('d-undated', 'department', '411602', 'county'),
];

/** Table values as a person would copy them from each report. */
const RECORDS: Record<string, ReportRecord> = {
  'd-ontime/2022': record({ 'requests.new.total': 9, 'requests.total.total': 8, 'requests.carried_forward.total': 1, 'appeals.review.total': 0 }),
  'd-ontime/2023': record({ 'requests.new.total': 15, 'requests.carried_over.total': 1, 'requests.total.total': 14, 'requests.carried_forward.total': 2, 'appeals.review.total': 1 }),
  'd-late/2023': record({ 'requests.new.total': 40, 'requests.total.total': 35, 'requests.carried_forward.total': 3 }, {
    checks: [{ table: 'requests', rule: 'balance', row: null, col: 'total', left: 40, right: 38, pass: false, nulls_as_zero: ['carried_over.total'], soft: false }],
  }),
  'g-late/2023': record({ 'requests.new.total': 120, 'requests.total.total': 118, 'requests.carried_forward.total': 2, 'appeals.review.total': 4, 'appeals.litigation_direct.total': 2 }),
  'd-undated/2023': record({ 'requests.new.total': 0, 'requests.total.total': 0 }),
};

async function version(storage: Storage, runId: number, agencyId: string, year: number, seenAt: string, publishedAt: string | null, rec: ReportRecord | string) {
  const url = `http://${agencyId}.localhost/nb/${year}.html`;
  const v = await storage.recordVersion({
    agencyId, year, sourceUrl: url, bytes: Buffer.from(`<html><title>${year}年报 ${agencyId}</title></html>`), contentType: 'text/html',
    title: `${year}年政府信息公开工作年度报告`, publishedAt, discoveredFrom: `http://${agencyId}.localhost/nb/`, runId, seenAt,
  });
  await storage.store.records.save(v.versionId, typeof rec === 'string' ? { error: rec, parserVersion: 'test' } : rec);
  return v;
}

async function listRead(storage: Storage, runId: number, agencyId: string, at: string, outcome: string, opts: { status?: number | null; error?: string | null; found?: number; reason?: string } = {}) {
  await storage.recordExchange({
    runId, agencyId, purpose: 'list', url: `http://${agencyId}.localhost/nb/`, status: opts.status === undefined ? 200 : opts.status,
    fetchedAt: at, error: opts.error ?? null, body: opts.status === 200 || opts.status === undefined ? Buffer.from(`<ul>list of ${agencyId}</ul>`) : null,
  });
  await storage.store.agencyRuns.record({ runId, agencyId, listPagesRead: 1, reportsFound: opts.found ?? 0, reportsNew: 0, reportsChanged: 0, outcome, reason: opts.reason ?? null, finishedAt: at });
}

export async function fillStore(dir: string, opts: StorageOptions = {}): Promise<void> {
  const storage = await openStorage(dir, opts);
  try {
    await storage.store.agencies.upsert(AGENCIES.map(agencyToRow));
    const runId = await storage.store.runs.start('crawl');
    await version(storage, runId, 'd-ontime', 2022, '2023-01-20T02:00:00.000Z', '2023-01-18', RECORDS['d-ontime/2022']!);
    await version(storage, runId, 'd-ontime', 2023, '2024-01-26T02:00:00.000Z', '2024-01-25', RECORDS['d-ontime/2023']!);
    await version(storage, runId, 'd-late', 2023, '2024-02-15T02:00:00.000Z', '2024-02-14', RECORDS['d-late/2023']!);
    await version(storage, runId, 'g-late', 2023, '2024-04-11T02:00:00.000Z', '2024-04-10', RECORDS['g-late/2023']!);
    await version(storage, runId, 'd-scan', 2023, '2024-01-10T02:00:00.000Z', '2024-01-09', 'scanned PDF without a text layer');
    await version(storage, runId, 'd-undated', 2023, '2024-03-05T02:00:00.000Z', null, RECORDS['d-undated/2023']!);
    await listRead(storage, runId, 'd-missing', '2024-04-15T02:00:00.000Z', 'ok', { found: 3 });
    await listRead(storage, runId, 'g-none', '2024-03-10T02:00:00.000Z', 'ok', { found: 0 });
    await listRead(storage, runId, 'd-down', '2024-04-15T02:00:00.000Z', 'unreachable', { status: null, error: 'connect ECONNREFUSED 127.0.0.1:9', reason: 'connect ECONNREFUSED 127.0.0.1:9' });
    await storage.recordExchange({ runId, agencyId: 'd-blocked', purpose: 'list', url: 'http://d-blocked.localhost/nb/', status: 403, fetchedAt: '2024-04-15T02:00:00.000Z' });
    await storage.store.runs.finish(runId, 'ok');
  } finally {
    await storage.close();
  }
}
