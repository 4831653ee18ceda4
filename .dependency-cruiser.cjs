/**
 * The architecture rule (docs/architecture.md), checked by test/architecture.test.ts and `npm run lint:deps`:
 * the store and the archive are leaves that import no other stage, every package imported is declared in
 * package.json, and nothing in src/ reaches outside the repository. No cycle between the folders of src/
 * is checked by the test (dependency-cruiser sees cycles between modules, not between folders).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'store-is-a-leaf',
      comment: 'src/store persists and queries; it imports no other stage (crawl, pipeline, archive, extract, parse, report, seeds, cli).',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/store/' },
    },
    {
      name: 'archive-is-a-leaf',
      comment: 'src/archive keeps bytes by digest; it imports no other stage.',
      severity: 'error',
      from: { path: '^src/archive/' },
      to: { path: '^src/', pathNot: '^src/archive/' },
    },
    {
      name: 'no-stage-imports-the-cli',
      comment: 'The command line is the outermost layer: no stage depends on it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'not-to-undeclared',
      comment: 'Every package imported is declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'src-not-to-dev-dependencies',
      comment: 'The built program runs with production dependencies only (tsx bootstraps workers from the sources in tests only).',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.dev\\.mjs$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.mjs', '.js', '.cjs', '.json', '.d.ts'] },
  },
};
