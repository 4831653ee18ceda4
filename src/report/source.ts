/**
 * Reads the report stage's facts out of the store (public API of src/store): agencies, report versions
 * with their current parse and their sources, and per agency what was read of its 年报 column.
 */
import type { ReportRecord } from '../parse/index.ts';
import type { Storage } from '../pipeline/index.ts';
import { agencyFromRow } from '../seeds/index.ts';
import type { Store } from '../store/index.ts';
import { columnEvidence } from './evidence.ts';
import type { AgencyFacts, ListEvidence, ParseOutcome, ReportFacts, ReportVersion } from './types.ts';

/**
 * Per agency, what was read of its column at its last attempt. The runs looked at: each agency's newest
 * crawl summary's run and the newest crawl run (an agency the crawl has not summarised yet, a run killed
 * before its summaries); their list and home page reads, their report links.
 */
async function evidenceOf(store: Store, agencies: AgencyFacts[]): Promise<ListEvidence[]> {
  const summaries = await store.agencyRuns.latestPerAgency();
  const runIds = new Set(summaries.map((s) => s.run_id));
  const lastCrawl = (await store.runs.list(20)).find((r) => r.kind === 'crawl');
  if (lastCrawl) runIds.add(lastCrawl.run_id);
  const runStarts = new Map<number, string>();
  for (const id of runIds) {
    const r = await store.runs.get(id);
    if (r) runStarts.set(id, r.started_at);
  }
  const since = [...runStarts.values()].sort()[0];
  return columnEvidence(agencies, {
    runStarts, summaries, reads: await store.exchanges.columnReads([...runIds]),
    linksPerList: since ? await store.reports.linksPerList(since) : new Map(),
  });
}

export interface LoadOptions {
  /** Use these agencies (e.g. from a seed file) as the denominator instead of the store's. */
  agencies?: AgencyFacts[];
  /** Only report versions of this year (status of one year needs no others). */
  year?: number;
}

/** Every fact the report stage needs, from an open store (read-only is enough). */
export async function loadFacts({ store, archive }: Pick<Storage, 'store' | 'archive'>, opts: LoadOptions = {}): Promise<ReportFacts> {
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
  const listedOn = new Map<number, string[]>();
  const urls = await store.reports.allUrls(opts.year === undefined ? {} : { year: opts.year });
  for (const v of await store.reports.versions(opts.year === undefined ? {} : { year: opts.year })) {
    const r = byReport.get(v.report_id);
    if (!r) continue;
    if (!listedOn.has(r.report_id)) listedOn.set(r.report_id, await store.reports.sources(r.report_id));
    versions.push({
      agencyId: r.agency_id!, year: r.year!, url: v.source_url ?? '', sources: urls.get(r.report_id) ?? [], replacedAt: v.replaced_at,
      sha256: v.sha256, fetchedAt: v.first_seen_at,
      shownDate: v.published_at, shownDateSource: v.published_at ? 'shown by the portal' : null, title: v.title ?? r.title,
      listedOn: listedOn.get(r.report_id)!, current: r.current_version_id === v.version_id, archivePath: archive.pathOf(v.sha256),
      parse: records.get(v.version_id) ?? { ok: false, problem: 'not parsed yet' },
    });
  }
  const evidence = (await evidenceOf(store, agencies)).map((e) => ({ ...e, archivePath: e.sha256 ? archive.pathOf(e.sha256) : null }));
  return { agencies, versions, evidence };
}
