/**
 * Connections in DynamoDB (`pk=T#<tenant>`, `sk=C#<id>`): the vault's kind and settings, never its
 * credentials. Every change is written with its audit event in one transaction.
 */
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/audit-types.ts';
import type { ConnectionRecord } from '../connections/connection-types.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors.ts';
import { type AuditWriteDeps, auditPut } from './audit-store.ts';
import { failedCondition, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { connectionKey, connectionSkPrefix, pkName, secretSkPrefix, skName, tenantPk } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { Page } from './store-types.ts';

const fields: FieldMap<ConnectionRecord> = {
  tenant: true,
  id: true,
  kind: true,
  config: true,
  credentialsRef: true,
  cacheTtlSeconds: true,
  version: true,
  createdAt: true,
  createdBy: true,
  updatedAt: true,
  updatedBy: true,
};

const toRecord = (item: object) => pickFields<ConnectionRecord>(item, fields);

export interface ConnectionStore {
  get(tenant: string, id: string): Promise<ConnectionRecord | undefined>;
  list(tenant: string, page: { limit: number; cursor?: string }): Promise<Page<ConnectionRecord>>;
  /** ConflictError when the id exists. */
  create(record: ConnectionRecord, audit: AuditEvent): Promise<void>;
  /** PreconditionFailedError unless the stored version is `expectedVersion`; NotFoundError when absent. */
  update(record: ConnectionRecord, expectedVersion: number, audit: AuditEvent): Promise<void>;
  remove(tenant: string, id: string, audit: AuditEvent): Promise<void>;
  /** Whether any secret of the tenant (deleted ones included) uses the connection. A query, never a scan. */
  inUse(tenant: string, id: string): Promise<boolean>;
}

export function createConnectionStore(deps: AuditWriteDeps): ConnectionStore {
  const { client, tableName } = deps;

  return {
    async get(tenant, id) {
      try {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: connectionKey(tenant, id), ConsistentRead: true }),
        );
        return Item ? toRecord(Item) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async list(tenant, page) {
      const limit = checkLimit(page.limit);
      const pk = tenantPk(tenant);
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': connectionSkPrefix },
            Limit: limit + 1,
            ...(page.cursor
              ? {
                  ExclusiveStartKey: {
                    [pkName]: pk,
                    [skName]: `${connectionSkPrefix}${decodeCursor(page.cursor)}`,
                  },
                }
              : {}),
          }),
        );
        const found = (result.Items ?? []).map(toRecord);
        const items = found.slice(0, limit);
        const last = items.at(-1);
        return { items, ...(found.length > limit && last ? { cursor: encodeCursor(last.id) } : {}) };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async create(record, audit) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...toRecord(record), ...connectionKey(record.tenant, record.id) },
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': pkName },
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0)) {
          throw new ConflictError(`a connection named ${record.id} already exists`, { cause: error });
        }
        throw storeFailure(error);
      }
    },

    async update(record, expectedVersion, audit) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...toRecord(record), ...connectionKey(record.tenant, record.id) },
                  ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
                  ExpressionAttributeNames: { '#pk': pkName, '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        const reason = failedCondition(error, 0);
        if (reason) {
          if (!reason.Item) throw new NotFoundError(`connection ${record.id} not found`, { cause: error });
          throw new PreconditionFailedError(
            `connection ${record.id} changed since version ${expectedVersion}`,
            {
              cause: error,
            },
          );
        }
        throw storeFailure(error);
      }
    },

    async remove(tenant, id, audit) {
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName,
                  Key: connectionKey(tenant, id),
                  ConditionExpression: 'attribute_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': pkName },
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0))
          throw new NotFoundError(`connection ${id} not found`, { cause: error });
        throw storeFailure(error);
      }
    },

    async inUse(tenant, id) {
      let startKey: Record<string, unknown> | undefined;
      try {
        do {
          const result = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
              FilterExpression: '#connection = :id',
              ProjectionExpression: '#sk',
              ExpressionAttributeNames: { '#pk': pkName, '#sk': skName, '#connection': 'connection' },
              ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':prefix': secretSkPrefix, ':id': id },
              ExclusiveStartKey: startKey,
            }),
          );
          if ((result.Items ?? []).length > 0) return true;
          startKey = result.LastEvaluatedKey;
        } while (startKey);
        return false;
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}
