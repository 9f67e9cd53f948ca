/**
 * The rotation fields of the secret store on DynamoDB Local: the index entry by next rotation time,
 * the rotation lock, and metadata updates that leave rotation state alone.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../shared/errors.ts';
import type { RotationSettings } from '../../shared/rotation/rotation-types.ts';
import type { SecretRecord } from '../../shared/secrets/secret-types.ts';
import { rotationIndexPk, rotationShardOf, secretKey } from '../../shared/store/keys.ts';
import { encodeCursor } from '../../shared/store/paging.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf, secretRecord, t0, versionRecord } from './store-fixtures.ts';

let table: TestTable;
let store: SecretStore;

beforeAll(async () => {
  table = await createTestTable();
  store = createSecretStore({ client: table.documentClient, tableName: table.tableName });
});

const settings: RotationSettings = {
  schedule: 'rate(30 days)',
  strategy: 'random',
  options: {
    keys: ['PASSWORD'],
    policy: {
      length: 32,
      lowercase: true,
      uppercase: true,
      digits: true,
      symbols: true,
      exclude: '',
      requireEachClass: true,
    },
  },
};
const now = Date.parse(t0);

async function createSecret(tenant: string, name: string, fields: Partial<SecretRecord> = {}) {
  const record = secretRecord(tenant, name, fields);
  await store.create(record, versionRecord(record), auditEvent(tenant, 'secret.create'));
  return record;
}

async function rawItem(tenant: string, name: string) {
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: secretKey(tenant, name) }),
  );
  return Item;
}

async function configured(tenant: string, name: string, nextRotationAt = '2025-03-31T10:00:00.000Z') {
  await createSecret(tenant, name);
  return store.configureRotation(
    tenant,
    name,
    { rotation: settings, nextRotationAt },
    { now },
    auditEvent(tenant, 'secret.rotation.configure'),
  );
}

async function dueIn(shard: number, dueBy: string, tenant: string) {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listDueRotations({ shard, dueBy, limit: 2, ...(cursor ? { cursor } : {}) });
    found.push(
      ...page.items
        .filter((item) => item.tenant === tenant)
        .map((item) => `${item.name}@${item.nextRotationAt}`),
    );
    cursor = page.cursor;
  } while (cursor);
  return found;
}

describe('the index by next rotation time', () => {
  it('holds a secret while its rotation is on, keyed by shard and due time, and drops it when rotation is off', async () => {
    const tenant = freshTenant();
    await configured(tenant, 'db');

    const on = await rawItem(tenant, 'db');
    await store.configureRotation(tenant, 'db', {}, { now }, auditEvent(tenant, 'secret.rotation.disable'));
    const off = await rawItem(tenant, 'db');

    expect(on).toMatchObject({
      gsi1pk: rotationIndexPk(rotationShardOf(tenant, 'db')),
      gsi1sk: `2025-03-31T10:00:00.000Z#${tenant}#db`,
      nextRotationAt: '2025-03-31T10:00:00.000Z',
    });
    expect(off).not.toHaveProperty('gsi1pk');
    expect(off).not.toHaveProperty('gsi1sk');
    expect(off).not.toHaveProperty('rotation');
  });

  it('lists the secrets due by a time, earliest first, page by page, and none due later', async () => {
    const tenant = freshTenant();
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const [i, name] of names.entries())
      await configured(tenant, name, `2025-04-0${i + 1}T00:00:00.000Z`);

    const byShard = await Promise.all(
      [0, 1, 2, 3].map((shard) => dueIn(shard, '2025-04-05T00:00:00.000Z', tenant)),
    );

    const due = byShard.flat();
    expect(due.map((entry) => entry.split('@')[0]).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const shard of byShard)
      expect(shard).toEqual([...shard].sort((x, y) => x.split('@')[1]!.localeCompare(y.split('@')[1]!)));
  });

  it('refuses a cursor it did not make', async () => {
    const error = await rejectionOf(
      store.listDueRotations({ shard: 0, dueBy: t0, limit: 5, cursor: encodeCursor('{"pk":"T#other"}') }),
    );

    expect(error).toBeInstanceOf(ValidationError);
  });
});

describe('the rotation lock', () => {
  it('is taken by one claim at a time until it expires, and only when due if asked', async () => {
    const tenant = freshTenant();
    await configured(tenant, 'db', '2025-03-01T12:00:00.000Z');

    const notDue = await rejectionOf(
      store.claimRotation(tenant, 'db', { id: 'w0', expiresAt: now + 1000 }, { now, dueBy: t0 }),
    );
    const claimed = await store.claimRotation(tenant, 'db', { id: 'w1', expiresAt: now + 1000 }, { now });
    const second = await rejectionOf(
      store.claimRotation(tenant, 'db', { id: 'w2', expiresAt: now + 1000 }, { now }),
    );
    const takenOver = await store.claimRotation(
      tenant,
      'db',
      { id: 'w3', expiresAt: now + 5000 },
      { now: now + 1001 },
    );

    expect(notDue).toBeInstanceOf(ConflictError);
    expect((notDue as Error).message).toMatch(/not due/);
    expect(claimed.rotationLock).toEqual({ id: 'w1', expiresAt: now + 1000 });
    expect(second).toBeInstanceOf(ConflictError);
    expect((second as Error).message).toMatch(/being rotated/);
    expect(takenOver.rotationLock?.id).toBe('w3');
  });

  it('refuses a claim on a missing secret or one without rotation', async () => {
    const tenant = freshTenant();
    await createSecret(tenant, 'plain');

    expect(
      await rejectionOf(store.claimRotation(tenant, 'none', { id: 'w', expiresAt: now + 1 }, { now })),
    ).toBeInstanceOf(NotFoundError);
    expect(
      await rejectionOf(store.claimRotation(tenant, 'plain', { id: 'w', expiresAt: now + 1 }, { now })),
    ).toBeInstanceOf(UnprocessableError);
  });

  it('lets only the holder save rotation state', async () => {
    const tenant = freshTenant();
    await configured(tenant, 'db');
    const claimed = await store.claimRotation(
      tenant,
      'db',
      { id: 'holder', expiresAt: now + 60_000 },
      { now },
    );

    const stranger = await rejectionOf(
      store.saveRotation({ ...claimed, nextRotationAt: t0 }, 'stranger', { now }),
    );
    await store.saveRotation(
      {
        ...claimed,
        rotationState: { consecutiveFailures: 2 },
        rotationLock: undefined,
        nextRotationAt: '2025-05-01T00:00:00.000Z',
      },
      'holder',
      { now },
    );

    expect(stranger).toBeInstanceOf(ConflictError);
    const item = await rawItem(tenant, 'db');
    expect(item).toMatchObject({
      rotationState: { consecutiveFailures: 2 },
      gsi1sk: `2025-05-01T00:00:00.000Z#${tenant}#db`,
    });
    expect(item).not.toHaveProperty('rotationLock');
  });

  it('keeps settings from changing while a rotation is pending', async () => {
    const tenant = freshTenant();
    await configured(tenant, 'db');
    const claimed = await store.claimRotation(
      tenant,
      'db',
      { id: 'holder', expiresAt: now + 60_000 },
      { now },
    );
    const pending = {
      id: 'r1',
      step: 'setSecret' as const,
      baseVersion: 1,
      vaultVersionId: 'v2',
      startedAt: t0,
    };
    await store.saveRotation(
      { ...claimed, rotationState: { consecutiveFailures: 0, pending }, rotationLock: undefined },
      'holder',
      { now },
    );

    const error = await rejectionOf(
      store.configureRotation(tenant, 'db', {}, { now }, auditEvent(tenant, 'secret.rotation.disable')),
    );

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/pending/);
  });
});

describe('metadata updates', () => {
  it('leave the rotation fields as the table has them, even from a record read before they changed', async () => {
    const tenant = freshTenant();
    const stale = await configured(tenant, 'db');
    const claimed = await store.claimRotation(
      tenant,
      'db',
      { id: 'holder', expiresAt: now + 60_000 },
      { now },
    );
    const pending = {
      id: 'r1',
      step: 'setSecret' as const,
      baseVersion: 1,
      vaultVersionId: 'v2',
      startedAt: t0,
    };
    await store.saveRotation({ ...claimed, rotationState: { consecutiveFailures: 0, pending } }, 'holder', {
      now,
    });

    await store.update(
      { ...stale, description: 'changed', rotation: undefined, rotationState: undefined },
      { expectedVersion: 1, now },
      auditEvent(tenant, 'secret.update'),
    );

    const record = await store.get(tenant, 'db');
    expect(record?.description).toBe('changed');
    expect(record?.rotation).toEqual(settings);
    expect(record?.rotationState?.pending).toEqual(pending);
    expect(record?.rotationLock?.id).toBe('holder');
    expect(await rawItem(tenant, 'db')).toHaveProperty('gsi1pk');
  });

  it('still remove a field the record no longer has', async () => {
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'described', { description: 'old' });

    await store.update(
      { ...record, description: undefined },
      { expectedVersion: 1, now },
      auditEvent(tenant, 'secret.update'),
    );

    expect((await store.get(tenant, 'described'))?.description).toBeUndefined();
  });
});
