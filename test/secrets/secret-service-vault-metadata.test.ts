/**
 * A secret's description and tags, kept in step in its vault on every kind that has them: AWS Secrets
 * Manager on moto, HashiCorp Vault KV v2 on OpenBao, Azure Key Vault on the repo's Key Vault server, and
 * the local vault. Each is read back through the vault's own API, not through secretm.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createHashicorpVaultProvider } from '../../shared/providers/hashicorp-vault.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { adapterOn, metadataOf as azureMetadataOf, sdkOn } from '../providers/azure-key-vault-fixtures.ts';
import { appRoleWithPolicy, baoOk, enableKvV2, kvPolicy } from '../providers/hashicorp-vault-fixtures.ts';
import { type KeyVaultServer, startKeyVaultServer } from '../servers/azure-key-vault.ts';
import { createTestTable } from '../servers/dynamodb.ts';

interface Held {
  description?: string;
  tags: Record<string, string>;
}

interface Kind {
  provider: SecretProvider;
  /** What the vault itself shows for a ref. */
  held(ref: string): Promise<Held>;
  /** The vault's own id of the current version. */
  currentVersion(ref: string): Promise<string>;
  /** moto keeps a description cleared with UpdateSecret Description "" (AWS clears it). */
  keepsClearedDescription?: boolean;
}

const kinds: Record<string, Kind> = {};
let service: ReturnType<typeof createSecretService>;
let keyVault: KeyVaultServer;
let localDir: string;

const ctx: RequestContext = {
  principal: {
    tenant: 'acme',
    actor: 'apikey:test',
    scopes: new Set(['read', 'reveal', 'write']),
    operator: false,
  },
  requestId: 'req-metadata',
  sourceIp: '127.0.0.1',
};

beforeAll(async () => {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const aws = createAwsSecretsManagerProvider({
    region: 'us-east-1',
    endpoint: inject('motoEndpoint'),
    credentials,
  });
  const awsSdk = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: inject('motoEndpoint'),
    credentials,
  });
  kinds.aws = {
    provider: aws,
    held: async (ref) => {
      const described = await awsSdk.send(new DescribeSecretCommand({ SecretId: ref }));
      const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key!, tag.Value!]));
      return { ...(described.Description ? { description: described.Description } : {}), tags };
    },
    currentVersion: async (ref) => {
      const described = await awsSdk.send(new DescribeSecretCommand({ SecretId: ref }));
      const stages = described.VersionIdsToStages ?? {};
      return Object.keys(stages).find((id) => stages[id]?.includes('AWSCURRENT'))!;
    },
    keepsClearedDescription: true,
  };

  const mount = await enableKvV2();
  const approle = await appRoleWithPolicy(kvPolicy(mount));
  const metadata = async (ref: string) => (await baoOk(`${mount}/metadata/${ref}`)).data ?? {};
  kinds.vault = {
    provider: createHashicorpVaultProvider(
      { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount } },
      { roleId: approle.roleId, secretId: approle.secretId },
    ),
    held: async (ref) => {
      const custom = ((await metadata(ref)).custom_metadata ?? {}) as Record<string, string>;
      const tags = Object.fromEntries(
        Object.entries(custom).flatMap(([key, tag]) => (key.startsWith('tag:') ? [[key.slice(4), tag]] : [])),
      );
      return { ...(custom.description === undefined ? {} : { description: custom.description }), tags };
    },
    currentVersion: async (ref) => String((await metadata(ref)).current_version),
  };

  keyVault = await startKeyVaultServer();
  const sdk = sdkOn(keyVault);
  kinds.azure = {
    provider: adapterOn(keyVault),
    held: (ref) => azureMetadataOf(sdk, ref),
    currentVersion: async (ref) => (await sdk.getSecret(ref)).properties.version!,
  };

  localDir = await mkdtemp(join(tmpdir(), 'secretm-metadata-'));
  const stored = async (ref: string) =>
    JSON.parse(
      await readFile(
        join(localDir, 'secrets', `${createHash('sha256').update(ref).digest('hex')}.json`),
        'utf8',
      ),
    ) as { description?: string; tags?: Record<string, string>; currentVersionId: string };
  kinds.local = {
    provider: createLocalVault({ dir: localDir }),
    held: async (ref) => {
      const secret = await stored(ref);
      return {
        ...(secret.description === undefined ? {} : { description: secret.description }),
        tags: secret.tags ?? {},
      };
    },
    currentVersion: async (ref) => (await stored(ref)).currentVersionId,
  };

  const table = await createTestTable();
  const deps = { client: table.documentClient, tableName: table.tableName };
  service = createSecretService({
    store: createSecretStore(deps),
    audit: createAuditStore(deps),
    providers: async (_tenant, connection) => kinds[connection]!.provider,
    defaultConnection: 'local',
  });
});
afterAll(async () => {
  await keyVault?.stop();
  if (localDir) await rm(localDir, { recursive: true, force: true });
});

describe.each(['aws', 'vault', 'azure', 'local'])(
  'the description and tags of a secret on %s',
  (connection) => {
    const create = async () => {
      const name = `db-${randomUUID().slice(0, 8)}`;
      const created = await service.create(ctx, {
        name,
        type: 'env',
        connection,
        data: { PASSWORD: 'first' },
        description: 'orders database',
        tags: { team: 'payments', env: 'prod' },
      });
      return { name, ref: created.vaultRef, kind: kinds[connection]! };
    };

    it('a PATCH of only metadata changes them in the vault, removed tags included, and writes no value', async () => {
      const { name, ref, kind } = await create();
      const before = await kind.currentVersion(ref);

      const patched = await service.patch(ctx, name, {
        description: 'the orders database',
        tags: { env: null, owner: 'alice' },
      });

      expect(patched.tags).toEqual({ team: 'payments', owner: 'alice' });
      expect(await kind.held(ref)).toEqual({
        description: 'the orders database',
        tags: { team: 'payments', owner: 'alice' },
      });
      expect(await kind.currentVersion(ref)).toBe(before);
    });

    it('a PATCH of keys and tags writes both, and a PUT replaces the tag set, dropping the tags it does not name', async () => {
      const { name, ref, kind } = await create();

      await service.patch(ctx, name, { set: { PASSWORD: 'second' }, tags: { team: 'billing' } });
      const afterPatch = await kind.held(ref);
      await service.replace(ctx, name, { data: { PASSWORD: 'third' }, tags: { only: 'this' } });
      const afterPut = await kind.held(ref);

      expect(afterPatch).toEqual({ description: 'orders database', tags: { team: 'billing', env: 'prod' } });
      expect(afterPut).toEqual({ description: 'orders database', tags: { only: 'this' } });
      expect((await service.getValue(ctx, name)).value).toEqual({ type: 'env', data: { PASSWORD: 'third' } });
    });

    it('a PATCH that removes the description removes it from the vault', async () => {
      const { name, ref, kind } = await create();

      await service.patch(ctx, name, { description: null });

      const held = await kind.held(ref);
      if (kind.keepsClearedDescription) expect(held.tags).toEqual({ team: 'payments', env: 'prod' });
      else expect(held).toEqual({ tags: { team: 'payments', env: 'prod' } });
    });
  },
);
