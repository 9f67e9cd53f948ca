/**
 * A deployment's `vaults.allowed` is kept by the API itself (SECRETM_ALLOWED_VAULTS), not only by
 * IAM: a connection of another kind is refused when it is created, and one stored before the kind was
 * disallowed is not used. Live store (DynamoDB Local) and the local vault.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { readConfig } from '../../shared/config.ts';
import { createConnectionResolver } from '../../shared/connections/connection-resolver.ts';
import { createConnectionService } from '../../shared/connections/connection-service.ts';
import { createCredentialVault } from '../../shared/connections/credential-vault.ts';
import { createNetworkPolicy } from '../../shared/connections/network-policy.ts';
import { buildProvider } from '../../shared/connections/provider-factory.ts';
import { ForbiddenError } from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import { createConnectionStore } from '../../shared/store/connection-store.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { createTestTable } from '../servers/dynamodb.ts';

const ctx: RequestContext = {
  principal: { tenant: 'acme', actor: 'apikey:admin', scopes: new Set(['admin']), operator: false },
  requestId: 'req-allowed',
  sourceIp: '127.0.0.1',
};
let vaultDir: string;

beforeAll(async () => {
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-allowed-'));
});
afterAll(async () => {
  await rm(vaultDir, { recursive: true, force: true });
});

async function services(allowedKinds?: ('aws-secrets-manager' | 'hashicorp-vault')[]) {
  const table = await createTestTable();
  const store = createConnectionStore({ client: table.documentClient, tableName: table.tableName });
  const credentials = createCredentialVault(createLocalVault({ dir: vaultDir }), vaultNamespace('test'));
  const network = createNetworkPolicy({ localMode: true });
  const clock = { now: () => new Date() };
  const resolver = createConnectionResolver({
    store,
    credentials,
    builtIns: {},
    factory: { network, clock },
    ...(allowedKinds ? { allowedKinds } : {}),
  });
  const connections = createConnectionService({
    store,
    credentials,
    resolver,
    network,
    builtIns: [],
    clock,
    audit: async () => undefined,
    localMode: true,
    ...(allowedKinds ? { allowedKinds } : {}),
    unsaved: (record, connectionCredentials) =>
      buildProvider(record, connectionCredentials, { network, clock }),
  });
  return { connections, resolver, store };
}

const vaultBody = {
  name: 'bao',
  kind: 'hashicorp-vault' as const,
  config: { url: 'http://127.0.0.1:8200', engine: { type: 'kv-v2', mount: 'kv' } },
  credentials: { token: 'not-a-real-token' },
  cacheTtlSeconds: 300,
};

describe('allowed vault kinds', () => {
  it('refuses to create a connection of a kind the deployment does not allow', async () => {
    const { connections, store } = await services(['aws-secrets-manager']);

    const error = await connections.create(ctx, vaultBody).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as Error).message).toBe(
      'this deployment allows connections of these kinds only: aws-secrets-manager',
    );
    expect(await store.get('acme', 'bao')).toBeUndefined();
  });

  it('refuses to test an unsaved connection of a kind the deployment does not allow', async () => {
    const { connections } = await services(['aws-secrets-manager']);

    const error = await connections.testUnsaved(ctx, vaultBody).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ForbiddenError);
  });

  it('does not use a stored connection whose kind is no longer allowed', async () => {
    const before = await services();
    await before.connections.create(ctx, vaultBody);
    const after = await services(['aws-secrets-manager']);
    // The record as it was stored before the kind was disallowed.
    await after.store.create((await before.store.get('acme', 'bao'))!, {
      tenant: 'acme',
      actor: 'test',
      action: 'connection.create',
      target: 'connection:bao',
      outcome: 'success',
      requestId: 'r',
      sourceIp: '127.0.0.1',
      at: new Date().toISOString(),
    });

    await expect(after.resolver('acme', 'bao')).rejects.toThrow(ForbiddenError);
    await expect(before.resolver('acme', 'bao')).resolves.toBeDefined();
  });

  it('reads the allowed kinds from SECRETM_ALLOWED_VAULTS, and refuses a kind that does not exist', () => {
    const base = { SECRETM_TABLE_NAME: 'secretm', SECRETM_MODE: 'local' };
    expect(
      readConfig({ ...base, SECRETM_ALLOWED_VAULTS: 'aws-secrets-manager,hashicorp-vault' }).allowedVaults,
    ).toEqual(['aws-secrets-manager', 'hashicorp-vault']);
    expect(readConfig(base).allowedVaults).toBeUndefined();
    expect(() => readConfig({ ...base, SECRETM_ALLOWED_VAULTS: 'oracle' })).toThrow();
  });
});
