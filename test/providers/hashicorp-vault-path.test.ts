/**
 * A KV v2 connection with a `path`: new secrets go below that folder of the mount and discover looks
 * only there, so the connection's Vault policy may be limited to the folder. Against the live OpenBao,
 * with an AppRole whose policy reaches nothing else of the mount.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { vaultConfig } from '../../shared/connections/connection-schemas.ts';
import { createHashicorpVaultProvider } from '../../shared/providers/hashicorp-vault.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { type AppRoleCredentials, appRoleWithPolicy, baoOk, enableKvV2 } from './hashicorp-vault-fixtures.ts';
import { describeProviderContract } from './provider-contract.ts';

const folder = 'teams/payments';

/** secretm's KV v2 policy, limited to one folder of the mount. */
function folderPolicy(mount: string): string {
  return `
path "${mount}/data/${folder}/*" { capabilities = ["create", "read", "update", "patch", "delete"] }
path "${mount}/metadata/${folder}/*" { capabilities = ["read", "list", "patch", "update", "delete"] }
path "${mount}/delete/${folder}/*" { capabilities = ["update"] }
path "${mount}/undelete/${folder}/*" { capabilities = ["update"] }
`;
}

function provider(
  mount: string,
  credentials: AppRoleCredentials,
  path?: string,
  url = inject('openbaoAddress'),
): SecretProvider {
  return createHashicorpVaultProvider(
    { url, engine: { type: 'kv-v2', mount, ...(path ? { path } : {}) } },
    { roleId: credentials.roleId, secretId: credentials.secretId },
    { timeoutMs: 2_000 },
  );
}

describeProviderContract('hashicorp-vault kv-v2 below a path, on a policy limited to it', async () => {
  const mount = await enableKvV2();
  const credentials = await appRoleWithPolicy(folderPolicy(mount));
  const vault = provider(mount, credentials, folder);
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  return {
    unreachable: () => provider(mount, credentials, folder, nowhere),
    provider: vault,
    newRef: () => vault.refFor('tenant-a', `secret-${randomUUID()}`),
    metadataOf: async (ref) => {
      const custom = ((await baoOk(`${mount}/metadata/${ref}`)).data?.custom_metadata ?? {}) as Record<
        string,
        string
      >;
      const tags = Object.fromEntries(
        Object.entries(custom).flatMap(([key, tag]) => (key.startsWith('tag:') ? [[key.slice(4), tag]] : [])),
      );
      return { ...(custom.description === undefined ? {} : { description: custom.description }), tags };
    },
  };
});

describe('a kv-v2 path', () => {
  let mount: string;
  let credentials: AppRoleCredentials;
  let vault: SecretProvider;

  beforeAll(async () => {
    mount = await enableKvV2();
    credentials = await appRoleWithPolicy(folderPolicy(mount));
    vault = provider(mount, credentials, `/${folder}/`);
  });

  it('puts new secrets below the folder, slashes around it ignored', async () => {
    const ref = vault.refFor('tenant-a', 'db');
    await vault.create(ref, { kind: 'map', data: { PASSWORD: 'below-the-folder' } });

    expect(ref).toBe(`${folder}/secretm/tenant-a/db`);
    const stored = await baoOk(`${mount}/data/${ref}`);
    expect(stored.data?.data).toEqual({ PASSWORD: 'below-the-folder' });
  });

  it('discovers only what is below the folder', async () => {
    await baoOk(`${mount}/data/${folder}/legacy/api`, { body: { data: { TOKEN: 'old' } } });
    await baoOk(`${mount}/data/elsewhere/other`, { body: { data: { TOKEN: 'not ours' } } });
    await baoOk(`${mount}/data/${folder}-archive/x`, { body: { data: { TOKEN: 'a sibling folder' } } });

    const refs: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await vault.discover(cursor === undefined ? { limit: 1 } : { limit: 1, cursor });
      refs.push(...page.items.map((item) => item.ref));
      cursor = page.cursor;
    } while (cursor !== undefined && refs.length < 100);

    expect(refs).toEqual([`${folder}/legacy/api`, `${folder}/secretm/tenant-a/db`]);
  });

  it('tests green on a policy limited to the folder, which the mount root would fail', async () => {
    const below = await vault.test();
    const atRoot = await provider(mount, credentials).test();

    expect(below.ok).toBe(true);
    expect(atRoot.ok).toBe(false);
    expect(atRoot.steps.find((check) => !check.ok)?.step).toBe('permissions');
  });

  it('is refused by the connection schema when it is not a plain folder path', () => {
    const config = (path: string) => ({
      url: 'https://vault.internal:8200',
      engine: { type: 'kv-v2', mount: 'secret', path },
    });

    expect(vaultConfig.safeParse(config('teams/payments')).success).toBe(true);
    for (const bad of ['../other', 'teams/../x', '/teams', 'teams/', 'a//b', 'team payments', '']) {
      expect(vaultConfig.safeParse(config(bad)).success, bad).toBe(false);
    }
  });
});
