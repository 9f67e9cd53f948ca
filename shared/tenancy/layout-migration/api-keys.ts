/**
 * API keys of the old layout: the key item was `K#<id>` (hash, scopes, expiry, revocation) with a
 * copy without the hash in the tenant's partition. Now the tenant's item holds the hash and `K#<id>`
 * only says whose the id is. Each old key item gives its hash (and a revocation the copy lacks) to the
 * tenant's item, then is cut down to `{ tenant }`.
 *
 * The old operator key (`K#operator`, and its copy `T#<tenant>`/`K#operator`): becomes the `OPERATOR`
 * item when none is installed and the caller adopts it, and is removed either way.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { adoptLegacyKeyHash } from '../../store/api-key-store.ts';
import type { TransactItem } from '../../store/audit-store.ts';
import { failedCondition } from '../../store/dynamo-errors.ts';
import { apiKeyKey, apiKeyPointerKey, operatorKeyKey, pkName, skName, tenantPk } from '../../store/keys.ts';
import { tenantPattern } from '../../validation/names.ts';
import type { Inventory } from './inventory.ts';
import { type MigrationRun, reasonOf } from './run.ts';

const keyFields = [
  'id',
  'tenant',
  'name',
  'scopes',
  'hash',
  'createdAt',
  'createdBy',
  'expiresAt',
  'revokedAt',
];

export async function moveApiKeys(run: MigrationRun, inventory: Inventory): Promise<void> {
  for (const pointer of inventory.legacyKeys) {
    const id = String(pointer[pkName]).slice(2);
    const tenant = pointer.tenant;
    if (!(await run.next())) return;
    if (typeof tenant !== 'string' || !tenantPattern.test(tenant)) {
      run.skip({
        kind: 'api-key',
        tenant: String(tenant),
        name: id,
        reason: 'its tenant is not a tenant id',
      });
      continue;
    }
    try {
      await moveKey(run, pointer, id, tenant);
    } catch (error) {
      run.skip({ kind: 'api-key', tenant, name: id, reason: reasonOf(error) });
    }
  }
}

async function moveKey(run: MigrationRun, pointer: Record<string, unknown>, id: string, tenant: string) {
  const { client, tableName } = run.store;
  const hash = String(pointer.hash);
  const { Item: own } = await client.send(
    new GetCommand({ TableName: tableName, Key: apiKeyKey(tenant, id), ConsistentRead: true }),
  );
  if (!own) {
    // No listing copy (written by hand, or lost): the old item has every field the key needs.
    const fields = Object.fromEntries(
      keyFields.flatMap((field) => (pointer[field] === undefined ? [] : [[field, pointer[field]]])),
    );
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...fields, id, tenant, ...apiKeyKey(tenant, id) },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': pkName },
      }),
    );
  } else {
    await adoptLegacyKeyHash(run.store, tenant, id, hash);
    // A revocation is never lost on the way.
    if (typeof pointer.revokedAt === 'string' && own.revokedAt === undefined) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: apiKeyKey(tenant, id),
          UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at)',
          ExpressionAttributeNames: { '#revokedAt': 'revokedAt' },
          ExpressionAttributeValues: { ':at': pointer.revokedAt },
        }),
      );
    }
  }
  // The pointer keeps only its tenant, with the audit event, unless it changed since it was read.
  const moved = await transactUnlessChanged(run, [
    {
      Put: {
        TableName: tableName,
        Item: { tenant, ...apiKeyPointerKey(id) },
        ConditionExpression: '#hash = :hash AND #tenant = :tenant',
        ExpressionAttributeNames: { '#hash': 'hash', '#tenant': 'tenant' },
        ExpressionAttributeValues: { ':hash': hash, ':tenant': tenant },
      },
    },
    await run.auditPut(run.event(tenant, 'api-key.migrate', `api-key:${id}`)),
  ]);
  if (moved) run.summary.moved.keys += 1;
}

/** Commits the items; false when the first one's condition failed (someone changed it meanwhile). */
async function transactUnlessChanged(run: MigrationRun, items: TransactItem[]): Promise<boolean> {
  try {
    await run.store.client.send(new TransactWriteCommand({ TransactItems: items }));
    return true;
  } catch (error) {
    if (failedCondition(error, 0)) return false;
    throw error;
  }
}

export async function moveOperatorKey(run: MigrationRun, inventory: Inventory): Promise<void> {
  const legacy = inventory.legacyOperator;
  if (!legacy && inventory.operatorListings.length === 0) return;
  if (!(await run.next())) return;
  const { client, tableName } = run.store;
  const tenant = legacy?.tenant;
  const adoptable =
    run.deps.legacyOperatorKey !== 'drop' &&
    !inventory.operatorInstalled &&
    typeof legacy?.hash === 'string' &&
    legacy.revokedAt === undefined &&
    typeof tenant === 'string' &&
    tenantPattern.test(tenant);
  if (adoptable) {
    // Installed meanwhile (a cold start's bootstrap): that one stays.
    const adopted = await transactUnlessChanged(run, [
      {
        Put: {
          TableName: tableName,
          Item: {
            tenant,
            hash: legacy.hash,
            createdAt: String(legacy.createdAt ?? run.clock.now().toISOString()),
            createdBy: String(legacy.createdBy ?? 'bootstrap'),
            ...operatorKeyKey(),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': pkName },
        },
      },
      await run.auditPut(run.event(tenant, 'api-key.migrate', 'api-key:operator')),
    ]);
    if (adopted) run.summary.moved.operatorKey += 1;
  }
  const listings = [
    ...inventory.operatorListings,
    ...(typeof tenant === 'string' && tenantPattern.test(tenant)
      ? [{ pk: tenantPk(tenant), sk: 'K#operator' }]
      : []),
  ];
  for (const listing of listings) {
    await client.send(
      new DeleteCommand({ TableName: tableName, Key: { [pkName]: listing.pk, [skName]: listing.sk } }),
    );
  }
  if (legacy)
    await client.send(new DeleteCommand({ TableName: tableName, Key: apiKeyPointerKey('operator') }));
}
