/**
 * The tag index: one entry per secret and tag key, `pk T#<tenant>#TAG:<key>`, `sk <name>`, holding the
 * tag's value (shared/store/keys.ts). A tag-filtered list queries the one partition of its tag key, so it
 * reads what matches and not the tenant's other secrets.
 *
 * The entries follow the metadata in the same TransactWriteItems: every tag a write adds or changes is put
 * there (so a secret's tags are always all in the index, with their current values); every tag it removes
 * is deleted there while the transaction has room (DynamoDB takes 100 items). An entry whose secret no
 * longer carries the tag (left by a write that removed nearly 50 tags and added as many, or by a purge that
 * raced a tag change) never answers a list, which checks each answer against its metadata; the list that
 * meets it removes it (`dropStaleEntries`), so left-overs do not pile up in what later lists read.
 *
 * Secrets written before the index existed are indexed on the tenant's first tag list (`ensureIndexed`),
 * after which a marker item says the tenant's index is complete.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ProviderUnavailableError } from '../errors.ts';
import type { SecretRecord } from '../secrets/secret-types.ts';
import type { TransactItem } from './audit-store.ts';
import { writeInBatches } from './batch-write.ts';
import type { StoreDeps } from './dynamo-client.ts';
import {
  pkName,
  secretKey,
  secretSkPrefix,
  skName,
  tagIndexKey,
  tagIndexMarkerKey,
  tagIndexPk,
  tenantPk,
} from './keys.ts';

export type Tags = Record<string, string> | undefined;

/**
 * Whether a tag key has index entries: every key the API accepts does; a key with `#` (which no write
 * accepts, and which a list answers with nothing) has none, so an old item holding one cannot stop the
 * index.
 */
const indexable = (key: string) => key.length > 0 && !key.includes('#');

/** The most items one TransactWriteItems takes. */
export const transactionLimit = 100;
const batchGetSize = 100;
const batchGetAttempts = 6;
const backfillStreams = 8;
/** Secrets a backfill reads and indexes before it records how far it got. */
const backfillChunk = 1000;

/**
 * The index writes of a change of a secret's tags from `before` to `after`, for a transaction that already
 * holds `others` items: a put for every added or changed tag, a delete for every removed tag while there is
 * room. Nothing when the tags did not change.
 */
export function tagIndexWrites(
  tableName: string,
  tenant: string,
  name: string,
  before: Tags,
  after: Tags,
  others: number,
): TransactItem[] {
  const previous = before ?? {};
  const next = after ?? {};
  const puts: TransactItem[] = Object.entries(next)
    .filter(([key, value]) => indexable(key) && previous[key] !== value)
    .map(([key, value]) => ({
      Put: { TableName: tableName, Item: { ...tagIndexKey(tenant, key, name), tagValue: value } },
    }));
  const room = transactionLimit - others - puts.length;
  const deletes: TransactItem[] = Object.keys(previous)
    .filter((key) => indexable(key) && !Object.hasOwn(next, key))
    .slice(0, Math.max(0, room))
    .map((key) => ({ Delete: { TableName: tableName, Key: tagIndexKey(tenant, key, name) } }));
  return [...puts, ...deletes];
}

/** Left-over entries one list removes at most (each is its own small transaction); the next list goes on. */
export const maxStaleDrops = 25;

/**
 * The names among `names` whose secret (`records`, as a list read them) is gone or carries no tag `key`:
 * their entries under `key` are left-overs.
 */
export function staleNames(
  names: readonly string[],
  records: readonly Pick<SecretRecord, 'name' | 'tags'>[],
  key: string,
): string[] {
  const tagged = new Set(
    records.filter((record) => Object.hasOwn(record.tags ?? {}, key)).map((record) => record.name),
  );
  return names.filter((name) => !tagged.has(name));
}

/**
 * Removes the entries under tag `key` of `names` (at most `maxStaleDrops`) whose secret, at that moment,
 * is gone or carries no tag `key`: each delete is a transaction with a check of the metadata item, so an
 * entry a write has just made current (its tag added since the list read the metadata, which a list reads
 * eventually consistent) is never removed. Best effort: a list answers the same whether it worked or not.
 */
export async function dropStaleEntries(
  deps: StoreDeps,
  tenant: string,
  key: string,
  names: readonly string[],
): Promise<void> {
  await Promise.allSettled(
    names.slice(0, maxStaleDrops).map((name) =>
      deps.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: deps.tableName,
                Key: secretKey(tenant, name),
                ConditionExpression: 'attribute_not_exists(#pk) OR attribute_not_exists(#tags.#key)',
                ExpressionAttributeNames: { '#pk': pkName, '#tags': 'tags', '#key': key },
              },
            },
            { Delete: { TableName: deps.tableName, Key: tagIndexKey(tenant, key, name) } },
          ],
        }),
      ),
    ),
  );
}

export interface TagMatchPage {
  names: string[];
  /** The last name the query read, when the index has more after it. */
  next?: string;
}

/**
 * One page of the names carrying the tag (and value, when given), in name order, from the index: names
 * under `prefix`, after `startAfter`, at most `limit` read.
 */
export async function tagMatches(
  deps: StoreDeps,
  tenant: string,
  tag: { key: string; value?: string },
  options: { prefix: string; startAfter?: string; limit: number },
): Promise<TagMatchPage> {
  const pk = tagIndexPk(tenant, tag.key);
  const names: Record<string, string> = { '#pk': pkName };
  const values: Record<string, unknown> = { ':pk': pk };
  let condition = '#pk = :pk';
  if (options.prefix.length > 0) {
    names['#sk'] = skName;
    values[':prefix'] = options.prefix;
    condition += ' AND begins_with(#sk, :prefix)';
  }
  if (tag.value !== undefined) {
    names['#tagValue'] = 'tagValue';
    values[':tagValue'] = tag.value;
  }
  const page = await deps.client.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: condition,
      ...(tag.value !== undefined ? { FilterExpression: '#tagValue = :tagValue' } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      Limit: options.limit,
      ...(options.startAfter !== undefined
        ? { ExclusiveStartKey: { [pkName]: pk, [skName]: options.startAfter } }
        : {}),
    }),
  );
  const last = page.LastEvaluatedKey?.[skName];
  return {
    names: (page.Items ?? []).map((item) => String(item[skName])),
    ...(typeof last === 'string' ? { next: last } : {}),
  };
}

/**
 * The metadata items of `names` in the tenant, in the order given (BatchGetItem, 100 keys a request, sent
 * together; what DynamoDB leaves unprocessed is asked again with a doubling back-off). A name with no item
 * is left out.
 */
export async function getSecretItems(
  deps: StoreDeps,
  tenant: string,
  names: readonly string[],
): Promise<Record<string, unknown>[]> {
  const byName = new Map<string, Record<string, unknown>>();
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += batchGetSize) chunks.push(names.slice(i, i + batchGetSize));
  await Promise.all(
    chunks.map(async (chunk) => {
      let keys: Record<string, unknown>[] = chunk.map((name) => secretKey(tenant, name));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === batchGetAttempts) {
          throw new ProviderUnavailableError('the secret store is busy; retry the list shortly');
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await deps.client.send(
          new BatchGetCommand({ RequestItems: { [deps.tableName]: { Keys: keys } } }),
        );
        for (const item of result.Responses?.[deps.tableName] ?? []) {
          byName.set(String(item[skName]).slice(secretSkPrefix.length), item);
        }
        keys = (result.UnprocessedKeys?.[deps.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }),
  );
  return names.flatMap((name) => {
    const item = byName.get(name);
    return item ? [item] : [];
  });
}

/**
 * Makes sure every secret of a tenant is in the tag index before the index answers a list: once an
 * instance has seen the tenant's marker say so it trusts it (the marker is never removed, and every write
 * keeps the index), so only a tenant's first tag list on an instance reads it.
 */
export function createTagIndexReadiness(deps: StoreDeps) {
  const ready = new Set<string>();
  return async function ensureIndexed(tenant: string): Promise<void> {
    if (ready.has(tenant)) return;
    const { Item } = await deps.client.send(
      new GetCommand({ TableName: deps.tableName, Key: tagIndexMarkerKey(tenant), ConsistentRead: true }),
    );
    if (Item?.complete !== true) {
      await backfillTagIndex(deps, tenant, {
        ...(typeof Item?.through === 'string' ? { after: Item.through } : {}),
      });
    }
    ready.add(tenant);
  };
}

/** The tags of up to `limit` secrets in name order, after `after` and up to `through` when given. */
async function tagsInRange(
  deps: StoreDeps,
  tenant: string,
  range: { after?: string; through?: string; limit?: number },
): Promise<{ tags: Map<string, Record<string, string>>; names: string[]; more: boolean }> {
  const tags = new Map<string, Record<string, string>>();
  const names: string[] = [];
  const values: Record<string, unknown> = { ':pk': tenantPk(tenant) };
  let condition: string;
  if (range.through !== undefined) {
    values[':from'] = `${secretSkPrefix}${range.after ?? ''}`;
    values[':to'] = `${secretSkPrefix}${range.through}`;
    condition = '#pk = :pk AND #sk BETWEEN :from AND :to';
  } else {
    values[':prefix'] = secretSkPrefix;
    condition = '#pk = :pk AND begins_with(#sk, :prefix)';
  }
  let startKey: Record<string, unknown> | undefined =
    range.after !== undefined ? secretKey(tenant, range.after) : undefined;
  let more = false;
  do {
    const page = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ...(range.limit !== undefined ? { Limit: range.limit - names.length } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const name = String(item[skName]).slice(secretSkPrefix.length);
      names.push(name);
      const itemTags = item.tags as Record<string, string> | undefined;
      if (itemTags && Object.keys(itemTags).length > 0) tags.set(name, itemTags);
    }
    startKey = page.LastEvaluatedKey;
    more = startKey !== undefined;
  } while (startKey && (range.limit === undefined || names.length < range.limit));
  return { tags, names, more };
}

/**
 * Indexes the secrets of a tenant that writes made before the index existed, while writes go on, a chunk
 * of names at a time; the marker item records the last name of each finished chunk, so a run cut short
 * (a request timing out) is resumed by the next one, and says `complete` at the end. In each chunk, every
 * tag as read is put first (BatchWriteItem); a write that changed a tag after that read put its own entry,
 * which the batch may have overwritten with the older value, so the chunk is read again and every entry
 * whose value moved meanwhile is put again, on condition that it still holds the value this run wrote (if
 * not, a write has put the current one since). Entries of tags removed meanwhile stay, harmless. Secrets
 * created meanwhile were indexed by their creates.
 */
export async function backfillTagIndex(
  deps: StoreDeps,
  tenant: string,
  options: { after?: string; chunk?: number } = {},
): Promise<{ entries: number }> {
  let after = options.after;
  let entries = 0;
  for (;;) {
    const first = await tagsInRange(deps, tenant, {
      ...(after !== undefined ? { after } : {}),
      limit: options.chunk ?? backfillChunk,
    });
    entries += await putAll(deps, tenant, first.tags);
    const last = first.names.at(-1);
    if (last !== undefined) {
      const second = await tagsInRange(deps, tenant, {
        ...(after !== undefined ? { after } : {}),
        through: last,
      });
      await putMoved(deps, tenant, first.tags, second.tags);
    }
    if (!first.more || last === undefined) break;
    await deps.client
      .send(
        new UpdateCommand({
          TableName: deps.tableName,
          Key: tagIndexMarkerKey(tenant),
          UpdateExpression: 'SET #through = :through',
          ConditionExpression: 'attribute_not_exists(#through) OR #through < :through',
          ExpressionAttributeNames: { '#through': 'through' },
          ExpressionAttributeValues: { ':through': last },
        }),
      )
      .catch((error: unknown) => {
        // Another run got further: its mark stands.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    after = last;
  }
  await deps.client.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { ...tagIndexMarkerKey(tenant), complete: true, indexedAt: new Date().toISOString() },
    }),
  );
  return { entries };
}

async function putAll(
  deps: StoreDeps,
  tenant: string,
  tags: Map<string, Record<string, string>>,
): Promise<number> {
  const puts = [...tags].flatMap(([name, secretTags]) =>
    Object.entries(secretTags)
      .filter(([key]) => indexable(key))
      .map(([key, value]) => ({
        PutRequest: { Item: { ...tagIndexKey(tenant, key, name), tagValue: value } },
      })),
  );
  // Eight streams of batches at once: a chunk of 1,000 secrets with two tags each is 80 batches.
  const share = Math.ceil(puts.length / backfillStreams);
  await Promise.all(
    Array.from({ length: backfillStreams }, (_, i) =>
      writeInBatches(
        deps,
        puts.slice(i * share, (i + 1) * share),
        () =>
          new ProviderUnavailableError('the tag index of this tenant could not be completed; retry the list'),
      ),
    ),
  );
  return puts.length;
}

/** Puts again, on condition, every entry whose value a write moved after `written` was read and put. */
async function putMoved(
  deps: StoreDeps,
  tenant: string,
  written: Map<string, Record<string, string>>,
  now: Map<string, Record<string, string>>,
): Promise<void> {
  for (const [name, tags] of now) {
    const before = written.get(name) ?? {};
    for (const [key, value] of Object.entries(tags)) {
      if (!indexable(key) || !Object.hasOwn(before, key) || before[key] === value) continue;
      try {
        await deps.client.send(
          new PutCommand({
            TableName: deps.tableName,
            Item: { ...tagIndexKey(tenant, key, name), tagValue: value },
            ConditionExpression: '#tagValue = :written',
            ExpressionAttributeNames: { '#tagValue': 'tagValue' },
            ExpressionAttributeValues: { ':written': before[key] },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
}
