/**
 * Vault dynamic credentials a `vault-dynamic` rotation holds (the current version of a secret whose
 * record has a lease, marked `held`), kept in the built-in vault under the old layout
 * (`<legacy prefix><tenant>/_held.<name>`): copied to `secretm/<stage>/_system/tenants/<tenant>/held/<name>`
 * under the secret's write lock, read back, then the held version's `vaultVersionId` is switched with
 * the audit event and purge entry, and the old entry deleted.
 *
 * The version record names no ref, so where its id points is read from the vault: the id in the old
 * entry only (not moved), in the new entry only (a rotation since the upgrade wrote it: the old entry
 * is stale), in both with one value (a copy whose switch needs no new id).
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../errors.ts';
import type { VersionRecord } from '../../secrets/secret-types.ts';
import { payloadKindFor } from '../../secrets/secret-value.ts';
import { failedCondition } from '../../store/dynamo-errors.ts';
import { secretKey, versionKey } from '../../store/keys.ts';
import type { Inventory, PurgeEntry, ScannedSecret } from './inventory.ts';
import { finishPurge, purgeEntryPut } from './purges.ts';
import { type MigrationRun, reasonOf } from './run.ts';
import { busyReason, lockSecret, unlockSecret } from './secret-lock.ts';
import { purgeQuietly, readOrAbsent, samePayload, writeVerified } from './vault-copy.ts';

export async function moveHeldCredentials(run: MigrationRun, inventory: Inventory): Promise<void> {
  for (const secret of inventory.secrets) {
    if (!secret.rotationState?.lease) continue;
    if (!(await run.next())) return;
    try {
      await moveHeld(run, secret);
    } catch (error) {
      run.skip({ kind: 'held', tenant: secret.tenant, name: secret.name, reason: reasonOf(error) });
    }
  }
}

async function moveHeld(run: MigrationRun, secret: ScannedSecret): Promise<void> {
  const { tenant, name } = secret;
  const skip = (reason: string) => run.skip({ kind: 'held', tenant, name, reason });
  const { Item } = await run.store.client.send(
    new GetCommand({
      TableName: run.store.tableName,
      Key: versionKey(tenant, name, secret.version),
      ConsistentRead: true,
    }),
  );
  const current = Item as VersionRecord | undefined;
  if (!current?.held) return;
  const vault = run.deps.vault;
  const legacyRef = run.legacy.heldRef(tenant, name);
  const newRef = run.deps.namespace.heldRef(tenant, name);
  const read = { versionId: current.vaultVersionId, kind: payloadKindFor(secret.type, current.file) };
  const entry: PurgeEntry = { legacyRef, kind: 'held', tenant, name };

  const atLegacy = await readOrAbsent(vault, legacyRef, read);
  if (!atLegacy) {
    // Moved already, or never held under the old layout; an old entry with other versions only is stale.
    if (!(await readOrAbsent(vault, legacyRef, { kind: read.kind }))) return;
    if (await readOrAbsent(vault, newRef, read)) return finishPurge(run, entry);
    return skip('its held credentials are no longer in the vault; rotate it (POST …/rotate) for new ones');
  }
  const atNew = await readOrAbsent(vault, newRef, read);
  if (atNew) {
    if (!samePayload(atNew.payload, atLegacy.payload)) {
      return skip(
        `its held credentials exist in both layouts with different values; rotate it (POST /v1/secrets/${name}/rotate), then run the migration again`,
      );
    }
    run.summary.moved.held += 1;
    return finishPurge(run, entry);
  }

  const busy = busyReason(secret, run.clock.now().getTime());
  if (busy) return skip(busy);
  const locked = await lockSecret(run, secret);
  if ('refused' in locked) return skip(locked.refused);
  let switched = false;
  try {
    await purgeQuietly(vault, newRef);
    const id = await writeVerified(vault, newRef, atLegacy.payload, true, {
      description: `Vault credentials secretm holds for ${name}`,
    });
    await run.store.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: run.store.tableName,
              Key: secretKey(tenant, name),
              // The current version's vault id changes below: the location the metadata keeps goes.
              UpdateExpression: 'REMOVE #lockId, #lockExpiresAt, #location',
              ConditionExpression: '#lockId = :lockId AND #version = :version',
              ExpressionAttributeNames: {
                '#lockId': 'lockId',
                '#lockExpiresAt': 'lockExpiresAt',
                '#version': 'version',
                '#location': 'location',
              },
              ExpressionAttributeValues: { ':lockId': locked.lockId, ':version': secret.version },
            },
          },
          {
            Update: {
              TableName: run.store.tableName,
              Key: versionKey(tenant, name, current.version),
              UpdateExpression: 'SET #id = :id',
              ConditionExpression: '#id = :stored AND #held = :held',
              ExpressionAttributeNames: { '#id': 'vaultVersionId', '#held': 'held' },
              ExpressionAttributeValues: { ':id': id, ':stored': current.vaultVersionId, ':held': true },
            },
          },
          purgeEntryPut(run, entry),
          await run.auditPut(run.event(tenant, 'secret.migrate', `secret:${name}`)),
        ],
      }),
    );
    switched = true;
  } catch (error) {
    if (failedCondition(error, 0) || failedCondition(error, 1)) {
      throw new ConflictError('it changed meanwhile; run again', { cause: error });
    }
    throw error;
  } finally {
    if (!switched) await unlockSecret(run, secret, locked.lockId).catch(() => undefined);
  }
  run.summary.moved.held += 1;
  await finishPurge(run, entry);
}
