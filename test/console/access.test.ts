/**
 * What a key may not do is not offered, and the API keys page, in Chromium against local mode: the
 * admin sees every action; a read-only key (made through the API) sees no link to admin pages and no
 * button to change or reveal, and a page opened by its address says why it is refused; a key whose
 * rules deny writes under a prefix sees Edit only outside it. On "API keys" the admin makes a key,
 * copies it (the clipboard, or the text selected when the clipboard fails), signs in with it and sees
 * what it may do, then revokes it after a confirmation, and the key is refused. axe and screenshots on
 * each page.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleRig, review, signIn, startConsole } from './browser.ts';

let rig: ConsoleRig;
let page: Page;

beforeAll(async () => {
  rig = await startConsole();
  page = rig.page;
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.api.url });
  for (const name of ['app/db', 'protected/db']) {
    const made = await rig.api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { TOKEN: 'first' } },
    });
    expect(made.status, made.text).toBe(201);
    const changed = await rig.api.request('PATCH', `/v1/secrets/${encodeURIComponent(name)}`, {
      body: { set: { TOKEN: 'second' } },
    });
    expect(changed.status, changed.text).toBe(200);
  }
});
afterAll(async () => {
  await rig?.stop();
});

async function makeKey(body: Record<string, unknown>): Promise<string> {
  const made = await rig.api.request('POST', '/v1/api-keys', { body });
  expect(made.status, made.text).toBe(201);
  return made.json.key;
}

/** Signs in afresh, whatever the tab held before. */
async function signInAs(key: string): Promise<void> {
  await page.goto('/');
  await page.evaluate(() =>
    (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear(),
  );
  await signIn(page, key);
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
}

async function openSecret(name: string): Promise<void> {
  await page.goto(`/#/secret/${encodeURIComponent(name)}`);
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('button', { name: 'Versions' }).waitFor();
}

/** The browser's globals a test reads (the tests' TypeScript has no DOM library). */
interface BrowserGlobals {
  navigator: { clipboard: { readText(): Promise<string>; writeText(text: string): Promise<void> } };
  document: { activeElement: { value: string; selectionStart: number | null; selectionEnd: number | null } };
}

/** The names of the buttons and links on the page now. */
async function offered(): Promise<string[]> {
  const names: string[] = [];
  for (const role of ['button', 'link'] as const) {
    for (const element of await page.getByRole(role).all()) names.push((await element.textContent())!.trim());
  }
  return names;
}

const changes = ['Create New Secret', 'Import Existing Secret', 'More actions'];
const secretChanges = ['Reveal', 'Edit', 'Clone', 'Delete'];

describe('what a key may not do is not offered', () => {
  it('shows the admin every page and action', async () => {
    await signInAs(rig.api.adminKey);
    await page.getByRole('link', { name: 'app/db' }).waitFor();

    expect(await offered()).toEqual(expect.arrayContaining(['Vaults', 'API keys', ...changes]));
    await openSecret('app/db');
    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    expect(await offered()).toEqual(expect.arrayContaining(secretChanges));
    await page.getByRole('button', { name: 'Versions' }).click();
    await page.getByRole('button', { name: 'Roll back to version 1' }).waitFor();
    await signOut();
  });

  it('offers a read-only key no admin link, no change and no Reveal, and says why a page opened by address is refused', async () => {
    const reader = await makeKey({ name: 'reader', scopes: ['read'] });
    await signInAs(reader);
    await page.getByRole('link', { name: 'app/db' }).waitFor();

    const onList = await offered();
    expect(onList).toContain('Secrets');
    for (const name of ['Vaults', 'API keys', ...changes]) expect(onList).not.toContain(name);
    await review(page, 'secrets-read-only');

    await openSecret('app/db');
    await page.getByRole('button', { name: 'Versions' }).click();
    await page.getByRole('rowheader', { name: '2 (current)' }).waitFor();
    await page.getByRole('rowheader', { name: '1', exact: true }).waitFor();
    const onDetail = await offered();
    for (const name of [...secretChanges, 'Roll back', 'Restore']) expect(onDetail).not.toContain(name);
    expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    await review(page, 'secret-detail-read-only');

    for (const path of ['/api-keys', '/vaults', '/secrets/new']) {
      await page.goto(`/#${path}`);
      await page.getByRole('heading', { level: 1, name: 'Not allowed' }).waitFor();
      expect(await page.getByRole('main').textContent()).toMatch(
        /reader.*cannot open this page: it needs the/,
      );
    }
    await review(page, 'not-allowed');
    expect(rig.problems).toEqual([]);
    await signOut();
  });

  it('offers Edit and Delete only on the secrets a key’s rules let it change', async () => {
    const fenced = await makeKey({
      name: 'fenced',
      scopes: ['read', 'reveal', 'write'],
      rules: [
        { actions: ['read', 'reveal', 'write', 'delete'], secrets: ['**'] },
        { actions: ['write', 'delete'], secrets: ['protected/**'], effect: 'deny' },
      ],
    });
    await signInAs(fenced);

    await openSecret('app/db');
    await page.getByRole('button', { name: 'Edit' }).waitFor();
    expect(await offered()).toEqual(expect.arrayContaining(secretChanges));
    await openSecret('protected/db');
    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    const guarded = await offered();
    for (const name of ['Edit', 'Clone', 'Delete']) expect(guarded).not.toContain(name);
    await page.goto(`/#/secret/${encodeURIComponent('protected/db')}?edit=1`);
    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    expect(await page.getByRole('form', { name: 'Edit protected/db' }).count()).toBe(0);
    await signOut();
  });
});

describe('the API keys page', () => {
  let made: string;

  it('creates a key and shows it once, with Copy and a warning', async () => {
    await signInAs(rig.api.adminKey);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'reader' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'fenced' }).textContent()).toMatch(
      /read, reveal, write.*allow read, reveal, write, delete on secrets \*\*; deny write, delete on secrets protected\/\*\*/,
    );
    await review(page, 'api-keys');

    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('viewer');
    await page.getByRole('checkbox', { name: /^reveal/ }).check();
    await review(page, 'create-api-key');
    await page.getByRole('button', { name: 'Create', exact: true }).click();

    await page.getByRole('heading', { name: 'New API key: viewer' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('it will not be shown again');
    made = await page.getByLabel('New key').inputValue();
    expect(made).toMatch(/^smk_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('Copied');
    expect(
      await page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText()),
    ).toBe(made);
    await review(page, 'api-key-shown-once');
    const row = page.getByRole('row').filter({ hasText: 'viewer' });
    expect(await row.textContent()).toMatch(/read, reveal.*none.*never/);

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Create API key' }).waitFor();
    expect(await page.content()).not.toContain(made);
  });

  it('selects the key for a manual copy when the clipboard refuses', async () => {
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('no-clipboard');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'New API key: no-clipboard' }).waitFor();
    // The one fault forced here: a browser that refuses the clipboard (a policy, an insecure origin).
    await page.evaluate(() => {
      (globalThis as unknown as BrowserGlobals).navigator.clipboard.writeText = () =>
        Promise.reject(new Error('NotAllowedError: refused'));
    });

    await page.getByRole('button', { name: 'Copy' }).click();

    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('the key is selected');
    const selected = await page.evaluate(() => {
      const field = (globalThis as unknown as BrowserGlobals).document.activeElement;
      return field.value.slice(field.selectionStart ?? 0, field.selectionEnd ?? 0);
    });
    expect(selected).toBe(await page.getByLabel('New key').inputValue());
    await page.getByRole('button', { name: 'Done' }).click();
  });

  it('signs in with the new key and offers what it may do: Reveal, but no change and no admin page', async () => {
    await signOut();
    await signInAs(made);

    expect(await offered()).not.toContain('API keys');
    await openSecret('app/db');
    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByRole('cell', { name: 'second' }).waitFor();
    const actions = await offered();
    for (const name of ['Edit', 'Clone', 'Delete']) expect(actions).not.toContain(name);
    await signOut();
  });

  it('revokes the key after a confirmation, and the key is refused from then on', async () => {
    await signInAs(rig.api.adminKey);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Revoke viewer' }).click();
    await page.getByRole('form', { name: 'Revoke viewer?' }).waitFor();
    await review(page, 'api-key-revoke-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect((await rig.api.request('GET', '/v1/me', { key: made })).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke viewer' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();

    const row = page.getByRole('row').filter({ hasText: 'viewer' });
    await expect.poll(() => row.textContent()).toContain('revoked');
    expect(await row.getByRole('button').count()).toBe(0);
    await signOut();
    await page.getByLabel('API key').fill(made);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/invalid credentials/);
    expect(rig.problems).toEqual([]);
  });
});
