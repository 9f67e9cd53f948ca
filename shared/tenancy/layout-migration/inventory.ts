/**
 * What the migration works through, from one scan of the table (not a request path: the migration
 * must see every tenant, and nothing else lists them all). Only the item kinds it moves are kept.
 */
import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/lib-dynamodb';
import { operatorKeyId } from '../../auth/api-key-format.ts';
import type { ConnectionRecord } from '../../connections/connection-types.ts';
import type { SecretRecord } from '../../secrets/secret-types.ts';
import {
  apiKeyListingSkPrefix,
  apiKeyPointerKey,
  connectionSkPrefix,
  migrationPk,
  migrationPurgeSkPrefix,
  operatorKeyPk,
  pkName,
  secretSkPrefix,
  skName,
} from '../../store/keys.ts';
import type { MigrationRun } from './run.ts';

/** A secret's metadata item as stored, with its write lock. */
export type ScannedSecret = SecretRecord & { lockId?: string; lockExpiresAt?: number };

/** A moved entry whose old-layout original is still to delete (keys.ts: `MIGRATION`/`P#…`). */
export interface PurgeEntry {
  legacyRef: string;
  /** What moved: a secret's value, a connection's credentials, held credentials. */
  kind: 'secret' | 'credentials' | 'held';
  tenant: string;
  /** The secret's name, or the connection's id. */
  name: string;
  /** Further old-layout entries of the same thing (a pending rotation's leftover). */
  also?: string[];
}

export interface Inventory {
  secrets: ScannedSecret[];
  /** Connections that keep credentials in the built-in vault. */
  connections: ConnectionRecord[];
  /** `<tenant>\n<id>` of the stored connections of kind `local` (the same local vault as `local`). */
  localConnections: Set<string>;
  /** API key pointers (`K#<id>`, `K`) that still hold a hash: the old layout's key items. */
  legacyKeys: Record<string, unknown>[];
  /** The old layout's operator key item (`K#operator`, `K`). */
  legacyOperator?: Record<string, unknown>;
  /** The old operator key's listing copies (`T#<tenant>`, `K#operator`). */
  operatorListings: { pk: string; sk: string }[];
  /** Whether the operator key is installed already (`OPERATOR`). */
  operatorInstalled: boolean;
  purges: PurgeEntry[];
}

const operatorListingSk = `${apiKeyListingSkPrefix}${operatorKeyId}`;

export async function takeInventory(run: MigrationRun): Promise<Inventory> {
  const inventory: Inventory = {
    secrets: [],
    connections: [],
    localConnections: new Set(),
    legacyKeys: [],
    operatorListings: [],
    operatorInstalled: false,
    purges: [],
  };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await run.store.client.send(
      new ScanCommand({
        TableName: run.store.tableName,
        ConsistentRead: true,
        FilterExpression:
          'begins_with(#sk, :secret) OR begins_with(#sk, :connection) OR (begins_with(#pk, :pointer) AND #sk = :pointerSk) OR #sk = :operatorListing OR #pk = :migration OR #pk = :operator',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: {
          ':secret': secretSkPrefix,
          ':connection': connectionSkPrefix,
          ':pointer': 'K#',
          ':pointerSk': 'K',
          ':operatorListing': operatorListingSk,
          ':migration': migrationPk,
          ':operator': operatorKeyPk,
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) sort(inventory, item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return inventory;
}

function sort(inventory: Inventory, item: Record<string, unknown>): void {
  const pk = String(item[pkName]);
  const sk = String(item[skName]);
  const inTenantPartition = /^T#[^#]+$/.test(pk);
  if (pk === operatorKeyPk) {
    inventory.operatorInstalled = true;
  } else if (pk === migrationPk) {
    if (sk.startsWith(migrationPurgeSkPrefix) && typeof item.legacyRef === 'string') {
      inventory.purges.push(item as unknown as PurgeEntry);
    }
  } else if (pk.startsWith('K#') && sk === 'K') {
    if (pk === apiKeyPointerKey(operatorKeyId)[pkName]) inventory.legacyOperator = item;
    else if (typeof item.hash === 'string') inventory.legacyKeys.push(item);
  } else if (inTenantPartition && sk === operatorListingSk) {
    inventory.operatorListings.push({ pk, sk });
  } else if (inTenantPartition && sk.startsWith(secretSkPrefix)) {
    inventory.secrets.push(item as unknown as ScannedSecret);
  } else if (inTenantPartition && sk.startsWith(connectionSkPrefix)) {
    const connection = item as unknown as ConnectionRecord;
    if (connection.kind === 'local') inventory.localConnections.add(`${connection.tenant}\n${connection.id}`);
    if (typeof connection.credentialsRef === 'string') inventory.connections.push(connection);
  }
}
