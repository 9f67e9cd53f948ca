/**
 * The Secrets pages in Chromium against local mode: sign in and out, a pasted .env with a bad line
 * fixed and created, reveal, an edit that meets a newer version, versions and roll back, clone from
 * the row menu, delete with a recovery window and restore, filters and paging. axe and screenshots on
 * each page.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalVault } from '../../shared/providers/local.ts';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
});
afterAll(async () => {
  await rig?.stop();
});

const secretName = (name: string) => `/secret/${encodeURIComponent(name)}`;

describe('signing in', () => {
  it('refuses a wrong key with the API’s message and request id, then signs in and out with the right one', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to secretm' }).waitFor();
    await review(page, 'sign-in');

    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Request ID: [0-9a-f-]{36}/);
    expect(await page.getByLabel('API key').inputValue()).toBe('not-a-key');

    await signIn(page, rig.api.adminKey);
    expect(await page.evaluate(() => sessionStorage.getItem('secretm.apiKey'))).toBe(rig.api.adminKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.context().cookies()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('secretm.apiKey'))).toBeNull();
    expect(rig.problems).toEqual([]);
  });
});

describe('a secret from a pasted .env to its deletion', () => {
  it('marks a bad .env line by its number, keeps the text, and creates once it is fixed', async () => {
    await signIn(page, rig.api.adminKey);
    await review(page, 'secrets-empty');
    await page.getByRole('button', { name: 'Create New Secret' }).click();
    await page.getByRole('heading', { name: 'Create New Secret' }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('payments/db');
    await page.getByLabel('Description').fill('The payments database');
    await page.getByLabel('Tags').fill('team=payments, env=prod');
    await page.getByRole('radio', { name: 'Runtime Environment Variables' }).check();
    await page.getByLabel('.env').fill('DB_HOST=db.internal\nthis line is wrong\nDB_PASSWORD="s3cr3t pw"');

    const problems = page.locator('#dotenv-problems');
    await expect.poll(() => problems.textContent()).toMatch(/^Line 2: /);
    await review(page, 'create-secret-bad-line');
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByRole('alert').last().textContent()).toContain('Fix the .env lines');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('payments/db');

    await page.getByLabel('.env').fill('DB_HOST=db.internal\n# fixed\nDB_PASSWORD="s3cr3t pw"');
    const parsed = page.getByRole('table', { name: 'Parsed variables' });
    await expect.poll(() => parsed.textContent()).toContain('s3cr3t pw');
    await review(page, 'create-secret');
    await page.getByRole('button', { name: 'Create' }).click();

    await page.getByRole('heading', { level: 1, name: 'payments/db' }).waitFor();
    const stored = await rig.api.request('GET', `/v1/secrets/${encodeURIComponent('payments/db')}/value`);
    expect(stored.json.data).toEqual({ DB_HOST: 'db.internal', DB_PASSWORD: 's3cr3t pw' });
    expect((await rig.api.request('GET', '/v1/secrets/payments%2Fdb')).json.tags).toEqual({
      team: 'payments',
      env: 'prod',
    });
  });

  it('hides values until Reveal, which the API audits', async () => {
    expect(await page.locator('main').textContent()).not.toContain('s3cr3t pw');
    await review(page, 'secret-detail');

    await page.getByRole('button', { name: 'Reveal' }).click();

    await expect.poll(() => page.locator('main').textContent()).toContain('s3cr3t pw');
    const deps = await rig.api.dependencies.forTenant('default');
    const reveals = (await deps.audit.list('default', { limit: 1000 })).items.filter(
      (event) => event.action === 'secret.reveal' && event.target.includes('payments/db'),
    );
    expect(reveals.length).toBeGreaterThan(0);
    expect(JSON.stringify(reveals)).not.toContain('s3cr3t pw');
  });

  it('refuses an edit that meets a newer version, says what changed, keeps the text, and saves after Reload', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByLabel('.env');
    await expect.poll(() => editor.inputValue()).toContain('DB_PASSWORD');
    // Someone else changes the secret meanwhile.
    const other = await rig.api.request('PATCH', '/v1/secrets/payments%2Fdb', {
      body: { set: { DB_PORT: '5432' } },
    });
    expect(other.status, other.text).toBe(200);

    await editor.fill('DB_HOST=db2.internal\nDB_PASSWORD="n3w pw"');
    await page.getByRole('button', { name: 'Save' }).click();

    const stale = page.getByRole('form', { name: 'Edit payments/db' }).getByRole('status');
    await expect
      .poll(() => stale.textContent())
      .toMatch(/version 2 after you opened version 1.*Keys added: DB_PORT/);
    expect(await page.getByRole('alert').last().textContent()).toMatch(/Request ID:/);
    expect(await editor.inputValue()).toBe('DB_HOST=db2.internal\nDB_PASSWORD="n3w pw"');
    await review(page, 'secret-edit-stale');

    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByText('Saving makes version 3.').waitFor();
    expect(await editor.inputValue()).toBe('DB_HOST=db2.internal\nDB_PASSWORD="n3w pw"');
    await page.getByRole('button', { name: 'Save' }).click();

    await expect
      .poll(async () => (await rig.api.request('GET', '/v1/secrets/payments%2Fdb/value')).json)
      .toMatchObject({ version: 3, data: { DB_HOST: 'db2.internal', DB_PASSWORD: 'n3w pw' } });
  });

  it('lists versions with who and when, compares two, revealing values only on request, and rolls back to one', async () => {
    await page.getByRole('button', { name: 'Versions' }).click();
    const table = page.getByRole('table').filter({ hasText: 'Roll back' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    expect(await table.textContent()).toContain('operator');
    await review(page, 'secret-versions');

    // Compare: key names of any two versions; values only after "Reveal both", each read audited.
    const compare = page.getByRole('table', { name: 'Version 2 against version 3' });
    await expect.poll(() => compare.textContent()).toContain('DB_PORTremoved');
    expect(await compare.textContent()).toContain('DB_HOSTkept (values hidden)');
    expect(await page.locator('main').textContent()).not.toContain('db2.internal');
    await page.getByLabel('Compare version').selectOption('1');
    const revealedAt = new Date().toISOString();
    await page.getByRole('button', { name: 'Reveal both' }).click();
    const pair = page.getByRole('table', { name: 'Version 1 against version 3' });
    await expect.poll(() => pair.textContent()).toContain('DB_HOSTvalue changeddb.internaldb2.internal');
    const deps = await rig.api.dependencies.forTenant('default');
    const reads = (await deps.audit.list('default', { limit: 1000, from: revealedAt })).items.filter(
      (event) => event.action === 'secret.reveal' && event.target.includes('payments/db'),
    );
    expect(reads.length).toBeGreaterThanOrEqual(2);
    await review(page, 'secret-versions-compared');

    await page.getByRole('button', { name: 'Roll back to version 1' }).click();

    await expect
      .poll(async () => (await rig.api.request('GET', '/v1/secrets/payments%2Fdb/value')).json)
      .toMatchObject({ version: 4, data: { DB_HOST: 'db.internal', DB_PASSWORD: 's3cr3t pw' } });
  });

  it('deletes with a recovery window and restores', async () => {
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByLabel('Recovery window').selectOption('7');
    await review(page, 'secret-delete');
    await page
      .getByRole('form', { name: 'Delete payments/db' })
      .getByRole('button', { name: 'Delete' })
      .click();

    await page.getByRole('button', { name: 'Restore' }).waitFor();
    const deleted = await rig.api.request('GET', '/v1/secrets?includeDeleted=true&prefix=payments/');
    const deletionDate = new Date(deleted.json.items[0].deletionDate).getTime();
    expect(deletionDate - Date.now()).toBeGreaterThan(6 * 86_400_000);
    expect(deletionDate - Date.now()).toBeLessThan(8 * 86_400_000);
    await review(page, 'secret-deleted');

    await page.getByRole('button', { name: 'Restore' }).click();

    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    expect((await rig.api.request('GET', '/v1/secrets/payments%2Fdb')).json.deletionDate).toBeUndefined();
    expect(rig.problems).toEqual([]);
  });
});

describe('the Secrets list', () => {
  it('filters by name prefix and tag, pages, and clones from a row’s More actions menu', async () => {
    for (let i = 0; i < 22; i++) {
      const name = `bulk/item-${String(i).padStart(2, '0')}`;
      const made = await rig.api.request('POST', '/v1/secrets', {
        body: { name, type: 'env', data: { K: 'v' }, tags: { batch: i % 2 === 0 ? 'even' : 'odd' } },
      });
      expect(made.status, made.text).toBe(201);
    }
    await page.goto('/#/secrets');
    await page.getByRole('heading', { level: 1, name: 'Secrets' }).waitFor();
    const rows = page.getByRole('table', { name: 'Secrets' }).locator('tbody tr');

    await page.getByLabel('Name prefix').fill('bulk/');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(20);
    await review(page, 'secrets');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(20);

    await page.getByLabel('Tag').fill('batch=odd');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => rows.count()).toBe(11);

    const row = rows.filter({ hasText: 'bulk/item-01' });
    await row.getByRole('button', { name: 'More actions' }).click();
    expect(await row.getByRole('button', { name: 'More actions' }).getAttribute('aria-expanded')).toBe(
      'true',
    );
    await review(page, 'secrets-row-menu');
    await row.getByRole('button', { name: 'Clone' }).click();
    await page.getByLabel('New name').fill('bulk/copied');
    await page
      .getByRole('form', { name: 'Clone bulk/item-01' })
      .getByRole('button', { name: 'Clone' })
      .click();

    await page.getByRole('heading', { level: 1, name: 'bulk/copied' }).waitFor();
    expect(page.url()).toContain(secretName('bulk/copied'));
    expect((await rig.api.request('GET', '/v1/secrets/bulk%2Fcopied/value')).json.data).toEqual({ K: 'v' });
    expect(rig.problems).toEqual([]);
  });

  it('imports a secret the vault already held, picked from what the vault lists', async () => {
    const ref = 'secretm/local/default/unmanaged/legacy-api';
    const vault = createLocalVault({ dir: join(rig.api.dataDir, 'vault'), namePrefix: 'secretm/local/' });
    await vault.create(ref, { kind: 'map', data: { API_TOKEN: 'from-before' } });
    await page.goto('/#/secrets');
    await page.getByRole('button', { name: 'Import Existing Secret' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import Existing Secret' }).waitFor();

    await page.getByRole('radio', { name: ref }).check();
    await page.getByLabel('Name in secretm (optional)').fill('legacy/api');
    await review(page, 'import-secret');
    await page.getByRole('button', { name: 'Import' }).click();

    await page.getByRole('heading', { level: 1, name: 'legacy/api' }).waitFor();
    expect((await rig.api.request('GET', '/v1/secrets/legacy%2Fapi/value')).json.data).toEqual({
      API_TOKEN: 'from-before',
    });
  });

  it('can be used with the keyboard alone: Tab to Create New Secret and open it with Enter', async () => {
    await page.goto('/#/secrets');
    await page.getByRole('heading', { level: 1, name: 'Secrets' }).waitFor();
    // The button is offered once the API has said what the key may do (GET /v1/me).
    await page.getByRole('button', { name: 'Create New Secret' }).waitFor();
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'Create New Secret'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''");
    }
    expect(focused).toBe('Create New Secret');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Create New Secret' }).waitFor();
    // The heading takes focus in an effect after it renders.
    await expect.poll(() => page.evaluate<string>('document.activeElement?.tagName')).toBe('H1');
  });
});
