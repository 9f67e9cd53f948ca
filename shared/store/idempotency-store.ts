/**
 * Idempotency keys in DynamoDB: a claim is a conditional Put of `{ fingerprint, state: 'pending' }` that
 * succeeds only for a fresh or expired key; `complete` stores the answer the API gave. Items expire by
 * TTL (`expiresAt`, epoch seconds), and an expired item counts as absent before TTL removes it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, UnprocessableError } from '../errors.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { idempotencyKey, pkName, ttlName } from './keys.ts';
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from './store-types.ts';

const responseFields: FieldMap<StoredResponse> = { statusCode: true, headers: true, body: true };

/** A claim that loses its race to a release or an expiry is tried again, this many times in all. */
const claimAttempts = 3;

export function createIdempotencyStore(deps: StoreDeps): IdempotencyStore {
  const { client, tableName } = deps;

  /** True when the key was claimed; otherwise the item that holds it, or undefined when it went away. */
  async function tryClaim(
    key: Record<string, string>,
    fingerprint: string,
    nowSeconds: number,
    ttlSeconds: number,
  ): Promise<true | Record<string, unknown> | undefined> {
    try {
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...key, fingerprint, state: 'pending', [ttlName]: nowSeconds + ttlSeconds },
          ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
          ExpressionAttributeNames: { '#pk': pkName, '#expiresAt': ttlName },
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item && Number(Item[ttlName]) >= nowSeconds ? Item : undefined;
  }

  return {
    async claim(tenant, key, options): Promise<IdempotencyClaim> {
      const itemKey = idempotencyKey(tenant, key);
      const nowSeconds = Math.floor(options.now.getTime() / 1000);
      try {
        for (let attempt = 0; attempt < claimAttempts; attempt++) {
          const held = await tryClaim(itemKey, options.fingerprint, nowSeconds, options.ttlSeconds);
          if (held === true) return { state: 'claimed' };
          if (held === undefined) continue;
          if (held.fingerprint !== options.fingerprint) {
            throw new UnprocessableError('Idempotency-Key was used with a different request');
          }
          if (held.state === 'completed' && held.response) {
            return {
              state: 'completed',
              response: pickFields<StoredResponse>(held.response, responseFields),
            };
          }
          return { state: 'in-progress' };
        }
      } catch (error) {
        throw storeFailure(error);
      }
      throw new ConflictError('the Idempotency-Key is changing hands; retry');
    },

    /** Stores the answer while the claim is pending; a claim that expired or was released is left alone. */
    async complete(tenant, key, response) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: idempotencyKey(tenant, key),
            UpdateExpression: 'SET #state = :completed, #response = :response',
            ConditionExpression: '#state = :pending',
            ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
            ExpressionAttributeValues: {
              ':completed': 'completed',
              ':pending': 'pending',
              ':response': pickFields<StoredResponse>(response, responseFields),
            },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return;
        throw storeFailure(error);
      }
    },

    async release(tenant, key) {
      try {
        await client.send(
          new DeleteCommand({
            TableName: tableName,
            Key: idempotencyKey(tenant, key),
            ConditionExpression: '#state = :pending',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return;
        throw storeFailure(error);
      }
    },
  };
}
