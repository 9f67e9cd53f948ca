/**
 * BatchWriteItem for any number of puts and deletes: 25 requests per call, and what DynamoDB leaves
 * unprocessed is sent again with a doubling back-off, up to six attempts per batch; then `failure()`
 * says what was not written.
 */
import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { StoreDeps } from './dynamo-client.ts';

export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const batchSize = 25;
const attempts = 6;

export async function writeInBatches(
  deps: StoreDeps,
  requests: readonly WriteRequest[],
  failure: () => Error,
): Promise<void> {
  const { client, tableName } = deps;
  for (let i = 0; i < requests.length; i += batchSize) {
    let pending = requests.slice(i, i + batchSize);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === attempts) throw failure();
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = result.UnprocessedItems?.[tableName] ?? [];
    }
  }
}
