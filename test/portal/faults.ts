/**
 * The fault portal: imitated government sites on 127.0.0.1 (one port, i.e. one host, per fault so a host paused
 * by one fault does not hide another) that fail in the ways real portals and hostile pages do: 5xx that clear
 * and 5xx that never do, a server that never answers, a port that never accepts, resets and truncation mid-body,
 * a body dripping a byte at a time, wrong and missing content types, a gzip bomb, a 2 GB attachment (generated,
 * never a file), redirect loops and over-long chains, redirects to private and link-local addresses, endless
 * pagination, charsets that lie, and Hanweb XML with external entities.
 * Real sockets only; every request is logged in `hits`, every body byte written is counted in `sent`.
 */
import http from 'node:http';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { reportPage } from './server.ts';

export interface FaultHit { site: string; method: string; path: string; at: number }

export type FaultSite =
  | 'flaky' | 'down' | 'hang' | 'reset' | 'truncated' | 'slow' | 'types' | 'bomb' | 'huge' | 'redirects'
  | 'endlessNext' | 'endlessDeclared' | 'lying' | 'xxe';

export interface FaultPortal {
  url: Record<FaultSite | 'connect', string>;
  hits: FaultHit[];
  /** Body bytes written per `site path`, so a test can tell a stopped download from a finished one. */
  sent: Map<string, number>;
  close(): Promise<void>;
}

/** 2 GiB: the attachment no crawler should ever hold in memory. */
export const HUGE_BYTES = 2 * 1024 ** 3;
/** What the gzip bomb inflates to (1 GiB), from about 1 MB on the wire. */
export const BOMB_BYTES = 1024 ** 3;

const li = (href: string, title: string) => `<li><a href="${href}" title="${title}">${title}</a><span>2024-01-29</span></li>`;
const list = (title: string, items: string, extra = '', charset = 'utf-8') =>
  `<!DOCTYPE html><html><head><meta charset="${charset}"><title>${title}</title></head><body><h2>${title}</h2><ul>${items}</ul>${extra}</body></html>`;
const report = (unit: string, attachments = '') =>
  reportPage({ title: `${unit}2023年政府信息公开工作年度报告`, unit, year: 2023, pubDate: '2024-01-29', attachments });
const reportLink = (unit: string, href: string) => li(href, `${unit}2023年政府信息公开工作年度报告`);

/** Names of the units each site publishes for (the seeds use the same names, so reports count for them). */
export const UNIT: Record<FaultSite | 'connect', string> = {
  flaky: '甲县人民政府', down: '乙县人民政府', hang: '丙县人民政府', connect: '丁县人民政府', reset: '戊县人民政府',
  truncated: '己县人民政府', slow: '庚县人民政府', types: '辛县人民政府', bomb: '壬县人民政府', huge: '癸县人民政府',
  redirects: '子县人民政府', endlessNext: '丑县人民政府', endlessDeclared: '寅县人民政府', lying: '卯县人民政府', xxe: '辰县人民政府',
};

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, path: string, body: string, count: (n: number) => void) => void;

/** Writes `total` bytes of `chunk` repeated, honouring backpressure; stops when the client goes away. */
function stream(res: http.ServerResponse, chunk: Buffer, total: number, count: (n: number) => void): void {
  let left = total;
  let gone = false;
  res.on('close', () => { gone = true; });
  const pump = () => {
    while (left > 0 && !gone) {
      const c = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= c.length;
      count(c.length);
      if (!res.write(c)) { res.once('drain', pump); return; }
    }
    if (!gone) res.end();
  };
  pump();
}

export async function startFaultPortal(): Promise<FaultPortal> {
  const hits: FaultHit[] = [];
  const sent = new Map<string, number>();
  const servers: http.Server[] = [];
  const url = {} as FaultPortal['url'];
  const timers = new Set<NodeJS.Timeout>();

  async function site(name: FaultSite, handler: Handler): Promise<void> {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const path = req.url ?? '/';
        hits.push({ site: name, method: req.method ?? 'GET', path, at: Date.now() });
        const key = `${name} ${path.split('?')[0]}`;
        if (path === '/robots.txt') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('User-agent: *\nAllow: /\n'); return; }
        handler(req, res, path, body, (n) => sent.set(key, (sent.get(key) ?? 0) + n));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    url[name] = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }
  const html = (res: http.ServerResponse, body: string | Buffer, type = 'text/html; charset=utf-8', status = 200) => {
    res.writeHead(status, type ? { 'content-type': type } : {});
    res.end(body);
  };
  const notFound = (res: http.ServerResponse) => html(res, '<html><body>404 页面不存在</body></html>', 'text/html; charset=utf-8', 404);
  const LIST = '/list/index.html';

  // 5xx twice, then fine: retried with backoff and read.
  let flakyLeft = 2;
  await site('flaky', (_q, res, path) => {
    if (path === LIST) {
      if (flakyLeft-- > 0) return html(res, '<h1>502 Bad Gateway</h1>', 'text/html', 502);
      return html(res, list('年报', reportLink(UNIT.flaky, '/r/2023.html')));
    }
    if (path === '/r/2023.html') return html(res, report(UNIT.flaky));
    notFound(res);
  });

  // 5xx for ever: retried, then given up and recorded.
  await site('down', (_q, res) => html(res, '<h1>500 Internal Server Error</h1>', 'text/html', 500));

  // Accepts, reads the request, never answers.
  await site('hang', () => undefined);

  // A report page reset (RST) after 5 KB of its body.
  await site('reset', (_q, res, path, _b, count) => {
    if (path === LIST) return html(res, list('年报', reportLink(UNIT.reset, '/r/2023.html')));
    if (path === '/r/2023.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const part = Buffer.from(report(UNIT.reset)).subarray(0, 5000);
      count(part.length);
      res.write(part);
      const t = setTimeout(() => res.socket?.resetAndDestroy(), 30);
      timers.add(t);
      return;
    }
    notFound(res);
  });

  // Content-Length promises 20,000 bytes; 8,000 come, then the connection closes.
  await site('truncated', (_q, res, path, _b, count) => {
    if (path === LIST) return html(res, list('年报', reportLink(UNIT.truncated, '/r/2023.html')));
    if (path === '/r/2023.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': '20000' });
      const part = Buffer.from(report(UNIT.truncated).padEnd(8000, ' ')).subarray(0, 8000);
      count(part.length);
      res.write(part);
      const t = setTimeout(() => res.socket?.end(), 30);
      timers.add(t);
      return;
    }
    notFound(res);
  });

  // A byte every 50 ms, for ever: never idle, never done.
  await site('slow', (_q, res, path, _b, count) => {
    if (path === LIST) return html(res, list('年报', reportLink(UNIT.slow, '/r/2023.html')));
    if (path === '/r/2023.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const t = setInterval(() => { count(1); res.write(' '); }, 50);
      timers.add(t);
      res.on('close', () => { clearInterval(t); timers.delete(t); });
      return;
    }
    notFound(res);
  });

  // Lies about type: the list (GBK) as application/octet-stream, the report with no Content-Type, the PDF as text/html.
  await site('types', (_q, res, path) => {
    if (path === LIST) return html(res, iconv.encode(list('年报', reportLink(UNIT.types, '/r/2023.html'), '', 'gbk'), 'gbk'), 'application/octet-stream');
    if (path === '/r/2023.html') return html(res, report(UNIT.types, '<p><a href="./P020240129000001.pdf">附件</a></p>'), '');
    if (path === '/r/P020240129000001.pdf') return html(res, Buffer.from('%PDF-1.4\n% fault fixture\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'), 'text/html; charset=utf-8');
    notFound(res);
  });

  // A gzip bomb: concatenated gzip members of zeros, 1 GiB inflated, about 1 MB on the wire.
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: BOMB_BYTES / (16 * 1024 * 1024) }, () => member));
  await site('bomb', (_q, res, path, _b, count) => {
    if (path === LIST) return html(res, list('年报', reportLink(UNIT.bomb, '/r/2023.html')));
    if (path === '/r/2023.html') return html(res, report(UNIT.bomb, '<p><a href="./P020240129000002.pdf">附件</a></p>'));
    if (path === '/r/P020240129000002.pdf') {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
      count(bomb.length);
      res.end(bomb);
      return;
    }
    notFound(res);
  });

  // A 2 GiB attachment, generated: once with Content-Length, once chunked (length unknown until the end).
  const block = Buffer.alloc(64 * 1024, 0x41);
  block.write('%PDF-1.4\n');
  await site('huge', (_q, res, path, _b, count) => {
    if (path === LIST) return html(res, list('年报', reportLink(UNIT.huge, '/r/2023.html')));
    if (path === '/r/2023.html') {
      return html(res, report(UNIT.huge, '<p><a href="./P020240129000003.pdf">附件一</a> <a href="./P020240129000004.pdf">附件二</a></p>'));
    }
    if (path === '/r/P020240129000003.pdf' || path === '/r/P020240129000004.pdf') {
      const declared = path.endsWith('3.pdf');
      res.writeHead(200, { 'content-type': 'application/pdf', ...(declared ? { 'content-length': String(HUGE_BYTES) } : {}) });
      return stream(res, block, HUGE_BYTES, count);
    }
    notFound(res);
  });

  // Redirects: a loop, a 40-hop chain, to cloud metadata and an intranet address, and to `localhost` (same class as the seed).
  await site('redirects', (_q, res, path) => {
    const go = (to: string) => { res.writeHead(302, { location: to, 'content-type': 'text/html' }); res.end('moved'); };
    const links = [['loop-a', '循环'], ['chain/0', '长链'], ['metadata', '元数据'], ['intranet', '内网'], ['local', '本机']]
      .map(([p, t]) => li(`/r/${p}.html`, `${UNIT.redirects}2023年政府信息公开工作年度报告（${t}）`)).join('')
      + li('http://192.168.1.1/r/2023.html', `${UNIT.redirects}2023年政府信息公开工作年度报告（路由器）`);
    if (path === LIST) return html(res, list('年报', links));
    if (path === '/r/loop-a.html') return go('/r/loop-b.html');
    if (path === '/r/loop-b.html') return go('/r/loop-a.html');
    const hop = /^\/r\/chain\/(\d+)\.html$/.exec(path);
    if (hop) return Number(hop[1]) < 40 ? go(`/r/chain/${Number(hop[1]) + 1}.html`) : html(res, report(UNIT.redirects));
    if (path === '/r/metadata.html') return go('http://169.254.169.254/latest/meta-data/');
    if (path === '/r/intranet.html') return go('http://10.20.30.40/zfxxgknb/2023.pdf');
    if (path === '/r/local.html') return go(`${url.redirects.replace('127.0.0.1', 'localhost')}/r/target.html`);
    if (path === '/r/target.html') return html(res, report(UNIT.redirects));
    notFound(res);
  });

  // Pagination without end: every page a new report and a 下一页 link to the next.
  await site('endlessNext', (_q, res, path) => {
    const m = /^\/list\/index(?:_(\d+))?\.html$/.exec(path);
    if (m) {
      const n = Number(m[1] ?? 0);
      return html(res, list('年报', li(`/r/${n}.html`, `${UNIT.endlessNext}${2023 - n}年政府信息公开工作年度报告`),
        `<div class="page"><a href="/list/index_${n + 1}.html">下一页</a></div>`));
    }
    const r = /^\/r\/(\d+)\.html$/.exec(path);
    if (r) return html(res, reportPage({ title: `${UNIT.endlessNext}${2023 - Number(r[1])}年政府信息公开工作年度报告`, unit: UNIT.endlessNext, year: 2023 - Number(r[1]), pubDate: '2024-01-29' }));
    notFound(res);
  });

  // A TRS pager declaring 99,999,999,999 pages, each a new report.
  await site('endlessDeclared', (_q, res, path) => {
    const m = /^\/list\/index(?:_(\d+))?\.html$/.exec(path);
    if (m) {
      const n = Number(m[1] ?? 0);
      return html(res, list('年报', li(`/r/${n}.html`, `${UNIT.endlessDeclared}${2023 - n}年政府信息公开工作年度报告`),
        `<script>createPageHTML(99999999999, ${n}, "index", "html");</script>`));
    }
    const r = /^\/r\/(\d+)\.html$/.exec(path);
    if (r) return html(res, reportPage({ title: `${UNIT.endlessDeclared}${2023 - Number(r[1])}年政府信息公开工作年度报告`, unit: UNIT.endlessDeclared, year: 2023 - Number(r[1]), pubDate: '2024-01-29' }));
    notFound(res);
  });

  // Charsets that lie: GBK bytes under a UTF-8 header; UTF-8 bytes under a GBK header; GBK bytes under a UTF-8 <meta>.
  await site('lying', (_q, res, path) => {
    if (path === LIST) {
      const items = reportLink(UNIT.lying, '/r/2023.html') + li('/r/2022.html', `${UNIT.lying}2022年政府信息公开工作年度报告`);
      return html(res, iconv.encode(list('政府信息公开年报', items, '', 'gb2312'), 'gbk'), 'text/html; charset=utf-8');
    }
    if (path === '/r/2023.html') return html(res, Buffer.from(report(UNIT.lying)), 'text/html; charset=gbk');
    if (path === '/r/2022.html') {
      const page = reportPage({ title: `${UNIT.lying}2022年政府信息公开工作年度报告`, unit: UNIT.lying, year: 2022, pubDate: '2023-01-29', charset: 'utf-8' });
      return html(res, iconv.encode(page, 'gbk'), 'text/html');
    }
    notFound(res);
  });

  // Hanweb column whose XML carries external entities (a file, a URL on this very server) and a billion-laughs DTD.
  const dtd = (probe: string) => `<!DOCTYPE datastore [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY probe SYSTEM "${probe}">` +
    `<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>`;
  const record = (id: number, title: string) => `<record><![CDATA[<li><a href="/art/2024/1/29/art_123_${id}.html" title="${title}">${title}</a></li>]]></record>`;
  await site('xxe', (req, res, path) => {
    if (path.startsWith('/xxe-probe')) return html(res, 'probed', 'text/plain');
    if (path === '/col/col123/index.html') {
      return html(res, `<html><head><meta charset="utf-8"></head><body><div id="4040"><script type="text/xml">${dtd(`${url.xxe}/xxe-probe/inline`)}<datastore><recordset>` +
        record(1, `${UNIT.xxe}2023年政府信息公开工作年度报告`) + record(2, '&xxe;&probe;&lol3;') +
        `</recordset></datastore></script><script src="/module/web/jpage/jpage.js"></script><script>var c={columnid:123,unitid:'9',webid:1,perpage:1,totalRecord:4};</script></div></body></html>`);
    }
    if (path.startsWith('/module/web/jpage/dataproxy.jsp') && req.method === 'POST') {
      return html(res, `<?xml version="1.0" encoding="UTF-8"?>${dtd(`${url.xxe}/xxe-probe/window`)}<datastore><totalrecord>&lol3;4</totalrecord><recordset>` +
        record(3, `${UNIT.xxe}2022年政府信息公开工作年度报告`) + `<record>&xxe;&probe;</record></recordset></datastore>`, 'text/xml; charset=UTF-8');
    }
    const art = /^\/art\/2024\/1\/29\/art_123_(\d)\.html$/.exec(path);
    if (art) {
      const year = art[1] === '3' ? 2022 : 2023;
      return html(res, reportPage({ title: `${UNIT.xxe}${year}年政府信息公开工作年度报告`, unit: UNIT.xxe, year, pubDate: '2024-01-29' }));
    }
    notFound(res);
  });

  const unaccepting = await startUnacceptingPort();
  url.connect = unaccepting.url;

  return {
    url, hits, sent,
    async close() {
      for (const t of timers) { clearTimeout(t); clearInterval(t); }
      unaccepting.close();
      await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    },
  };
}

/**
 * A port whose TCP handshake never completes: a child process listens with a backlog of 1 and never accepts
 * (its event loop is blocked); once the accept queue is filled, the kernel drops further SYNs, so a connect hangs
 * exactly as it does towards a firewalled or overloaded host.
 */
export async function startUnacceptingPort(): Promise<{ url: string; close(): void }> {
  const child: ChildProcess = spawn(process.execPath, ['-e',
    `const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port);Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('error', reject);
  });
  const held: net.Socket[] = [];
  // Fill the accept queue until a connect stays pending.
  for (let i = 0; i < 16; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    held.push(s);
    const up = await new Promise<boolean>((r) => { s.once('connect', () => r(true)); setTimeout(() => r(false), 200); });
    if (!up) break;
  }
  return { url: `http://127.0.0.1:${port}`, close() { for (const s of held) s.destroy(); child.kill('SIGKILL'); } };
}

/** Seed CSV: one agency per fault site. */
export function faultSeeds(u: FaultPortal['url']): string {
  const rows = ['agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render'];
  for (const site of Object.keys(UNIT) as (FaultSite | 'connect')[]) {
    const list = site === 'xxe' ? `${u.xxe}/col/col123/index.html` : `${u[site]}/list/index.html`;
    rows.push(`fault-${site},${UNIT[site]},,county,government,,,${list},http`);
  }
  return rows.join('\n') + '\n';
}
