/**
 * A generated portal farm on 127.0.0.1 for benchmarks: `agencies` TRS-style 年报 columns spread over `hosts`
 * HTTP servers, each column two list pages holding four report pages, each page with a PDF attachment (the
 * first 20 KB of a real report, made distinct per agency). Conditional GET by ETag. Agency `a` lives on host
 * `a % hosts`.
 */
import http from 'node:http';
import type net from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { REAL_REPORTS } from './fixtures.ts';
import { reportPage } from '../portal/server.ts';

export interface Farm {
  hosts: string[];
  /** The seed CSV of every agency. */
  seeds: string;
  /** Requests served so far. */
  served(): number;
  close(): Promise<void>;
}

export async function startFarm(opts: { hosts: number; agencies: number }): Promise<Farm> {
  const pdf = readFileSync(REAL_REPORTS + '/003_hongze_qu_2024.pdf').subarray(0, 20_000);
  let served = 0;
  const route = (path: string): { type: string; body: Buffer } | null => {
    if (path === '/robots.txt') return { type: 'text/plain', body: Buffer.from('User-agent: *\nAllow: /\n') };
    const m = /^\/a(\d+)\/zfxxgknb\/(index(?:_1)?\.html|(\d{6})\/t(\d+)_(\d)\.html|(\d{6})\/P0(\d+)_(\d)\.pdf)$/.exec(path);
    if (!m) return null;
    const a = Number(m[1]);
    const name = `第${a}局`;
    if (m[2]!.startsWith('index')) {
      const page = m[2] === 'index.html' ? 0 : 1;
      const items = [0, 1].map((k) => { const r = page * 2 + k; return `<li><a href="./202401/t2024012${r}_${r}.html">${name}${2023 - r}年政府信息公开工作年度报告</a></li>`; }).join('');
      return { type: 'text/html; charset=utf-8', body: Buffer.from(`<html><body><ul>${items}</ul><script>createPageHTML(2, ${page}, "index", "html");</script></body></html>`) };
    }
    if (m[4]) {
      const r = Number(m[5]);
      return { type: 'text/html; charset=utf-8', body: Buffer.from(reportPage({ title: `${name}${2023 - r}年政府信息公开工作年度报告`, unit: name, year: 2023 - r, pubDate: '2024-01-20',
        attachments: `<a href="./P0${a}${r}_${r}.pdf">附件</a>` })) };
    }
    return { type: 'application/pdf', body: Buffer.concat([pdf, Buffer.from(`%${a}-${m[8]}`)]) };
  };
  const servers: http.Server[] = [];
  const hosts: string[] = [];
  for (let h = 0; h < opts.hosts; h++) {
    const s = http.createServer((req, res) => {
      served++;
      const r = route((req.url ?? '/').split('?')[0]!);
      if (!r) { res.writeHead(404); res.end(); return; }
      const etag = `"${createHash('sha1').update(r.body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) { res.writeHead(304, { etag }); res.end(); return; }
      res.writeHead(200, { 'content-type': r.type, etag });
      res.end(r.body);
    });
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    servers.push(s);
    hosts.push(`http://127.0.0.1:${(s.address() as net.AddressInfo).port}`);
  }
  const seeds = ['agency_id,name,region_code,level,kind,parent_id,home_url,report_list_url,render',
    ...Array.from({ length: opts.agencies }, (_, a) => `b${a},第${a}局,,county,department,,,${hosts[a % opts.hosts]}/a${a}/zfxxgknb/index.html,http`)].join('\n') + '\n';
  return {
    hosts, seeds, served: () => served,
    close: async () => { await Promise.all(servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))); },
  };
}
