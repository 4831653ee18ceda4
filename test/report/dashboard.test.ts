import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { INJECTION_NAME, fillStore } from './store-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'nianbao-dash-'));
const storage = join(root, 'storage');
const site = join(root, 'site');
let browser: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  await fillStore(storage);
  expect(await main(['dashboard', '--out', site, '--storage', storage, '--today', '2024-04-20', '--years', '2022,2023'])).toBe(0);
  // A fresh profile in the test's temp dir.
  browser = await chromium.launchPersistentContext(join(root, 'chrome-profile'), {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 1800 },
  });
  page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // Nothing may leave the machine: any request that is not a local file fails the test.
  await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : (consoleErrors.push(`network: ${route.request().url()}`), route.abort())));
  await page.goto(pathToFileURL(join(site, 'index.html')).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15_000 });
});

afterAll(async () => {
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

const db = () => new BetterSqlite3(join(storage, 'nianbao.sqlite'), { readonly: true });

describe('dashboard in Chromium', () => {
  it('renders the charts with no console errors, and a screenshot is taken', async () => {
    const charts = await page.evaluate(() => (['chart-years', 'chart-late', 'chart-agency'] as const).map((id) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      // @ts-expect-error Chart is the global of chart.umd.min.js
      return { w: c.width, h: c.height, chart: !!window.Chart.getChart(c) };
    }));
    for (const c of charts) expect(c).toMatchObject({ chart: true });
    for (const c of charts) expect(c.w * c.h).toBeGreaterThan(10_000);
    const shot = join(root, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    expect(consoleErrors).toEqual([]);
  });

  it('coverage counts match the store (2023, as of 2024-04-20)', async () => {
    const card = (s: string) => page.locator(`#cards [data-status="${s}"] .n`).textContent();
    // Worked out by hand in report.store-fixture.ts.
    expect(await card('agencies')).toBe('9');
    expect(await card('late')).toBe('2');
    expect(await card('on_time')).toBe('1');
    expect(await card('missing')).toBe('2');
    expect(await card('not_parsed')).toBe('1');
    // And the denominator is every agency row in the database.
    const n = db().prepare('select count(*) as n from agencies').get() as { n: number };
    expect(await page.locator('#coverage tbody tr').count()).toBe(n.n);
    expect(await page.locator('#coverage tr[data-agency="g-late"] td[data-year="2023"]').textContent()).toBe('late 10d');
  });

  it('filters by level and region', async () => {
    await page.selectOption('#f-level', 'county');
    expect(await page.locator('#coverage tbody tr').count()).toBe(5);
    expect(await page.locator('#cards [data-status="agencies"] .n').textContent()).toBe('5');
    await page.selectOption('#f-level', '');
    await page.selectOption('#f-region', '110000');
    expect(await page.locator('#coverage tbody tr').count()).toBe(1);
    expect(await page.locator('#late-caption').textContent()).toContain('1 份逾期');
    await page.selectOption('#f-region', '');
  });

  it("an agency's totals equal the cells in the database and link to the archived original", async () => {
    await page.selectOption('#f-agency', 'd-ontime');
    const rows = db().prepare(`
      select rp.year, c.value, v.sha256 from cells c join records r on r.record_id = c.record_id and r.superseded_at is null
      join report_versions v on v.version_id = r.version_id join reports rp on rp.report_id = v.report_id
      where rp.agency_id = 'd-ontime' and c.table_key = 'requests' and c.row_key = 'new' and c.col_key = 'total' order by rp.year`).all() as { year: number; value: number; sha256: string }[];
    expect(rows.map((r) => r.value)).toEqual([9, 15]); // as written in the two hand-made reports
    for (const r of rows) {
      const a = page.locator(`#agency-values tr[data-figure="requests_new"] td[data-year="${r.year}"] a`);
      expect(await a.textContent()).toBe(String(r.value));
      const href = await a.getAttribute('href');
      const file = fileURLToPath(new URL(href!, pathToFileURL(join(site, 'index.html'))));
      expect(resolve(file)).toContain(r.sha256);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(r.sha256);
    }
    // A blank cell shows as a blank, not 0: d-ontime 2022 has no litigation figure.
    expect(await page.locator('#agency-values tr[data-figure="appeals_litigation_direct"] td[data-year="2022"]').textContent()).toBe('·');
  });

  it('lists every failing check in the database', async () => {
    const failing = db().prepare('select count(*) as n from checks k join records r on r.record_id = k.record_id where k.pass = 0 and r.superseded_at is null').get() as { n: number };
    expect(failing.n).toBe(1);
    expect(await page.locator('#checks tbody tr').count()).toBe(failing.n);
    expect(await page.locator('#checks tbody tr td').nth(5).textContent()).toBe('40');
  });

  it('shows a script-injection agency name as text', async () => {
    const cell = page.locator('#coverage tr[data-agency="d-late"] td').first();
    expect(await cell.textContent()).toBe(INJECTION_NAME);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(existsSync(join(site, 'chart.umd.min.js'))).toBe(true);
    expect(readFileSync(join(site, 'index.html'), 'utf8')).not.toContain('<script>window.__pwned');
  });
});
