/**
 * The Vaults pages in Chromium against local mode: "Add vault", "Select Vault" HashiCorp Vault with
 * AppRole against the live OpenBao, "Test" before anything is stored (each step shown), a refused
 * secret id shown as a failed step, then "Save"; the credentials never come back to the page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRoleWithPolicy, enableKvV2, kvPolicy } from '../providers/hashicorp-vault-fixtures.ts';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;
let kvMount: string;
let approle: { roleId: string; secretId: string };

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  kvMount = await enableKvV2();
  approle = await appRoleWithPolicy(kvPolicy(kvMount));
});
afterAll(async () => {
  await rig?.stop();
});

async function fillVaultForm(secretId: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill('team-bao');
  await page.getByLabel('Select Vault').selectOption({ label: 'HashiCorp Vault' });
  await page.getByLabel('Vault URL').fill(inject('openbaoAddress'));
  await page.getByLabel('Role ID').fill(approle.roleId);
  await page.getByLabel('Secret ID').fill(secretId);
  await page.getByLabel('Engine name').fill(kvMount);
  await page.getByLabel('Engine type').selectOption('kv-v2');
  await page.getByLabel('Cache TTL').fill('120');
}

describe('adding a HashiCorp Vault with AppRole', () => {
  it('tests before saving, shows each step, stores nothing until Save, and never shows the credentials again', async () => {
    await signIn(page, rig.api.adminKey);
    await page.getByRole('link', { name: 'Vaults' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vaults' }).waitFor();
    await review(page, 'vaults');
    await page.getByRole('button', { name: 'Add vault' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add vault' }).waitFor();
    for (const kind of ['AWS Secrets Manager', 'Azure Key Vault']) {
      await page.getByLabel('Select Vault').selectOption({ label: kind });
      await review(page, `add-vault-${kind.toLowerCase().replaceAll(' ', '-')}`);
    }

    await fillVaultForm('not-the-secret-id');
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Test failed' }).waitFor();
    expect(await page.locator('.check').textContent()).toMatch(/✗/);
    await review(page, 'add-vault-test-failed');

    await page.getByLabel('Secret ID').fill(approle.secretId);
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Test passed' }).waitFor();
    expect(await page.locator('.check li').count()).toBeGreaterThan(1);
    expect(await page.locator('.check').textContent()).not.toMatch(/✗/);
    expect((await rig.api.request('GET', '/v1/connections/team-bao')).status).toBe(404);
    await review(page, 'add-vault-test-passed');

    await page.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('heading', { level: 1, name: 'Vaults' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'team-bao' });
    await expect.poll(() => row.textContent()).toMatch(/HashiCorp Vault.*120 s.*stored \(write-only\)/);
    expect(await page.content()).not.toContain(approle.secretId);
    const saved = await rig.api.request('GET', '/v1/connections/team-bao');
    expect(saved.json).toMatchObject({ kind: 'hashicorp-vault', hasCredentials: true, cacheTtlSeconds: 120 });
    expect((await rig.api.request('POST', '/v1/connections/team-bao/test')).json.ok).toBe(true);
    expect(rig.problems).toEqual([]);
  });

  it('keeps the form as typed when Save is refused, with the API’s message and request id', async () => {
    await page.getByRole('button', { name: 'Add vault' }).click();
    await fillVaultForm(approle.secretId);

    await page.getByRole('button', { name: 'Save' }).click();

    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/already exists.*Request ID: [0-9a-f-]{36}/);
    expect(await page.getByLabel('Vault URL').inputValue()).toBe(inject('openbaoAddress'));
    expect(await page.getByLabel('Secret ID').inputValue()).toBe(approle.secretId);
  });
});
