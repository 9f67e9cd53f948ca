/**
 * The migration takes a secret's write lock (the `lockId`/`lockExpiresAt` every value write takes,
 * shared/store/secret-store.ts) while it copies the secret's values: no write, rotation or metadata
 * change of the secret lands meanwhile, and the switch that ends the move releases it.
 */
import { randomUUID } from 'node:crypto';
import { type AttributeValue, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { secretKey } from '../../store/keys.ts';
import type { ScannedSecret } from './inventory.ts';
import type { MigrationRun } from './run.ts';

/** Longer than one secret's copy takes; a run that crashed holds it no longer than this. */
export const lockTtlMs = 2 * 60_000;

export const unlockedCondition =
  '(attribute_not_exists(#lockExpiresAt) OR #lockExpiresAt < :now) AND (attribute_not_exists(#rotationLock) OR #rotationLock.#rotationLockExpiry < :now) AND attribute_not_exists(#rotationState.#pending)';
export const unlockedNames = {
  '#lockExpiresAt': 'lockExpiresAt',
  '#rotationLock': 'rotationLock',
  '#rotationLockExpiry': 'expiresAt',
  '#rotationState': 'rotationState',
  '#pending': 'pending',
};

const pendingReason = (name: string) =>
  `a rotation of it is pending: finish the rotation first (POST /v1/secrets/${name}/rotate with the secretm version that started it), or discard it (DELETE /v1/secrets/${name}/rotation?discardPending=true); then run the migration again`;

/** Why a secret cannot be moved right now (from the record as scanned), or undefined. */
export function busyReason(secret: ScannedSecret, now: number): string | undefined {
  if (secret.rotationState?.pending) return pendingReason(secret.name);
  if ((secret.lockExpiresAt ?? 0) >= now) return 'a write of it was under way; run again';
  if ((secret.rotationLock?.expiresAt ?? 0) >= now) return 'it was being rotated; run again';
  return undefined;
}

/**
 * Takes the write lock, provided the secret is still as scanned (same vault ref and version), not
 * locked, not being rotated and with no rotation pending. Answers the lock id, or why not.
 */
export async function lockSecret(
  run: MigrationRun,
  secret: ScannedSecret,
): Promise<{ lockId: string } | { refused: string }> {
  const lockId = randomUUID();
  const now = run.clock.now().getTime();
  try {
    await run.store.client.send(
      new UpdateCommand({
        TableName: run.store.tableName,
        Key: secretKey(secret.tenant, secret.name),
        UpdateExpression: 'SET #lockId = :lockId, #lockExpiresAt = :expiresAt',
        ConditionExpression: `#vaultRef = :vaultRef AND #version = :version AND ${unlockedCondition}`,
        ExpressionAttributeNames: {
          '#lockId': 'lockId',
          '#vaultRef': 'vaultRef',
          '#version': 'version',
          ...unlockedNames,
        },
        ExpressionAttributeValues: {
          ':lockId': lockId,
          ':expiresAt': now + lockTtlMs,
          ':vaultRef': secret.vaultRef,
          ':version': secret.version,
          ':now': now,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { lockId };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { refused: refusal(error.Item, secret, now) };
  }
}

function refusal(
  item: Record<string, AttributeValue> | undefined,
  secret: ScannedSecret,
  now: number,
): string {
  if (!item) return 'it was deleted meanwhile';
  if (item.rotationState?.M?.pending) return pendingReason(secret.name);
  if (Number(item.lockExpiresAt?.N ?? 0) >= now) return 'a write of it was under way; run again';
  if (Number(item.rotationLock?.M?.expiresAt?.N ?? 0) >= now) return 'it was being rotated; run again';
  return 'it changed meanwhile; run again';
}

/** Releases the lock if this run still holds it (after a move that did not switch). */
export async function unlockSecret(run: MigrationRun, secret: ScannedSecret, lockId: string): Promise<void> {
  try {
    await run.store.client.send(
      new UpdateCommand({
        TableName: run.store.tableName,
        Key: secretKey(secret.tenant, secret.name),
        UpdateExpression: 'REMOVE #lockId, #lockExpiresAt',
        ConditionExpression: '#lockId = :lockId',
        ExpressionAttributeNames: { '#lockId': 'lockId', '#lockExpiresAt': 'lockExpiresAt' },
        ExpressionAttributeValues: { ':lockId': lockId },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
