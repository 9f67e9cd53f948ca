/**
 * The tenants that have ever had a secret (keys.ts: `pk=TENANTS`, `sk=<tenant>`), written with each
 * secret's creation: the monthly cost roll-up visits them, so it needs no scan of the table.
 */
import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { pkName, skName, tenantRegistryPk } from './keys.ts';

export async function* listTenants(deps: StoreDeps): AsyncGenerator<string> {
  let startKey: Record<string, unknown> | undefined;
  do {
    let page: QueryCommandOutput;
    try {
      page = await deps.client.send(
        new QueryCommand({
          TableName: deps.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
          ExpressionAttributeValues: { ':pk': tenantRegistryPk },
          ProjectionExpression: '#sk',
          ExclusiveStartKey: startKey,
        }),
      );
    } catch (error) {
      throw storeFailure(error);
    }
    for (const item of page.Items ?? []) yield String(item[skName]);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}
