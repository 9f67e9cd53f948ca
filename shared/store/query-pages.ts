/**
 * Every item of one partition (or of the sort keys under a prefix), a query page at a time, following
 * LastEvaluatedKey until the last page. The stores that read a whole partition (a secret's versions,
 * a tenant's secret lives, a roll-up's parts, the tenant registry) share this loop; errors are theirs
 * to map.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreDeps } from './dynamo-client.ts';
import { pkName, skName } from './keys.ts';

export interface PartitionQuery {
  pk: string;
  /** Only the items whose sort key starts with this. */
  skPrefix?: string;
  /** Answer the keys only (pk and sk). */
  keysOnly?: boolean;
  consistentRead?: boolean;
}

export async function* queryPages(
  deps: StoreDeps,
  query: PartitionQuery,
): AsyncGenerator<Record<string, unknown>[]> {
  const usesSk = query.skPrefix !== undefined || query.keysOnly === true;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression:
          query.skPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': pkName, ...(usesSk ? { '#sk': skName } : {}) },
        ExpressionAttributeValues: {
          ':pk': query.pk,
          ...(query.skPrefix === undefined ? {} : { ':prefix': query.skPrefix }),
        },
        ...(query.keysOnly ? { ProjectionExpression: '#pk, #sk' } : {}),
        ...(query.consistentRead ? { ConsistentRead: true } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Every item the query answers, all pages together. */
export async function queryAll(deps: StoreDeps, query: PartitionQuery): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of queryPages(deps, query)) items.push(...page);
  return items;
}
