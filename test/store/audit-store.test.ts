import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventText, hmacOf } from '../../shared/audit/audit-seal.ts';
import type { AuditEvent } from '../../shared/audit/audit-types.ts';
import { AuditUnavailableError, ValidationError } from '../../shared/errors.ts';
import { auditRecordOf, createAuditStore } from '../../shared/store/audit-store.ts';
import { createBindingStore } from '../../shared/store/binding-store.ts';
import { auditPk } from '../../shared/store/keys.ts';
import { encodeCursor } from '../../shared/store/paging.ts';
import type { AuditStore } from '../../shared/store/store-types.ts';
import { fixedKeys, keyOf } from '../audit/audit-fixtures.ts';
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
    const listed = [...first.items, ...second.items];
    expect(listed.map(({ id: _id, hmac: _hmac, expiresAt: _expiresAt, ...event }) => event)).toEqual(
      newestFirst,
    );
    expect(listed.map((event) => event.id.startsWith(`${event.at}#${event.requestId}#`))).toEqual(
      Array(6).fill(true),
    );
    expect(second.cursor).toBeUndefined();
  });

  it('sets expiresAt to the event time plus the retention period, 400 days by default', async () => {
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
      kept: Date.parse(hour(1)) / 1000 + 400 * 86_400,
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

describe('audit store filters and bounds', () => {
  it('answers only the events every filter matches, newest first, across pages', async () => {
    // Prepare
    const tenant = freshTenant();
    const wanted = {
      actor: 'apikey:ci',
      action: 'secret.reveal',
      target: 'secret:db',
      outcome: 'failure' as const,
    };
    for (const h of [1, 2, 3, 4, 5, 6]) {
      await store.record(auditEvent(tenant, 'secret.reveal', { ...wanted, at: hour(h) }));
    }
    await store.record(
      auditEvent(tenant, 'secret.reveal', { ...wanted, actor: 'apikey:other', at: hour(7) }),
    );
    await store.record(
      auditEvent(tenant, 'secret.describe', { ...wanted, action: 'secret.describe', at: hour(8) }),
    );
    await store.record(auditEvent(tenant, 'secret.reveal', { ...wanted, target: 'secret:dbx', at: hour(9) }));
    await store.record(auditEvent(tenant, 'secret.reveal', { ...wanted, outcome: 'success', at: hour(10) }));

    // Act
    const first = await store.list(tenant, { limit: 4, ...wanted });
    const second = await store.list(tenant, { limit: 4, ...wanted, cursor: first.cursor });

    // Assess
    expect([...first.items, ...second.items].map((event) => event.at)).toEqual([6, 5, 4, 3, 2, 1].map(hour));
    expect(second.cursor).toBeUndefined();
  });

  it('finds one request’s events by its id', async () => {
    // Prepare
    const tenant = freshTenant();
    await recordSix(tenant);
    const request = auditEvent(tenant, 'secret.create', { at: hour(9) });
    await store.record(request);
    await store.record({ ...request, action: 'secret.reveal' });

    // Act
    const page = await store.list(tenant, { limit: 10, requestId: request.requestId });

    // Assess
    expect(page.items.map((event) => event.action).sort()).toEqual(['secret.create', 'secret.reveal']);
  });

  it('reads at most maxRead items for a page, and answers a cursor to go on with, however sparse the matches', async () => {
    // Prepare: ten events that do not match, older than the one that does.
    const tenant = freshTenant();
    await store.record(auditEvent(tenant, 'wanted', { at: hour(1) }));
    for (let h = 2; h <= 11; h++) await store.record(auditEvent(tenant, 'other', { at: hour(h) }));

    // Act
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(tenant, {
        limit: 5,
        action: 'wanted',
        maxRead: 3,
        ...(cursor ? { cursor } : {}),
      });
      pages.push(page);
      cursor = page.cursor;
    } while (cursor && pages.length < 10);

    // Assess: each page read three items at most, so the match came on the fourth.
    expect(pages.map((page) => page.items.length)).toEqual([0, 0, 0, 1]);
    expect(pages.at(-1)?.items[0]?.action).toBe('wanted');
    expect(pages.at(-1)?.cursor).toBeUndefined();
  });

  it('reads a range oldest first, from inclusive, to exclusive', async () => {
    // Prepare
    const tenant = freshTenant();
    await recordSix(tenant);

    // Act
    const read = [];
    for await (const page of store.range(tenant, hour(2), hour(5))) read.push(...page);

    // Assess
    expect(read.map((event) => event.at)).toEqual([hour(2), hour(3), hour(4)]);
  });
});

describe('audit store seals', () => {
  const createdAt = '2025-01-01T00:00:00.000Z';

  it('HMACs every field, the sort key and the expiry of each event, under the tenant’s key', async () => {
    // Prepare
    const tenant = freshTenant();
    const sealed = createAuditStore({
      client: table.documentClient,
      tableName: table.tableName,
      auditKeys: fixedKeys(createdAt),
    });

    // Act
    await sealed.record(
      auditEvent(tenant, 'secret.reveal', { reason: 'x', userAgent: 'curl/8', at: hour(3) }),
    );

    // Assess
    const [item] = await rawItems(tenant);
    const key = keyOf(tenant, createdAt);
    const record = auditRecordOf(item!);
    expect(item!.hmac).toBe(hmacOf(key, eventText(record.id, record, record.expiresAt)));
    // Any field changed changes the text the HMAC covers.
    for (const field of [
      'actor',
      'action',
      'target',
      'outcome',
      'reason',
      'requestId',
      'sourceIp',
      'userAgent',
      'at',
    ] as const) {
      expect(eventText(record.id, { ...record, [field]: 'changed' }, record.expiresAt), field).not.toBe(
        eventText(record.id, record, record.expiresAt),
      );
    }
    expect(eventText(`${record.id}x`, record, record.expiresAt)).not.toBe(
      eventText(record.id, record, record.expiresAt),
    );
    expect(eventText(record.id, record, (record.expiresAt ?? 0) + 1)).not.toBe(
      eventText(record.id, record, record.expiresAt),
    );
  });

  it('seals events written inside another store’s transaction from the same place', async () => {
    // Prepare
    const tenant = freshTenant();
    const keys = fixedKeys(createdAt);
    const bindings = createBindingStore({
      client: table.documentClient,
      tableName: table.tableName,
      auditKeys: keys,
    });

    // Act
    await bindings.put(
      {
        tenant,
        service: 'svc',
        entries: [],
        version: 1,
        createdAt: hour(4),
        updatedAt: hour(4),
        updatedBy: 'apikey:test',
      },
      auditEvent(tenant, 'binding.put', { at: hour(4) }),
    );

    // Assess
    const [item] = await rawItems(tenant);
    const record = auditRecordOf(item!);
    expect(record.hmac).toBe(
      hmacOf(keyOf(tenant, createdAt), eventText(record.id, record, record.expiresAt)),
    );
  });

  it('fails closed when the key cannot be had: no event, and no action that carries one', async () => {
    // Prepare
    const tenant = freshTenant();
    const keys = fixedKeys(createdAt, new Set([tenant]));
    const deps = { client: table.documentClient, tableName: table.tableName, auditKeys: keys };

    // Act
    const recorded = await rejectionOf(createAuditStore(deps).record(auditEvent(tenant, 'secret.reveal')));
    const bound = await rejectionOf(
      createBindingStore(deps).put(
        {
          tenant,
          service: 'svc',
          entries: [],
          version: 1,
          createdAt: hour(4),
          updatedAt: hour(4),
          updatedBy: 'apikey:test',
        },
        auditEvent(tenant, 'binding.put', { at: hour(4) }),
      ),
    );

    // Assess
    expect(recorded).toBeInstanceOf(AuditUnavailableError);
    expect(bound).toBeInstanceOf(AuditUnavailableError);
    expect(await rawItems(tenant)).toEqual([]);
    expect(await createBindingStore(deps).get(tenant, 'svc')).toBeUndefined();
  });
});
