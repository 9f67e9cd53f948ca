/**
 * The binding store's list against DynamoDB Local: one tenant's bindings in service-name order, a page
 * at a time by an opaque cursor, never another tenant's and never the other items of its partition.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BindingRecord } from '../../shared/bindings/binding-types.ts';
import { ValidationError } from '../../shared/errors.ts';
import { type BindingStore, createBindingStore } from '../../shared/store/binding-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf, secretRecord, t0, versionRecord } from './store-fixtures.ts';

let table: TestTable;
let store: BindingStore;

beforeAll(async () => {
  table = await createTestTable();
  store = createBindingStore({ client: table.documentClient, tableName: table.tableName });
});

function binding(tenant: string, service: string, secrets: string[], description?: string): BindingRecord {
  return {
    tenant,
    service,
    entries: secrets.map((secret, i) => ({ name: `NAME_${i}`, secret, key: 'PASSWORD' })),
    ...(description ? { description } : {}),
    version: 1,
    createdAt: t0,
    updatedAt: t0,
    updatedBy: 'apikey:test',
  };
}

async function save(record: BindingRecord): Promise<void> {
  await store.put(record, auditEvent(record.tenant, 'binding.put', { target: `binding:${record.service}` }));
}

describe('listing bindings', () => {
  it('answers a tenant’s bindings in service-name order, page by page, with the secrets each names', async () => {
    const tenant = freshTenant();
    for (const service of ['orders', 'api', 'worker', 'cron']) {
      await save(binding(tenant, service, ['db'], `the ${service}`));
    }
    await save(binding(tenant, 'billing', ['db', 'db', 'tls']));

    const first = await store.list(tenant, { limit: 2 });
    const second = await store.list(tenant, { limit: 2, cursor: first.cursor! });
    const third = await store.list(tenant, { limit: 2, cursor: second.cursor! });

    expect([first, second, third].flatMap((page) => page.items.map((item) => item.service))).toEqual([
      'api',
      'billing',
      'cron',
      'orders',
      'worker',
    ]);
    expect(third.cursor).toBeUndefined();
    expect(first.items[0]).toEqual({
      service: 'api',
      secrets: ['db'],
      description: 'the api',
      version: 1,
      updatedAt: t0,
    });
    expect(first.items[1]!.secrets).toEqual(['db', 'db', 'tls']);
  });

  it('leaves out the other items of the tenant’s partition and every other tenant’s bindings', async () => {
    const tenant = freshTenant();
    const other = freshTenant();
    const secrets = createSecretStore({ client: table.documentClient, tableName: table.tableName });
    const secret = secretRecord(tenant, 'db');
    await secrets.create(secret, versionRecord(secret), auditEvent(tenant, 'secret.create'));
    await save(binding(tenant, 'mine', ['db']));
    await save(binding(other, 'theirs', ['db']));

    const page = await store.list(tenant, { limit: 10 });

    expect(page.items.map((item) => item.service)).toEqual(['mine']);
    expect(page.cursor).toBeUndefined();
    expect((await store.list(freshTenant(), { limit: 10 })).items).toEqual([]);
  });

  it('follows a cursor only inside the caller’s own partition', async () => {
    const tenant = freshTenant();
    const other = freshTenant();
    for (const service of ['a', 'b', 'c']) await save(binding(other, service, ['db']));
    await save(binding(tenant, 'z', ['db']));
    const theirs = await store.list(other, { limit: 1 });

    // The other tenant's cursor names "a": from "a" on, the caller has only its own "z".
    const page = await store.list(tenant, { limit: 10, cursor: theirs.cursor! });

    expect(page.items.map((item) => item.service)).toEqual(['z']);
  });

  it('refuses a cursor it could not have made and a limit out of range', async () => {
    const tenant = freshTenant();

    expect(await rejectionOf(store.list(tenant, { limit: 10, cursor: 'not a cursor!' }))).toBeInstanceOf(
      ValidationError,
    );
    expect(await rejectionOf(store.list(tenant, { limit: 0 }))).toBeInstanceOf(ValidationError);
  });
});
