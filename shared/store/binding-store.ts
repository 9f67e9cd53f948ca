/** Bindings in DynamoDB (`pk=T#<tenant>`, `sk=B#<service>`), each change written with its audit event. */
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/audit-types.ts';
import type { BindingRecord } from '../bindings/binding-types.ts';
import { PreconditionFailedError } from '../errors.ts';
import { type AuditWriteDeps, auditPut } from './audit-store.ts';
import { failedCondition, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { pkName, skName, tenantPk } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { Page } from './store-types.ts';

const fields: FieldMap<BindingRecord> = {
  tenant: true,
  service: true,
  entries: true,
  description: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  updatedBy: true,
};

const bindingSkPrefix = 'B#';

const bindingKey = (tenant: string, service: string) => ({
  [pkName]: tenantPk(tenant),
  [skName]: `${bindingSkPrefix}${service}`,
});

/** A binding as a list shows it: what it is called and which secrets it names, never more. */
export interface BindingListing {
  service: string;
  /** The secret each entry names, in entry order (the list answers only their count). */
  secrets: string[];
  description?: string;
  version: number;
  updatedAt: string;
}

export interface BindingStore {
  get(tenant: string, service: string): Promise<BindingRecord | undefined>;
  /** The tenant's bindings by service name, a page at a time (one Query of its partition's `B#` items). */
  list(tenant: string, page: { limit: number; cursor?: string }): Promise<Page<BindingListing>>;
  /** Writes version `record.version`; PreconditionFailedError unless the stored one is the version before it. */
  put(record: BindingRecord, audit: AuditEvent): Promise<void>;
}

export function createBindingStore(deps: AuditWriteDeps): BindingStore {
  const { client, tableName } = deps;
  return {
    async get(tenant, service) {
      try {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: bindingKey(tenant, service), ConsistentRead: true }),
        );
        return Item ? pickFields<BindingRecord>(Item, fields) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async list(tenant, page) {
      const limit = checkLimit(page.limit);
      const pk = tenantPk(tenant);
      // The cursor holds a service name only; the start key is rebuilt in the caller's own partition.
      const startKey =
        page.cursor === undefined
          ? undefined
          : { [pkName]: pk, [skName]: `${bindingSkPrefix}${decodeCursor(page.cursor)}` };
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: {
              '#pk': pkName,
              '#sk': skName,
              '#service': 'service',
              '#entries': 'entries',
              '#description': 'description',
              '#version': 'version',
              '#updatedAt': 'updatedAt',
            },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': bindingSkPrefix },
            ProjectionExpression: '#service, #entries, #description, #version, #updatedAt',
            Limit: limit + 1,
            ExclusiveStartKey: startKey,
          }),
        );
        const found = (result.Items ?? []).map(
          (item): BindingListing => ({
            service: item.service as string,
            secrets: ((item.entries ?? []) as { secret: string }[]).map((entry) => entry.secret),
            ...(typeof item.description === 'string' ? { description: item.description } : {}),
            version: item.version as number,
            updatedAt: item.updatedAt as string,
          }),
        );
        const items = found.slice(0, limit);
        const last = items.at(-1);
        return {
          items,
          ...(found.length > limit && last ? { cursor: encodeCursor(last.service) } : {}),
        };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async put(record, audit) {
      const condition: {
        ConditionExpression: string;
        ExpressionAttributeNames: Record<string, string>;
        ExpressionAttributeValues?: Record<string, unknown>;
      } =
        record.version === 1
          ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pkName } }
          : {
              ConditionExpression: '#version = :previous',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':previous': record.version - 1 },
            };
      try {
        await client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName,
                  Item: {
                    ...pickFields<BindingRecord>(record, fields),
                    ...bindingKey(record.tenant, record.service),
                  },
                  ...condition,
                },
              },
              await auditPut(deps, audit),
            ],
          }),
        );
      } catch (error) {
        if (failedCondition(error, 0)) {
          throw new PreconditionFailedError(
            `binding ${record.service} changed meanwhile; read it and retry`,
            {
              cause: error,
            },
          );
        }
        throw storeFailure(error);
      }
    },
  };
}
