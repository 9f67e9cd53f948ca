/**
 * The single definition of secretm's DynamoDB table: used by the CDK stack, by local mode's bootstrap
 * and by the tests. Every partition key starts with the tenant (`T#<tenant>`), except API keys, which
 * are looked up by key id before the tenant is known.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export const tableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Items with this attribute (epoch seconds) are removed by DynamoDB TTL: audit events, idempotency records. */
  ttlAttribute: 'expiresAt',
  indexes: {
    /** Secrets by next rotation time, so due secrets are found without a scan. */
    byNextRotation: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  },
} as const;

/** The CreateTable input for DynamoDB Local and tests (CDK builds the same shape from `tableDefinition`). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, indexes } = tableDefinition;
  const gsi = indexes.byNextRotation;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: gsi.partitionKey, AttributeType: 'S' },
      { AttributeName: gsi.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: gsi.name,
        KeySchema: [
          { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
          { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}
