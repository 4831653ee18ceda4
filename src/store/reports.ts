/**
 * Reports and their versions. A report is one agency's report for one year (or, year unknown, one source
 * URL); a version is one original (by digest) of it. Nothing is deleted: a replaced original stays beside
 * its successor, a report gone upstream is marked gone. `current_version_id` is the one definition of the
 * version a reader should use (see `currentVersion` below).
 */
import { sql, type Selectable } from 'kysely';
import { now, Repository, StoreError, type DbOrTx } from './db.ts';
import { noteDocument } from './fetches.ts';
import type { Database } from './schema.ts';

export type ReportRow = Selectable<Database['reports']>;
export type VersionRow = Selectable<Database['report_versions']>;
export type ReportUrlRow = Selectable<Database['report_urls']>;

export interface ReportVersionInput {
  /** The seed agency, when known. */
  agencyId?: string | null;
  /** Agency name as discovered (used as identity when agencyId is unknown). */
  agencyName?: string | null;
  /** Report year; when unknown the report is identified by its source URL. */
  year?: number | null;
  /** Where this original was fetched from. */
  sourceUrl?: string | null;
  /** Further URLs that point to the same report (report page and attachment, mirrors). */
  otherUrls?: string[];
  /** Digest and size of the original, already in the archive. */
  sha256: string;
  size?: number | null;
  contentType?: string | null;
  fileName?: string | null;
  title?: string | null;
  /** Publication date the page shows, yyyy-mm-dd. */
  publishedAt?: string | null;
  /** The list page or report page this was found from. */
  discoveredFrom?: string | null;
  fetchId?: number | null;
  runId?: number | null;
  /** When the original was seen; default now. */
  seenAt?: string;
}

export interface ReportVersionResult {
  reportId: number;
  versionId: number;
  sha256: string;
  newReport: boolean;
  /** A new original for this report (true also for the first version of a new report). */
  newVersion: boolean;
  /** A different original than before was seen at the same source URL (changed after publication). */
  changed: boolean;
}

export interface ReportActivity { reportId: number; agencyId: string | null; agencyName: string | null; year: number | null; url: string | null; isNew: boolean; changed: boolean; gone: boolean }

export class Reports extends Repository {
  /**
   * Records that an original of a report was seen. The report is identified by agency × year (or by its
   * source URL when the year is unknown); a digest not seen before for that report is a new version kept
   * beside the old ones, and a previous version from the same source URL is marked replaced (not deleted).
   */
  async recordVersion(v: ReportVersionInput): Promise<ReportVersionResult> {
    this.assertWritable();
    const seenAt = v.seenAt ?? now();
    const sha256 = v.sha256;
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new StoreError(`recordReportVersion: "${sha256}" is not a sha256 digest`);
    const size = v.size ?? null;
    const key = reportKey(v);
    const urls = [v.sourceUrl, ...(v.otherUrls ?? [])].filter((u): u is string => !!u);
    return this.db.transaction().execute(async (trx) => {
      await noteDocument(trx, sha256, size ?? 0, v.contentType ?? null, v.sourceUrl ?? null, seenAt);
      let report = await trx.selectFrom('reports').selectAll().where('report_key', '=', key).executeTakeFirst();
      let newReport = false;
      if (!report) {
        newReport = true;
        const ins = await trx.insertInto('reports').values({
          report_key: key, agency_id: v.agencyId ?? null, agency_name: v.agencyName ?? null, year: v.year ?? null,
          title: v.title ?? null, published_at: v.publishedAt ?? null, first_seen_at: seenAt, last_seen_at: seenAt,
          gone_at: null, current_version_id: null,
        }).returningAll().executeTakeFirstOrThrow();
        report = ins;
      }
      const reportId = report.report_id;
      let version = await trx.selectFrom('report_versions').selectAll()
        .where('report_id', '=', reportId).where('sha256', '=', sha256).executeTakeFirst();
      let newVersion = false;
      let changed = false;
      if (!version) {
        newVersion = true;
        if (v.sourceUrl) {
          const prior = await trx.updateTable('report_versions').set({ replaced_at: seenAt })
            .where('report_id', '=', reportId).where('source_url', '=', v.sourceUrl).where('replaced_at', 'is', null)
            .executeTakeFirst();
          changed = Number(prior.numUpdatedRows) > 0;
        }
        version = await trx.insertInto('report_versions').values({
          report_id: reportId, sha256, size, source_url: v.sourceUrl ?? null, content_type: v.contentType ?? null,
          file_name: v.fileName ?? null, title: v.title ?? null, published_at: v.publishedAt ?? null,
          discovered_from: v.discoveredFrom ?? null, fetch_id: v.fetchId ?? null, run_id: v.runId ?? null,
          first_seen_at: seenAt, last_seen_at: seenAt, replaced_at: null,
        }).returningAll().executeTakeFirstOrThrow();
      } else {
        // Seen again (maybe after being replaced and restored): it is current again.
        await trx.updateTable('report_versions').set({ last_seen_at: seenAt, replaced_at: null })
          .where('version_id', '=', version.version_id).execute();
        if (v.sourceUrl && version.replaced_at) {
          await trx.updateTable('report_versions').set({ replaced_at: seenAt })
            .where('report_id', '=', reportId).where('source_url', '=', v.sourceUrl)
            .where('version_id', '!=', version.version_id).where('replaced_at', 'is', null).execute();
          changed = true;
        }
      }
      await trx.updateTable('reports').set({
        last_seen_at: seenAt, gone_at: null,
        title: report.title ?? v.title ?? null, published_at: report.published_at ?? v.publishedAt ?? null,
        agency_id: report.agency_id ?? v.agencyId ?? null, agency_name: report.agency_name ?? v.agencyName ?? null,
      }).where('report_id', '=', reportId).execute();
      for (const url of urls) {
        await trx.insertInto('report_urls').values({
          report_id: reportId, url, discovered_from: v.discoveredFrom ?? null, first_seen_at: seenAt, last_seen_at: seenAt, gone_at: null,
        }).onConflict((oc) => oc.columns(['report_id', 'url']).doUpdateSet({ last_seen_at: seenAt, gone_at: null })).execute();
      }
      await refreshCurrentVersion(trx, reportId);
      return { reportId, versionId: version.version_id, sha256, newReport, newVersion, changed };
    });
  }

  /** Marks a report (by id) or one of its URLs (by url) as gone upstream on `seenAt`; nothing is deleted. */
  async markGone(target: { reportId: number } | { url: string }, seenAt: string = now()): Promise<number> {
    this.assertWritable();
    return this.db.transaction().execute(async (trx) => {
      if ('reportId' in target) {
        await trx.updateTable('report_urls').set({ gone_at: seenAt }).where('report_id', '=', target.reportId).where('gone_at', 'is', null).execute();
        const r = await trx.updateTable('reports').set({ gone_at: seenAt }).where('report_id', '=', target.reportId).where('gone_at', 'is', null).executeTakeFirst();
        return Number(r.numUpdatedRows);
      }
      await trx.updateTable('report_urls').set({ gone_at: seenAt }).where('url', '=', target.url).where('gone_at', 'is', null).execute();
      // A report is gone when none of its URLs is still there.
      const ids = (await trx.selectFrom('report_urls').select('report_id').where('url', '=', target.url).execute()).map((r) => r.report_id);
      let n = 0;
      for (const id of ids) {
        const live = await trx.selectFrom('report_urls').select('url').where('report_id', '=', id).where('gone_at', 'is', null).executeTakeFirst();
        if (!live) {
          const r = await trx.updateTable('reports').set({ gone_at: seenAt }).where('report_id', '=', id).where('gone_at', 'is', null).executeTakeFirst();
          n += Number(r.numUpdatedRows);
        }
      }
      return n;
    });
  }

  async list(filter: { agencyId?: string; year?: number } = {}): Promise<ReportRow[]> {
    let q = this.db.selectFrom('reports').selectAll();
    if (filter.agencyId !== undefined) q = q.where('agency_id', '=', filter.agencyId);
    if (filter.year !== undefined) q = q.where('year', '=', filter.year);
    return q.orderBy('report_id').execute();
  }

  /** Records that `listUrl` linked to each `url` (idempotent: a second night only moves last_seen_at). */
  async noteLinkSources(links: { url: string; listUrl: string; agencyId: string | null }[]): Promise<void> {
    this.assertWritable();
    if (!links.length) return;
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      for (const l of links) {
        await trx.insertInto('link_sources').values({ url: l.url, list_url: l.listUrl, agency_id: l.agencyId, first_seen_at: at, last_seen_at: at })
          .onConflict((oc) => oc.columns(['url', 'list_url']).doUpdateSet({ last_seen_at: at })).execute();
      }
    });
  }

  /** Report links each list page held, counted over the links seen on or after `since` (one night's reads). */
  async linksPerList(since: string): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('link_sources').select(['list_url', (eb) => eb.fn.countAll<number>().as('n')])
      .where('last_seen_at', '>=', since).groupBy('list_url').execute();
    return new Map(rows.map((r) => [r.list_url, Number(r.n)]));
  }

  /** Every source URL of every report (the URLs its originals were reached at), by report. */
  async allUrls(filter: { year?: number } = {}): Promise<Map<number, string[]>> {
    let q = this.db.selectFrom('report_urls').innerJoin('reports', 'reports.report_id', 'report_urls.report_id')
      .select(['report_urls.report_id', 'report_urls.url']);
    if (filter.year !== undefined) q = q.where('reports.year', '=', filter.year);
    const out = new Map<number, string[]>();
    for (const r of await q.orderBy('report_urls.report_id').orderBy('report_urls.first_seen_at').orderBy('report_urls.url').execute()) {
      (out.get(r.report_id) ?? out.set(r.report_id, []).get(r.report_id)!).push(r.url);
    }
    return out;
  }

  /** Every list page that linked to any URL of this report, in URL order. */
  async sources(reportId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('link_sources').innerJoin('report_urls', 'report_urls.url', 'link_sources.url')
      .select('link_sources.list_url').distinct().where('report_urls.report_id', '=', reportId)
      .orderBy('link_sources.list_url').execute();
    return rows.map((r) => r.list_url);
  }

  async urls(reportId: number): Promise<Selectable<Database['report_urls']>[]> {
    return this.db.selectFrom('report_urls').selectAll().where('report_id', '=', reportId).orderBy('first_seen_at').execute();
  }

  /** Versions of one report, or of every report (optionally one agency's, one year's), oldest first. */
  async versions(filter: number | { reportId?: number; agencyId?: string; year?: number } = {}): Promise<VersionRow[]> {
    const f = typeof filter === 'number' ? { reportId: filter } : filter;
    let q = this.db.selectFrom('report_versions').innerJoin('reports', 'reports.report_id', 'report_versions.report_id').selectAll('report_versions');
    if (f.reportId !== undefined) q = q.where('report_versions.report_id', '=', f.reportId);
    if (f.agencyId !== undefined) q = q.where('reports.agency_id', '=', f.agencyId);
    if (f.year !== undefined) q = q.where('reports.year', '=', f.year);
    return q.orderBy('report_versions.version_id').execute();
  }

  /** Every version with its report's agency and year, oldest first, streamed (archive exports). */
  streamVersions(filter: { agencyId?: string; year?: number } = {}) {
    let q = this.db.selectFrom('report_versions')
      .innerJoin('reports', 'reports.report_id', 'report_versions.report_id')
      .selectAll('report_versions')
      .select(['reports.agency_id', 'reports.agency_name', 'reports.year', 'reports.report_key']);
    if (filter.agencyId !== undefined) q = q.where('reports.agency_id', '=', filter.agencyId);
    if (filter.year !== undefined) q = q.where('reports.year', '=', filter.year);
    return q.orderBy('report_versions.version_id').stream();
  }

  async version(versionId: number): Promise<VersionRow | undefined> {
    return this.db.selectFrom('report_versions').selectAll().where('version_id', '=', versionId).executeTakeFirst();
  }

  /**
   * What happened to reports since `since` (a run's start): seen, first seen (new), a new original of a report
   * known before (changed), or gone upstream. The crawl's per-agency summary is counted from this.
   */
  async activity(since: string): Promise<{ reportId: number; agencyId: string | null; agencyName: string | null; year: number | null; url: string | null; isNew: boolean; changed: boolean; gone: boolean }[]> {
    const rows = await this.db.selectFrom('reports')
      .leftJoin('report_versions', (j) => j.onRef('report_versions.report_id', '=', 'reports.report_id').on('report_versions.first_seen_at', '>=', since))
      .select(['reports.report_id', 'reports.agency_id', 'reports.agency_name', 'reports.year', 'reports.first_seen_at', 'reports.gone_at', 'reports.last_seen_at',
        (eb) => eb.fn.count<number>('report_versions.version_id').as('new_versions'),
        (eb) => eb.fn.min('report_versions.source_url').as('url')])
      .where((eb) => eb.or([eb('reports.last_seen_at', '>=', since), eb('reports.gone_at', '>=', since)]))
      .groupBy('reports.report_id').orderBy('reports.report_id').execute();
    return rows.map((r) => {
      const gone = r.gone_at !== null && r.gone_at >= since;
      const isNew = r.first_seen_at >= since;
      return { reportId: r.report_id, agencyId: r.agency_id, agencyName: r.agency_name, year: r.year, url: (r.url as string | null) ?? null,
        isNew, changed: !isNew && Number(r.new_versions) > 0, gone };
    });
  }
}

/** The identity of a report: agency × year, or the source URL when the year is unknown. */
export function reportKey(v: Pick<ReportVersionInput, 'agencyId' | 'agencyName' | 'year' | 'sourceUrl' | 'sha256'>): string {
  const agency = v.agencyId ? v.agencyId : v.agencyName ? `name:${v.agencyName.trim()}` : '?';
  if (v.year != null) return `${agency}|${v.year}`;
  if (v.sourceUrl) return `${agency}|url:${v.sourceUrl}`;
  return `${agency}|sha:${v.sha256 ?? '?'}`;
}

/**
 * The current version of a report, the one every reader (status, exports, dashboard) uses: among the
 * versions still standing (not replaced at their source), the one whose current parse found the most
 * tables, then the newest. A page and its attachment are one report: the attachment the tables were read
 * from is current, not whichever arrived last. Called whenever a version or a parse is saved.
 */
export async function refreshCurrentVersion(db: DbOrTx, reportId: number): Promise<void> {
  await sql`update reports set current_version_id = (
      select v.version_id from report_versions v where v.report_id = ${reportId}
      order by (v.replaced_at is null) desc,
        (select count(distinct c.table_key) from records r join cells c on c.record_id = r.record_id
          where r.version_id = v.version_id and r.superseded_at is null) desc,
        v.first_seen_at desc, v.version_id desc
      limit 1)
    where report_id = ${reportId}`.execute(db);
}
