/**
 * `nianbao run` end to end, as cron would start it: a child process running the real crawler against
 * the fixture portal on 127.0.0.1 (test/portal/server.ts), the real parser, then status and the summary.
 * The expected outcomes follow from how the portal's sites are built: 北城区 lists only with JavaScript
 * (blocked without a browser), 国家卫健委 answers 412 challenges (blocked), 远山县 refuses connections
 * (unreachable); 安平县统计局 has its 2023 report in its column.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/report/run.ts';
import { fixtureSeeds, startPortal, type Portal } from '../portal/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'nianbao-run-e2e-'));
let portal: Portal;
beforeAll(async () => {
  portal = await startPortal();
  writeFileSync(join(dir, 'seeds.csv'), fixtureSeeds(portal.url));
});
afterAll(async () => {
  await portal?.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(): Promise<{ code: number; summary: RunSummary; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'nianbao.mjs'), 'run', '--seeds', join(dir, 'seeds.csv'),
      '--storage', join(dir, 'storage'), '--today', '2025-04-20', '--json', '--crawl-args', '--delay-ms 20 --max-pages 4 --no-browser'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => res({ code: code ?? -1, summary: JSON.parse(out), stderr: err }));
  });
}

describe('nianbao run against the fixture portal', () => {
  it('night one: crawls, parses, judges; night two: nothing new', { timeout: 180_000 }, async () => {
    const one = await run();
    // The crawl's own exit code decides (0 all read, 3 some not read): run passes it on, with the one-line count.
    const crawlCode = one.summary.stages['crawl']!.code;
    expect([0, 3]).toContain(crawlCode);
    expect(one.code).toBe(crawlCode);
    expect(one.summary.exit_code).toBe(crawlCode);
    // Three of ten cannot be read (北城区 JS-only without a browser, 国家卫健委 412, 远山县 refused).
    expect(one.summary.columns).toMatchObject({ agencies: 10, read: 7, blocked: 2, unreachable: 1 });
    if (one.code === 3) expect(one.stderr).toMatch(/^nianbao: 7 of 10 agencies read, 1 unreachable, 2 blocked, 0 not checked$/m);
    expect(one.summary.counts.agencies).toBe(10);
    expect(one.summary.counts.blocked).toBe(2);
    expect(one.summary.counts.unreachable).toBe(1);
    expect(one.summary.new_reports.map((r) => `${r.agency_id}/${r.year}`)).toContain('130529-tjj/2023');
    // Plain timestamped progress lines (no terminal here), the same shape as every command's
    // (issue 13: `<time> run: ...`), the crawler's own lines passed through.
    expect(one.stderr).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z run: crawl: start$/m);
    const two = await run();
    expect(two.code).toBe(crawlCode);
    expect(two.summary.previous_run).toBe(one.summary.finished_at);
    expect(two.summary.new_reports).toEqual([]);
    expect(two.summary.newly_unreachable).toEqual([]);
    const latest = JSON.parse(readFileSync(join(dir, 'storage', 'runs', 'latest.json'), 'utf8'));
    expect(latest.summary.finished_at).toBe(two.summary.finished_at);
  });
});
