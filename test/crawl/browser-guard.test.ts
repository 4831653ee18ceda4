import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserSession } from '../../src/crawl/browser.ts';
import { HttpClient } from '../../src/crawl/http.ts';

// A JS-only list page whose script reaches for a second server (standing in for an internal address).
let page: http.Server;
let internal: http.Server;
const internalHits: string[] = [];
const url = (s: http.Server, path = '/') => `http://127.0.0.1:${(s.address() as AddressInfo).port}${path}`;

beforeAll(async () => {
  internal = http.createServer((req, res) => { internalHits.push(req.url!); res.setHeader('access-control-allow-origin', '*'); res.end('secret'); });
  await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
  page = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<html><body><ul id="list"></ul><script>
      fetch(${JSON.stringify(url(internal, '/meta-data'))}).then((r) => r.text()).then((t) => { document.getElementById('list').innerHTML += '<li>reached:' + t + '</li>'; })
        .catch(() => { document.getElementById('list').innerHTML += '<li>refused</li>'; });
      document.getElementById('list').innerHTML += '<li><a href="/nb/2024.html">2024年政府信息公开工作年度报告</a></li>';
    </script></body></html>`);
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
});
afterAll(() => { page.close(); internal.close(); });

describe('the browser obeys the crawler\'s address rule', () => {
  it('a request the rule refuses never leaves the browser; the page still renders', async () => {
    const browser = new BrowserSession({ userAgent: 'nianbao-test' });
    try {
      const refuseInternal = async (u: string) => !u.startsWith(url(internal));
      const out = await browser.render(url(page), () => false, refuseInternal);
      expect(out.html).toContain('2024年政府信息公开工作年度报告');
      expect(out.html).toContain('<li>refused</li>');
      expect(internalHits).toEqual([]);
      // Without the rule the same page reaches the server: the test can tell the difference.
      const open = await browser.render(url(page), () => false);
      expect(open.html).toContain('reached:secret');
      expect(internalHits).toEqual(['/meta-data']);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('HttpClient.mayReach: a seed on loopback may reach loopback and public, not private or link-local; no file:', async () => {
    const client = new HttpClient({ userAgent: 'nianbao-test' });
    const seed = 'http://127.0.0.1:8080/nb/';
    expect(await client.mayReach('http://127.0.0.1:9/x', seed)).toBe(true);
    expect(await client.mayReach('http://8.8.8.8/x', seed)).toBe(true);
    expect(await client.mayReach('http://169.254.169.254/latest/meta-data/', seed)).toBe(false);
    expect(await client.mayReach('http://10.0.0.5/', seed)).toBe(false);
    expect(await client.mayReach('file:///etc/passwd', seed)).toBe(false);
    const publicSeed = 'http://8.8.8.8/nb/';
    expect(await client.mayReach('http://localhost:8080/admin', publicSeed)).toBe(false);
    expect(await client.mayReach('http://[::1]/', publicSeed)).toBe(false);
  });
});
