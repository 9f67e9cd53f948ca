/**
 * The last step of a move: deleting the old-layout entry. The switch that points a record at the copy
 * writes a purge entry (keys.ts: `MIGRATION`/`P#…`) in the same transaction, so an old entry left
 * behind by a run that stopped after the switch is deleted by the next run, whatever the app wrote
 * to the record meanwhile.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TransactItem } from '../../store/audit-store.ts';
import { connectionKey, migrationPurgeKey, secretKey } from '../../store/keys.ts';
import type { PurgeEntry } from './inventory.ts';
import type { MigrationRun } from './run.ts';
import { purgeQuietly } from './vault-copy.ts';

/** The purge entry's Put, for the switch's transaction. */
export function purgeEntryPut(run: MigrationRun, entry: PurgeEntry): TransactItem {
  return {
    Put: { TableName: run.store.tableName, Item: { ...migrationPurgeKey(entry.legacyRef), ...entry } },
  };
}

/**
 * Deletes the old entry of a move whose record points at the copy, then the purge entry. A record that
 * points at the old entry again (a write that read it before the switch) keeps it: the entry is
 * dropped, and the next run moves the record afresh.
 */
export async function finishPurge(run: MigrationRun, entry: PurgeEntry): Promise<void> {
  if (await stillUsed(run, entry)) {
    await dropEntry(run, entry);
    return;
  }
  for (const ref of [entry.legacyRef, ...(entry.also ?? [])]) await purgeQuietly(run.deps.vault, ref);
  await dropEntry(run, entry);
}

async function stillUsed(run: MigrationRun, entry: PurgeEntry): Promise<boolean> {
  if (entry.kind === 'held') return false;
  const key =
    entry.kind === 'secret' ? secretKey(entry.tenant, entry.name) : connectionKey(entry.tenant, entry.name);
  const { Item } = await run.store.client.send(
    new GetCommand({ TableName: run.store.tableName, Key: key, ConsistentRead: true }),
  );
  const ref = entry.kind === 'secret' ? Item?.vaultRef : Item?.credentialsRef;
  return ref === entry.legacyRef;
}

async function dropEntry(run: MigrationRun, entry: PurgeEntry): Promise<void> {
  await run.store.client.send(
    new DeleteCommand({ TableName: run.store.tableName, Key: migrationPurgeKey(entry.legacyRef) }),
  );
}
