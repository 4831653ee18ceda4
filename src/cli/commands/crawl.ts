import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import type { Agency } from '../../seeds/index.ts';
import { AgencyFilterError, parseAgencyFilter, selectAgencies } from '../../seeds/select.ts';
import { DEFAULT_LIMITS, type HttpLimits } from '../../crawl/http.ts';
import { DEFAULT_DELAY_MS } from '../../crawl/tables.ts';
import type { Storage } from '../../pipeline/index.ts';
import { openLocated, readSeeds } from '../options.ts';

/** `nianbao crawl`: walks every agency's 年报 column; each exchange and original goes to the store, each new original is parsed. */
export function registerCrawl(program: Command, setExit: (code: number) => void): void {
  program.command('crawl')
    .description('crawl the 年报 columns of the seed agencies (polite, resumable, incremental)')
    .requiredOption('--seeds <file>', 'seed CSV (agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render)')
    .option('--storage <dir>', 'storage directory', 'storage')
    .option('--proxy <url>', 'send every request, browser included, through this HTTP proxy')
    .option('--user-agent <s>', 'User-Agent with a contact URL')
    .option('--delay-ms <n>', `minimum gap between requests to one host (default ${DEFAULT_DELAY_MS})`)
    .option('--agency <id...>', 'only these agency ids')
    .option('--province <p...>', 'only agencies in these provinces (code 44 or 440000, or name 广东)')
    .option('--level <l...>', 'only agencies of these levels (province, city, county, ...)')
    .option('--limit <n>', 'only the first n agencies (after the other filters), for a first try')
    .option('--max-pages <n>', 'cap on pages walked along one list (default 200)')
    .option('--max-bytes <size>', `cap on one response body, on the wire and after decompression; larger files are stopped and recorded as too-large (K/M/G suffixes; default ${DEFAULT_LIMITS.maxBytes / 1024 ** 2}M)`)
    .option('--connect-timeout-ms <n>', `give up on a connection not up within this (default ${DEFAULT_LIMITS.connectTimeoutMs})`)
    .option('--idle-timeout-ms <n>', `give up on a response with no byte for this long (default ${DEFAULT_LIMITS.idleTimeoutMs})`)
    .option('--total-timeout-ms <n>', `give up on one fetch, redirects and body included, after this long (default ${DEFAULT_LIMITS.totalTimeoutMs})`)
    .option('--max-redirects <n>', `redirect hops followed per fetch (default ${DEFAULT_LIMITS.maxRedirects})`)
    .option('--lease-ms <n>', 'with --db: how long a host stays leased to this worker unless renewed; a killed worker\'s hosts are taken over after it (default 60000)')
    .option('--no-browser', 'never start Chromium (JS-only lists and challenges are reported as blocked)')
    .option('--no-parse', 'archive only; leave parsing to `nianbao reparse --only-stale`')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress lines')
    .action(async (o: { seeds: string; storage: string; proxy?: string; userAgent?: string; delayMs?: string; agency?: string[]; province?: string[]; level?: string[]; limit?: string; maxPages?: string; maxBytes?: string; connectTimeoutMs?: string; idleTimeoutMs?: string; totalTimeoutMs?: string; maxRedirects?: string; leaseMs?: string; browser: boolean; parse: boolean; json?: boolean; quiet?: boolean }) => {
      let agencies: Agency[] = readSeeds(o.seeds);
      if (o.agency) {
        const want = new Set(o.agency);
        const unknown = o.agency.filter((id) => !agencies.some((a) => a.agencyId === id));
        if (unknown.length) throw new UserError(`--agency: not in ${o.seeds}: ${unknown.join(', ')}`);
        agencies = agencies.filter((a) => want.has(a.agencyId));
      }
      try { agencies = selectAgencies(agencies, parseAgencyFilter(o)); } catch (e) { if (e instanceof AgencyFilterError) throw new UserError(e.message); throw e; }
      if (!agencies.length && (o.province || o.level)) throw new UserError(`--province, --level: no agency in ${o.seeds} matches`);
      const num = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new UserError(`${name} must be a whole number, got "${v}"`);
        return Number(v);
      };
      if (o.proxy) { try { const u = new URL(o.proxy); if (u.protocol !== 'http:') throw new Error(); } catch { throw new UserError(`--proxy must be an http:// URL, got "${o.proxy}"`); } }
      const delayMs = num(o.delayMs, '--delay-ms');
      const maxPages = num(o.maxPages, '--max-pages');
      const leaseMs = num(o.leaseMs, '--lease-ms');
      if (leaseMs !== undefined && leaseMs < 1000) throw new UserError(`--lease-ms must be at least 1000, got "${o.leaseMs}"`);
      const limits: Partial<HttpLimits> = Object.fromEntries(Object.entries({
        maxBytes: byteSize(o.maxBytes, '--max-bytes'), connectTimeoutMs: num(o.connectTimeoutMs, '--connect-timeout-ms'),
        idleTimeoutMs: num(o.idleTimeoutMs, '--idle-timeout-ms'), totalTimeoutMs: num(o.totalTimeoutMs, '--total-timeout-ms'),
        maxRedirects: num(o.maxRedirects, '--max-redirects'),
      }).filter(([, v]) => v !== undefined));
      const { crawl } = await import('../../crawl/index.ts');
      let storage: Storage;
      try { storage = await openLocated(o.storage, { command: 'nianbao crawl' }); } catch (e) { throw e instanceof UserError ? e : new UserError((e as Error).message); }
      try {
        // The crawl records every exchange, report version and (with parsing on) record in the store as it goes.
        const r = await crawl({ agencies, storageDir: o.storage, storage, proxy: o.proxy, userAgent: o.userAgent, delayMs, maxPages, limits, leaseMs, useBrowser: o.browser,
          parse: o.parse, log: o.quiet || o.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
        if (o.json) process.stdout.write(`${JSON.stringify({ runId: r.runId, resumed: r.resumed, agencies: r.agencies, discovered: r.discovered, requests: r.requests, bytes: r.bytes })}\n`);
        else {
          process.stdout.write(`run ${r.runId}${r.resumed ? ' (resumed)' : ''}: ${r.requests} requests, ${r.bytes} bytes\n`);
          process.stdout.write('agency_id\tlist_pages\tfound\tnew\tchanged\tgone\tproblem\n');
          for (const a of r.agencies) process.stdout.write(`${a.agencyId}\t${a.listPages}\t${a.reportsFound}\t${a.new}\t${a.changed}\t${a.gone}\t${a.blocked ? `blocked: ${a.blocked}` : a.unreachable ? `unreachable: ${a.unreachable}` : ''}\n`);
          for (const d of r.discovered) process.stdout.write(`discovered\t${d.name}\t${d.year ?? ''}\t${d.url}\n`);
        }
        if (r.agencies.every((a) => a.blocked || a.unreachable)) setExit(1);
      } finally {
        await storage.close();
      }
    });
}

/** `--max-bytes 100M`: a whole number of bytes, with an optional K/M/G (binary) suffix. */
function byteSize(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\s*([kmg])?i?b?$/i.exec(v.trim());
  if (!m || Number(m[1]) === 0) throw new UserError(`${name} must be a positive size like 50000000, 100M or 1G, got "${v}"`);
  return Number(m[1]) * 1024 ** ({ k: 1, m: 2, g: 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 0);
}
