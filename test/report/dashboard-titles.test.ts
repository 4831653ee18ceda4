/**
 * Report titles and URLs come from crawled pages. One with markup and script, and a javascript: source
 * URL, go through the real store into the dashboard, which is opened in Chromium: the title is shown as
 * text (the coverage badge's tooltip), no script runs, no element is injected, the URL is not a link.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { openStorage } from '../../src/pipeline/index.ts';
import { agencyToRow } from '../../src/seeds/index.ts';
import { record } from './fixtures.ts';

const HOSTILE_TITLE = '</script><script>window.__pwned=3</script><img src=x onerror="window.__pwned=4"><b>2023年</b>年报&amp;&lt;';
const HOSTILE_URL = 'javascript:window.__pwned=5;//http://x.gov.cn/2023.html';

const root = mkdtempSync(join(tmpdir(), 'nianbao-dash-titles-'));
const storageDir = join(root, 'storage');
const site = join(root, 'site');
let browser: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  const storage = await openStorage(storageDir);
  try {
    await storage.store.agencies.upsert([{ agencyId: 'x1', name: '某市测试局', regionCode: '640200', level: 'city', kind: 'department' }].map(agencyToRow));
    const v = await storage.recordVersion({
      agencyId: 'x1', year: 2023, sourceUrl: HOSTILE_URL, bytes: Buffer.from('<html><body>年报</body></html>'), contentType: 'text/html',
      title: HOSTILE_TITLE, publishedAt: '2024-01-20', seenAt: '2024-01-21T02:00:00.000Z',
    });
    await storage.store.records.save(v.versionId, record({ 'requests.new.total': 7, 'requests.total.total': 7 }));
  } finally {
    await storage.close();
  }
  expect(await main(['dashboard', '--out', site, '--storage', storageDir, '--today', '2024-04-20', '--years', '2023', '--originals', 'none'])).toBe(0);
  browser = await chromium.launchPersistentContext(join(root, 'chrome-profile'), {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run'],
  });
  page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : (problems.push(`network: ${route.request().url()}`), route.abort())));
  await page.goto(pathToFileURL(join(site, 'index.html')).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('a hostile report title in the dashboard', () => {
  it('is shown as text, runs no script and injects no element', async () => {
    const badge = page.locator('#coverage tr[data-agency="x1"] td[data-year="2023"] .badge');
    expect(await badge.getAttribute('title')).toMatch(new RegExp(`^${HOSTILE_TITLE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3); // the data, Chart.js and app.js: none from the title
    expect(problems).toEqual([]);
    // In the file the title is inside JSON with `<` escaped, so it cannot close the data element.
    const html = readFileSync(join(site, 'index.html'), 'utf8');
    expect(html).not.toContain('</script><script>window.__pwned');
    expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ewindow.__pwned=3');
  });

  it('a javascript: source URL is not a link, and clicking it runs nothing', async () => {
    const badge = page.locator('#coverage tr[data-agency="x1"] td[data-year="2023"] .badge');
    expect(await badge.evaluate((e) => e.tagName)).toBe('SPAN');
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    await badge.click();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
