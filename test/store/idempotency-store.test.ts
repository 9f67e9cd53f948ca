import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../shared/errors.ts';
import { createIdempotencyStore } from '../../shared/store/idempotency-store.ts';
import { idempotencyKey } from '../../shared/store/keys.ts';
import type { IdempotencyStore, StoredResponse } from '../../shared/store/store-types.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { freshTenant, rejectionOf } from './store-fixtures.ts';

let table: TestTable;
let store: IdempotencyStore;

beforeAll(async () => {
  table = await createTestTable();
  store = createIdempotencyStore({ client: table.documentClient, tableName: table.tableName });
});

const now = new Date('2025-03-01T10:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
const created: StoredResponse = {
  statusCode: 201,
  headers: { 'content-type': 'application/json', etag: '"1"' },
  body: '{"name":"prod-db","version":1}',
};

async function rawItem(tenant: string, key: string) {
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: idempotencyKey(tenant, key) }),
  );
  return Item;
}

describe('idempotency store', () => {
  it('claims a fresh key, reports it in progress, then answers the stored response once completed', async () => {
    // Prepare
    const tenant = freshTenant();
    const options = { fingerprint: 'fp-1', now, ttlSeconds: 86_400 };

    // Act
    const first = await store.claim(tenant, 'key-1', options);
    const whilePending = await store.claim(tenant, 'key-1', { ...options, now: later(1) });
    await store.complete(tenant, 'key-1', created);
    const afterCompletion = await store.claim(tenant, 'key-1', { ...options, now: later(2) });

    // Assess
    expect(first).toEqual({ state: 'claimed' });
    expect(whilePending).toEqual({ state: 'in-progress' });
    expect(afterCompletion).toEqual({ state: 'completed', response: created });
  });

  it('sets the TTL attribute to the claim time plus the TTL, in epoch seconds', async () => {
    // Prepare
    const tenant = freshTenant();

    // Act
    await store.claim(tenant, 'key-ttl', { fingerprint: 'fp', now, ttlSeconds: 3_600 });

    // Assess
    expect(await rawItem(tenant, 'key-ttl')).toMatchObject({
      expiresAt: now.getTime() / 1000 + 3_600,
      state: 'pending',
      fingerprint: 'fp',
    });
  });

  it('refuses a key reused with another request, and leaves the first result untouched', async () => {
    // Prepare
    const tenant = freshTenant();
    await store.claim(tenant, 'key-2', { fingerprint: 'fp-a', now, ttlSeconds: 600 });
    await store.complete(tenant, 'key-2', created);

    // Act
    const error = await rejectionOf(
      store.claim(tenant, 'key-2', { fingerprint: 'fp-b', now, ttlSeconds: 600 }),
    );

    // Assess
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(await store.claim(tenant, 'key-2', { fingerprint: 'fp-a', now, ttlSeconds: 600 })).toEqual({
      state: 'completed',
      response: created,
    });
  });

  it('lets a retry run again after the claim was released, but never releases a completed key', async () => {
    // Prepare
    const tenant = freshTenant();
    await store.claim(tenant, 'failed', { fingerprint: 'fp', now, ttlSeconds: 600 });
    await store.claim(tenant, 'done', { fingerprint: 'fp', now, ttlSeconds: 600 });
    await store.complete(tenant, 'done', created);

    // Act
    await store.release(tenant, 'failed');
    await store.release(tenant, 'done');
    await store.release(tenant, 'never-claimed');

    // Assess
    expect(await store.claim(tenant, 'failed', { fingerprint: 'fp', now, ttlSeconds: 600 })).toEqual({
      state: 'claimed',
    });
    expect(await store.claim(tenant, 'done', { fingerprint: 'fp', now, ttlSeconds: 600 })).toEqual({
      state: 'completed',
      response: created,
    });
  });

  it('lets an expired key be claimed again, even with another request, before TTL removes it', async () => {
    // Prepare
    const tenant = freshTenant();
    await store.claim(tenant, 'old', { fingerprint: 'fp-old', now, ttlSeconds: 60 });
    await store.complete(tenant, 'old', created);

    // Act
    const reclaimed = await store.claim(tenant, 'old', {
      fingerprint: 'fp-new',
      now: later(61),
      ttlSeconds: 60,
    });

    // Assess
    expect(reclaimed).toEqual({ state: 'claimed' });
    expect(await rawItem(tenant, 'old')).toMatchObject({ fingerprint: 'fp-new', state: 'pending' });
    expect(await rawItem(tenant, 'old')).not.toHaveProperty('response');
  });

  it('keeps keys of one tenant apart from the same key of another', async () => {
    // Prepare
    const [a, b] = [freshTenant(), freshTenant()];
    await store.claim(a, 'shared', { fingerprint: 'fp-a', now, ttlSeconds: 600 });

    // Act
    const claimedByB = await store.claim(b, 'shared', { fingerprint: 'fp-b', now, ttlSeconds: 600 });

    // Assess
    expect(claimedByB).toEqual({ state: 'claimed' });
  });

  it('does not bring back a released claim when completed late', async () => {
    // Prepare
    const tenant = freshTenant();
    await store.claim(tenant, 'gone', { fingerprint: 'fp', now, ttlSeconds: 600 });
    await store.release(tenant, 'gone');

    // Act
    await store.complete(tenant, 'gone', created);

    // Assess
    expect(await rawItem(tenant, 'gone')).toBeUndefined();
  });

  it('stores only the response fields', async () => {
    // Prepare
    const tenant = freshTenant();
    await store.claim(tenant, 'strict', { fingerprint: 'fp', now, ttlSeconds: 600 });

    // Act
    await store.complete(tenant, 'strict', { ...created, requestBody: 'PASSWORD=hunter2' } as StoredResponse);

    // Assess
    expect(JSON.stringify(await rawItem(tenant, 'strict'))).not.toContain('hunter2');
  });
});
