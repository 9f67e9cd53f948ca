import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../../shared/errors.ts';
import type { SecretRecord } from '../../shared/secrets/secret-types.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { secretKey, versionKey } from '../../shared/store/keys.ts';
import { encodeCursor } from '../../shared/store/paging.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretListQuery, SecretStore } from '../../shared/store/store-types.ts';
import { listTenants } from '../../shared/store/tenant-registry.ts';
import { countingProxy } from '../layers/secretm/counting-proxy.ts';
import { createTestTable, type TestTable, testCredentials } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf, secretRecord, versionRecord } from './store-fixtures.ts';
import { describeTableRequests } from './table-requests.ts';

let table: TestTable;
let store: SecretStore;

beforeAll(async () => {
  table = await createTestTable();
  store = createSecretStore({ client: table.documentClient, tableName: table.tableName });
});

async function createSecret(tenant: string, name: string, fields: Partial<SecretRecord> = {}) {
  const record = secretRecord(tenant, name, fields);
  await store.create(record, versionRecord(record), auditEvent(tenant, 'secret.create'));
  return record;
}

async function rawItem(key: Record<string, string>) {
  const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: key }));
  return Item;
}

/** Every page of a listing, following cursors to the end. */
async function listAll(tenant: string, query: Omit<SecretListQuery, 'cursor'>) {
  const pages: SecretRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(tenant, { ...query, cursor });
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor);
  return pages;
}

/** Takes the lock and commits version `current + 1`, as a value write does. */
async function writeVersion(record: SecretRecord, lockId: string, now: number): Promise<SecretRecord> {
  await store.lock(
    record.tenant,
    record.name,
    { id: lockId, expiresAt: now + 30_000 },
    {
      expectedVersion: record.version,
      now,
    },
  );
  const version = record.version + 1;
  const next = {
    ...record,
    version,
    location: { version, vaultVersionId: `vault-${version}` },
    updatedAt: new Date(now).toISOString(),
  };
  await store.commitVersion(
    next,
    versionRecord(next),
    lockId,
    auditEvent(record.tenant, 'secret.replace'),
    record.tags,
  );
  return next;
}

describe('secret store: the tenant registry', () => {
  it('registers a tenant with its first create, and leaves the registry item out of later ones', async () => {
    const tenant = freshTenant();
    const deps = { client: table.documentClient, tableName: table.tableName };
    await createSecret(tenant, 'first');
    const tenants = async () => {
      const found: string[] = [];
      for await (const name of listTenants(deps)) found.push(name);
      return found;
    };
    expect(await tenants()).toContain(tenant);

    // This store's later creates of the tenant commit without the one item every create shared; a
    // fresh store (another instance) writes it once again.
    const proxy = await countingProxy(inject('dynamodbEndpoint'));
    try {
      const other = createSecretStore({
        client: createDocumentClient({
          region: 'us-east-1',
          endpoint: proxy.endpoint,
          credentials: testCredentials,
        }),
        tableName: table.tableName,
      });
      for (const name of ['second', 'third']) {
        const record = secretRecord(tenant, name);
        await other.create(record, versionRecord(record), auditEvent(tenant, 'secret.create'));
      }
      const transactions = describeTableRequests(proxy.requests()).filter((line) =>
        line.startsWith('TransactWriteItems'),
      );
      expect(transactions.map((line) => line.includes('tenant-registry'))).toEqual([true, false]);
    } finally {
      await proxy.close();
    }
    expect(await tenants()).toContain(tenant);
  });
});

describe('secret store: create and get', () => {
  it('returns the record and version 1 exactly as created', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = secretRecord(tenant, 'prod-db', {
      description: 'primary database',
      tags: { team: 'payments', env: 'prod' },
    });
    const version = versionRecord(record);

    // Act
    await store.create(record, version, auditEvent(tenant, 'secret.create'));

    // Assess
    expect(await store.get(tenant, 'prod-db')).toEqual(record);
    expect(await store.getVersion(tenant, 'prod-db', 1)).toEqual(version);
    expect(await store.get(tenant, 'absent')).toBeUndefined();
    expect(await store.getVersion(tenant, 'prod-db', 2)).toBeUndefined();
  });

  it('writes only the record fields, so a stray property never reaches the table', async () => {
    // Prepare
    const tenant = freshTenant();
    const file = { filename: 'cert.pem', encoding: 'utf8' as const, content: 'PRIVATE KEY' };
    const record = { ...secretRecord(tenant, 'tls', { type: 'file', keys: [], file }), value: 'hunter2' };

    // Act
    await store.create(
      record,
      { ...versionRecord(record), data: { PASSWORD: 'hunter2' } } as never,
      auditEvent(tenant, 'secret.create'),
    );

    // Assess
    const metadata = await rawItem(secretKey(tenant, 'tls'));
    const version = await rawItem(versionKey(tenant, 'tls', 1));
    expect(JSON.stringify([metadata, version])).not.toContain('hunter2');
    expect(JSON.stringify([metadata, version])).not.toContain('PRIVATE KEY');
    expect(metadata?.file).toEqual({ filename: 'cert.pem', encoding: 'utf8' });
  });

  it('refuses a name that exists with ConflictError and changes nothing', async () => {
    // Prepare
    const tenant = freshTenant();
    const first = await createSecret(tenant, 'api', { description: 'first' });
    const second = secretRecord(tenant, 'api', { description: 'second', connection: 'aws-prod' });
    const audits = createAuditStore({ client: table.documentClient, tableName: table.tableName });

    // Act
    const attempt = store.create(
      second,
      versionRecord(second, { vaultVersionId: 'second' }),
      auditEvent(tenant, 'secret.create', { at: '2025-03-02T00:00:00.000Z' }),
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect(await store.get(tenant, 'api')).toEqual(first);
    expect((await store.getVersion(tenant, 'api', 1))?.vaultVersionId).toBe('vault-1');
    expect((await audits.list(tenant, { limit: 10 })).items).toHaveLength(1);
  });

  it('refuses a second secret on the same vault secret, naming the first, until the first is removed', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'imported', { vaultRef: 'shared/db', connection: 'vault-a' });
    const twin = secretRecord(tenant, 'twin', { vaultRef: 'shared/db', connection: 'vault-a' });
    const elsewhere = secretRecord(tenant, 'elsewhere', { vaultRef: 'shared/db', connection: 'vault-b' });

    // Act
    const attempt = store.create(twin, versionRecord(twin), auditEvent(tenant, 'secret.import'));

    // Assess
    await expect(attempt).rejects.toThrow(/already managed by secretm as 'imported'/);
    expect(await store.get(tenant, 'twin')).toBeUndefined();
    await store.create(elsewhere, versionRecord(elsewhere), auditEvent(tenant, 'secret.import'));
    await store.remove(tenant, 'imported', auditEvent(tenant, 'secret.purge'));
    await store.create(twin, versionRecord(twin), auditEvent(tenant, 'secret.import'));
    expect((await store.get(tenant, 'twin'))?.vaultRef).toBe('shared/db');
  });

  it('refuses a tenant id that could spell another tenant’s keys', async () => {
    // Act
    const attempt = store.get('a#S#b', 'x');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('secret store: list', () => {
  const tenant = freshTenant();
  const other = freshTenant();
  const all: SecretRecord[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 25; i++) {
      const record = secretRecord(tenant, `app-${String(i).padStart(2, '0')}`, {
        type: i % 3 === 0 ? 'file' : 'env',
        connection: i % 5 === 0 ? 'aws-prod' : 'local',
        tags: i % 2 === 0 ? { team: i % 4 === 0 ? 'blue' : 'red' } : {},
        ...(i % 7 === 3
          ? { deletedAt: '2025-03-01T12:00:00.000Z', deletionDate: '2025-03-31T12:00:00.000Z' }
          : {}),
      });
      all.push(record);
    }
    await Promise.all(
      all.map((record) => store.create(record, versionRecord(record), auditEvent(tenant, 'secret.create'))),
    );
    await Promise.all(['app-00', 'app-50', 'zz'].map((name) => createSecret(other, name)));
  });

  const live = () => all.filter((record) => record.deletedAt === undefined);

  it('pages through every live secret in name order, ten at a time', async () => {
    // Act
    const pages = await listAll(tenant, { limit: 10 });

    // Assess
    expect(pages.map((page) => page.length)).toEqual([10, 10, live().length - 20]);
    expect(pages.flat()).toEqual(live());
  });

  it('refills pages that filters thinned, so every page but the last is full', async () => {
    // Prepare
    const expected = all.filter(
      (record) => record.deletedAt === undefined && record.type === 'env' && record.connection === 'local',
    );

    // Act
    const pages = await listAll(tenant, { limit: 4, type: 'env', connection: 'local' });

    // Assess
    expect(pages.flat()).toEqual(expected);
    expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true);
    expect(pages.at(-1)!.length).toBeGreaterThan(0);
  });

  it('filters by tag key, by tag key and value, and by name prefix', async () => {
    // Act
    const tagged = (await listAll(tenant, { limit: 3, tag: { key: 'team' } })).flat();
    const blue = (await listAll(tenant, { limit: 3, tag: { key: 'team', value: 'blue' } })).flat();
    const prefixed = (await listAll(tenant, { limit: 10, prefix: 'app-1' })).flat();

    // Assess
    expect(tagged).toEqual(live().filter((record) => record.tags.team !== undefined));
    expect(blue).toEqual(live().filter((record) => record.tags.team === 'blue'));
    expect(prefixed).toEqual(live().filter((record) => record.name.startsWith('app-1')));
  });

  it('includes secrets waiting out their recovery window only when asked', async () => {
    // Act
    const everything = (await listAll(tenant, { limit: 10, includeDeleted: true })).flat();

    // Assess
    expect(everything).toEqual(all);
    expect(everything.some((record) => record.deletedAt !== undefined)).toBe(true);
  });

  it('gives no cursor on a last page that is exactly full', async () => {
    // Act
    const page = await store.list(tenant, { limit: live().length });

    // Assess
    expect(page.items).toHaveLength(live().length);
    expect(page.cursor).toBeUndefined();
  });

  it('lists only the caller’s secrets when given another tenant’s cursor', async () => {
    // Prepare
    const { cursor } = await store.list(tenant, { limit: 1 });
    expect(cursor).toBeDefined();

    // Act
    const page = await store.list(other, { limit: 10, cursor });

    // Assess
    expect(page.items.map((record) => record.name)).toEqual(['app-50', 'zz']);
    expect(page.items.every((record) => record.tenant === other)).toBe(true);
  });

  it('refuses a cursor it did not make, or an empty tag key, with ValidationError', async () => {
    // Prepare
    const bad = ['!!!', 'not base64 at all', 'YQ=', '', encodeCursor('other-name')];

    // Act
    const errors = await Promise.all([
      ...bad.map((cursor) => rejectionOf(store.list(tenant, { limit: 10, cursor, prefix: 'app-' }))),
      rejectionOf(store.list(tenant, { limit: 10, tag: { key: '' } })),
    ]);

    // Assess
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
  });
});

describe('secret store: write lock', () => {
  it('answers PreconditionFailed for a stale version, Conflict for a held lock, NotFound when absent', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'db');
    await store.lock(tenant, 'db', { id: 'first', expiresAt: 2_000 }, { expectedVersion: 1, now: 1_000 });

    // Act
    const [held, heldAndStale, absent] = await Promise.all([
      rejectionOf(
        store.lock(tenant, 'db', { id: 'second', expiresAt: 2_500 }, { expectedVersion: 1, now: 1_500 }),
      ),
      rejectionOf(
        store.lock(tenant, 'db', { id: 'third', expiresAt: 2_500 }, { expectedVersion: 7, now: 1_500 }),
      ),
      rejectionOf(store.lock(tenant, 'nope', { id: 'fourth', expiresAt: 2_500 }, { now: 1_500 })),
    ]);

    // Assess
    expect(held).toBeInstanceOf(ConflictError);
    expect(heldAndStale).toBeInstanceOf(PreconditionFailedError);
    expect(absent).toBeInstanceOf(NotFoundError);
  });

  it('returns the record without lock attributes, and keeps them out of get()', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db');

    // Act
    const locked = await store.lock(tenant, 'db', { id: 'l1', expiresAt: 2_000 }, { now: 1_000 });

    // Assess
    expect(locked).toEqual(record);
    expect(await store.get(tenant, 'db')).toEqual(record);
    expect(await rawItem(secretKey(tenant, 'db'))).toMatchObject({ lockId: 'l1', lockExpiresAt: 2_000 });
  });

  it('lets another writer take an expired lock over, and the first writer then fails to commit', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db');
    await store.lock(tenant, 'db', { id: 'slow', expiresAt: 2_000 }, { expectedVersion: 1, now: 1_000 });

    // Act
    await store.lock(tenant, 'db', { id: 'fast', expiresAt: 3_500 }, { expectedVersion: 1, now: 2_500 });
    const next = { ...record, version: 2 };
    const lateCommit = store.commitVersion(
      next,
      versionRecord(next),
      'slow',
      auditEvent(tenant, 'secret.replace'),
      record.tags,
    );

    // Assess
    await expect(lateCommit).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getVersion(tenant, 'db', 2)).toBeUndefined();
    expect(await store.get(tenant, 'db')).toEqual(record);
    expect(await rawItem(secretKey(tenant, 'db'))).toMatchObject({ lockId: 'fast' });
  });

  it('lets exactly one of 20 concurrent writers take the lock', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'hot');

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.lock(
          tenant,
          'hot',
          { id: `writer-${i}`, expiresAt: 60_000 },
          { expectedVersion: 1, now: 1_000 },
        ),
      ),
    );

    // Assess
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(19);
    expect(rejected.every((reason) => reason instanceof ConflictError)).toBe(true);
  });

  it('commits 20 lock-and-commit cycles as versions 1 to 21 with none missing', async () => {
    // Prepare
    const tenant = freshTenant();
    let record = await createSecret(tenant, 'rotating');

    // Act
    for (let i = 0; i < 20; i++) record = await writeVersion(record, `cycle-${i}`, 1_000 + i);

    // Assess
    const versions = await store.listVersions(tenant, 'rotating', { limit: 100 });
    expect(versions.items.map((version) => version.version)).toEqual(
      Array.from({ length: 21 }, (_, i) => 21 - i),
    );
    expect(await store.get(tenant, 'rotating')).toEqual(record);
    expect(await rawItem(secretKey(tenant, 'rotating'))).not.toHaveProperty('lockId');
  });

  it('releases its own lock on unlock and leaves another writer’s lock alone', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'db');
    await store.lock(tenant, 'db', { id: 'mine', expiresAt: 5_000 }, { now: 1_000 });

    // Act
    await store.unlock(tenant, 'db', 'someone-else');
    const whileHeld = await rejectionOf(
      store.lock(tenant, 'db', { id: 'other', expiresAt: 5_000 }, { now: 1_100 }),
    );
    await store.unlock(tenant, 'db', 'mine');
    await store.unlock(tenant, 'absent', 'mine');
    const afterUnlock = await store.lock(tenant, 'db', { id: 'other', expiresAt: 5_000 }, { now: 1_200 });

    // Assess
    expect(whileHeld).toBeInstanceOf(ConflictError);
    expect(afterUnlock.name).toBe('db');
    expect(await rawItem(secretKey(tenant, 'db'))).toMatchObject({ lockId: 'other' });
  });
});

describe('secret store: update', () => {
  it('replaces metadata when the version matches and no lock is live', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db');
    const next = { ...record, description: 'changed', tags: { owner: 'ops' } };

    // Act
    await store.update(next, { expectedVersion: 1, now: 1_000 }, auditEvent(tenant, 'secret.update'));

    // Assess
    expect(await store.get(tenant, 'db')).toEqual(next);
  });

  it('answers PreconditionFailed for a stale version, Conflict under a live lock, NotFound when absent', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db');
    await store.lock(tenant, 'db', { id: 'writer', expiresAt: 5_000 }, { now: 1_000 });
    const next = { ...record, description: 'changed' };

    // Act
    const update = (record: SecretRecord, expectedVersion: number) =>
      rejectionOf(store.update(record, { expectedVersion, now: 2_000 }, auditEvent(tenant, 'secret.update')));
    const [stale, locked, absent] = await Promise.all([
      update(next, 3),
      update(next, 1),
      update(secretRecord(tenant, 'nope'), 1),
    ]);

    // Assess
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect(locked).toBeInstanceOf(ConflictError);
    expect(absent).toBeInstanceOf(NotFoundError);
    expect(await store.get(tenant, 'db')).toEqual(record);
  });

  it('goes through once the lock has expired, and clears the stale lock', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db');
    await store.lock(tenant, 'db', { id: 'crashed', expiresAt: 5_000 }, { now: 1_000 });
    const next = {
      ...record,
      deletedAt: '2025-03-02T00:00:00.000Z',
      deletionDate: '2025-04-01T00:00:00.000Z',
    };

    // Act
    await store.update(next, { expectedVersion: 1, now: 6_000 }, auditEvent(tenant, 'secret.delete'));

    // Assess
    expect(await store.get(tenant, 'db')).toEqual(next);
    expect(await rawItem(secretKey(tenant, 'db'))).not.toHaveProperty('lockId');
  });
});

describe('secret store: remove', () => {
  it('deletes the metadata and every version, and the name can be created again', async () => {
    // Prepare
    const tenant = freshTenant();
    let record = await createSecret(tenant, 'old');
    for (let i = 0; i < 30; i++) record = await writeVersion(record, `w${i}`, 1_000 + i);

    // Act
    await store.remove(tenant, 'old', auditEvent(tenant, 'secret.purge'));

    // Assess
    expect(await store.get(tenant, 'old')).toBeUndefined();
    expect((await store.listVersions(tenant, 'old', { limit: 100 })).items).toEqual([]);
    const again = await createSecret(tenant, 'old');
    expect(await store.get(tenant, 'old')).toEqual(again);
  });

  it('answers NotFound for an absent secret', async () => {
    // Act
    const attempt = store.remove(freshTenant(), 'nope', auditEvent('x', 'secret.purge'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });

  it('clears versions a purge left behind when the name is created again', async () => {
    // Prepare
    const tenant = freshTenant();
    const leftover = versionRecord(secretRecord(tenant, 'phoenix', { version: 1 }), {
      vaultVersionId: 'old-1',
    });
    for (const version of [1, 2]) {
      await table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...leftover, version, ...versionKey(tenant, 'phoenix', version) },
        }),
      );
    }

    // Act
    await createSecret(tenant, 'phoenix');

    // Assess
    const versions = await store.listVersions(tenant, 'phoenix', { limit: 10 });
    expect(versions.items.map((version) => [version.version, version.vaultVersionId])).toEqual([
      [1, 'vault-1'],
    ]);
  });
});

describe('secret store: versions', () => {
  it('lists versions newest first, one page at a time', async () => {
    // Prepare
    const tenant = freshTenant();
    let record = await createSecret(tenant, 'db');
    for (let i = 0; i < 6; i++) record = await writeVersion(record, `w${i}`, 1_000 + i);

    // Act
    const first = await store.listVersions(tenant, 'db', { limit: 3 });
    const second = await store.listVersions(tenant, 'db', { limit: 3, cursor: first.cursor });
    const third = await store.listVersions(tenant, 'db', { limit: 3, cursor: second.cursor });

    // Assess
    expect(first.items.map((version) => version.version)).toEqual([7, 6, 5]);
    expect(second.items.map((version) => version.version)).toEqual([4, 3, 2]);
    expect(third.items.map((version) => version.version)).toEqual([1]);
    expect(third.cursor).toBeUndefined();
  });

  it('refuses a version cursor it did not make with ValidationError', async () => {
    // Prepare
    const bad = [encodeCursor('abc'), encodeCursor('0'), encodeCursor('-1'), encodeCursor('1.5'), '%%'];

    // Act
    const errors = await Promise.all(
      bad.map((cursor) => rejectionOf(store.listVersions(freshTenant(), 'db', { limit: 3, cursor }))),
    );

    // Assess
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
  });
});

describe('secret store: audit in the same transaction', () => {
  it('makes the audit event of every committed action readable', async () => {
    // Prepare
    const tenant = freshTenant();
    const audits = createAuditStore({ client: table.documentClient, tableName: table.tableName });
    const at = (minute: number) => `2025-03-01T10:0${minute}:00.000Z`;
    const record = secretRecord(tenant, 'db');

    // Act
    await store.create(record, versionRecord(record), auditEvent(tenant, 'secret.create', { at: at(1) }));
    await store.lock(tenant, 'db', { id: 'w', expiresAt: 5_000 }, { expectedVersion: 1, now: 1_000 });
    const next = { ...record, version: 2 };
    await store.commitVersion(
      next,
      versionRecord(next),
      'w',
      auditEvent(tenant, 'secret.replace', { at: at(2) }),
      record.tags,
    );
    await store.update(
      { ...next, description: 'd' },
      { expectedVersion: 2, now: 2_000 },
      auditEvent(tenant, 'secret.update', { at: at(3) }),
    );
    await store.remove(tenant, 'db', auditEvent(tenant, 'secret.purge', { at: at(4) }));

    // Assess
    const page = await audits.list(tenant, { limit: 10 });
    expect(page.items.map((event) => [event.action, event.at])).toEqual([
      ['secret.purge', at(4)],
      ['secret.update', at(3)],
      ['secret.replace', at(2)],
      ['secret.create', at(1)],
    ]);
  });
});
