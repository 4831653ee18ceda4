/**
 * The crawler against a portal that fails on purpose (test/portal/faults.ts): every failure ends in a recorded
 * reason, is retried only where retrying can help, and never costs unbounded memory or time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import dns from 'node:dns';
import iconv from 'iconv-lite';
import { startFaultPortal, faultSeeds, UNIT, HUGE_BYTES, type FaultPortal } from '../portal/faults.ts';
import { parseSeeds } from '../../src/seeds/index.ts';
import { crawl, HttpClient, type ArrivedOriginal, type CrawlResult } from '../../src/crawl/index.ts';
import { NetworkError, type HttpLimits } from '../../src/crawl/http.ts';
import { chooseCharset, decodeBody, sniffBodyKind } from '../../src/extract/index.ts';
import { readListPage, hanwebRecords, MAX_DECLARED_PAGES } from '../../src/crawl/listing.ts';
import { addressClass, literalHostClass } from '../../src/crawl/url.ts';

const MiB = 1024 * 1024;
/** Small limits so each fault shows within a second; the defaults are minutes and 100 MiB. */
const LIMITS: Partial<HttpLimits> = { connectTimeoutMs: 300, idleTimeoutMs: 1500, totalTimeoutMs: 5000, maxBytes: 16 * MiB, maxRedirects: 10 };
/** The whole crawl runs fifteen hosts at once in this process on a shared 2-core machine: roomier timeouts, so
 *  an event loop busy elsewhere is not mistaken for a silent server (which would add a retry). */
const CRAWL_LIMITS: Partial<HttpLimits> = { ...LIMITS, connectTimeoutMs: 1000, idleTimeoutMs: 3000, totalTimeoutMs: 8000 };
const UA = 'nianbao-test/0 (+https://example.invalid)';

let portal: FaultPortal;
beforeAll(async () => { portal = await startFaultPortal(); }, 60_000);
afterAll(async () => { await portal?.close(); });

/** Peak RSS growth while `fn` runs, sampled every 10 ms. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ value: T; growthMiB: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const t = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, growthMiB: (peak - base) / MiB };
  } finally {
    clearInterval(t);
  }
}

async function failure(p: Promise<unknown>): Promise<NetworkError> {
  try { await p; } catch (e) { if (e instanceof NetworkError) return e; throw e; }
  throw new Error('expected a NetworkError, got a response');
}

describe('HttpClient against the fault portal', () => {
  const client = () => new HttpClient({ userAgent: UA, ...LIMITS });

  it('gives up on a port that never completes the handshake: connect-timeout, retryable', async () => {
    const e = await failure(client().fetch({ url: `${portal.url.connect}/list/index.html` }));
    expect(e.code).toBe('connect-timeout');
    expect(e.retryable).toBe(true);
  });

  it('gives up on a server that never answers: idle-timeout', async () => {
    const e = await failure(client().fetch({ url: `${portal.url.hang}/list/index.html` }));
    expect(e.code).toBe('idle-timeout');
  });

  it('tells a reset mid-body from a body shorter than its Content-Length', async () => {
    const reset = await failure(client().fetch({ url: `${portal.url.reset}/r/2023.html` }));
    expect(reset.code).toBe('connection-reset');
    const cut = await failure(client().fetch({ url: `${portal.url.truncated}/r/2023.html` }));
    expect(cut.code).toBe('truncated');
    expect(cut.message).toMatch(/8000 of 20000 bytes/);
    expect(reset.retryable && cut.retryable).toBe(true);
  });

  it('ends a body that drips forever at the whole-exchange deadline, not retryable', async () => {
    const e = await failure(client().fetch({ url: `${portal.url.slow}/r/2023.html` }));
    expect(e.code).toBe('too-slow');
    expect(e.retryable).toBe(false);
  });

  it('stops a gzip bomb at the cap on decompressed bytes', async () => {
    const { value: e, growthMiB } = await peakRssGrowth(() => failure(client().fetch({ url: `${portal.url.bomb}/r/P020240129000002.pdf` })));
    console.log(`gzip bomb (1 GiB inflated, 16 MiB cap): peak RSS growth ${growthMiB.toFixed(1)} MiB`);
    expect(e.code).toBe('decompressed-too-large');
    expect(growthMiB).toBeLessThan(500);
  });

  it('refuses a declared 2 GiB body at the headers and stops a chunked one at the cap, streaming', async () => {
    const c = client();
    const { value: declared } = await peakRssGrowth(() => failure(c.fetch({ url: `${portal.url.huge}/r/P020240129000003.pdf` })));
    expect(declared.code).toBe('too-large');
    expect(declared.message).toMatch(/Content-Length 2147483648/);
    const { value: chunked, growthMiB } = await peakRssGrowth(() => failure(c.fetch({ url: `${portal.url.huge}/r/P020240129000004.pdf` })));
    console.log(`2 GiB chunked attachment (16 MiB cap): peak RSS growth ${growthMiB.toFixed(1)} MiB, server wrote ${(portal.sent.get('huge /r/P020240129000004.pdf')! / MiB).toFixed(1)} MiB`);
    expect(chunked.code).toBe('too-large');
    expect(portal.sent.get('huge /r/P020240129000004.pdf')!).toBeLessThan(HUGE_BYTES / 4);
    expect(growthMiB).toBeLessThan(500);
  });

  it('stops redirect loops and over-long chains', async () => {
    expect((await failure(client().fetch({ url: `${portal.url.redirects}/r/loop-a.html` }))).code).toBe('redirect-loop');
    const chain = await failure(client().fetch({ url: `${portal.url.redirects}/r/chain/0.html` }));
    expect(chain.code).toBe('too-many-redirects');
    expect(portal.hits.filter((h) => h.site === 'redirects' && h.path.startsWith('/r/chain/')).length).toBe(11);
  });

  it('never connects to link-local or private addresses outside the seed class, but follows same-class redirects', async () => {
    const meta = await failure(client().fetch({ url: `${portal.url.redirects}/r/metadata.html` }));
    expect(meta.code).toBe('private-address');
    expect(meta.message).toMatch(/169\.254\.169\.254 is a link-local address/);
    expect((await failure(client().fetch({ url: `${portal.url.redirects}/r/intranet.html` }))).code).toBe('private-address');
    // 127.0.0.1 → localhost: both loopback, the seed's own class.
    const ok = await client().fetch({ url: `${portal.url.redirects}/r/local.html` });
    expect(ok.status).toBe(200);
    expect(ok.finalUrl).toMatch(/^http:\/\/localhost:\d+\/r\/target\.html$/);
    // For a public seed, a loopback literal is refused before any packet leaves.
    const fromPublic = await failure(client().fetch({ url: `${portal.url.redirects}/r/target.html`, seed: 'http://203.0.113.7/' }));
    expect(fromPublic.code).toBe('private-address');
  });

  it('checks where a name resolves at connect time (a public seed cannot reach a name that resolves to loopback)', async () => {
    const name = hostname();
    const addrs = await dns.promises.lookup(name, { all: true }).catch(() => []);
    // The machine's own name resolves to a non-public address on any ordinary host (/etc/hosts).
    expect(addrs.some((a) => addressClass(a.address) !== 'public')).toBe(true);
    expect(literalHostClass(name)).toBeNull(); // so only the resolver can catch it
    const port = new URL(portal.url.redirects).port;
    const e = await failure(client().fetch({ url: `http://${name}:${port}/r/target.html`, seed: 'http://203.0.113.7/' }));
    expect(e.code).toBe('private-address');
    expect(e.message).toMatch(/resolves to/);
    // The same name from a loopback seed is fine.
    // The same name from a loopback seed is fine; and the kept-alive socket it leaves is not lent to a public seed.
    const c = client();
    expect((await c.fetch({ url: `http://${name}:${port}/r/target.html`, seed: portal.url.redirects })).status).toBe(200);
    expect((await failure(c.fetch({ url: `http://${name}:${port}/r/target.html`, seed: 'http://203.0.113.7/' }))).code).toBe('private-address');
  });

  it('classifies every non-public range of the brief', () => {
    const cases: [string, string][] = [
      ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', 'public'], ['192.168.0.1', 'private'],
      ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'], ['[::1]', 'loopback'], ['::ffff:10.0.0.1', 'private'],
      ['fc00::1', 'unique-local'], ['fdff::1', 'unique-local'], ['169.254.169.254', 'link-local'], ['8.8.8.8', 'public'], ['2400:da00::6666', 'public'],
    ];
    for (const [ip, cls] of cases) expect([ip, addressClass(ip)]).toEqual([ip, cls]);
    expect(literalHostClass('localhost')).toBe('loopback');
  });
});

describe('bytes that lie about themselves', () => {
  const page = (charset: string) => `<html><head><meta charset="${charset}"><title>卯县人民政府2023年政府信息公开工作年度报告</title></head><body>年度报告</body></html>`;

  it('reads GBK bytes under a UTF-8 header, UTF-8 bytes under a GBK header, and GBK bytes under a UTF-8 <meta>', () => {
    const gbkBytes = iconv.encode(page('gb2312'), 'gbk');
    expect(decodeBody(gbkBytes, 'text/html; charset=utf-8')).toContain('卯县人民政府2023年');
    expect(chooseCharset(gbkBytes, 'text/html; charset=utf-8')).toEqual({ charset: 'gb18030', by: 'meta' });
    expect(decodeBody(Buffer.from(page('utf-8')), 'text/html; charset=gbk')).toContain('卯县人民政府2023年');
    expect(decodeBody(iconv.encode(page('utf-8'), 'gbk'), 'text/html')).toContain('卯县人民政府2023年');
    expect(chooseCharset(iconv.encode(page('utf-8'), 'gbk'), 'text/html').by).toBe('bytes');
    // Honest declarations still decide.
    expect(chooseCharset(iconv.encode(page('gbk'), 'gbk'), 'text/html; charset=gbk')).toEqual({ charset: 'gb18030', by: 'header' });
  });

  it('chooses the kind of a body by its content when the Content-Type is wrong or missing', () => {
    expect(sniffBodyKind(Buffer.from('%PDF-1.7\n...'), 'text/html')).toBe('pdf');
    expect(sniffBodyKind(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'text/html')).toBe('office');
    expect(sniffBodyKind(iconv.encode(page('gbk'), 'gbk'), 'application/octet-stream')).toBe('html');
    expect(sniffBodyKind(Buffer.from('<?xml version="1.0"?><datastore/>'), null)).toBe('xml');
    expect(sniffBodyKind(Buffer.from('{"total":1,"articles":[]}'), 'text/html')).toBe('text');
    expect(sniffBodyKind(Buffer.from('{"total":1,"articles":[]}'), null)).toBe('json');
  });
});

describe('list readers under hostile input', () => {
  it('caps a declared page count instead of building 99,999,999,999 URLs', () => {
    const p = readListPage('<ul></ul><script>createPageHTML(99999999999, 0, "index", "html");</script><script>pagination("setPage",1,1e12)</script>', 'http://x.gov.cn/nb/index.html');
    expect(p.continuations.length).toBeLessThanOrEqual(MAX_DECLARED_PAGES);
    expect(p.continuations.length).toBeGreaterThan(0);
  });

  it('never expands entities in Hanweb XML: external entities stay text, billion laughs stays small', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<datastore><recordset><record><![CDATA[<li><a href="/art/1.html" title="&xxe;&b;">x</a></li>]]></record><record>&xxe;</record></recordset></datastore>';
    const recs = hanwebRecords(xml);
    expect(recs).toHaveLength(1);
    const links = readListPage(recs[0]!, 'http://x.gov.cn/col/col1/index.html').links;
    expect(links.map((l) => l.text)).toEqual(['&xxe;&b;']);
  });
});

describe('crawl() over the fault portal', () => {
  let result: CrawlResult;
  let growthMiB = 0;
  let wallMs = 0;
  const lines: string[] = [];
  const originals: ArrivedOriginal[] = [];
  const outcome = (label: string, url: string) => lines.find((l) => l.startsWith(`${label} ${url}: `))?.slice(label.length + url.length + 3) ?? null;
  const agency = (site: keyof typeof UNIT) => result.agencies.find((a) => a.agencyId === `fault-${site}`)!;
  let firstHit = 0;
  /** Requests the crawl made (the HttpClient tests above hit some of the same paths). */
  const hitsOn = (site: string, path: string) => portal.hits.slice(firstHit).filter((h) => h.site === site && h.path === path).length;
  /** The crawl's log lines about one path of a site, shown when a count is off. */
  const about = (site: keyof typeof UNIT, path: string) => lines.filter((l) => l.includes(`${portal.url[site]}${path}`)).join('\n');

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-faults-'));
    const t0 = Date.now();
    firstHit = portal.hits.length;
    const r = await peakRssGrowth(() => crawl({
      agencies: parseSeeds(faultSeeds(portal.url)), storageDir: dir, delayMs: 20, maxPages: 6, useBrowser: false, limits: CRAWL_LIMITS,
      log: (l) => lines.push(l), onOriginal: async (o) => { originals.push({ ...o, bytes: o.bytes.subarray(0, 64) }); },
    }));
    wallMs = Date.now() - t0;
    result = r.value;
    growthMiB = r.growthMiB;
    console.log(`fault crawl: ${result.requests} requests in ${wallMs} ms, peak RSS growth ${growthMiB.toFixed(1)} MiB`);
    if (process.env.FAULTS_LOG) console.log(lines.join('\n'));
  }, 120_000);

  it('finishes, every agency accounted for, memory bounded', () => {
    expect(result.finished).toBe(true);
    expect(result.agencies).toHaveLength(Object.keys(UNIT).length);
    expect(growthMiB).toBeLessThan(500);
  });

  it('retries a 5xx that clears, and gives up on one that does not, with the status as the reason', () => {
    expect(hitsOn('flaky', '/list/index.html'), about('flaky', '/list/index.html')).toBe(3);
    expect(agency('flaky').unreachable).toBeNull();
    expect(agency('flaky').reportsFound).toBe(1);
    expect(hitsOn('down', '/list/index.html'), about('down', '/list/index.html')).toBe(4);
    expect(agency('down').unreachable).toMatch(/HTTP 500 (after 4 attempts|repeatedly)/);
  });

  it('records connect and response timeouts for the agency, retried once', () => {
    expect(agency('connect').unreachable).toMatch(/connect-timeout/);
    expect(agency('hang').unreachable).toMatch(/idle-timeout.*\(2 attempts\)/);
    expect(hitsOn('hang', '/list/index.html'), about('hang', '/list/index.html')).toBe(2);
  });

  it('records resets and truncation per URL after one retry; a too-slow body is not retried', () => {
    // Under load the RST can reach the client as a plain close (the direct HttpClient test pins the reset itself);
    // either way the body ended early and was tried twice.
    expect(outcome('REPORT_PAGE', `${portal.url.reset}/r/2023.html`)).toMatch(/(connection-reset|truncated).*\(2 attempts/);
    expect(hitsOn('reset', '/r/2023.html'), about('reset', '/r/2023.html')).toBe(2);
    expect(outcome('REPORT_PAGE', `${portal.url.truncated}/r/2023.html`)).toMatch(/truncated: connection closed after 8000 of 20000 bytes/);
    expect(hitsOn('truncated', '/r/2023.html'), about('truncated', '/r/2023.html')).toBe(2);
    expect(outcome('REPORT_PAGE', `${portal.url.slow}/r/2023.html`)).toMatch(/too-slow/);
    expect(hitsOn('slow', '/r/2023.html'), about('slow', '/r/2023.html')).toBe(1);
  });

  it('reads pages and files by their content when the Content-Type lies or is missing', () => {
    expect(agency('types').reportsFound).toBe(1);
    const pdf = originals.find((o) => o.url === `${portal.url.types}/r/P020240129000001.pdf`);
    expect(pdf?.kind).toBe('attachment');
    expect(pdf!.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('stops the gzip bomb and both 2 GiB attachments at the byte cap, once each, and keeps the report page', () => {
    expect(outcome('ATTACHMENT', `${portal.url.bomb}/r/P020240129000002.pdf`)).toMatch(/decompressed-too-large/);
    expect(hitsOn('bomb', '/r/P020240129000002.pdf'), about('bomb', '/r/P020240129000002.pdf')).toBe(1);
    expect(agency('bomb').reportsFound).toBe(1);
    expect(outcome('ATTACHMENT', `${portal.url.huge}/r/P020240129000003.pdf`)).toMatch(/too-large: Content-Length 2147483648/);
    expect(outcome('ATTACHMENT', `${portal.url.huge}/r/P020240129000004.pdf`)).toMatch(/too-large: body over the 16777216-byte cap/);
    expect(hitsOn('huge', '/r/P020240129000004.pdf'), about('huge', '/r/P020240129000004.pdf')).toBe(1);
  });

  it('records redirect loops, over-long chains and redirects to private addresses; follows a same-class redirect', () => {
    const r = (p: string) => outcome('REPORT_PAGE', `${portal.url.redirects}/r/${p}.html`);
    expect(r('loop-a')).toMatch(/redirect-loop/);
    expect(r('chain/0')).toMatch(/too-many-redirects/);
    expect(r('metadata')).toMatch(/private-address.*169\.254\.169\.254/);
    expect(r('intranet')).toMatch(/private-address.*10\.20\.30\.40/);
    expect(hitsOn('redirects', '/r/target.html'), about('redirects', '/r/target.html')).toBe(1);
    expect(r('local')).toMatch(/^new\b/);
    // None of those failures says the host is down: it was not paused.
    expect(agency('redirects').unreachable).toBeNull();
    expect(lines.some((l) => l.includes('192.168.1.1'))).toBe(true); // seen, logged, never fetched
    expect(outcome('REPORT_PAGE', 'http://192.168.1.1/r/2023.html')).toBeNull();
  });

  it('walks endless pagination only to the list cap', () => {
    const lists = (site: string) => portal.hits.slice(firstHit).filter((h) => h.site === site && h.path.startsWith('/list/')).length;
    expect(lists('endlessNext')).toBe(6);
    expect(lists('endlessDeclared')).toBe(6);
  });

  it('decodes lying charsets: both reports found under their own titles', () => {
    expect(agency('lying').reportsFound).toBe(2);
    const titles = originals.filter((o) => o.url.startsWith(portal.url.lying)).map((o) => o.title).sort();
    expect(titles).toEqual([`${UNIT.lying}2022年政府信息公开工作年度报告`, `${UNIT.lying}2023年政府信息公开工作年度报告`]);
  });

  it('never resolves an external entity in Hanweb XML', () => {
    expect(portal.hits.filter((h) => h.site === 'xxe' && h.path.startsWith('/xxe-probe'))).toEqual([]);
    expect(portal.hits.some((h) => h.site === 'xxe' && h.method === 'POST')).toBe(true);
    expect(agency('xxe').reportsFound).toBe(2);
    expect(lines.some((l) => /root:x:0:0/.test(l))).toBe(false);
  });
});

describe('nianbao crawl caps on the command line', () => {
  const BIN = fileURLToPath(new URL('../../bin/nianbao.mjs', import.meta.url));
  // Asynchronous: the fault portal answers from this very process.
  const run = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });

  it('--max-bytes stops the 2 GiB attachments at the given size; a bad size is one clear line and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nianbao-faults-cli-'));
    const seeds = join(dir, 'seeds.csv');
    writeFileSync(seeds, faultSeeds(portal.url));
    const bad = await run('crawl', '--seeds', seeds, '--storage', join(dir, 's'), '--max-bytes', 'lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--max-bytes must be a positive size/);
    const before = portal.sent.get('huge /r/P020240129000004.pdf') ?? 0;
    const ok = await run('crawl', '--seeds', seeds, '--storage', join(dir, 's'), '--agency', 'fault-huge', '--max-bytes', '256K',
      '--delay-ms', '20', '--no-browser', '--json');
    expect(ok.status).toBe(0);
    const out = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    expect(out.agencies[0]).toMatchObject({ agency_id: 'fault-huge', reports_found: 1 });
    // The chunked 2 GiB body was stopped near 256 KiB (plus what socket buffers held), not near the 100 MiB default.
    expect(portal.sent.get('huge /r/P020240129000004.pdf')! - before).toBeLessThan(32 * MiB);
  }, 120_000);
});
