import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { ConflictError, NotFoundError, ProviderUnavailableError } from '../../shared/errors.ts';
import { failedCondition, storeFailure } from '../../shared/store/dynamo-errors.ts';
import { testCredentials } from '../servers/dynamodb.ts';

// Faults DynamoDB Local cannot be made to produce (throttling, a cancelled transaction of a given
// shape) are built here as the SDK would throw them; a refused connection is a real one.
const $metadata = {};

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata,
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

describe('store failure mapping', () => {
  it('turns throttling into ProviderUnavailableError, keeping the cause', () => {
    // Prepare
    const throttled = new ThrottlingException({ message: 'slow down', $metadata });

    // Act
    const mapped = [storeFailure(throttled), storeFailure(cancelled('None', 'ThrottlingError'))];

    // Assess
    expect(mapped.every((error) => error instanceof ProviderUnavailableError)).toBe(true);
    expect((mapped[0] as Error).cause).toBe(throttled);
  });

  it('turns a clash with another transaction into ConflictError', () => {
    // Act
    const mapped = storeFailure(cancelled('TransactionConflict', 'None'));

    // Assess
    expect(mapped).toBeInstanceOf(ConflictError);
  });

  it('passes typed errors and unexpected client errors through unchanged', () => {
    // Prepare
    const typed = new NotFoundError('gone');
    const condition = new ConditionalCheckFailedException({ message: 'failed', $metadata });

    // Act
    const mapped = [storeFailure(typed), storeFailure(condition)];

    // Assess
    expect(mapped).toEqual([typed, condition]);
  });

  it('finds the transaction item whose condition failed', () => {
    // Prepare
    const error = cancelled('None', 'ConditionalCheckFailed', 'None');

    // Act
    const found = [0, 1, 2].map((index) => failedCondition(error, index) !== undefined);

    // Assess
    expect(found).toEqual([false, true, false]);
    expect(failedCondition(new Error('other'), 1)).toBeUndefined();
  });

  it('turns a refused connection into ProviderUnavailableError', async () => {
    // Prepare
    const port = await freePort();
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: testCredentials,
      maxAttempts: 1,
    });
    const error = await client
      .send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }))
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );

    // Act
    const mapped = storeFailure(error);

    // Assess
    expect(mapped).toBeInstanceOf(ProviderUnavailableError);
  });
});
