/**
 * The tag index (shared/store/tag-index.ts) against DynamoDB Local: its entries follow the metadata in the
 * writes' own transactions, tag lists read the index and keep every list filter's meaning, secrets written
 * before the index are indexed on the tenant's first tag list, and concurrent tag edits never leave the
 * index out of step with the metadata.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors.ts';
import type { SecretRecord } from '../../shared/secrets/secret-types.ts';
import {
  pkName,
  secretKey,
  skName,
  tagIndexMarkerKey,
  tagIndexPk,
  tenantPk,
} from '../../shared/store/keys.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretListQuery, SecretStore } from '../../shared/store/store-types.ts';
import { backfillTagIndex, dropStaleEntries } from '../../shared/store/tag-index.ts';
import { tenantTableRules } from '../../shared/tenancy/table-access.ts';
import { guardedTableClient } from '../../shared/tenancy/table-guard.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, secretRecord, versionRecord } from './store-fixtures.ts';

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

/** Takes the write lock (waiting out other writers) and commits the tags `change` makes of the current ones. */
async function retag(
  tenant: string,
  name: string,
  change: (tags: Record<string, string>) => Record<string, string>,
): Promise<void> {
  const lockId = randomUUID();
  for (;;) {
    try {
      const current = await store.lock(
        tenant,
        name,
        { id: lockId, expiresAt: Date.now() + 30_000 },
        { now: Date.now() },
      );
      const next = { ...current, version: current.version + 1, tags: change(current.tags) };
      await store.commitVersion(
        next,
        versionRecord(next),
        lockId,
        auditEvent(tenant, 'secret.replace'),
        current.tags,
      );
      return;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}

/** The index entries of one tag key: name → value. */
async function entriesOf(tenant: string, key: string): Promise<Record<string, string>> {
  const { Items } = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': pkName },
      ExpressionAttributeValues: { ':pk': tagIndexPk(tenant, key) },
      ConsistentRead: true,
    }),
  );
  return Object.fromEntries((Items ?? []).map((item) => [String(item[skName]), String(item.tagValue)]));
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

const names = (records: SecretRecord[]) => records.map((record) => record.name);

describe('tag index: entries follow the metadata', () => {
  it('puts an entry per tag with the create, moves it with a tag change, and deletes it with the purge', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'db', { tags: { team: 'blue', env: 'prod' } });
    expect(await entriesOf(tenant, 'team')).toEqual({ db: 'blue' });
    expect(await entriesOf(tenant, 'env')).toEqual({ db: 'prod' });

    // Act
    await retag(tenant, 'db', () => ({ team: 'red', tier: '1' }));
    const afterRetag = {
      team: await entriesOf(tenant, 'team'),
      env: await entriesOf(tenant, 'env'),
      tier: await entriesOf(tenant, 'tier'),
    };
    await store.remove(tenant, 'db', auditEvent(tenant, 'secret.purge'));

    // Assess
    expect(afterRetag).toEqual({ team: { db: 'red' }, env: {}, tier: { db: '1' } });
    expect(await entriesOf(tenant, 'team')).toEqual({});
    expect(await entriesOf(tenant, 'tier')).toEqual({});
  });

  it('keeps an entry through a soft delete and a restore, so includeDeleted still finds the secret by tag', async () => {
    // Prepare
    const tenant = freshTenant();
    const record = await createSecret(tenant, 'db', { tags: { team: 'blue' } });

    // Act
    await store.update(
      { ...record, deletedAt: '2025-03-02T00:00:00.000Z', deletionDate: '2025-04-01T00:00:00.000Z' },
      { expectedVersion: 1, now: Date.now() },
      auditEvent(tenant, 'secret.delete'),
    );

    // Assess
    expect(await entriesOf(tenant, 'team')).toEqual({ db: 'blue' });
    expect((await store.list(tenant, { limit: 10, tag: { key: 'team' } })).items).toEqual([]);
    expect(
      names((await store.list(tenant, { limit: 10, tag: { key: 'team' }, includeDeleted: true })).items),
    ).toEqual(['db']);
  });

  it('commits a change that swaps 50 tags for 50 others in one transaction, and lists answer by the metadata', async () => {
    // Prepare
    const tenant = freshTenant();
    const old = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`old-${i}`, 'x']));
    const fresh = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`new-${i}`, 'y']));
    await createSecret(tenant, 'many', { tags: old });

    // Act
    await retag(tenant, 'many', () => fresh);

    // Assess
    for (const key of ['new-0', 'new-49']) {
      expect(names((await store.list(tenant, { limit: 10, tag: { key } })).items)).toEqual(['many']);
    }
    // The transaction had no room to delete three of the old entries: the first list to meet one drops it.
    const left: string[] = [];
    for (const key of Object.keys(old)) if ((await entriesOf(tenant, key)).many) left.push(key);
    expect(left).toHaveLength(3);
    for (const key of ['old-0', ...left]) {
      expect((await store.list(tenant, { limit: 10, tag: { key } })).items).toEqual([]);
    }
    for (const key of left) expect(await entriesOf(tenant, key)).toEqual({});
  });
});

describe('tag index: lists', () => {
  const tenant = freshTenant();
  const all: SecretRecord[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 40; i++) {
      all.push(
        secretRecord(tenant, `${i % 2 === 0 ? 'app' : 'web'}-${String(i).padStart(2, '0')}`, {
          type: i % 3 === 0 ? 'file' : 'env',
          connection: i % 5 === 0 ? 'aws-prod' : 'local',
          tags: i % 4 === 0 ? { rare: i % 8 === 0 ? 'a' : 'b' } : { common: 'yes' },
          ...(i % 12 === 4
            ? { deletedAt: '2025-03-01T12:00:00.000Z', deletionDate: '2025-03-31T12:00:00.000Z' }
            : {}),
        }),
      );
    }
    all.sort((a, b) => (a.name < b.name ? -1 : 1));
    await Promise.all(
      all.map((record) => store.create(record, versionRecord(record), auditEvent(tenant, 'secret.create'))),
    );
  });

  it('keeps prefix, type, connection, includeDeleted, paging and limit with a tag', async () => {
    // Prepare
    const cases: { query: Omit<SecretListQuery, 'cursor' | 'limit'>; keep: (r: SecretRecord) => boolean }[] =
      [
        { query: { tag: { key: 'rare' } }, keep: (r) => r.tags.rare !== undefined && !r.deletedAt },
        { query: { tag: { key: 'rare', value: 'a' } }, keep: (r) => r.tags.rare === 'a' && !r.deletedAt },
        {
          query: { tag: { key: 'rare' }, includeDeleted: true },
          keep: (r) => r.tags.rare !== undefined,
        },
        {
          query: { tag: { key: 'common' }, prefix: 'web-', type: 'env' },
          keep: (r) =>
            r.tags.common === 'yes' && r.name.startsWith('web-') && r.type === 'env' && !r.deletedAt,
        },
        {
          query: { tag: { key: 'common', value: 'yes' }, connection: 'aws-prod' },
          keep: (r) => r.tags.common === 'yes' && r.connection === 'aws-prod' && !r.deletedAt,
        },
        { query: { tag: { key: 'absent' } }, keep: () => false },
        { query: { tag: { key: 'rare', value: 'c' } }, keep: () => false },
      ];

    for (const { query, keep } of cases) {
      // Act
      const pages = await listAll(tenant, { ...query, limit: 3 });

      // Assess
      const expected = all.filter(keep);
      expect(names(pages.flat()), JSON.stringify(query)).toEqual(names(expected));
      expect(pages.flat()).toEqual(expected);
      expect(pages.slice(0, -1).every((page) => page.length === 3)).toBe(true);
    }
  });

  it('answers a full last page without a cursor, and resumes a cursor after the name it names', async () => {
    // Prepare
    const rare = all.filter((r) => r.tags.rare !== undefined && !r.deletedAt);

    // Act
    const whole = await store.list(tenant, { limit: rare.length, tag: { key: 'rare' } });
    const first = await store.list(tenant, { limit: 2, tag: { key: 'rare' } });
    const rest = await store.list(tenant, { limit: 100, tag: { key: 'rare' }, cursor: first.cursor });

    // Assess
    expect(whole.cursor).toBeUndefined();
    expect(names(whole.items)).toEqual(names(rare));
    expect(names([...first.items, ...rest.items])).toEqual(names(rare));
  });

  it('reads the index only: another tenant’s tags never answer, and a tag key with # finds nothing', async () => {
    // Prepare
    const other = freshTenant();
    await createSecret(other, 'app-00', { tags: { rare: 'a' } });

    // Act
    const mine = await store.list(other, { limit: 100, tag: { key: 'rare' } });
    const hashed = await store.list(tenant, { limit: 100, tag: { key: 'ra#re' } });

    // Assess
    expect(mine.items.map((r) => [r.tenant, r.name])).toEqual([[other, 'app-00']]);
    expect(hashed.items).toEqual([]);
  });
});

describe('tag index: secrets written before it', () => {
  /** Metadata items as a version without the index wrote them: no entries, no marker. */
  async function legacySecrets(tenant: string, count: number, tags: (i: number) => Record<string, string>) {
    const records = Array.from({ length: count }, (_, i) =>
      secretRecord(tenant, `old-${String(i).padStart(3, '0')}`, { tags: tags(i) }),
    );
    for (let i = 0; i < records.length; i += 25) {
      await table.documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [table.tableName]: records.slice(i, i + 25).map((record) => ({
              PutRequest: { Item: { ...record, ...secretKey(tenant, record.name) } },
            })),
          },
        }),
      );
    }
    return records;
  }

  it('indexes them on the tenant’s first tag list, answers that list from the index, and marks the tenant', async () => {
    // Prepare
    const tenant = freshTenant();
    const records = await legacySecrets(tenant, 60, (i) =>
      i % 10 === 0 ? { owner: 'ops' } : { owner: 'dev' },
    );
    await createSecret(tenant, 'new-one', { tags: { owner: 'ops' } });

    // Act
    const listed = (await listAll(tenant, { limit: 4, tag: { key: 'owner', value: 'ops' } })).flat();

    // Assess
    const expected = ['new-one', ...records.filter((r) => r.tags.owner === 'ops').map((r) => r.name)];
    expect(names(listed)).toEqual(expected);
    expect(await entriesOf(tenant, 'owner')).toEqual(
      Object.fromEntries([['new-one', 'ops'], ...records.map((r) => [r.name, r.tags.owner])]),
    );
    const marker = await table.documentClient.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':sk': tagIndexMarkerKey(tenant)[skName] },
      }),
    );
    expect(marker.Items).toHaveLength(1);
  });

  it('indexes an old secret whose tags hold a key no write accepts (with #) by its other tags', async () => {
    // Prepare
    const tenant = freshTenant();
    await legacySecrets(
      tenant,
      2,
      (i): Record<string, string> => (i === 0 ? { 'odd#key': 'x', team: 'blue' } : { team: 'red' }),
    );

    // Act
    const blue = await store.list(tenant, { limit: 10, tag: { key: 'team', value: 'blue' } });
    const odd = await store.list(tenant, { limit: 10, tag: { key: 'odd#key' } });

    // Assess
    expect(names(blue.items)).toEqual(['old-000']);
    expect(odd.items).toEqual([]);
  });

  it('resumes a backfill cut short after the last chunk it finished, and the next tag list completes it', async () => {
    // Prepare
    const tenant = freshTenant();
    const records = await legacySecrets(tenant, 7, (i) => ({ team: i % 2 === 0 ? 'blue' : 'red' }));
    let queries = 0;
    // A request that times out half way: the third chunk's first read never comes back.
    const cut = new Proxy(table.documentClient, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: object) => {
          if (command instanceof QueryCommand && ++queries === 5) throw new Error('cut short');
          return (target.send as (c: object) => Promise<unknown>)(command);
        };
      },
    });
    const cutShort = await backfillTagIndex({ client: cut, tableName: table.tableName }, tenant, {
      chunk: 2,
    }).catch((error: Error) => error.message);
    const { Item: marker } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: tagIndexMarkerKey(tenant), ConsistentRead: true }),
    );

    // Act
    const resumed = await backfillTagIndex(
      { client: table.documentClient, tableName: table.tableName },
      tenant,
      { after: String(marker?.through), chunk: 2 },
    );
    const blue = await store.list(tenant, { limit: 10, tag: { key: 'team', value: 'blue' } });

    // Assess
    expect(cutShort).toBe('cut short');
    expect(marker).toMatchObject({ through: 'old-003' });
    expect(marker?.complete).toBeUndefined();
    expect(resumed.entries).toBe(3);
    expect(names(blue.items)).toEqual(records.filter((r) => r.tags.team === 'blue').map((r) => r.name));
    expect(await entriesOf(tenant, 'team')).toEqual(
      Object.fromEntries(records.map((r) => [r.name, r.tags.team])),
    );
  });

  it('finishes an interrupted tenant on its next tag list', async () => {
    // Prepare
    const tenant = freshTenant();
    const records = await legacySecrets(tenant, 5, () => ({ env: 'dev' }));
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...tagIndexMarkerKey(tenant), through: 'old-001' },
      }),
    );
    await table.documentClient.send(
      new BatchWriteCommand({
        RequestItems: {
          [table.tableName]: ['old-000', 'old-001'].map((name) => ({
            PutRequest: { Item: { [pkName]: tagIndexPk(tenant, 'env'), [skName]: name, tagValue: 'dev' } },
          })),
        },
      }),
    );

    // Act
    const listed = await store.list(tenant, { limit: 10, tag: { key: 'env', value: 'dev' } });

    // Assess
    expect(names(listed.items)).toEqual(names(records));
    const { Item: marker } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: tagIndexMarkerKey(tenant), ConsistentRead: true }),
    );
    expect(marker?.complete).toBe(true);
  });

  it('puts again the value a tag edit committed while the backfill was writing an older one', async () => {
    // Prepare
    const tenant = freshTenant();
    await legacySecrets(tenant, 3, () => ({ env: 'dev' }));
    const client = table.documentClient;
    let edited = false;
    // The one interleaving a server cannot be made to produce on demand: a tag edit committed between the
    // backfill's read of the metadata and its batch write of what it read.
    const racing = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: object) => {
          if (command instanceof BatchWriteCommand && !edited) {
            edited = true;
            await retag(tenant, 'old-001', () => ({ env: 'prod' }));
          }
          return (target.send as (c: object) => Promise<unknown>)(command);
        };
      },
    });

    // Act
    await backfillTagIndex({ client: racing, tableName: table.tableName }, tenant);

    // Assess
    expect(edited).toBe(true);
    expect(await entriesOf(tenant, 'env')).toEqual({ 'old-000': 'dev', 'old-001': 'prod', 'old-002': 'dev' });
  });

  it('never lets an entry point at a secret a list would not answer: a left-over entry is checked against the metadata', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'kept', { tags: { team: 'blue' } });
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { [pkName]: tagIndexPk(tenant, 'team'), [skName]: 'gone', tagValue: 'blue' },
      }),
    );
    await createSecret(tenant, 'untagged');
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { [pkName]: tagIndexPk(tenant, 'team'), [skName]: 'untagged', tagValue: 'blue' },
      }),
    );

    // Act
    const listed = await store.list(tenant, { limit: 10, tag: { key: 'team', value: 'blue' } });

    // Assess
    expect(names(listed.items)).toEqual(['kept']);
    expect(await entriesOf(tenant, 'team')).toEqual({ kept: 'blue' });
  });

  it('drops an entry only while its secret carries no such tag, checked as the entry is deleted', async () => {
    // Prepare: as a list that read the metadata just before a write added the tag would see it
    const tenant = freshTenant();
    await createSecret(tenant, 'tagged-since', { tags: { team: 'red' } });
    await createSecret(tenant, 'never-tagged');
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { [pkName]: tagIndexPk(tenant, 'team'), [skName]: 'never-tagged', tagValue: 'red' },
      }),
    );

    // Act: through the tenant's guarded client, which refuses what the tenant's IAM session would
    const guarded = guardedTableClient(table.documentClient, tenantTableRules(tenant));
    await dropStaleEntries({ client: guarded, tableName: table.tableName }, tenant, 'team', [
      'tagged-since',
      'never-tagged',
      'absent',
    ]);

    // Assess
    expect(await entriesOf(tenant, 'team')).toEqual({ 'tagged-since': 'red' });
  });
});

describe('tag index: concurrent tag edits', () => {
  it('leaves every entry equal to the metadata after 24 concurrent edits of the same secrets', async () => {
    // Prepare
    const tenant = freshTenant();
    await Promise.all(['a', 'b', 'c'].map((name) => createSecret(tenant, name, { tags: { env: 'dev' } })));
    const values = ['dev', 'prod', 'test'];

    // Act
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        retag(tenant, ['a', 'b', 'c'][i % 3]!, (tags) => {
          const next: Record<string, string> = { ...tags, env: values[i % values.length]! };
          if (i % 4 === 0) delete next.env;
          if (i % 5 === 0) next[`k${i}`] = 'v';
          else delete next[`k${i - 5}`];
          return next;
        }),
      ),
    );

    // Assess
    const metadata = await Promise.all(['a', 'b', 'c'].map((name) => store.get(tenant, name)));
    const keys = new Set(metadata.flatMap((record) => Object.keys(record?.tags ?? {})));
    keys.add('env');
    for (const key of keys) {
      const expected = Object.fromEntries(
        metadata.flatMap((record) =>
          record?.tags[key] !== undefined ? [[record.name, record.tags[key]] as const] : [],
        ),
      );
      expect(await entriesOf(tenant, key), key).toEqual(expected);
    }
  });

  it('answers a name purged and created again by its new tags only', async () => {
    // Prepare
    const tenant = freshTenant();
    await createSecret(tenant, 'x', { tags: { env: 'dev' } });

    // Act
    await store.remove(tenant, 'x', auditEvent(tenant, 'secret.purge'));
    await createSecret(tenant, 'x', { tags: { env: 'prod' } });

    // Assess
    expect(await entriesOf(tenant, 'env')).toEqual({ x: 'prod' });
    expect(names((await store.list(tenant, { limit: 5, tag: { key: 'env', value: 'prod' } })).items)).toEqual(
      ['x'],
    );
  });
});
