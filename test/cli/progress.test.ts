/**
 * Progress, as a person sees it: on a terminal a bar redrawn in place, off it timestamped lines every few
 * seconds, `--quiet` nothing. The commands run as child processes of the built program, once on pipes and
 * once on a real pseudo-terminal (util-linux `script`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progress, statsBlock } from '../../src/cli/progress.ts';
import { fillStore } from '../report/store-fixture.ts';

const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'nianbao-progress-'));
const storage = join(root, 'storage');
beforeAll(() => fillStore(storage));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Without CI in the environment: a terminal under CI would draw no bar.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI' && k !== 'NIANBAO_STORAGE'));
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

function onPipes(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
}

/** Runs the command with its output on a pseudo-terminal; returns what the terminal received. */
function onTerminal(args: string[]): string {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...env, COLUMNS: '120', TERM: 'xterm' }, timeout: 120_000 });
  return r.stdout;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _e: string, cb: () => void) { this.text += chunk.toString(); cb(); }
}

describe('progress off a terminal', () => {
  it('a timestamped line at the start, at most one per interval, the last state and the summary at the end', async () => {
    const out = new Collect();
    const p = progress('work', { stream: out, tty: false, intervalMs: 200 });
    p.update(0, 3, 'starting');
    p.update(1, 3); // within the interval: held back
    await new Promise((r) => setTimeout(r, 250));
    p.update(2, 3); // after it: printed
    p.update(3, 3); // held back, printed by end()
    p.end('3 done');
    const lines = out.text.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(STAMP, ''))).toEqual(['work: 0/3 (0%) starting', 'work: 2/3 (66%)', 'work: 3/3 (100%)', 'work: 3 done']);
    for (const l of lines) expect(l).toMatch(STAMP);
  });

  it('quiet prints nothing', () => {
    const out = new Collect();
    const p = progress('work', { stream: out, tty: false, quiet: true });
    p.update(1, 2);
    p.log('x');
    p.end('done');
    expect(out.text).toBe('');
  });

  it('nianbao reparse and export print timestamped progress lines; --quiet silences them', () => {
    const r = onPipes(['reparse', '--storage', storage, '--workers', '1']);
    const lines = r.stderr.split('\n');
    // The fixture's storage holds 6 report versions (store-fixture.ts).
    expect(lines[0]).toMatch(new RegExp(`${STAMP.source}reparse: 0/6 \\(0%\\) starting$`));
    expect(r.stderr).toMatch(/^\d{4}-.*Z reparse: 6\/6 \(100%\)/m);
    expect(r.stderr).toContain('reparse stats:\n  versions:');
    expect(r.stderr).not.toContain('\r');
    const quiet = onPipes(['reparse', '--storage', storage, '--workers', '1', '--quiet']);
    expect(quiet.stderr).toBe('');
    const ex = onPipes(['export', '--storage', storage, '--out', join(root, 'out'), '--no-parquet', '--today', '2024-04-20']);
    expect(ex.status).toBe(0);
    expect(ex.stderr).toMatch(/^\d{4}-.*Z export: 9 agencies, 6 report versions$/m);
    expect(ex.stderr).toMatch(/^\d{4}-.*Z export: wrote \d+ files to /m);
    expect(onPipes(['export', '--storage', storage, '--out', join(root, 'out'), '--no-parquet', '--quiet']).stderr).toBe('');
  }, 120_000);
});

describe('progress on a terminal', () => {
  it('reparse draws a bar redrawn in place, with no timestamped lines; --quiet draws nothing', () => {
    const tty = onTerminal(['reparse', '--storage', storage, '--workers', '1']);
    expect(tty).toMatch(/reparse \[[#\- ]*\] \d+\/6/);
    expect(tty).toMatch(/\r|\x1b\[/); // redrawn in place
    expect(tty).not.toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z reparse:/);
    const quiet = onTerminal(['reparse', '--storage', storage, '--workers', '1', '--quiet']);
    expect(quiet).not.toMatch(/reparse \[/);
    expect(quiet).toMatch(/reparse run \d+/); // the summary on stdout still comes
  }, 120_000);
});

describe('the final summary', () => {
  it('is aligned name: value lines', () => {
    expect(statsBlock('crawl stats', { requests: 12, bytes: 3400, reports_new: 2, skipped: undefined })).toBe(
      'crawl stats:\n  requests:    12\n  bytes:       3400\n  reports_new: 2\n');
  });
});
