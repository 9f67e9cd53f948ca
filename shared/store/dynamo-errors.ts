/**
 * Turns DynamoDB failures into secretm's typed errors, by class (never by name string). Each store
 * handles its own condition failures first and hands everything else to `storeFailure`.
 */
import {
  type AttributeValue,
  type CancellationReason,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb';
import { ConflictError, ProviderUnavailableError, SecretmError } from '../errors.ts';

/** Cancellation reason codes DynamoDB documents for TransactWriteItems. */
const conditionFailed = 'ConditionalCheckFailed';
const transientReasons = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

/** The reason of the transaction item at `index` when its condition failed; undefined otherwise. */
export function failedCondition(error: unknown, index: number): CancellationReason | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const reason = error.CancellationReasons?.[index];
  return reason?.Code === conditionFailed ? reason : undefined;
}

/** A number attribute of a raw (marshalled) item, as returned with a failed condition. */
export function rawNumber(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): number | undefined {
  const text = item?.[name]?.N;
  return text === undefined ? undefined : Number(text);
}

/** A string attribute of a raw (marshalled) item. */
export function rawString(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): string | undefined {
  return item?.[name]?.S;
}

function isTransient(error: unknown): boolean {
  if (
    error instanceof ThrottlingException ||
    error instanceof ProvisionedThroughputExceededException ||
    error instanceof RequestLimitExceeded ||
    error instanceof InternalServerError
  ) {
    return true;
  }
  if (error instanceof TransactionCanceledException) {
    return (error.CancellationReasons ?? []).some((reason) => transientReasons.has(reason.Code ?? ''));
  }
  if (error instanceof DynamoDBServiceException) return error.$fault === 'server';
  // Connection refused, reset, timed out: the SDK attaches its metadata to errors from the network.
  return error instanceof Error && '$metadata' in error;
}

function isContention(error: unknown): boolean {
  if (error instanceof TransactionConflictException || error instanceof TransactionInProgressException) {
    return true;
  }
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'TransactionConflict')
  );
}

/**
 * The error to throw for a failure no store method expected: throttling and outages become
 * ProviderUnavailableError, a concurrent transaction on the same item a ConflictError; typed errors and
 * programming errors (a malformed expression, a missing table) pass through unchanged.
 */
export function storeFailure(error: unknown): unknown {
  if (error instanceof SecretmError) return error;
  if (isContention(error)) {
    return new ConflictError('another write to the same item is in progress; retry', { cause: error });
  }
  if (isTransient(error)) {
    return new ProviderUnavailableError('the metadata store is unavailable; retry later', { cause: error });
  }
  return error;
}
