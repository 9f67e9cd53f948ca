import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import { createTestTable } from '../servers/dynamodb.ts';

describe('table definition', () => {
  it('creates a table on DynamoDB Local with the keys and the rotation index it names', async () => {
    const { client, tableName } = await createTestTable();

    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));

    expect(Table?.KeySchema).toEqual([
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([
      tableDefinition.indexes.byNextRotation.name,
    ]);
  });
});
