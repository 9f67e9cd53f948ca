/**
 * The lease a create takes on a vault secret's life before it writes the vault (shared/store/life-store.ts,
 * through the secret store), on DynamoDB Local.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.ts';
import { listLives } from '../../shared/store/life-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf, secretRecord, versionRecord } from './store-fixtures.ts';

let table: TestTable;
let store: ReturnType<typeof createSecretStore>;
const at = Date.parse('2026-03-10T12:00:00Z');

beforeAll(async () => {
  table = await createTestTable();
  store = createSecretStore({ client: table.documentClient, tableName: table.tableName });
});

const subjectOf = (record: ReturnType<typeof secretRecord>) => ({
  tenant: record.tenant,
  name: record.name,
  connection: record.connection,
  vaultRef: record.vaultRef,
});

describe('a create’s lease', () => {
  it('names the secret on its life before the vault write, and is ended by the create that saves it', async () => {
    const record = secretRecord(freshTenant(), 'leased');
    const subject = subjectOf(record);

    expect(await store.beginCreate(subject, { id: 'a', at }, { staleBefore: at - 30_000 })).toEqual({
      cutOff: false,
    });
    const [named] = await listLives(
      { client: table.documentClient, tableName: table.tableName },
      record.tenant,
    );
    await store.create(record, versionRecord(record), auditEvent(record.tenant, 'secret.create'), {
      lease: 'a',
    });

    expect(named).toMatchObject({ name: 'leased', intervals: [] });
    const again = await rejectionOf(store.beginCreate(subject, { id: 'b', at }, { staleBefore: at }));
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as Error).message).toMatch(/already managed/);
  });

  it('keeps other creates out while it is fresh, lets its own retry go on, and says a stale one was cut off', async () => {
    const subject = subjectOf(secretRecord(freshTenant(), 'contended'));
    await store.beginCreate(subject, { id: 'first', at, token: 'key-1' }, { staleBefore: at - 30_000 });

    const other = await rejectionOf(
      store.beginCreate(subject, { id: 'other', at }, { staleBefore: at - 30_000 }),
    );
    const retry = await store.beginCreate(
      subject,
      { id: 'retry', at, token: 'key-1' },
      { staleBefore: at - 30_000 },
    );
    const later = await store.beginCreate(
      subject,
      { id: 'later', at: at + 60_000 },
      { staleBefore: at + 30_000 },
    );

    expect((other as Error).message).toMatch(/under way/);
    expect(retry).toEqual({ cutOff: false });
    expect(later).toEqual({ cutOff: true });
  });

  it('saves no secret once another create took the lease over, and ends only a lease it holds', async () => {
    const record = secretRecord(freshTenant(), 'taken-over');
    const subject = subjectOf(record);
    await store.beginCreate(subject, { id: 'slow', at }, { staleBefore: at - 30_000 });
    await store.beginCreate(subject, { id: 'fast', at: at + 60_000 }, { staleBefore: at + 30_000 });
    let takenBack = false;

    const saved = await rejectionOf(
      store.create(record, versionRecord(record), auditEvent(record.tenant, 'secret.create'), {
        lease: 'slow',
      }),
    );
    const ended = await store.endCreate(subject, 'slow', async () => {
      takenBack = true;
    });

    expect(saved).toBeInstanceOf(ConflictError);
    expect(await store.get(record.tenant, record.name)).toBeUndefined();
    expect([ended, takenBack]).toEqual([false, false]);
    expect(await store.endCreate(subject, 'fast')).toBe(true);
  });
});
