import { describe, expect, it } from 'vitest';
import { daysBetween, deadlineFor, normalizeShownDate, todayInChina } from '../../src/report/deadline.ts';
import { computeStatus } from '../../src/report/status.ts';
import type { ReportFacts } from '../../src/report/types.ts';
import { agency, read, record, version } from './fixtures.ts';

describe('deadlines (条例 Art. 49)', () => {
  it('departments 31 January, governments 31 March, townships 31 March, all 31 March before 2019', () => {
    expect(deadlineFor({ kind: 'department', level: 'county' }, 2023).date).toBe('2024-01-31');
    expect(deadlineFor({ kind: 'government', level: 'county' }, 2023).date).toBe('2024-03-31');
    expect(deadlineFor({ kind: 'department', level: 'township' }, 2023).date).toBe('2024-03-31');
    expect(deadlineFor({ kind: 'department', level: 'province' }, 2018).date).toBe('2019-03-31');
    expect(deadlineFor({ kind: 'department', level: 'province' }, 2019).date).toBe('2020-01-31');
    expect(deadlineFor({ kind: 'government', level: 'township', deadline: '02-15' }, 2023).date).toBe('2024-02-15');
    // Unknown kind: the later date, so nobody is called late on a guess.
    expect(deadlineFor({ kind: null, level: null }, 2023).date).toBe('2024-03-31');
  });
  it('counts calendar days across a leap February', () => {
    expect(daysBetween('2024-01-31', '2024-03-01')).toBe(30);
    expect(daysBetween('2023-01-31', '2023-03-01')).toBe(29);
  });
  it('reads dates as pages print them', () => {
    expect(normalizeShownDate('发布时间：2024年1月5日')).toBe('2024-01-05');
    expect(normalizeShownDate('2024/02/14 10:00')).toBe('2024-02-14');
    expect(normalizeShownDate('2024.3.1')).toBe('2024-03-01');
    expect(normalizeShownDate('2023年2月30日')).toBeNull();
    expect(normalizeShownDate('无')).toBeNull();
  });
  it('today is a Beijing date', () => {
    // 2024-01-31 17:30 UTC is already 1 February in Beijing.
    expect(todayInChina(new Date('2024-01-31T17:30:00Z'))).toBe('2024-02-01');
  });
});

describe('status per agency', () => {
  const facts: ReportFacts = {
    agencies: [
      agency('dept-ontime'), agency('dept-late'), agency('gov-late', { kind: 'government', level: 'county', regionCode: '110105' }),
      agency('gov-lastday', { kind: 'government' }), agency('dept-missing'), agency('town', { level: 'township', kind: 'government', deadline: '06-30' }),
      agency('dept-down'), agency('dept-403'), agency('dept-scan'), agency('dept-undated'), agency('dept-early-capture'),
      agency('dept-never'), agency('dept-leap'),
    ],
    versions: [
      version('dept-ontime', 2023, { shownDate: '2024-01-25', shownDateSource: 'list page' }),
      version('dept-late', 2023, { shownDate: '2024-02-14', shownDateSource: 'report page' }),
      version('gov-late', 2023, { shownDate: '2024-04-10', shownDateSource: 'file' }),
      version('gov-lastday', 2023, { shownDate: '2024-03-31', shownDateSource: 'list page' }),
      version('dept-scan', 2023, { shownDate: '2024-01-20', parse: { ok: false, problem: 'scanned PDF without a text layer' } }),
      version('dept-undated', 2023, { fetchedAt: '2024-03-05T01:00:00Z' }),
      // Captured 20:00 UTC on 30 Jan = 31 Jan in Beijing: on the last day, so on time.
      version('dept-early-capture', 2023, { fetchedAt: '2024-01-30T20:00:00Z' }),
      version('dept-leap', 2023, { shownDate: '2024-03-01', shownDateSource: 'list page' }),
      version('dept-ontime', 2022, { shownDate: '2023-02-03' }),
    ],
    evidence: [
      read('dept-missing', { readAt: '2024-04-01T00:00:00Z', held: 'older' }),
      read('dept-missing', { readAt: '2024-04-15T02:00:00Z', held: '3 report links; newest: 2022年度报告' }),
      read('dept-down', { outcome: 'unreachable', httpStatus: null, reason: 'connect ECONNREFUSED' }),
      read('dept-403', { outcome: 'blocked', httpStatus: 403, reason: 'HTTP 403' }),
    ],
  };
  const report = computeStatus(facts, 2023, '2024-04-20');
  const by = Object.fromEntries(report.rows.map((r) => [r.agencyId, r]));

  it('one row per seed agency', () => {
    expect(report.rows.map((r) => r.agencyId)).toEqual(facts.agencies.map((a) => a.agencyId));
  });
  it('published on time, late by N days, on the last day', () => {
    expect(by['dept-ontime']).toMatchObject({ status: 'on_time', publishedDate: '2024-01-25', deadline: '2024-01-31', daysLate: null });
    expect(by['dept-late']).toMatchObject({ status: 'late', daysLate: 14, publishedDateSource: 'report page' });
    expect(by['gov-late']).toMatchObject({ status: 'late', daysLate: 10, deadline: '2024-03-31' });
    expect(by['gov-lastday']).toMatchObject({ status: 'on_time', daysLate: null });
    expect(by['dept-leap']).toMatchObject({ status: 'late', daysLate: 30 });
  });
  it('without a date shown: no guessing, but an early capture proves on time', () => {
    expect(by['dept-undated']!.status).toBe('published_undated');
    expect(by['dept-undated']!.daysLate).toBeNull();
    expect(by['dept-undated']!.dateNote).toContain('no date shown');
    expect(by['dept-early-capture']).toMatchObject({ status: 'on_time', publishedDate: '2024-01-31', publishedDateSource: 'first capture' });
  });
  it('missing with evidence, not yet due, unreachable, blocked, not parsed, never checked', () => {
    expect(by['dept-missing']).toMatchObject({ status: 'missing', lastReadAt: '2024-04-15T02:00:00Z' });
    expect(by['dept-missing']!.evidence).toContain('newest: 2022年度报告');
    expect(by['town']).toMatchObject({ status: 'not_yet_due', deadline: '2024-06-30' });
    expect(by['dept-down']).toMatchObject({ status: 'unreachable', reason: 'connect ECONNREFUSED' });
    expect(by['dept-403']).toMatchObject({ status: 'blocked', reason: 'HTTP 403' });
    expect(by['dept-scan']).toMatchObject({ status: 'not_parsed', reason: 'scanned PDF without a text layer' });
    expect(by['dept-never']!.status).toBe('not_checked');
  });
  it('a report page and its attachment are one report, not a change; a replaced original at one URL is', () => {
    const page = { found: false, version: null, rows: {} };
    const pageOnly = record({}, {});
    pageOnly.tables = { active: page, requests: page, appeals: page } as typeof pageOnly.tables;
    const two = computeStatus({
      agencies: [agency('d1'), agency('d2')],
      versions: [
        // The store makes the attachment whose tables were read current, not the page.
        version('d1', 2023, { url: 'http://d1.localhost/nb/art_1.html', shownDate: '2024-01-20', parse: { ok: true, record: pageOnly }, current: false }),
        version('d1', 2023, { url: 'http://d1.localhost/nb/files/report.pdf', sha256: 'f'.repeat(64) }),
        version('d2', 2023, { url: 'http://d2.localhost/nb/art_9.html', shownDate: '2024-01-20', fetchedAt: '2024-01-21T00:00:00Z', current: false }),
        version('d2', 2023, { url: 'http://d2.localhost/nb/art_9.html', fetchedAt: '2024-03-02T00:00:00Z' }),
      ],
      evidence: [],
    }, 2023, '2024-04-20');
    const [d1, d2] = two.rows;
    // Issue 13: a page and its attachment are two sources of one version, not two versions (was versions: 2).
    expect(d1).toMatchObject({ status: 'on_time', versions: 1, sources: 2, revisions: 0, url: 'http://d1.localhost/nb/files/report.pdf', sha256: 'f'.repeat(64) });
    expect(d1!.evidence).not.toContain('changed');
    expect(d2).toMatchObject({ status: 'on_time', versions: 2, sources: 1, revisions: 1 });
    expect(d2!.evidence).toContain('changed after publication (1 replaced original)');
  });
  it('before the deadline a department with nothing found is not yet due', () => {
    const early = computeStatus(facts, 2023, '2024-01-31');
    expect(early.rows.find((r) => r.agencyId === 'dept-missing')!.status).toBe('not_yet_due');
    expect(computeStatus(facts, 2023, '2024-02-01').rows.find((r) => r.agencyId === 'dept-missing')!.status).toBe('missing');
  });
  it('totals by region, level and kind', () => {
    const g = report.totals.groups;
    expect(g['all']!.agencies).toBe(13);
    expect(g['all']!.late).toBe(3);
    expect(g['all']!.on_time).toBe(3);
    expect(g['region:110000']).toMatchObject({ agencies: 1, late: 1 });
    expect(g['level:township']).toMatchObject({ agencies: 1, not_yet_due: 1 });
    expect(g['kind:government']).toMatchObject({ agencies: 3, late: 1, on_time: 1, not_yet_due: 1 });
    expect(g['region:640000']!.agencies).toBe(12);
  });
});
