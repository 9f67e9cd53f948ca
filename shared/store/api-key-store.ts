/**
 * API keys in DynamoDB. A key lives in its tenant's partition (`T#<tenant>`, `K#<id>`) with the hash
 * of its secret part, its scopes, expiry and revocation: everything authentication decides on. A
 * pointer item (`K#<id>`) says which tenant an id belongs to, because authentication reads it before
 * the tenant is known; it holds nothing else, so a pointer written wrong can break a key but never
 * make one. Key and pointer are written in one transaction with the audit event.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import { type AuditWriteDeps, auditPut } from './audit-store.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { failedCondition, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { apiKeyKey, apiKeyListingSkPrefix, apiKeyPointerKey, pkName, skName, tenantPk } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { ApiKeyDirectory, ApiKeyListing, ApiKeyRecord, ApiKeyStore, Page } from './store-types.ts';

const apiKeyFields: FieldMap<ApiKeyRecord> = {
  id: true,
  tenant: true,
  name: true,
  scopes: true,
  rules: true,
  hash: true,
  createdAt: true,
  createdBy: true,
  expiresAt: true,
  revokedAt: true,
};

function toApiKeyRecord(item: object): ApiKeyRecord {
  return pickFields<ApiKeyRecord>(item, apiKeyFields);
}

function withoutHash(record: ApiKeyRecord): ApiKeyListing {
  const { hash: _hash, ...listing } = record;
  return listing;
}

/** The operator key's id; it never appears among a tenant's keys. */
const operatorId = 'operator';

export type ApiKeyStoreDeps = AuditWriteDeps;

export function createApiKeyStore(deps: ApiKeyStoreDeps): ApiKeyStore {
  const { client, tableName } = deps;

  return {
    async put(record, audit) {
      const fresh = {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': pkName },
      };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...toApiKeyRecord(record), ...apiKeyKey(record.tenant, record.id) },
                  ...fresh,
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: { tenant: record.tenant, ...apiKeyPointerKey(record.id) },
                  ...fresh,
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0) || failedCondition(error, 1)) {
          throw new ConflictError(`API key '${record.id}' exists already`, { cause: error });
        }
        throw storeFailure(error);
      }
    },

    async get(tenant, id) {
      try {
        // Strongly consistent, so a revocation takes effect at once.
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: apiKeyKey(tenant, id), ConsistentRead: true }),
        );
        return Item && typeof Item.hash === 'string' ? toApiKeyRecord(Item) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async list(tenant, page): Promise<Page<ApiKeyListing>> {
      const limit = checkLimit(page.limit);
      const pk = tenantPk(tenant);
      const startKey =
        page.cursor === undefined
          ? undefined
          : { [pkName]: pk, [skName]: `${apiKeyListingSkPrefix}${decodeCursor(page.cursor)}` };
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': apiKeyListingSkPrefix },
            Limit: limit + 1,
            ExclusiveStartKey: startKey,
          }),
        );
        // A listing copy of the operator key, from before it left the tenants' partitions, is not a key.
        const found = (result.Items ?? [])
          .map((item) => withoutHash(toApiKeyRecord(item)))
          .filter((listing) => listing.id !== operatorId);
        const items = found.slice(0, limit);
        const last = items.at(-1);
        return { items, ...(found.length > limit && last ? { cursor: encodeCursor(last.id) } : {}) };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async revoke(tenant, id, at, audit) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: apiKeyKey(tenant, id),
                  // A second revocation keeps the first time.
                  UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at)',
                  ExpressionAttributeNames: { '#pk': pkName, '#revokedAt': 'revokedAt', '#tenant': 'tenant' },
                  ExpressionAttributeValues: { ':at': at, ':tenant': tenant },
                  ConditionExpression: 'attribute_exists(#pk) AND #tenant = :tenant',
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0)) throw new NotFoundError(`API key '${id}' not found`, { cause: error });
        throw storeFailure(error);
      }
    },
  };
}

/** The pointers from key ids to tenants (authentication's first read). */
export function createApiKeyDirectory(deps: StoreDeps): ApiKeyDirectory {
  return {
    async tenantOf(id) {
      try {
        const { Item } = await deps.client.send(
          new GetCommand({ TableName: deps.tableName, Key: apiKeyPointerKey(id), ConsistentRead: true }),
        );
        return typeof Item?.tenant === 'string' ? Item.tenant : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}

/** Moves a key written before keys lived in their tenant's partition: used by the layout migration. */
export async function adoptLegacyKeyHash(deps: StoreDeps, tenant: string, id: string, hash: string) {
  try {
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: apiKeyKey(tenant, id),
        UpdateExpression: 'SET #hash = if_not_exists(#hash, :hash)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': pkName, '#hash': 'hash' },
        ExpressionAttributeValues: { ':hash': hash },
      }),
    );
  } catch (error) {
    throw storeFailure(error);
  }
}
