/**
 * The secrets domain on a live store (DynamoDB Local) and the local vault, with a fake clock for
 * recovery windows and locks, and a faulty vault where a fault must be forced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { ProviderUnavailableError } from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { secretKey } from '../../shared/store/keys.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';

let now = new Date('2026-03-01T00:00:00Z');
const clock = { now: () => now };
let vaultDir: string;
let vault: SecretProvider;
let faulty = false;
let service: ReturnType<typeof createSecretService>;
let store: ReturnType<typeof createSecretStore>;
let table: TestTable;

const ctx: RequestContext = {
  principal: {
    tenant: 'acme',
    actor: 'apikey:test',
    scopes: new Set(['read', 'reveal', 'write']),
    operator: false,
  },
  requestId: 'req-1',
  sourceIp: '127.0.0.1',
};

beforeAll(async () => {
  table = await createTestTable();
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-service-'));
  vault = createLocalVault({ dir: vaultDir, clock });
  // A vault whose writes fail on demand: a fault the local vault cannot be made to produce.
  const flaky: SecretProvider = {
    ...vault,
    refFor: vault.refFor,
    put: (...args) =>
      faulty ? Promise.reject(new ProviderUnavailableError('vault down')) : vault.put(...args),
    create: (...args) =>
      faulty ? Promise.reject(new ProviderUnavailableError('vault down')) : vault.create(...args),
  };
  const deps = { client: table.documentClient, tableName: table.tableName };
  store = createSecretStore(deps);
  service = createSecretService({
    store,
    audit: createAuditStore(deps),
    providers: async () => flaky,
    clock,
    defaultConnection: 'local',
    lockWaitMs: 300,
  });
});
afterAll(async () => {
  await rm(vaultDir, { recursive: true, force: true });
});

describe('recovery window', () => {
  it('keeps a deleted secret restorable until its deletion date, then treats it as gone and frees the name', async () => {
    await service.create(ctx, { name: 'windowed', type: 'env', data: { K: 'old' } });
    await service.remove(ctx, 'windowed', { recoveryWindowDays: 7 });

    now = new Date('2026-03-07T23:00:00Z');
    expect((await service.get(ctx, 'windowed')).deletionDate).toBe('2026-03-08T00:00:00.000Z');

    now = new Date('2026-03-08T00:00:01Z');
    await expect(service.get(ctx, 'windowed')).rejects.toThrow(/not found/);
    const recreated = await service.create(ctx, { name: 'windowed', type: 'env', data: { K: 'new' } });

    expect(recreated.version).toBe(1);
    expect((await service.getValue(ctx, 'windowed')).value).toEqual({ type: 'env', data: { K: 'new' } });
    const history = await service.listVersions(ctx, 'windowed', { limit: 10 });
    expect(history.page.items.map((v) => v.version)).toEqual([1]);
  });
});

describe('where a value is', () => {
  /** Sets (or, with undefined, removes) the location kept on the secret's metadata item, as raw data. */
  async function setLocation(name: string, location: object | undefined) {
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: secretKey('acme', name),
        UpdateExpression: location ? 'SET #location = :location' : 'REMOVE #location',
        ExpressionAttributeNames: { '#location': 'location' },
        ...(location ? { ExpressionAttributeValues: { ':location': location } } : {}),
      }),
    );
  }

  async function threeVersions(name: string) {
    await service.create(ctx, { name, type: 'env', data: { K: 'v1' } });
    await service.replace(ctx, name, { data: { K: 'v2' } });
    await service.replace(ctx, name, { data: { K: 'v3' } });
  }

  it('keeps the current version’s vault id on the metadata as each version is written', async () => {
    await threeVersions('located');
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: secretKey('acme', 'located') }),
    );
    const current = await store.getVersion('acme', 'located', 3);
    expect(Item?.location).toEqual({ version: 3, vaultVersionId: current?.vaultVersionId });
    // A delete and a restore change the metadata without writing a version: the location stays.
    await service.remove(ctx, 'located', { recoveryWindowDays: 7 });
    await service.restore(ctx, 'located');
    expect((await store.get('acme', 'located'))?.location).toEqual(Item?.location);
  });

  it('reads a secret whose metadata keeps no location (written before it was kept) from its version items', async () => {
    await threeVersions('unlocated');
    await setLocation('unlocated', undefined);

    expect((await service.getValue(ctx, 'unlocated')).value).toEqual({ type: 'env', data: { K: 'v3' } });
    expect((await service.getValue(ctx, 'unlocated', { version: 1 })).value).toEqual({
      type: 'env',
      data: { K: 'v1' },
    });
    await service.patch(ctx, 'unlocated', { set: { L: 'added' } });
    expect((await service.getValue(ctx, 'unlocated')).value).toEqual({
      type: 'env',
      data: { K: 'v3', L: 'added' },
    });
  });

  it('never takes a location that names another version for the current one', async () => {
    await threeVersions('mislocated');
    const first = await store.getVersion('acme', 'mislocated', 1);
    await setLocation('mislocated', { version: 1, vaultVersionId: first?.vaultVersionId });

    expect((await service.getValue(ctx, 'mislocated')).value).toEqual({ type: 'env', data: { K: 'v3' } });
  });
});

describe('vault faults', () => {
  it('leaves the current version and the lock free when the vault write fails', async () => {
    await service.create(ctx, { name: 'sturdy', type: 'env', data: { K: 'v1' } });

    faulty = true;
    await expect(service.replace(ctx, 'sturdy', { data: { K: 'v2' } })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    faulty = false;

    expect((await service.get(ctx, 'sturdy')).version).toBe(1);
    const next = await service.replace(ctx, 'sturdy', { data: { K: 'v3' } }, { expectedVersion: 1 });
    expect(next.version).toBe(2);
    expect((await service.getValue(ctx, 'sturdy')).value).toEqual({ type: 'env', data: { K: 'v3' } });
  });

  it('stores no metadata when the vault refuses a create', async () => {
    faulty = true;
    await expect(
      service.create(ctx, { name: 'never', type: 'env', data: { K: 'v' } }),
    ).rejects.toBeInstanceOf(ProviderUnavailableError);
    faulty = false;

    expect(await store.get('acme', 'never')).toBeUndefined();
  });
});

describe('write locks', () => {
  it('answers 409 while another writer holds the lock, and lets a writer take over an expired lock', async () => {
    await service.create(ctx, { name: 'locked', type: 'env', data: { K: 'v1' } });
    await store.lock(
      'acme',
      'locked',
      { id: 'crashed-writer', expiresAt: now.getTime() + 30_000 },
      { now: now.getTime() },
    );

    await expect(service.replace(ctx, 'locked', { data: { K: 'v2' } })).rejects.toThrow(/in progress/);

    now = new Date(now.getTime() + 31_000);
    const taken = await service.replace(ctx, 'locked', { data: { K: 'v2' } });
    expect(taken.version).toBe(2);
  });
});

describe('patch', () => {
  it('merges tags with null removing one, and makes a metadata change a version of the same value', async () => {
    await service.create(ctx, {
      name: 'tagged',
      type: 'env',
      data: { K: 'v' },
      tags: { team: 'a', env: 'prod' },
      description: 'x',
    });

    const patched = await service.patch(ctx, 'tagged', {
      tags: { env: null, owner: 'b' },
      description: null,
    });

    expect(patched.tags).toEqual({ team: 'a', owner: 'b' });
    expect(patched.description).toBeUndefined();
    // A new version (so If-Match guards metadata changes too), holding the same value.
    expect(patched.version).toBe(2);
    const [first, second] = await Promise.all([
      service.getValue(ctx, 'tagged', { version: 1 }),
      service.getValue(ctx, 'tagged', { version: 2 }),
    ]);
    expect(second.value).toEqual(first.value);
  });

  it('refuses to unset a key the secret does not hold', async () => {
    await service.create(ctx, { name: 'keys', type: 'env', data: { A: '1' } });

    await expect(service.patch(ctx, 'keys', { unset: ['B'] })).rejects.toThrow(/key B is not in the secret/);
    expect((await service.get(ctx, 'keys')).version).toBe(1);
  });
});
