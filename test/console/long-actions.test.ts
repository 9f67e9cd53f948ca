/**
 * Long actions in Chromium against local mode: a secret's Rotation section (set a random rotation,
 * "Rotate now", a new version and the last/next times, turn it off), "Delete selected" on the Secrets
 * list followed in the header's Activity region from another page (a failed item listed, the rest
 * deleted), and a clone to a second vault (AWS Secrets Manager on moto) opened and revealed.
 */
import { randomUUID } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;
const awsCredentials = { accessKeyId: 'AKIDCONSOLETEST', secretAccessKey: `aws-${randomUUID()}` };

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  await signIn(page, rig.api.adminKey);
});
afterAll(async () => {
  await rig?.stop();
});

const activity = () => page.getByRole('region', { name: 'Activity' }).getByRole('status');

async function create(name: string, data: Record<string, string>, connection?: string): Promise<void> {
  const made = await rig.api.request('POST', '/v1/secrets', {
    body: { name, type: 'env', data, ...(connection ? { connection } : {}) },
  });
  expect(made.status, made.text).toBe(201);
}

describe('the Rotation section', () => {
  it('sets a random rotation, rotates now to a new version with the last and next times, and turns it off', async () => {
    await create('svc/token', { API_TOKEN: 'before-rotation', REGION: 'eu-west-1' });
    await page.goto(`/#/secret/${encodeURIComponent('svc/token')}`);
    const section = page.getByRole('region', { name: 'Rotation' });
    await section.getByRole('heading', { name: 'Rotation' }).waitFor();
    expect(await section.locator('dl').textContent()).toMatch(/StatusOff.*Last rotationNever/);

    await section.getByRole('button', { name: 'Set rotation' }).click();
    await page.getByLabel('Schedule').fill('rate(30 days)');
    await page.getByLabel('Strategy').selectOption('random');
    await page.getByLabel('Keys to rotate').fill('API_TOKEN');
    await page.getByLabel('Length').fill('40');
    await page.getByLabel('Symbols').uncheck();
    await review(page, 'secret-rotation-form');
    await page.getByRole('button', { name: 'Save rotation' }).click();

    await section.getByRole('button', { name: 'Rotate now' }).waitFor();
    const configured = (await rig.api.request('GET', '/v1/secrets/svc%2Ftoken')).json.rotation;
    expect(configured).toMatchObject({
      enabled: true,
      schedule: 'rate(30 days)',
      strategy: 'random',
      options: { keys: ['API_TOKEN'], policy: { length: 40, symbols: false } },
    });
    expect(await section.locator('dl').textContent()).toMatch(
      /StatusOn.*Random values \(random\): keys API_TOKEN/,
    );

    await page.getByRole('button', { name: 'Versions' }).click();
    const versions = page.getByRole('table', { name: 'Versions' }).locator('tbody tr');
    await expect.poll(() => versions.count()).toBe(1);
    await section.getByRole('button', { name: 'Rotate now' }).click();

    await expect.poll(() => section.textContent()).toContain('Version 2 is current.');
    await expect.poll(() => versions.count()).toBe(2);
    expect(await versions.filter({ hasText: '(current)' }).textContent()).toMatch(/^2 \(current\)rotate/);
    await expect.poll(() => activity().textContent()).toContain('Rotated svc/token.');
    const rotated = (await rig.api.request('GET', '/v1/secrets/svc%2Ftoken')).json;
    expect(rotated.version).toBe(2);
    const times = section.locator('dl time');
    await expect
      .poll(async () => times.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('datetime'))))
      .toEqual([rotated.rotation.lastRotatedAt, rotated.rotation.nextRotationAt]);
    const value = (await rig.api.request('GET', '/v1/secrets/svc%2Ftoken/value')).json.data;
    expect(value.API_TOKEN).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(value.REGION).toBe('eu-west-1');
    await review(page, 'secret-rotated');

    await section.getByRole('button', { name: 'Turn off rotation' }).click();

    await section.getByRole('button', { name: 'Set rotation' }).waitFor();
    expect(await section.locator('dl').textContent()).toMatch(/StatusOff/);
    expect((await rig.api.request('GET', '/v1/secrets/svc%2Ftoken')).json.rotation.enabled).toBe(false);
    expect(rig.problems).toEqual([]);
  });

  it('shows a refused schedule with the API’s message and keeps the form as typed', async () => {
    await page
      .getByRole('region', { name: 'Rotation' })
      .getByRole('button', { name: 'Set rotation' })
      .click();
    await page.getByLabel('Schedule').fill('rate(0 days)');
    await page.getByLabel('Keys to rotate').fill('API_TOKEN');
    await page.getByRole('button', { name: 'Save rotation' }).click();

    const alert = page.getByRole('form', { name: 'Rotation of svc/token' }).getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/rate.*Request ID: [0-9a-f-]{36}/);
    expect(await page.getByLabel('Schedule').inputValue()).toBe('rate(0 days)');
    expect((await rig.api.request('GET', '/v1/secrets/svc%2Ftoken')).json.rotation.enabled).toBe(false);
  });
});

describe('a database rotation that cannot reach its database', () => {
  it('shows the failed Rotate now with the API’s message and request id, and drops the pending rotation', async () => {
    const port = await freePort();
    await create('svc/db', {
      engine: 'postgres',
      host: '127.0.0.1',
      port: String(port),
      username: 'app',
      password: 'current-password',
      dbname: 'app',
    });
    await page.goto(`/#/secret/${encodeURIComponent('svc/db')}`);
    const section = page.getByRole('region', { name: 'Rotation' });
    await section.getByRole('button', { name: 'Set rotation' }).click();
    await page.getByLabel('Strategy').selectOption('database');
    await page.getByLabel('Mode').selectOption('single-user');
    await page.getByLabel('TLS').selectOption('disable');
    await expect.poll(() => page.getByLabel('Characters never used').inputValue()).toBe(' /@"\'\\');
    await page.getByRole('button', { name: 'Save rotation' }).click();
    await section.getByRole('button', { name: 'Rotate now' }).waitFor();
    expect((await rig.api.request('GET', '/v1/secrets/svc%2Fdb')).json.rotation).toMatchObject({
      strategy: 'database',
      options: { mode: 'single-user', tls: 'disable', policy: { exclude: ' /@"\'\\' } },
    });

    await section.getByRole('button', { name: 'Rotate now' }).click();

    const alert = section.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Request ID: [0-9a-f-]{36}/);
    await expect
      .poll(() => activity().textContent())
      .toMatch(/Rotating svc\/db failed\.svc\/db: .+Request ID/);
    await expect
      .poll(() => section.locator('dl').textContent())
      .toMatch(/Last attempt failed.+1 failure in a row/);
    expect(await page.locator('body').textContent()).not.toContain('current-password');
    const value = (await rig.api.request('GET', '/v1/secrets/svc%2Fdb/value')).json;
    expect(value).toMatchObject({ version: 1, data: { password: 'current-password' } });
    await review(page, 'secret-rotation-failed');

    await section.getByRole('button', { name: 'Change rotation' }).click();
    expect(await page.getByLabel('Strategy').inputValue()).toBe('database');
    expect(await page.getByLabel('TLS').inputValue()).toBe('disable');
    // The password may have reached the database (setSecret began), so the rotation waits pending:
    // turning rotation off is refused with the way out, which "Discard pending rotation" takes.
    expect(await section.locator('dl').textContent()).toMatch(
      /PendingA rotation stopped after step setSecret/,
    );
    await section.getByRole('button', { name: 'Turn off rotation' }).click();
    await expect.poll(() => alert.textContent()).toMatch(/pending.*discardPending=true/);
    await section.getByRole('button', { name: 'Discard pending rotation' }).click();

    await section.getByRole('button', { name: 'Set rotation' }).waitFor();
    const after = (await rig.api.request('GET', '/v1/secrets/svc%2Fdb')).json;
    expect(after.rotation.enabled).toBe(false);
    expect(after.rotation.pending).toBeUndefined();
    expect(after.version).toBe(1);
  });
});

describe('Delete selected', () => {
  it('goes on while another page is open, lists the item that failed, and deletes the rest', async () => {
    const names = [1, 2, 3, 4, 5].map((n) => `batch/item-${n}`);
    for (const name of names) await create(name, { K: 'v' });
    // Each delete is held back in the browser a moment before it goes to the API, so the action is
    // still running when the test moves to another page.
    await page.route(
      (url) => url.pathname.startsWith('/v1/secrets/batch'),
      async (route) => {
        if (route.request().method() === 'DELETE') await new Promise((resolve) => setTimeout(resolve, 400));
        await route.continue();
      },
    );
    await page.goto('/#/secrets');
    await page.getByLabel('Name prefix').fill('batch/');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('table', { name: 'Secrets' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(5);

    await page.getByLabel('Select all on this page').check();
    await page.getByLabel('Select batch/item-2').uncheck();
    await page.getByLabel('Select batch/item-2').check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const form = page.getByRole('form', { name: 'Delete selected secrets' });
    await form.getByLabel('Recovery window').selectOption('7');
    await review(page, 'secrets-delete-selected');
    // Someone else deletes one of them for good meanwhile: that one fails, the others go on.
    const gone = await rig.api.request('DELETE', '/v1/secrets/batch%2Fitem-3?force=true');
    expect(gone.status, gone.text).toBe(200);
    await form.getByRole('button', { name: 'Delete 5 secrets' }).click();

    await page.getByRole('link', { name: 'Vaults' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vaults' }).waitFor();
    await expect.poll(() => activity().textContent()).toMatch(/Deleting [1-5] of 5 secrets…/);
    await expect.poll(() => activity().textContent()).toContain('Deleted 4 of 5 secrets; 1 failed.');
    const failures = activity()
      .getByRole('listitem')
      .filter({ hasText: 'Deleted 4 of 5 secrets' })
      .locator('.failures li');
    expect(await failures.count()).toBe(1);
    expect(await failures.textContent()).toMatch(/^batch\/item-3: .+\(Request ID: [0-9a-f-]{36}\)$/);
    await review(page, 'activity-bulk-delete');
    await page.unrouteAll();

    await page.getByRole('link', { name: 'Secrets' }).click();
    await page.getByLabel('Name prefix').fill('batch/');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No secrets match.').waitFor();
    const deleted = (await rig.api.request('GET', '/v1/secrets?includeDeleted=true&prefix=batch/')).json
      .items;
    expect(deleted.map((item: { name: string }) => item.name).sort()).toEqual(
      names.filter((name) => name !== 'batch/item-3'),
    );
    for (const item of deleted) {
      const days = (new Date(item.deletionDate).getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6);
      expect(days).toBeLessThan(8);
    }

    await activity().getByRole('button', { name: 'Dismiss: Deleted 4 of 5 secrets; 1 failed.' }).click();
    await expect.poll(() => activity().textContent()).not.toContain('Deleted 4 of 5');
    expect(rig.problems).toEqual([]);
  });
});

describe('Delete selected, staying on the list', () => {
  it('updates the list it was started from once it ends', async () => {
    for (const name of ['stay/one', 'stay/two']) await create(name, { K: 'v' });
    await page.goto('/#/secrets');
    await page.getByLabel('Name prefix').fill('stay/');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('table', { name: 'Secrets' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);

    await page.getByLabel('Select stay/one').check();
    await page.getByLabel('Select stay/two').check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('button', { name: 'Delete 2 secrets' }).click();

    await page.getByText('No secrets match.').waitFor();
    await expect.poll(() => activity().textContent()).toContain('Deleted 2 of 2 secrets.');
    const left = (await rig.api.request('GET', '/v1/secrets?prefix=stay/')).json.items;
    expect(left).toEqual([]);
  });
});

describe('Clone to another vault', () => {
  it('clones a local secret to AWS Secrets Manager, opens the clone and reveals the same keys', async () => {
    const added = await rig.api.request('POST', '/v1/connections', {
      body: {
        name: 'aws-moto',
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
        credentials: awsCredentials,
      },
    });
    expect(added.status, added.text).toBe(201);
    await create('app/config', { FEATURE_FLAG: 'on', API_URL: 'https://api.example.test' });
    await page.goto(`/#/secret/${encodeURIComponent('app/config')}`);
    await page.getByRole('heading', { level: 1, name: 'app/config' }).waitFor();

    await page.getByRole('button', { name: 'Clone', exact: true }).click();
    const form = page.getByRole('form', { name: 'Clone app/config' });
    await form.getByLabel('New name').fill('app/config-aws');
    await form.getByLabel('Vault provider').selectOption({ label: 'aws-moto (aws-secrets-manager)' });
    await form.getByRole('button', { name: 'Clone', exact: true }).click();

    await page.getByRole('heading', { level: 1, name: 'app/config-aws' }).waitFor();
    await expect.poll(() => activity().textContent()).toContain('Cloned app/config to app/config-aws.');
    expect(await activity().getByRole('link', { name: 'Open app/config-aws' }).getAttribute('href')).toBe(
      `#/secret/${encodeURIComponent('app/config-aws')}`,
    );
    await page.getByRole('button', { name: 'Reveal' }).click();
    const keys = page.getByRole('region', { name: 'Keys' });
    await expect.poll(() => keys.textContent()).toContain('https://api.example.test');
    expect(await keys.textContent()).toMatch(/API_URL.*FEATURE_FLAG.*on/);
    await review(page, 'secret-cloned-to-aws');

    const clone = (await rig.api.request('GET', '/v1/secrets/app%2Fconfig-aws')).json;
    expect(clone.connection).toBe('aws-moto');
    const sdk = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: inject('motoEndpoint'),
      credentials: awsCredentials,
    });
    const stored = await sdk.send(new GetSecretValueCommand({ SecretId: clone.vaultRef }));
    expect(JSON.parse(stored.SecretString ?? '{}')).toEqual({
      FEATURE_FLAG: 'on',
      API_URL: 'https://api.example.test',
    });
    expect(rig.problems).toEqual([]);
  });
});
