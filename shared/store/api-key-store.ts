/**
 * API keys in DynamoDB: the key item (`K#<id>`), found by id before the tenant is known, and a copy in
 * the tenant's partition for listing, written and revoked together in one transaction with the audit
 * event. Only the hash of a key is ever stored.
 */
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../errors.ts';
import { auditPut, defaultAuditRetentionDays, type TransactItem } from './audit-store.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { failedCondition, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { apiKeyKey, apiKeyListingKey, apiKeyListingSkPrefix, pkName, skName, tenantPk } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { ApiKeyListing, ApiKeyRecord, ApiKeyStore, Page } from './store-types.ts';

const apiKeyFields: FieldMap<ApiKeyRecord> = {
  id: true,
  tenant: true,
  name: true,
  scopes: true,
  hash: true,
  operator: true,
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

export interface ApiKeyStoreDeps extends StoreDeps {
  auditRetentionDays?: number;
}

export function createApiKeyStore(deps: ApiKeyStoreDeps): ApiKeyStore {
  const { client, tableName } = deps;
  const retentionDays = deps.auditRetentionDays ?? defaultAuditRetentionDays;

  return {
    /**
     * With `replace` (the operator key when its preset changes) the items are overwritten, and the
     * listing copy under a former tenant is removed in the same transaction.
     */
    async put(record, audit, options: { replace?: boolean } = {}) {
      const fields = toApiKeyRecord(record);
      const fresh = options.replace
        ? {}
        : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pkName } };
      const items: TransactItem[] = [
        { Put: { TableName: tableName, Item: { ...fields, ...apiKeyKey(record.id) }, ...fresh } },
        {
          Put: {
            TableName: tableName,
            // The listing copy lives in the tenant's partition, which more readers may reach: no hash.
            Item: { ...withoutHash(fields), ...apiKeyListingKey(record.tenant, record.id) },
            ...fresh,
          },
        },
        auditPut(tableName, audit, retentionDays),
      ];
      try {
        if (options.replace) {
          const { Item } = await client.send(
            new GetCommand({ TableName: tableName, Key: apiKeyKey(record.id), ConsistentRead: true }),
          );
          const formerTenant = Item?.tenant;
          if (typeof formerTenant === 'string' && formerTenant !== record.tenant) {
            items.push({ Delete: { TableName: tableName, Key: apiKeyListingKey(formerTenant, record.id) } });
          }
        }
        await client.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        if (failedCondition(error, 0) || failedCondition(error, 1)) {
          throw new ConflictError(`API key '${record.id}' exists already`, { cause: error });
        }
        throw storeFailure(error);
      }
    },

    async get(id) {
      try {
        // Strongly consistent, so a revocation takes effect at once.
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: apiKeyKey(id), ConsistentRead: true }),
        );
        return Item ? toApiKeyRecord(Item) : undefined;
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
        const found = (result.Items ?? []).map((item) => withoutHash(toApiKeyRecord(item)));
        const items = found.slice(0, limit);
        const last = items.at(-1);
        return { items, ...(found.length > limit && last ? { cursor: encodeCursor(last.id) } : {}) };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async revoke(tenant, id, at, audit) {
      // A second revocation keeps the first time.
      const revoke = {
        UpdateExpression: 'SET #revokedAt = if_not_exists(#revokedAt, :at)',
        ExpressionAttributeNames: { '#pk': pkName, '#revokedAt': 'revokedAt', '#tenant': 'tenant' },
        ExpressionAttributeValues: { ':at': at, ':tenant': tenant },
        ConditionExpression: 'attribute_exists(#pk) AND #tenant = :tenant',
      };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: { TableName: tableName, Key: apiKeyKey(id), ...revoke } },
              { Update: { TableName: tableName, Key: apiKeyListingKey(tenant, id), ...revoke } },
              auditPut(tableName, audit, retentionDays),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0) || failedCondition(error, 1)) {
          throw new NotFoundError(`API key '${id}' not found`, { cause: error });
        }
        throw storeFailure(error);
      }
    },
  };
}
