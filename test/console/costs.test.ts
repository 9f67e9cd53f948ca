/**
 * The Costs page in Chromium against local mode, on a price table that makes the local vault's hours
 * and calls cost something: secrets made and read through the API show up as bars, table rows and the
 * month's point of the six-month line, each figure exactly as `GET /v1/costs` states it; "Download CSV"
 * saves what `?format=csv` answers; another month shows that month; a key without `admin` is refused
 * with the API's message and request id.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;
// $1 a call and about $1 an hour, so a few reads and hours are figures a test can tell apart.
const prices = JSON.stringify({ local: { secretMonth: '744', callBlock: '10000' } });
const thisMonth = new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  rig = await startConsole({}, { prices });
  page = rig.page;
  for (const name of ['shop/db', 'shop/token']) {
    const created = await rig.api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { VALUE: `${name}-value` } },
    });
    expect(created.status).toBe(201);
  }
  for (let read = 0; read < 3; read += 1) {
    expect((await rig.api.request('GET', '/v1/secrets/shop%2Fdb/value')).status).toBe(200);
  }
});
afterAll(async () => {
  await rig?.stop();
});

interface SecretLine {
  name: string | null;
  connection: string;
  total: string;
  callCost: string;
  savedCost: string;
}

async function openCosts(): Promise<void> {
  await page.getByRole('link', { name: 'Costs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Costs' }).waitFor();
}

describe('the Costs page', () => {
  it('shows the month’s report as bars and tables that agree with GET /v1/costs', async () => {
    const costRequests: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/costs') costRequests.push(request.url());
    });
    await signIn(page, rig.api.adminKey);
    await openCosts();

    expect(await page.getByLabel('Month', { exact: true }).inputValue()).toBe(thisMonth);
    const perSecret = page.getByRole('table', { name: 'Cost per secret' });
    await expect.poll(() => perSecret.getByRole('row').count()).toBe(3);
    const report = (await rig.api.request('GET', `/v1/costs?month=${thisMonth}`)).json;
    const lines = report.secrets as SecretLine[];
    expect(lines.map((line) => line.name).sort()).toEqual(['shop/db', 'shop/token']);
    const db = lines.find((line) => line.name === 'shop/db')!;
    const token = lines.find((line) => line.name === 'shop/token')!;
    // Three reads cost more than none: the figures are not all zero.
    expect(Number(db.total)).toBeGreaterThan(Number(token.total));

    for (const line of lines) {
      const cells = await perSecret
        .getByRole('row', { name: line.name! })
        .getByRole('cell')
        .allTextContents();
      expect(cells[0]).toBe(line.connection);
      expect(cells.at(-1)).toBe(line.total);
      expect(cells.at(-2)).toBe(line.savedCost);
      expect(cells.at(-4)).toBe(line.callCost);
    }
    expect(await page.locator('[data-figure="total"]').textContent()).toContain(`USD ${report.total}`);
    expect(await page.locator('[data-figure="saved"]').textContent()).toBe(`USD ${report.savedCost}`);

    // The chart: one bar per secret, labelled with the API's figure, longer for the larger total.
    const chart = page.getByRole('img', { name: /^Cost per secret/ });
    expect(await chart.getAttribute('aria-describedby')).toBe('per-secret-table');
    const bars = await chart.locator('g').evaluateAll((groups) =>
      groups.map((group) => ({
        label: group.querySelector('text')?.textContent,
        width: Number(group.querySelector('rect')?.getAttribute('width')),
        value: group.querySelectorAll('text')[1]?.textContent,
      })),
    );
    expect(bars.map((bar) => [bar.label, bar.value]).sort()).toEqual(
      lines.map((line) => [line.name, line.total]).sort(),
    );
    const barOf = (name: string) => bars.find((bar) => bar.label === name)!.width;
    expect(barOf('shop/db')).toBeGreaterThan(barOf('shop/token'));
    const connections = page.getByRole('img', { name: /^Cost per vault connection/ });
    expect(await connections.locator('rect').count()).toBe(report.connections.length);

    // The line: six months, one request each, this month's point the report's total.
    const trend = page.getByRole('table', { name: 'Total cost per month' });
    await expect.poll(() => trend.getByRole('row').count()).toBe(7);
    const lastRow = await trend.getByRole('row', { name: new RegExp(thisMonth) }).textContent();
    expect(lastRow).toContain(report.total);
    expect(
      await page
        .getByRole('img', { name: /^Total cost per month/ })
        .locator('circle')
        .count(),
    ).toBe(6);
    expect(new Set(costRequests.map((url) => new URL(url).searchParams.get('month'))).size).toBe(6);
    await expect.poll(() => page.getByText('6 requests of GET /v1/costs').count()).toBe(1);
    await review(page, 'costs');
    expect(rig.problems).toEqual([]);
  });

  it('saves "Download CSV" as the API’s CSV, fetched with the key', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);

    expect(download.suggestedFilename()).toBe(`secretm-costs-${thisMonth}.csv`);
    const saved = await readFile((await download.path())!, 'utf8');
    const csv = await rig.api.request('GET', `/v1/costs?month=${thisMonth}&format=csv`);
    expect(saved).toBe(csv.text);
    expect(saved).toContain('shop/db');
    expect(saved).not.toContain('shop/db-value');
    expect(rig.problems).toEqual([]);
  });

  it('shows another month when the month changes', async () => {
    const before = new Date();
    before.setUTCDate(1);
    before.setUTCMonth(before.getUTCMonth() - 1);
    const lastMonth = before.toISOString().slice(0, 7);

    await page.getByLabel('Month', { exact: true }).fill(lastMonth);
    await expect
      .poll(() => page.getByRole('img', { name: `Cost per secret, ${lastMonth} (USD)` }).count())
      .toBe(1);
    expect(await page.getByRole('table', { name: 'Cost per secret' }).getByRole('row').count()).toBe(1);
    const report = (await rig.api.request('GET', `/v1/costs?month=${lastMonth}`)).json;
    expect(await page.locator('[data-figure="total"]').textContent()).toContain(`USD ${report.total}`);
  });

  it('is not offered to a key without admin, and says why when opened by its address', async () => {
    const reader = (
      await rig.api.request('POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['read'] } })
    ).json.key;
    const refused = await rig.api.request('GET', '/v1/costs', { key: reader });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, reader);

    await page.getByRole('heading', { level: 1, name: 'Secrets' }).waitFor();
    const links = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    await page.goto('/#/costs');
    await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();

    // The API refuses it too: hiding the page is a courtesy, the route is the control.
    expect(refused.status).toBe(403);
    expect(links).not.toContain('Costs');
    expect(await page.getByRole('main').textContent()).toMatch(/needs the admin scope/);
    await review(page, 'costs-refused');
  });
});
