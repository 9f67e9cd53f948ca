import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-types.ts';
import { AuditUnavailableError, ValidationError } from '../../shared/errors.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { auditPk } from '../../shared/store/keys.ts';
import { encodeCursor } from '../../shared/store/paging.ts';
import type { AuditStore } from '../../shared/store/store-types.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf } from './store-fixtures.ts';

let table: TestTable;
let store: AuditStore;

beforeAll(async () => {
  table = await createTestTable();
  store = createAuditStore({ client: table.documentClient, tableName: table.tableName });
});

const hour = (h: number) => `2025-03-01T${String(h).padStart(2, '0')}:00:00.000Z`;

async function rawItems(tenant: string) {
  const { Items } = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': auditPk(tenant) },
    }),
  );
  return Items ?? [];
}

/** Six events at 01:00 … 06:00, recorded out of order. */
async function recordSix(tenant: string): Promise<AuditEvent[]> {
  const events = [3, 1, 6, 2, 5, 4].map((h) => auditEvent(tenant, `action.${h}`, { at: hour(h) }));
  for (const event of events) await store.record(event);
  return events;
}

describe('audit store', () => {
  it('lists events newest first, page by page, exactly as recorded', async () => {
    // Prepare
    const tenant = freshTenant();
    const events = await recordSix(tenant);

    // Act
    const first = await store.list(tenant, { limit: 4 });
    const second = await store.list(tenant, { limit: 4, cursor: first.cursor });

    // Assess
    const newestFirst = [...events].sort((a, b) => b.at.localeCompare(a.at));
    expect([...first.items, ...second.items]).toEqual(newestFirst);
    expect(second.cursor).toBeUndefined();
  });

  it('sets expiresAt to the event time plus the retention period, 365 days by default', async () => {
    // Prepare
    const tenant = freshTenant();
    const shortLived = createAuditStore({
      client: table.documentClient,
      tableName: table.tableName,
      auditRetentionDays: 30,
    });

    // Act
    await store.record(auditEvent(tenant, 'kept', { at: hour(1) }));
    await shortLived.record(auditEvent(tenant, 'short', { at: hour(2) }));

    // Assess
    const expiry = Object.fromEntries((await rawItems(tenant)).map((item) => [item.action, item.expiresAt]));
    expect(expiry).toEqual({
      kept: Date.parse(hour(1)) / 1000 + 365 * 86_400,
      short: Date.parse(hour(2)) / 1000 + 30 * 86_400,
    });
  });

  it('stores only the event fields', async () => {
    // Prepare
    const tenant = freshTenant();
    const event = { ...auditEvent(tenant, 'secret.create'), body: { PASSWORD: 'hunter2' } };

    // Act
    await store.record(event);

    // Assess
    const items = await rawItems(tenant);
    expect(items).toHaveLength(1);
    expect(JSON.stringify(items)).not.toContain('hunter2');
  });

  it('keeps to the from and to bounds, both inclusive', async () => {
    // Prepare
    const tenant = freshTenant();
    await recordSix(tenant);

    // Act
    const first = await store.list(tenant, { limit: 2, from: hour(2), to: hour(5) });
    const second = await store.list(tenant, { limit: 2, from: hour(2), to: hour(5), cursor: first.cursor });

    // Assess
    expect([...first.items, ...second.items].map((event) => event.at)).toEqual([
      hour(5),
      hour(4),
      hour(3),
      hour(2),
    ]);
    expect(second.cursor).toBeUndefined();
  });

  it('lists only the caller’s events when given another tenant’s cursor', async () => {
    // Prepare
    const [a, b] = [freshTenant(), freshTenant()];
    await recordSix(a);
    await store.record(auditEvent(b, 'only-b', { at: hour(1) }));
    const { cursor } = await store.list(a, { limit: 1 });

    // Act
    const page = await store.list(b, { limit: 10, cursor });

    // Assess
    expect(page.items.map((event) => event.tenant)).toEqual([b]);
  });

  it('refuses malformed cursors and bounds with ValidationError', async () => {
    // Prepare
    const tenant = freshTenant();
    const inRange = `${hour(3)}#req#abc`;

    // Act
    const errors = await Promise.all([
      rejectionOf(store.list(tenant, { limit: 5, cursor: '***' })),
      rejectionOf(store.list(tenant, { limit: 5, cursor: encodeCursor('no hash here') })),
      rejectionOf(store.list(tenant, { limit: 5, cursor: encodeCursor(inRange), from: hour(4) })),
      rejectionOf(store.list(tenant, { limit: 5, from: 'yesterday' })),
      rejectionOf(store.list(tenant, { limit: 5, from: hour(5), to: hour(4) })),
      rejectionOf(store.list(tenant, { limit: 0 })),
    ]);

    // Assess
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
  });

  it('fails closed with AuditUnavailableError when the event cannot be written', async () => {
    // Prepare
    const broken = createAuditStore({ client: table.documentClient, tableName: 'no-such-table' });

    // Act
    const error = await rejectionOf(broken.record(auditEvent(freshTenant(), 'secret.reveal')));

    // Assess
    expect(error).toBeInstanceOf(AuditUnavailableError);
    expect((error as Error).cause).toBeDefined();
  });
});
