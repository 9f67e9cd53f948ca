/**
 * The operator key: one item (`OPERATOR`) in no tenant's partition, which tenant credentials cannot
 * reach (shared/tenancy/table-access.ts). Only the operator bootstrap and the operator's own rotation
 * write it.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { operatorKeyKey } from './keys.ts';
import type { OperatorKeyRecord, OperatorKeyStore } from './store-types.ts';

const fields: FieldMap<OperatorKeyRecord> = { tenant: true, hash: true, createdAt: true, createdBy: true };

export function createOperatorKeyStore(deps: StoreDeps): OperatorKeyStore {
  return {
    async get() {
      try {
        const { Item } = await deps.client.send(
          new GetCommand({ TableName: deps.tableName, Key: operatorKeyKey(), ConsistentRead: true }),
        );
        return Item ? pickFields<OperatorKeyRecord>(Item, fields) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },
    async put(record) {
      try {
        await deps.client.send(
          new PutCommand({
            TableName: deps.tableName,
            Item: { ...pickFields<OperatorKeyRecord>(record, fields), ...operatorKeyKey() },
          }),
        );
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}
