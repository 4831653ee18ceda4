import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseCsvRows } from '../../src/seeds/index.ts';
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

const indexUrl = () => pathToFileURL(join(site, 'index.html')).href;

describe('dashboard views a person would use (Chromium, desktop)', () => {
  it('region names, the province grid of on-time shares, and filters kept in the address', async () => {
    await page.goto(`${indexUrl()}#year=2023&level=county`);
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.locator('#coverage tbody tr').count()).toBe(5);
    expect(await page.locator('#coverage tr[data-agency="g-late"] td').nth(1).textContent()).toBe('北京市 朝阳区');
    await page.selectOption('#f-level', '');
    // 宁夏 (640200, 640300): d-ontime on time, d-late late, d-missing and g-none missing → 1 of 4 on time.
    const nx = page.locator('#province-grid [data-province="640000"]');
    expect(await nx.locator('.s').textContent()).toBe('25%');
    expect(await nx.getAttribute('title')).toBe('宁夏回族自治区: 1 / 4 按时 on time');
    expect(await page.locator('#province-grid [data-province="110000"] .s').textContent()).toBe('0%');
    expect(await page.locator('#province-grid [data-province="650000"] .s').textContent()).toBe('–');
    expect(await page.locator('#province-grid .tile').count()).toBe(31);
    await nx.click();
    expect(await page.locator('#coverage tbody tr').count()).toBe(4);
    expect(new URL(page.url()).hash).toBe('#region=640000');
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    expect(await page.locator('#f-region').inputValue()).toBe('640000');
    expect(await page.locator('#coverage tbody tr').count()).toBe(4);
  });

  it('downloads the filtered rows as CSV', async () => {
    await page.goto(`${indexUrl()}#level=county`);
    await page.waitForSelector('body[data-ready="1"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(root, 'download.csv');
    await download.saveAs(file);
    const rows = parseCsvRows(readFileSync(file, 'utf8')).map((r) => r.cells);
    expect(rows[0]!.slice(0, 8)).toEqual(['agency_id', 'name', 'region_code', 'region', 'level', 'kind', 'year', 'status']);
    const body = rows.slice(1).filter((r) => r.length > 1);
    expect(body.map((r) => `${r[0]}:${r[7]}`).sort()).toEqual(['d-blocked:blocked', 'd-down:unreachable', 'd-scan:not_parsed', 'd-undated:published_undated', 'g-late:late']);
    expect(body.find((r) => r[0] === 'g-late')![10]).toBe('10');
  });

  it('an agency page: its reports by year, each original opened as what it is, and what was read of its column', async () => {
    await page.goto(indexUrl());
    await page.waitForSelector('body[data-ready="1"]');
    await page.click('#coverage tr[data-agency="d-ontime"] a.agency-link');
    await page.waitForSelector('#agency-page:not([hidden])');
    expect(new URL(page.url()).hash).toBe('#agency=d-ontime');
    expect(await page.locator('#agency-name').textContent()).toBe('石嘴山市测试局');
    expect(await page.locator('#agency-facts').textContent()).toContain('宁夏回族自治区 石嘴山市');
    expect(await page.locator('#agency-years tr[data-year="2023"]').getAttribute('data-status')).toBe('on_time');
    expect(await page.locator('#agency-years tr[data-year="2022"]').getAttribute('data-status')).toBe('on_time');
    const current = db().prepare(`select v.sha256 from reports r join report_versions v on v.version_id = r.current_version_id where r.agency_id = 'd-ontime' and r.year = 2023`).get() as { sha256: string };
    const a = page.locator(`#agency-years tr[data-year="2023"] [data-sha256="${current.sha256}"] a`).first();
    const href = (await a.getAttribute('href'))!;
    expect(href).toBe(`originals/${current.sha256}.html`);
    const file = fileURLToPath(new URL(href, indexUrl()));
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(current.sha256);
    // Opened in the browser it is a page (its <title> read), not shown as source text.
    const original = await browser.newPage();
    await original.goto(pathToFileURL(file).href);
    expect(await original.title()).toBe('2023年报 d-ontime');
    await original.close();
    expect(await page.locator('#chart-agency-page').evaluate((c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(100);

    // d-missing: the column page read, linked to its archived capture.
    await page.goto(`${indexUrl()}#agency=d-missing`);
    await page.waitForSelector('#agency-page:not([hidden])');
    const row = page.locator('#agency-years tr[data-year="2023"]');
    expect(await row.getAttribute('data-status')).toBe('missing');
    const capture = db().prepare(`select body_sha256 from fetches where agency_id = 'd-missing' and purpose = 'list'`).get() as { body_sha256: string };
    const cap = row.locator('a', { hasText: `存档 capture ${capture.body_sha256.slice(0, 12)}` });
    expect(await cap.getAttribute('href')).toBe(`originals/${capture.body_sha256}.html`);
    expect(await row.textContent()).toContain(`capture sha256:${capture.body_sha256}`);
    await page.click('#back');
    await page.waitForSelector('#overview:not([hidden])');
    expect(consoleErrors).toEqual([]);
  });
});

describe('dashboard at phone width (400 px, Chromium)', () => {
  it('no sideways scroll, charts inside the screen, the agency page too', async () => {
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 400, height: 860 });
    await phone.goto(indexUrl());
    await phone.waitForSelector('body[data-ready="1"]');
    const fits = () => phone.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
      canvases: [...document.querySelectorAll('canvas')].filter((c) => c.offsetParent).map((c) => { const r = c.getBoundingClientRect(); return { left: r.left, right: r.right, w: r.width }; }),
    }));
    const o = await fits();
    expect(o.inner).toBe(400);
    expect(o.scroll).toBeLessThanOrEqual(400);
    expect(o.canvases).toHaveLength(3);
    for (const c of o.canvases) { expect(c.left).toBeGreaterThanOrEqual(0); expect(c.right).toBeLessThanOrEqual(400); expect(c.w).toBeGreaterThan(300); }
    await phone.screenshot({ path: join(root, 'phone.png'), fullPage: true });
    await phone.goto(`${indexUrl()}#agency=d-late`);
    await phone.waitForSelector('#agency-page:not([hidden])');
    const p = await fits();
    expect(p.scroll).toBeLessThanOrEqual(400);
    expect(p.canvases).toHaveLength(1);
    expect(p.canvases[0]!.right).toBeLessThanOrEqual(400);
    expect(await phone.locator('#agency-name').textContent()).toBe(INJECTION_NAME);
    expect(await phone.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await phone.screenshot({ path: join(root, 'phone-agency.png'), fullPage: true });
    await phone.close();
  });
});
