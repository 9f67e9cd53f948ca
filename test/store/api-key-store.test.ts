import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import { createApiKeyDirectory, createApiKeyStore } from '../../shared/store/api-key-store.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { apiKeyKey, apiKeyPointerKey } from '../../shared/store/keys.ts';
import type { ApiKeyRecord, ApiKeyStore, AuditStore } from '../../shared/store/store-types.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf, t0 } from './store-fixtures.ts';

let table: TestTable;
let store: ApiKeyStore;
let directory: ReturnType<typeof createApiKeyDirectory>;
let audits: AuditStore;

beforeAll(async () => {
  table = await createTestTable();
  const deps = { client: table.documentClient, tableName: table.tableName };
  store = createApiKeyStore(deps);
  directory = createApiKeyDirectory(deps);
  audits = createAuditStore(deps);
});

let counter = 0;
function apiKey(tenant: string, fields: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  counter += 1;
  return {
    id: `key-${String(counter).padStart(4, '0')}-${tenant.slice(-8)}`,
    tenant,
    name: `ci key ${counter}`,
    scopes: ['read', 'write'],
    hash: 'a'.repeat(64),
    createdAt: t0,
    createdBy: 'operator',
    ...fields,
  };
}

async function rawItem(key: Record<string, string>) {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key }));
  return Item;
}

describe('API key store', () => {
  it('gets a key of its tenant exactly as put, points its id to the tenant, and refuses an id that exists', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = apiKey(tenant, { expiresAt: '2026-01-01T00:00:00.000Z' });

    // Act
    await store.put(record, auditEvent(tenant, 'api-key.create'));
    const again = await rejectionOf(
      store.put({ ...record, name: 'impostor' }, auditEvent(tenant, 'api-key.create')),
    );

    // Assess
    expect(await store.get(tenant, record.id)).toEqual(record);
    expect(await directory.tenantOf(record.id)).toBe(tenant);
    expect(again).toBeInstanceOf(ConflictError);
    expect(await store.get(tenant, 'absent')).toBeUndefined();
    expect(await store.get(freshTenant(), record.id)).toBeUndefined();
    expect(await directory.tenantOf('absent')).toBeUndefined();
  });

  it('refuses an id that another tenant’s key has, leaving that key as it was', async () => {
    // Prepare
    const [owner, other] = [freshTenant(), freshTenant()];
    const record = apiKey(owner);
    await store.put(record, auditEvent(owner, 'api-key.create'));

    // Act
    const clash = await rejectionOf(
      store.put({ ...record, tenant: other, hash: 'b'.repeat(64) }, auditEvent(other, 'api-key.create')),
    );

    // Assess
    expect(clash).toBeInstanceOf(ConflictError);
    expect(await directory.tenantOf(record.id)).toBe(owner);
    expect(await store.get(other, record.id)).toBeUndefined();
  });

  it('never stores anything but the record fields, such as the key itself', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = { ...apiKey(tenant), key: 'smk_live_plaintext' };

    // Act
    await store.put(record, auditEvent(tenant, 'api-key.create'));

    // Assess
    const items = [await rawItem(apiKeyKey(tenant, record.id)), await rawItem(apiKeyPointerKey(record.id))];
    expect(items.every((item) => item !== undefined)).toBe(true);
    expect(JSON.stringify(items)).not.toContain('plaintext');
  });

  it('keeps the hash in the tenant’s partition only; the pointer holds the tenant and nothing else', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = apiKey(tenant);

    // Act
    await store.put(record, auditEvent(tenant, 'api-key.create'));

    // Assess
    expect((await rawItem(apiKeyKey(tenant, record.id)))?.hash).toBe(record.hash);
    expect(await rawItem(apiKeyPointerKey(record.id))).toEqual({ ...apiKeyPointerKey(record.id), tenant });
  });

  it('lists only the tenant’s keys, one page at a time', async () => {
    // Prepare
    const tenant = freshTenant();
    const other = freshTenant();
    const mine = [apiKey(tenant), apiKey(tenant), apiKey(tenant), apiKey(tenant), apiKey(tenant)];
    for (const record of [...mine, apiKey(other)]) {
      await store.put(record, auditEvent(record.tenant, 'api-key.create'));
    }

    // Act
    const first = await store.list(tenant, { limit: 2 });
    const second = await store.list(tenant, { limit: 2, cursor: first.cursor });
    const third = await store.list(tenant, { limit: 2, cursor: second.cursor });
    const crossed = await store.list(other, { limit: 10, cursor: first.cursor });

    // Assess
    expect([...first.items, ...second.items, ...third.items]).toEqual(
      mine.map(({ hash: _hash, ...rest }) => rest),
    );
    expect(third.cursor).toBeUndefined();
    expect(crossed.items.every((record) => record.tenant === other)).toBe(true);
  });

  it('revokes a key, keeping the first revocation time', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = apiKey(tenant);
    await store.put(record, auditEvent(tenant, 'api-key.create'));

    // Act
    await store.revoke(tenant, record.id, '2025-03-02T00:00:00.000Z', auditEvent(tenant, 'api-key.revoke'));
    await store.revoke(tenant, record.id, '2025-03-03T00:00:00.000Z', auditEvent(tenant, 'api-key.revoke'));

    // Assess
    const revoked = { ...record, revokedAt: '2025-03-02T00:00:00.000Z' };
    const { hash: _hash, ...listed } = revoked;
    expect(await store.get(tenant, record.id)).toEqual(revoked);
    expect((await store.list(tenant, { limit: 10 })).items).toEqual([listed]);
  });

  it('answers NotFound when another tenant revokes the key, and leaves it valid', async () => {
    // Prepare
    const owner = freshTenant();
    const intruder = freshTenant();
    const record = apiKey(owner);
    await store.put(record, auditEvent(owner, 'api-key.create'));

    // Act
    const [crossTenant, absent] = await Promise.all([
      rejectionOf(store.revoke(intruder, record.id, t0, auditEvent(intruder, 'api-key.revoke'))),
      rejectionOf(store.revoke(owner, 'absent', t0, auditEvent(owner, 'api-key.revoke'))),
    ]);

    // Assess
    expect(crossTenant).toBeInstanceOf(NotFoundError);
    expect(absent).toBeInstanceOf(NotFoundError);
    expect(await store.get(owner, record.id)).toEqual(record);
    expect(await rawItem(apiKeyKey(intruder, record.id))).toBeUndefined();
    expect((await audits.list(intruder, { limit: 10 })).items).toEqual([]);
  });

  it('records the audit event of each committed change', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = apiKey(tenant);

    // Act
    await store.put(record, auditEvent(tenant, 'api-key.create', { at: '2025-03-01T10:00:00.000Z' }));
    await store.revoke(
      tenant,
      record.id,
      t0,
      auditEvent(tenant, 'api-key.revoke', { at: '2025-03-01T11:00:00.000Z' }),
    );

    // Assess
    const page = await audits.list(tenant, { limit: 10 });
    expect(page.items.map((event) => event.action)).toEqual(['api-key.revoke', 'api-key.create']);
  });
});
