/** Bindings in DynamoDB (`pk=T#<tenant>`, `sk=B#<service>`), each change written with its audit event. */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/audit-types.ts';
import type { BindingRecord } from '../bindings/binding-types.ts';
import { PreconditionFailedError } from '../errors.ts';
import { type AuditWriteDeps, auditPut } from './audit-store.ts';
import { failedCondition, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { pkName, skName, tenantPk } from './keys.ts';

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

const bindingKey = (tenant: string, service: string) => ({
  [pkName]: tenantPk(tenant),
  [skName]: `B#${service}`,
});

export interface BindingStore {
  get(tenant: string, service: string): Promise<BindingRecord | undefined>;
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
