/**
 * The shape of the code (docs/architecture.md), checked on every test run with dependency-cruiser:
 * the rules of .dependency-cruiser.cjs (the store and the archive are leaves, no stage imports the CLI, every
 * imported package is declared), no cycle between the folders of src/, and nothing that reads outside the
 * repository.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

interface Cruised {
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[]; module: string }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string }[] };
}

const cruised: Cruised = (() => {
  const bin = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const r = spawnSync(process.execPath, [bin, 'src', 'test', 'bench', 'scripts', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (!r.stdout) throw new Error(`dependency-cruiser gave no output: ${r.stderr}`);
  return JSON.parse(r.stdout) as Cruised;
})();

/** src/<folder>/… → <folder>; files directly in src/ are their own node. */
const folderOf = (path: string): string | null => /^src\/([^/]+)\//.exec(path)?.[1] ?? null;

describe('architecture', () => {
  it('breaks none of the rules of .dependency-cruiser.cjs', () => {
    expect(cruised.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  });

  it('has no cycle between the folders of src/', () => {
    const edges = new Map<string, Set<string>>();
    for (const m of cruised.modules) {
      const from = folderOf(m.source);
      if (!from) continue;
      for (const d of m.dependencies) {
        const to = folderOf(d.resolved);
        if (to && to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
      }
    }
    expect(edges.get('store') ?? new Set()).toEqual(new Set()); // the leaf, also as seen from here
    const cycles: string[] = [];
    const walk = (node: string, path: string[]) => {
      if (path.includes(node)) { cycles.push([...path.slice(path.indexOf(node)), node].join(' -> ')); return; }
      for (const next of edges.get(node) ?? []) walk(next, [...path, node]);
    };
    for (const start of edges.keys()) walk(start, []);
    expect(cycles).toEqual([]);
  });

  it('imports every declared runtime dependency somewhere in src/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const used = new Set<string>();
    for (const m of cruised.modules) {
      if (!m.source.startsWith('src/')) continue;
      for (const d of m.dependencies) if (d.dependencyTypes.some((t) => t.startsWith('npm'))) used.add(packageName(d.module));
    }
    // Data packages are read through require.resolve, not imported: their name in a src/ string is a use.
    const sources = filesUnder(['src']).map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const quoted = (name: string) => new RegExp(`['"\`]${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/[^'"\`]*)?['"\`]`).test(sources);
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name) && !quoted(name))).toEqual([]);
  });

  it('reads nothing outside the repository (no ../shared)', () => {
    const offenders: string[] = [];
    for (const file of filesUnder(['src', 'test', 'bench', 'scripts', 'docs', 'bin', '.ci'])) {
      if (file.includes('/fixtures/')) continue;
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (/\.\.\/shared\b/.test(text) && file !== 'test/architecture.test.ts') offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function filesUnder(dirs: string[]): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    const abs = join(ROOT, rel);
    let st;
    try { st = statSync(abs); } catch { return; }
    if (st.isDirectory()) { for (const e of readdirSync(abs)) visit(`${rel}/${e}`); return; }
    if (/\.(ts|mjs|js|cjs|md|sh)$|^\.ci\/run$/.test(rel)) out.push(rel);
  };
  for (const d of dirs) visit(d);
  return out;
}
