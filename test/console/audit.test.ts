/**
 * The Audit page in Chromium against local mode: events made through the API, filtered by action and
 * secret to find the reveal just made by its request id, newest first, "Next page" by the cursor,
 * "Verify" over the same range, "Download CSV" as the API's CSV, and a refusal shown with its request id.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;
let revealId: string;
const value = 'audit-page-value-never-shown';

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  expect(
    (
      await rig.api.request('POST', '/v1/secrets', {
        body: { name: 'ledger/db', type: 'env', data: { PASSWORD: value } },
      })
    ).status,
  ).toBe(201);
  // More reads than one page holds (50), for "Next page".
  for (let read = 0; read < 53; read += 1) {
    expect((await rig.api.request('GET', '/v1/secrets/ledger%2Fdb')).status).toBe(200);
  }
  const reveal = await rig.api.request('GET', '/v1/secrets/ledger%2Fdb/value');
  revealId = reveal.headers.get('x-request-id')!;
  expect(revealId).toMatch(/^[0-9a-f-]{36}$/);
});
afterAll(async () => {
  await rig?.stop();
});

async function filter(fields: Record<string, string>): Promise<void> {
  for (const [label, text] of Object.entries(fields))
    await page.getByLabel(label, { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Filter' }).click();
}

const rows = () => page.getByRole('table', { name: 'Audit events, newest first' }).getByRole('row');

describe('the Audit page', () => {
  it('finds the reveal just made by filtering on action and secret', async () => {
    await signIn(page, rig.api.adminKey);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    await expect.poll(() => rows().count()).toBeGreaterThan(1);
    await review(page, 'audit');

    await filter({ Action: 'secret.reveal', Secret: 'ledger/db' });

    await expect.poll(() => rows().count()).toBe(2);
    const row = rows().nth(1);
    expect(await row.textContent()).toContain(revealId);
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['operator', 'secret.reveal', 'secret:ledger/db', 'success']);
    expect(await page.content()).not.toContain(value);
    expect(rig.problems).toEqual([]);
  });

  it('pages newest first by the cursor, and back', async () => {
    await filter({ Action: 'secret.describe', Secret: 'ledger/db' });
    await expect.poll(() => rows().count()).toBe(51);
    const times = await rows()
      .locator('time')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('datetime')!));
    expect(times).toEqual([...times].sort().reverse());
    const firstPage = await rows().nth(1).textContent();

    await page.getByRole('button', { name: 'Next page' }).click();

    await expect.poll(() => rows().count()).toBe(4);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    const api = await rig.api.request('GET', '/v1/audit?action=secret.describe&secret=ledger/db&limit=1000');
    expect(api.json.items).toHaveLength(53);
    expect(await rows().nth(3).textContent()).toContain(api.json.items[52].requestId);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows().nth(1).textContent()).toBe(firstPage);
  });

  it('verifies the same range and says it is intact', async () => {
    await page.getByRole('button', { name: 'Verify' }).click();

    const result = page.getByRole('status').filter({ hasText: 'Audit intact' });
    await result.waitFor();
    const checked = Number(/(\d+) events/.exec((await result.textContent())!)![1]);
    expect(checked).toBeGreaterThan(50);
    await review(page, 'audit-verified');
  });

  it('saves "Download CSV" as the API’s CSV for the same filters', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);

    const saved = await readFile((await download.path())!, 'utf8');
    const csv = await rig.api.request(
      'GET',
      '/v1/audit?action=secret.describe&secret=ledger/db&format=csv&limit=1000',
    );
    expect(download.suggestedFilename()).toMatch(/^secretm-audit-.+\.csv$/);
    expect(saved).toBe(csv.text);
    expect(saved.trim().split('\n')).toHaveLength(54);
    expect(rig.problems).toEqual([]);
  });

  it('shows a bad filter’s refusal with the API’s message and request id', async () => {
    await filter({ Action: '', Secret: 'not a secret name!' });

    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Request ID: [0-9a-f-]{36}/);
  });
});
