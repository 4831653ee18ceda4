/**
 * The politeness layer's lease hook (crawl/politeness.ts `beforeRequest`), as several workers on one store use
 * it: a request whose lease is gone is not sent, and the lost lease does not stick to the host afterwards.
 * A real HTTP server on 127.0.0.1 counts what reaches it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/crawl/http.ts';
import { HostScheduler } from '../../src/crawl/politeness.ts';
import { LeaseLostError } from '../../src/store/index.ts';

let server: http.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url!);
    res.writeHead(200, { 'content-type': req.url === '/robots.txt' ? 'text/plain' : 'text/html' });
    res.end(req.url === '/robots.txt' ? 'User-agent: *\nDisallow: /private/\n' : '<html><body>ok</body></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const lost = () => new LeaseLostError({ host: 'h', owner: 'me', expiresAt: '', tookOverFrom: null, readyInMs: 0 });

describe('the lease hook before each request', () => {
  it('sends nothing while the lease is lost, and asks for robots.txt again once a lease is held', async () => {
    let held = false;
    const scheduler = new HostScheduler(new HttpClient({ userAgent: 'nianbao-test' }), {
      delayMs: 10, userAgentToken: 'nianbao-test',
      beforeRequest: async () => { if (!held) throw lost(); return { stillHeld: () => undefined }; },
    });
    // The robots.txt load fails with the lost lease: nothing reached the server.
    await expect(scheduler.fetch({ url: `${base}/page.html` })).rejects.toBeInstanceOf(LeaseLostError);
    expect(seen).toEqual([]);
    // Under a lease again: robots.txt is asked for (not the old failure again), then the page.
    held = true;
    expect(await scheduler.fetch({ url: `${base}/page.html` })).toMatchObject({ kind: 'response' });
    expect(await scheduler.fetch({ url: `${base}/private/x.html` })).toMatchObject({ kind: 'disallowed' });
    expect(seen).toEqual(['/robots.txt', '/page.html']);
  });

  it('drops a request whose lease ran out while it connected: the check made as it is written', async () => {
    seen.length = 0;
    let calls = 0;
    const scheduler = new HostScheduler(new HttpClient({ userAgent: 'nianbao-test' }), {
      delayMs: 10, userAgentToken: 'nianbao-test', respectRobots: false,
      // Held at the check before the request; gone by the time the connection is up.
      beforeRequest: async () => ({ stillHeld: () => { if (++calls > 1) throw lost(); } }),
    });
    await expect(scheduler.fetch({ url: `${base}/late.html` })).rejects.toBeInstanceOf(LeaseLostError);
    expect(calls).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
  });
});
