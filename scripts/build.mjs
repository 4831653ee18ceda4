// Builds the program once: TypeScript from src/ to dist/ (imports rewritten to .js), and the files the
// program reads at run time beside its code (the dashboard's page and script). `npm ci` runs it as the
// prepare step; the tests run it before they start, so the CLI they spawn is the code they test.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ASSETS = ['report/dashboard'];

export function build() {
  rmSync(`${root}dist`, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status})`);
  for (const a of ASSETS) cpSync(`${root}src/${a}`, `${root}dist/${a}`, { recursive: true, filter: (p) => !p.endsWith('.ts') });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try { build(); } catch (e) { console.error(`build: ${e.message}`); process.exit(1); }
}
