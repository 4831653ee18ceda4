/**
 * An agency as the store keeps it: one row, several 年报 column URLs joined by `|` as in the seed CSV.
 * The only place that joins and splits them.
 */
import type { AgencyRow, AgencyRowInput } from '../store/index.ts';
import type { Agency, AgencyKind, RenderMode } from './index.ts';

export const joinListUrls = (urls: readonly string[]): string | null => (urls.length ? urls.join('|') : null);
export const splitListUrls = (s: string | null | undefined): string[] => (s ?? '').split('|').map((u) => u.trim()).filter(Boolean);

/** What a row needs of an agency: its id and name; the rest as far as known (imports and tests give less). */
export type AgencyRowSource = Pick<Agency, 'agencyId' | 'name'> & {
  regionCode?: string | null; level?: string | null; kind?: string | null; parentId?: string | null; homeUrl?: string | null;
  reportListUrls?: readonly string[]; render?: string;
};

export function agencyToRow(a: AgencyRowSource): AgencyRowInput {
  return {
    agency_id: a.agencyId, name: a.name, region_code: a.regionCode ?? null, level: a.level ?? null, kind: a.kind ?? null,
    parent_id: a.parentId ?? null, home_url: a.homeUrl ?? null, report_list_url: joinListUrls(a.reportListUrls ?? []), render: a.render ?? 'http',
  };
}

export function agencyFromRow(r: AgencyRow): Agency {
  return {
    agencyId: r.agency_id, name: r.name, regionCode: r.region_code, level: r.level,
    kind: r.kind === 'government' || r.kind === 'department' ? (r.kind as AgencyKind) : null, parentId: r.parent_id, homeUrl: r.home_url,
    reportListUrls: splitListUrls(r.report_list_url), render: (r.render === 'browser' ? 'browser' : 'http') as RenderMode,
  };
}
