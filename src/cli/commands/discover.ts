import type { Command } from 'commander';
import type { DiscoverResult, DiscoverSummary } from '../../crawl/index.ts';
import { applyDiscoveries } from '../../seeds/discovered.ts';
import { buildRegistryFromFiles, DEFAULT_REGISTRY_FILES, writeRegistryFile } from '../../seeds/registry.ts';
import { UserError } from '../errors.ts';
import { EXIT, exitCodesHelp } from '../exit-codes.ts';
import { toJson } from '../json.ts';
import { readSeeds } from '../options.ts';
import { seconds, statsBlock } from '../progress.ts';
import { chooseWalkAgencies, clientSettings, seedFileOf, walkOptions, withWalk, type WalkArgs } from '../walk.ts';
import { crawlExitCode } from './crawl.ts';

/**
 * `nianbao discover`: verifies the registry's hinted home pages, finds their 年报 columns and the units their
 * sub-columns list, on the crawl's pipeline; what it found is written back into the registry file through the
 * generator (the same keep rules as `nianbao registry build`).
 */
export function registerDiscover(program: Command, setExit: (code: number) => void): void {
  walkOptions(program.command('discover')
    .description('verify the registry\'s hinted home pages (the page must name the government), find each 年报 column and the departments and townships its sub-columns list, and write them into the registry (polite, resumable, like crawl)'))
    .option('--hints <file>', 'portal hints the registry is rebuilt with when written', DEFAULT_REGISTRY_FILES.hints)
    .option('--patch <file>', 'patch of changed divisions the registry is rebuilt with when written', DEFAULT_REGISTRY_FILES.patch)
    .option('--no-write', 'print what was found; leave the registry file as it is')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress display or progress lines')
    .option('--verbose', 'a line per page handled (on stderr)')
    .addHelpText('after', `${exitCodesHelp([EXIT.ok, EXIT.error, EXIT.usage, EXIT.someUnread, EXIT.noneRead, EXIT.locked, EXIT.interrupted])}  3 and 4: some (or no) home pages could not be read; what was read is written all the same.
  An interrupted run writes nothing; the next discover continues it and writes everything it found.
`)
    .action(async (o: WalkArgs & { hints: string; patch: string; write: boolean }) => {
      const file = seedFileOf(o);
      const registry = readSeeds(file);
      if (!registry.some((a) => a.provenance)) {
        throw new UserError(`${file} is a plain seed file: discover writes into a registry (with url_status, url_source, …; see seeds/README.md)`);
      }
      const agencies = chooseWalkAgencies(registry, o, file);
      const client = clientSettings(o);
      const { discover } = await import('../../crawl/index.ts');
      await withWalk(o, 'discover', async (w) => {
        const r = await discover({ agencies, registry, storageDir: w.storageDir, storage: w.storage, ...client, signal: w.signal,
          ...(w.onProgress ? { onProgress: w.onProgress } : {}), ...(w.log ? { log: w.log } : {}) });
        w.endProgress();
        // Written only once the run is finished: an interrupted run's findings wait for the run to end.
        const written = r.finished && o.write ? writeBack({ registry: file, hints: o.hints, patch: o.patch }, r) : null;
        const counts = countsOf(r.agencies);
        if (o.json) process.stdout.write(toJson({ runId: r.runId, resumed: r.resumed, finished: r.finished, counts, agencies: r.agencies, units: r.findings.units, written, stats: r.stats }));
        else {
          process.stdout.write(`run ${r.runId}${r.resumed ? ' (resumed)' : ''}: ${r.requests} requests, ${r.bytes} bytes\n`);
          process.stdout.write('agency_id\turl_status\thome_url\tcolumn\tfound_by\tunits\tnote\n');
          for (const a of r.agencies) process.stdout.write(`${[a.agencyId, statusOf(a), a.home?.url ?? '', a.column?.url ?? '', a.column?.foundBy ?? '', a.units, noteOf(a)].join('\t')}\n`);
          for (const u of r.findings.units) process.stdout.write(`unit\t${u.agencyId}\t${u.name}\t${u.kind}\t${u.level ?? ''}\t${u.parentId}\t${u.url}\n`);
          process.stdout.write(discoverStats(r));
          if (written) process.stdout.write(`${written.file}: written, ${written.unitsAdded} units added\n`);
        }
        if (!r.finished) {
          process.stderr.write(`nianbao: discover interrupted; run ${r.runId} continues with the next discover\n`);
          setExit(EXIT.interrupted);
          return;
        }
        const code = crawlExitCode(r.agencies);
        if (code !== EXIT.ok) {
          const unread = r.agencies.filter((a) => a.outcome !== 'ok');
          const named = unread.slice(0, 3).map((a) => `${a.agencyId} ${a.outcome}: ${noteOf(a)}`).join('; ');
          process.stderr.write(`nianbao: ${counts.read} of ${r.agencies.length} agencies read, ${counts.unreachable} unreachable, ${counts.blocked} blocked (${named}${unread.length > 3 ? `; and ${unread.length - 3} more` : ''})\n`);
        }
        setExit(code);
      });
    });
}

/** The registry rebuilt with what the run found (the generator keeps it on every later rebuild), replacing the file. */
function writeBack(files: { registry: string; hints: string; patch: string }, r: DiscoverResult) {
  let before = new Set<string>();
  const build = buildRegistryFromFiles(files, (rows) => { before = new Set(rows.map((a) => a.agencyId)); return applyDiscoveries(rows, r.findings); });
  writeRegistryFile(files.registry, build.csv);
  return { file: files.registry, unitsAdded: build.agencies.filter((a) => !before.has(a.agencyId)).length };
}

const statusOf = (a: DiscoverSummary): string => (a.home ? (a.home.status === 'unchecked' ? 'hint' : a.home.status) : 'verified');
const noteOf = (a: DiscoverSummary): string => {
  const n = a.home?.status === 'verified' || !a.home ? a.columnNote ?? '' : a.home.reason ?? '';
  return n.length > 300 ? `${n.slice(0, 297)}...` : n;
};

function countsOf(agencies: DiscoverSummary[]) {
  const n = (f: (a: DiscoverSummary) => boolean) => agencies.filter(f).length;
  return {
    read: n((a) => a.outcome === 'ok'), unreachable: n((a) => a.outcome === 'unreachable'), blocked: n((a) => a.outcome === 'blocked'),
    verified: n((a) => a.home?.status === 'verified'), failed: n((a) => a.home?.status === 'failed'), columns: n((a) => a.column !== null),
  };
}

/** The final figures, Scrapy-style: requests, bytes, answers by status, items, what was found, time. */
function discoverStats(r: DiscoverResult): string {
  const c = countsOf(r.agencies);
  return statsBlock('discover stats', {
    requests: r.stats.requests, bytes: r.stats.bytes,
    ...Object.fromEntries(Object.entries(r.stats.byStatus).sort().map(([k, v]) => [`responses_${k.replace(/\W+/g, '_')}`, v])),
    items_done: r.stats.itemsDone, items_failed: r.stats.itemsFailed, browser_renders: r.browserRenders,
    homes_verified: c.verified, homes_failed: c.failed, columns_found: c.columns, units_found: r.findings.units.length,
    time: seconds(r.stats.elapsedMs),
  });
}
