/**
 * Connection credentials kept in the built-in vault under the old layout
 * (`<legacy prefix><tenant>/_connections.<id>`): copied to the tenant's system namespace
 * (`secretm/<stage>/_system/tenants/<tenant>/connections/<id>`), read back, then the connection's
 * `credentialsRef` is switched (conditional on the ref and version it had, the version bumped so a
 * concurrent edit made from the old record fails) with its audit event and purge entry, and the old
 * entry deleted.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRecord } from '../../connections/connection-types.ts';
import { ConflictError } from '../../errors.ts';
import { failedCondition } from '../../store/dynamo-errors.ts';
import { connectionKey } from '../../store/keys.ts';
import type { Inventory, PurgeEntry } from './inventory.ts';
import { finishPurge, purgeEntryPut } from './purges.ts';
import { type MigrationRun, reasonOf } from './run.ts';
import { migrationActor } from './types.ts';
import { purgeQuietly, readOrAbsent, writeVerified } from './vault-copy.ts';

export async function moveConnectionCredentials(run: MigrationRun, inventory: Inventory): Promise<void> {
  for (const connection of inventory.connections) {
    const ref = connection.credentialsRef;
    if (!ref || ref.startsWith(run.deps.namespace.stagePrefix)) continue;
    const legacy = run.legacy.parse(ref);
    if (!legacy) continue;
    if (!(await run.next())) return;
    const skip = (reason: string) =>
      run.skip({ kind: 'credentials', tenant: connection.tenant, name: connection.id, reason });
    if (legacy.tenant !== connection.tenant || legacy.leaf !== `_connections.${connection.id}`) {
      skip(
        `its credentials ref ${ref} is not one secretm made for it; set its credentials again (PUT /v1/connections/${connection.id})`,
      );
      continue;
    }
    try {
      await moveCredentials(run, connection, ref, skip);
    } catch (error) {
      skip(reasonOf(error));
    }
  }
}

async function moveCredentials(
  run: MigrationRun,
  connection: ConnectionRecord,
  legacyRef: string,
  skip: (reason: string) => void,
): Promise<void> {
  const vault = run.deps.vault;
  const { tenant, id } = connection;
  const current = await readOrAbsent(vault, legacyRef, { kind: 'map' });
  if (!current) {
    return skip(`its credentials are no longer in the vault; set them again (PUT /v1/connections/${id})`);
  }
  const newRef = run.deps.namespace.connectionCredentialsRef(tenant, id);
  await purgeQuietly(vault, newRef);
  await writeVerified(vault, newRef, current.payload, true, {
    description: `credentials of secretm connection ${id}`,
  });
  const entry: PurgeEntry = { legacyRef, kind: 'credentials', tenant, name: id };
  const now = run.clock.now().toISOString();
  try {
    await run.store.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: run.store.tableName,
              Key: connectionKey(tenant, id),
              UpdateExpression:
                'SET #ref = :newRef, #version = :next, #updatedAt = :now, #updatedBy = :actor',
              ConditionExpression: '#ref = :legacyRef AND #version = :version',
              ExpressionAttributeNames: {
                '#ref': 'credentialsRef',
                '#version': 'version',
                '#updatedAt': 'updatedAt',
                '#updatedBy': 'updatedBy',
              },
              ExpressionAttributeValues: {
                ':newRef': newRef,
                ':legacyRef': legacyRef,
                ':version': connection.version,
                ':next': connection.version + 1,
                ':now': now,
                ':actor': migrationActor,
              },
            },
          },
          purgeEntryPut(run, entry),
          await run.auditPut(run.event(tenant, 'connection.migrate', `connection:${id}`)),
        ],
      }),
    );
  } catch (error) {
    if (failedCondition(error, 0))
      throw new ConflictError('it changed meanwhile; run again', { cause: error });
    throw error;
  }
  run.summary.moved.credentials += 1;
  await finishPurge(run, entry);
}
