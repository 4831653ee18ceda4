/**
 * Reads the report stage's facts out of the store (public API of src/store): agencies, report versions
 * with their current parse, and per agency the last read of its 年报 column.
 */
import type { ReportRecord } from '../parse/index.ts';
import type { Storage } from '../pipeline/index.ts';
import { agencyFromRow } from '../seeds/index.ts';
import type { FetchRow, Store } from '../store/index.ts';
import type { AgencyFacts, ListEvidence, ParseOutcome, ReportFacts, ReportVersion } from './types.ts';

/** Column-read outcomes of the crawler's per-agency summary → the status vocabulary. */
const OUTCOME: Record<string, ListEvidence['outcome']> = {
  ok: 'ok', partial: 'ok', blocked: 'blocked', unreachable: 'unreachable', 'no-list-url': 'unreachable',
};

/** HTTP statuses that mean "the site refused us" rather than "the site is down". */
const BLOCKED_STATUS = new Set([401, 403, 412, 429, 451, 521]);

function fromFetch(agencyId: string, f: FetchRow): ListEvidence {
  const ok = !f.error && f.status !== null && f.status < 400;
  const outcome: ListEvidence['outcome'] = ok ? 'ok' : f.status !== null && BLOCKED_STATUS.has(f.status) ? 'blocked' : 'unreachable';
  return {
    agencyId, url: f.final_url ?? f.url, readAt: f.fetched_at, outcome, httpStatus: f.status,
    reason: ok ? null : f.error ?? `HTTP ${f.status}`, held: null, sha256: f.body_sha256,
  };
}

/** What the last read of the column showed, from the crawler's run summary and the list-page fetch. */
async function evidenceOf(store: Store, agencyId: string): Promise<ListEvidence | null> {
  const st = await store.agencyRuns.listState(agencyId);
  const f = st.lastListFetch;
  const s = st.lastSummary;
  if (!f && !s) return null;
  const fromF = f ? fromFetch(agencyId, f) : null;
  if (!s || (f && f.fetched_at > s.finished_at)) return fromF;
  const outcome = OUTCOME[s.outcome] ?? (fromF?.outcome ?? 'unreachable');
  const held = `${s.list_pages_read} list page(s) read, ${s.reports_found} report link(s) found` +
    (s.reports_new ? `, ${s.reports_new} new` : '') + (s.outcome === 'partial' ? ` (partial: ${s.reason ?? 'some pages failed'})` : '');
  const reason = outcome === 'ok' ? null
    : s.outcome === 'no-list-url' ? `no 年报 column found${s.reason ? `: ${s.reason}` : ''}`
      : s.reason ?? fromF?.reason ?? s.outcome;
  return {
    agencyId, url: fromF?.url ?? '(no list page)', readAt: s.finished_at, outcome, httpStatus: fromF?.httpStatus ?? null,
    reason, held: outcome === 'ok' ? held : null, sha256: fromF?.sha256 ?? null,
  };
}

export interface LoadOptions {
  /** Use these agencies (e.g. from a seed file) as the denominator instead of the store's. */
  agencies?: AgencyFacts[];
  /** Only report versions of this year (status of one year needs no others). */
  year?: number;
}

/** Every fact the report stage needs, from an open store (read-only is enough). */
export async function loadFacts({ store, originals }: Pick<Storage, 'store' | 'originals'>, opts: LoadOptions = {}): Promise<ReportFacts> {
  const agencies = opts.agencies ?? (await store.agencies.list()).map(agencyFromRow);
  const known = new Set(agencies.map((a) => a.agencyId));
  const reports = (await store.reports.list(opts.year === undefined ? {} : { year: opts.year }))
    .filter((r) => r.agency_id !== null && r.year !== null && known.has(r.agency_id));
  const byReport = new Map(reports.map((r) => [r.report_id, r]));
  const records = new Map<number, ParseOutcome>();
  for (const rec of await store.records.latest(opts.year === undefined ? {} : { year: opts.year })) {
    if (!byReport.has(rec.report_id)) continue;
    records.set(rec.version_id, rec.json
      ? { ok: true, record: JSON.parse(rec.json) as ReportRecord }
      : { ok: false, problem: rec.error ?? 'parse failed (no message)' });
  }
  const versions: ReportVersion[] = [];
  const sources = new Map<number, string[]>();
  for (const v of await store.reports.versions()) {
    const r = byReport.get(v.report_id);
    if (!r) continue;
    if (!sources.has(r.report_id)) sources.set(r.report_id, await store.reports.sources(r.report_id));
    versions.push({
      agencyId: r.agency_id!, year: r.year!, url: v.source_url ?? '', sha256: v.sha256, fetchedAt: v.first_seen_at,
      shownDate: v.published_at, shownDateSource: v.published_at ? 'shown by the portal' : null, title: v.title ?? r.title,
      listedOn: sources.get(r.report_id)!, current: r.current_version_id === v.version_id, archivePath: originals.localPath(v.sha256),
      parse: records.get(v.version_id) ?? { ok: false, problem: 'not parsed yet' },
    });
  }
  const evidence: ListEvidence[] = [];
  for (const a of agencies) {
    const e = await evidenceOf(store, a.agencyId);
    if (e) evidence.push(e);
  }
  return { agencies, versions, evidence };
}
