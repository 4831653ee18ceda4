// How long `nianbao --help` and `nianbao --version` take, start to exit, on the built program (the figure
// issue 11 names: under 0.5 s). Twenty runs each after one warm-up; median and slowest.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain .mjs script without types
import { build } from '../scripts/build.mjs';

const BIN = fileURLToPath(new URL('../bin/nianbao.mjs', import.meta.url));
build();
for (const args of [['--help'], ['--version'], ['status', '--help']]) {
  const times: number[] = [];
  for (let i = 0; i <= 20; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`nianbao ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`nianbao ${args.join(' ').padEnd(14)} median ${(times[10]! / 1000).toFixed(3)} s, slowest ${(times[times.length - 1]! / 1000).toFixed(3)} s (20 runs)`);
}
