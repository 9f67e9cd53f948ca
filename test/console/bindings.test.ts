/**
 * The Bindings pages in Chromium against local mode: bindings made by PUT through the API listed with
 * their entry counts a page at a time; a binding's page with its entries, values hidden until "Reveal"
 * (an audited resolve), then its dotenv, its files and its Kubernetes output exactly as the API
 * resolves them; a new binding made with the secret picker, a stale edit refused; refusals shown with
 * the API's message and request id.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;
const password = 'orders-password-hidden-until-reveal';
const tlsKey = '-----BEGIN KEY-----\nfixture\n-----END KEY-----\n';

async function put(path: string, body: unknown): Promise<void> {
  const method = path.startsWith('/v1/bindings/') ? 'PUT' : 'POST';
  const answer = await rig.api.request(method, path, { body });
  expect(answer.status, answer.text).toBeLessThan(300);
}

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  await put('/v1/secrets', { name: 'orders/db', type: 'env', data: { USER: 'orders', PASSWORD: password } });
  await put('/v1/secrets', {
    name: 'orders/tls',
    type: 'file',
    file: { content: tlsKey, filename: 'tls.key', mountPath: '/etc/tls', mode: '0400' },
  });
  await put('/v1/bindings/orders-api', {
    description: 'The orders API',
    entries: [
      { name: 'DB_USER', secret: 'orders/db', key: 'USER' },
      { name: 'DB_PASSWORD', secret: 'orders/db', key: 'PASSWORD' },
    ],
  });
  await put('/v1/bindings/orders-worker', {
    entries: [
      { name: 'DB_PASSWORD', secret: 'orders/db', key: 'PASSWORD' },
      { name: 'tls', secret: 'orders/tls' },
    ],
  });
  // Enough more for a second page of 20.
  for (let n = 0; n < 20; n += 1) {
    await put(`/v1/bindings/zz-svc-${String(n).padStart(2, '0')}`, {
      entries: [{ name: 'DB_USER', secret: 'orders/db', key: 'USER' }],
    });
  }
});
afterAll(async () => {
  await rig?.stop();
});

const rows = () => page.getByRole('table', { name: 'Bindings' }).getByRole('row');

/** Presses Tab until the control named `name` has the focus. */
async function tabTo(name: string): Promise<void> {
  let focused = '';
  for (let i = 0; i < 30 && focused !== name; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
  }
  expect(focused).toBe(name);
}

describe('the Bindings pages', () => {
  it('lists the bindings with their entry counts, 20 a page', async () => {
    await signIn(page, rig.api.adminKey);
    await page.getByRole('link', { name: 'Bindings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bindings' }).waitFor();

    await expect.poll(() => rows().count()).toBe(21);
    expect(await rows().nth(1).textContent()).toMatch(/orders-api.*2 entries.*The orders API/);
    expect(await rows().nth(2).textContent()).toMatch(/orders-worker.*2 entries/);
    await review(page, 'bindings');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows().count()).toBe(3);
    expect(await rows().nth(2).textContent()).toContain('zz-svc-19');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows().count()).toBe(21);
    expect(await page.content()).not.toContain(password);
  });

  it('shows a binding’s entries with values hidden, and its dotenv after "Reveal", audited', async () => {
    await page.getByRole('link', { name: 'orders-api' }).click();
    await page.getByRole('heading', { level: 1, name: 'orders-api' }).waitFor();
    const entries = page.getByRole('table').first();
    await expect.poll(() => entries.getByRole('row').count()).toBe(3);
    expect(await entries.getByRole('row', { name: /DB_PASSWORD/ }).textContent()).toMatch(
      /DB_PASSWORD.*orders\/db.*PASSWORD/,
    );
    expect(await page.getByRole('radio', { name: 'Environment (.env)' }).isChecked()).toBe(true);
    expect(await page.content()).not.toContain(password);
    const before = await rig.api.request('GET', '/v1/audit?action=secret.reveal&secret=orders/db&limit=10');
    expect(before.json.items).toEqual([]);
    await review(page, 'binding-hidden');

    await page.getByRole('button', { name: 'Reveal' }).click();

    const output = page.getByRole('region', { name: 'Environment (.env)' });
    await expect.poll(() => output.textContent()).toContain(password);
    // The resolve is a reveal: the API audits each bound secret's value read.
    const reveals = await rig.api.request('GET', '/v1/audit?action=secret.reveal&secret=orders/db&limit=10');
    expect(reveals.json.items).toHaveLength(1);
    const dotenv = await rig.api.request('GET', '/v1/bindings/orders-api/resolve?format=dotenv');
    expect(await output.textContent()).toBe(dotenv.text);
    await review(page, 'binding-revealed');

    await page.getByRole('radio', { name: 'Kubernetes' }).check();
    const manifest = page.getByRole('region', { name: 'Kubernetes' });
    await expect.poll(() => manifest.textContent()).toContain('"kind"');
    const kubernetes = await rig.api.request('GET', '/v1/bindings/orders-api/resolve?format=kubernetes');
    expect(JSON.parse((await manifest.textContent())!)).toEqual(kubernetes.json);

    await page.getByRole('button', { name: 'Hide values' }).click();
    await expect.poll(async () => (await page.content()).includes(password)).toBe(false);
    expect(rig.problems).toEqual([]);
  });

  it('shows a binding with files as files, and refuses its dotenv with the API’s message and request id', async () => {
    await page.goto('/#/binding/orders-worker');
    await page.getByRole('heading', { level: 1, name: 'orders-worker' }).waitFor();
    expect(await page.getByRole('radio', { name: 'Environment and files' }).isChecked()).toBe(true);

    await page.getByRole('button', { name: 'Reveal' }).click();

    const files = page.getByRole('table', { name: 'Files' });
    await expect.poll(() => files.textContent()).toContain('/etc/tls/tls.key');
    expect(await files.textContent()).toContain('fixture');
    expect(await page.getByRole('table', { name: 'Environment' }).textContent()).toContain(password);
    await review(page, 'binding-files');

    await page.getByRole('radio', { name: /Environment \(\.env\)/ }).check();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toMatch(/dotenv holds variables only.*Request ID: [0-9a-f-]{36}/);
    expect(await page.content()).not.toContain(password);
  });

  it('makes a new binding with the secret picker, and refuses a stale edit with the API’s message', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Bindings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bindings' }).waitFor();
    await page.getByLabel('Service name').fill('billing-api');
    await page.getByRole('button', { name: 'New binding' }).click();
    await page.getByRole('heading', { level: 1, name: 'billing-api' }).waitFor();

    await page.getByLabel('Entry 1 name').fill('DB_PASSWORD');
    await page.getByLabel('Entry 1 secret').selectOption('orders/db');
    await page.getByLabel('Entry 1 key').selectOption('PASSWORD');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByLabel('Entry 2 name').fill('tls');
    await page.getByLabel('Entry 2 secret').selectOption('orders/tls');
    await page.getByLabel('Entry 2 mount path').fill('/run/tls');
    await review(page, 'binding-new');
    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Edit' }).waitFor();
    const saved = await rig.api.request('GET', '/v1/bindings/billing-api');
    expect(saved.json).toMatchObject({
      version: 1,
      entries: [
        { name: 'DB_PASSWORD', secret: 'orders/db', key: 'PASSWORD' },
        { name: 'tls', secret: 'orders/tls', mountPath: '/run/tls' },
      ],
    });
    expect(await page.getByRole('table', { name: 'Entries' }).getByRole('row').count()).toBe(3);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Entry 1 name').fill('DATABASE_PASSWORD');
    const meanwhile = await rig.api.request('PUT', '/v1/bindings/billing-api', {
      body: { entries: [{ name: 'DB_USER', secret: 'orders/db', key: 'USER' }] },
    });
    expect(meanwhile.status).toBe(200);
    await page.getByRole('button', { name: 'Save' }).click();

    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/version 2, not 1.*Request ID: [0-9a-f-]{36}/);
    expect(await page.getByLabel('Entry 1 name').inputValue()).toBe('DATABASE_PASSWORD');
    expect((await rig.api.request('GET', '/v1/bindings/billing-api')).json.entries).toEqual([
      { name: 'DB_USER', secret: 'orders/db', key: 'USER' },
    ]);
    expect(rig.problems).toEqual([]);
  });

  it('can be used with the keyboard alone: from the list to a binding, then Reveal', async () => {
    await page.goto('/#/bindings');
    await page.getByRole('heading', { level: 1, name: 'Bindings' }).waitFor();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');

    await tabTo('orders-api');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'orders-api' }).waitFor();
    await expect.poll(() => page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
    await tabTo('Reveal');
    await page.keyboard.press('Enter');

    await expect
      .poll(() => page.getByRole('region', { name: 'Environment (.env)' }).textContent())
      .toContain(password);
  });

  it('says a binding that does not exist is not found, with the request id', async () => {
    await page.goto('/#/binding/nobody-here');
    await page.getByRole('heading', { level: 1, name: 'nobody-here' }).waitFor();

    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent())
      .toMatch(/binding nobody-here not found.*Request ID: [0-9a-f-]{36}/);
    expect(rig.problems).toEqual([]);
  });
});
