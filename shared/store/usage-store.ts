/**
 * The usage counters of the cost records (keys.ts: `T#<tenant>#U#<month>`): one item per connection and
 * vault reference, whose numbers only ever grow by atomic ADD, so any number of API instances, rotation
 * workers and layer instances count into the same item without reading it first or losing an update.
 * Calls are flat attributes `op#<operation>` (ADD works on top-level attributes only); `hits` counts
 * cache hits. Never a value: references and counts only.
 *
 * Written with the plain DynamoDB client (not the document client), so the layer can use it without
 * pulling in more of the SDK than it already has.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { UsageLine } from '../costs/usage.ts';
import { usageKey, usagePk } from './keys.ts';

/** What the cost report reads back: one line per item, its calls by operation. */
export type StoredUsage = Omit<UsageLine, 'tenant' | 'month'>;

export interface UsageStore {
  /** Adds every line (one UpdateItem each, a few at a time). Answers the lines that could not be written. */
  add(lines: readonly UsageLine[]): Promise<UsageLine[]>;
  /** Every usage line of a tenant's month. */
  list(tenant: string, month: string): Promise<StoredUsage[]>;
}

export interface UsageStoreDeps {
  /** A DynamoDBClient (or a document client, which sends plain commands unchanged). */
  client: Pick<DynamoDBClient, 'send'>;
  tableName: string;
  now?: () => number;
  /** Most updates in flight at once. Default 8. */
  concurrency?: number;
}

const operationPrefix = 'op#';

export function createUsageStore(deps: UsageStoreDeps): UsageStore {
  const { client, tableName } = deps;
  const now = deps.now ?? Date.now;
  const concurrency = deps.concurrency ?? 8;

  const write = async (line: UsageLine): Promise<void> => {
    const names: Record<string, string> = { '#connection': 'connection', '#updatedAt': 'updatedAt' };
    const values: Record<string, AttributeValue> = {
      ':connection': { S: line.connection },
      ':updatedAt': { S: new Date(now()).toISOString() },
    };
    const sets = ['#connection = :connection', '#updatedAt = :updatedAt'];
    if (line.ref !== undefined) {
      names['#ref'] = 'ref';
      values[':ref'] = { S: line.ref };
      sets.push('#ref = :ref');
    }
    const adds: string[] = [];
    Object.entries(line.calls).forEach(([operation, count], i) => {
      if (count === 0) return;
      names[`#o${i}`] = `${operationPrefix}${operation}`;
      values[`:o${i}`] = { N: String(count) };
      adds.push(`#o${i} :o${i}`);
    });
    if (line.hits !== 0) {
      names['#hits'] = 'hits';
      values[':hits'] = { N: String(line.hits) };
      adds.push('#hits :hits');
    }
    if (adds.length === 0) return;
    const key = usageKey(line.tenant, line.month, line.connection, line.ref);
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  };

  return {
    async add(lines) {
      const failed: UsageLine[] = [];
      let next = 0;
      const worker = async () => {
        while (next < lines.length) {
          const line = lines[next++]!;
          try {
            await write(line);
          } catch {
            failed.push(line);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, lines.length) }, worker));
      return failed;
    },

    async list(tenant, month) {
      const found: StoredUsage[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':pk': { S: usagePk(tenant, month) } },
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) found.push(fromItem(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return found;
    },
  };
}

function fromItem(item: Record<string, AttributeValue>): StoredUsage {
  const calls: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(operationPrefix) && value.N !== undefined) {
      calls[name.slice(operationPrefix.length)] = Number(value.N);
    }
  }
  const ref = item.ref?.S;
  return {
    connection: item.connection?.S ?? '',
    ...(ref === undefined ? {} : { ref }),
    calls,
    hits: Number(item.hits?.N ?? 0),
  };
}
