/**
 * "Path to secret" on Add vault, in Chromium against local mode and the live OpenBao: an AppRole whose
 * policy reaches one folder of the KV mount tests green with that path, is saved with it, keeps new
 * secrets below it, and Import lists only what is there.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRoleWithPolicy, baoOk, enableKvV2 } from '../providers/hashicorp-vault-fixtures.ts';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

const folder = 'teams/payments';
let rig: ConsoleRig;
let page: Page;
let mount: string;
let approle: { roleId: string; secretId: string };

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  mount = await enableKvV2();
  approle = await appRoleWithPolicy(`
path "${mount}/data/${folder}/*" { capabilities = ["create", "read", "update", "patch", "delete"] }
path "${mount}/metadata/${folder}/*" { capabilities = ["read", "list", "patch", "update", "delete"] }
path "${mount}/delete/${folder}/*" { capabilities = ["update"] }
path "${mount}/undelete/${folder}/*" { capabilities = ["update"] }
`);
  await baoOk(`${mount}/data/${folder}/legacy/api`, { body: { data: { TOKEN: 'from-before' } } });
  await baoOk(`${mount}/data/elsewhere/other`, { body: { data: { TOKEN: 'not this team’s' } } });
});
afterAll(async () => {
  await rig?.stop();
});

describe('Add vault with a path to secret', () => {
  it('tests green on a policy limited to the folder, keeps new secrets below it and imports only from it', async () => {
    await signIn(page, rig.api.adminKey);
    await page.goto('/#/vaults/new');
    await page.getByRole('heading', { level: 1, name: 'Add vault' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('payments-bao');
    await page.getByLabel('Select Vault').selectOption({ label: 'HashiCorp Vault' });
    await page.getByLabel('Vault URL').fill(inject('openbaoAddress'));
    await page.getByLabel('Role ID').fill(approle.roleId);
    await page.getByLabel('Secret ID').fill(approle.secretId);
    await page.getByLabel('Engine name').fill(mount);
    await page.getByLabel('Engine type').selectOption('kv-v2');

    // Without the path, the permissions step fails: the policy reaches only the folder.
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Test failed' }).waitFor();

    await page.getByLabel('Path to secret').fill(folder);
    await page.getByRole('button', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Test passed' }).waitFor();
    await review(page, 'add-vault-path');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vaults' }).waitFor();

    const saved = await rig.api.request('GET', '/v1/connections/payments-bao');
    expect(saved.json.config.engine).toEqual({ type: 'kv-v2', mount, path: folder });
    const made = await rig.api.request('POST', '/v1/secrets', {
      body: { name: 'payments/key', type: 'env', connection: 'payments-bao', data: { KEY: 'v' } },
    });
    expect(made.status, made.text).toBe(201);
    expect(made.json.vaultRef).toBe(`${folder}/secretm/default/payments/key`);

    await page.goto('/#/secrets/import');
    await page.getByLabel('Vault provider').selectOption({ label: 'payments-bao (hashicorp-vault)' });
    const refs = page.getByRole('group', { name: 'Secret in the vault' }).getByRole('radio');
    await expect
      .poll(async () =>
        (await refs.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('value')))).sort(),
      )
      .toEqual([`${folder}/legacy/api`, `${folder}/secretm/default/payments/key`]);
    expect(rig.problems).toEqual([]);
  });
});
