/**
 * `nianbao crawl` as an operator runs it (issue 13, the crawl's side): exit codes one can alert on, with a
 * one-line summary; NIANBAO_STORAGE; progress on and off a terminal (here: off, timestamped lines), `--quiet`;
 * the final stats; SIGINT stops gracefully and the next crawl continues the run.
 * Expected counts are read off the fixture portal (test/portal/server.ts): without a browser, 北城区 (a list only
 * JavaScript fills) and 国家卫健委 (a 412 challenge) are blocked, 远山县 refuses connections, the other seven are read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixtureSeeds, startPortal, type Portal } from '../portal/server.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'nianbao-crawl-cli-'));
let portal: Portal;
let seeds: string;

interface Ran { code: number | null; out: string; err: string }
function nianbao(args: string[], opts: { env?: Record<string, string>; onStart?: (kill: (s: NodeJS.Signals) => void, err: () => string) => void } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...(opts.env ?? {}) } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    opts.onStart?.((s) => p.kill(s), () => err);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Ports where nothing listens (bound, then closed). */
async function deadPorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    out.push((s.address() as net.AddressInfo).port);
    await new Promise<void>((r) => s.close(() => r()));
  }
  return out;
}

beforeAll(async () => {
  portal = await startPortal();
  seeds = join(dir, 'seeds.csv');
  writeFileSync(seeds, fixtureSeeds(portal.url));
});
afterAll(async () => { await portal?.close(); });

describe('nianbao crawl exit codes', () => {
  it('documents them in --help', async () => {
    const r = await nianbao(['crawl', '--help']);
    expect(r.code).toBe(0);
    for (const code of Object.values(EXIT)) expect(r.out).toMatch(new RegExp(`^\\s+${code}\\s+\\S`, 'm'));
  });

  it('some columns unread: exit 3 and one line "N read, N unreachable, N blocked"; the final stats on stdout', async () => {
    const r = await nianbao(['crawl', '--seeds', seeds, '--storage', join(dir, 'mixed'), '--delay-ms', '20', '--max-pages', '6', '--no-browser', '--no-parse']);
    expect(r.code).toBe(EXIT.someUnread);
    const lines = r.err.split('\n').filter((l) => l.startsWith('nianbao: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nianbao: 7 of 10 agencies read, 1 unreachable, 2 blocked \(/);
    expect(lines[0]).toMatch(/990003 unreachable: .*(ECONNREFUSED|connection-refused)/);
    expect(r.out).toMatch(/^crawl stats:$/m);
    expect(r.out).toMatch(/^ {2}requests: +\d+$/m);
    expect(r.out).toMatch(/^ {2}responses_200: +\d+$/m);
    expect(r.out).toMatch(/^ {2}responses_412: +1$/m);
    expect(r.out).toMatch(/^ {2}reports_new: +\d+$/m);
  }, 120_000);

  it('no column read at all: exit 4; `--agency X` that fails says so in its line', async () => {
    const [a, b] = await deadPorts(2);
    const down = join(dir, 'down.csv');
    writeFileSync(down, `agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render\nd1,甲县人民政府,,county,government,,http://127.0.0.1:${a}/,,http\nd2,乙县人民政府,,county,government,,,http://127.0.0.1:${b}/nb/,http\n`);
    const all = await nianbao(['crawl', '--seeds', down, '--storage', join(dir, 'down'), '--delay-ms', '10', '--no-browser', '--no-parse', '--quiet']);
    expect(all.code).toBe(EXIT.noneRead);
    expect(all.err.trim()).toMatch(/^nianbao: 0 of 2 agencies read, 2 unreachable, 0 blocked \(d1 unreachable: .*; d2 unreachable: .*\)$/);
    const one = await nianbao(['crawl', '--seeds', down, '--storage', join(dir, 'down'), '--agency', 'd2', '--delay-ms', '10', '--no-browser', '--no-parse', '--quiet']);
    expect(one.code).toBe(EXIT.noneRead);
    expect(one.err.trim()).toMatch(/^nianbao: 0 of 1 agencies read, 1 unreachable, 0 blocked \(d2 unreachable: .*connection-refused.*\)$/);
  }, 60_000);

  it('honours NIANBAO_STORAGE like every other command', async () => {
    const storage = join(dir, 'from-env');
    const r = await nianbao(['crawl', '--seeds', seeds, '--agency', '130529-tjj', '--delay-ms', '10', '--no-browser', '--no-parse', '--quiet'], { env: { NIANBAO_STORAGE: storage } });
    expect(r.code).toBe(EXIT.ok);
    expect(existsSync(join(storage, 'nianbao.sqlite'))).toBe(true);
  }, 60_000);
});

describe('nianbao crawl progress', () => {
  it('off a terminal: timestamped progress lines on stderr (none with --quiet)', async () => {
    const args = ['crawl', '--seeds', seeds, '--agency', '330825', '--delay-ms', '400', '--no-browser', '--no-parse'];
    const loud = await nianbao([...args, '--storage', join(dir, 'progress')]);
    expect(loud.code).toBe(EXIT.ok);
    const progress = loud.err.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z crawl: \d+\/\d+ (\(\d+%\) )?items, \d+ requests/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(2); // every 5 s while it runs, and the last
    const quiet = await nianbao([...args, '--storage', join(dir, 'progress-quiet'), '--quiet']);
    expect(quiet.code).toBe(EXIT.ok);
    expect(quiet.err).toBe('');
  }, 120_000);
});

describe('nianbao crawl interrupted', () => {
  it('SIGINT: the pages in flight finish, exit 130; the next crawl continues the same run to its end', async () => {
    const storage = join(dir, 'interrupted');
    const args = ['crawl', '--seeds', seeds, '--storage', storage, '--agency', '330825', '--delay-ms', '300', '--no-browser', '--no-parse', '--json'];
    const before = portal.hits.length;
    const first = await nianbao(args, { onStart: (kill) => {
      const t = setInterval(() => { if (portal.hits.length - before >= 4) { clearInterval(t); kill('SIGINT'); } }, 5);
    } });
    expect(first.code).toBe(EXIT.interrupted);
    expect(first.err).toMatch(/^nianbao: crawl: SIGINT: finishing the pages in flight/m);
    expect(first.err).toMatch(/^nianbao: crawl interrupted; run 1 continues with the next crawl$/m);
    const second = await nianbao(args);
    expect(second.code).toBe(EXIT.ok);
    const out = JSON.parse(second.out);
    expect(out).toMatchObject({ run_id: 1, resumed: true, finished: true });
    expect(out.agencies[0]).toMatchObject({ agency_id: '330825', outcome: 'ok', reports_found: 1 });
  }, 120_000);
});
