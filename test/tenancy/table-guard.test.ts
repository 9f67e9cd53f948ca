import { QueryCommand as RawQueryCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantTableRules } from '../../shared/tenancy/table-access.ts';
import { guardedTableClient, TenantBoundaryError } from '../../shared/tenancy/table-guard.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { rejectionOf } from '../store/store-fixtures.ts';

let table: TestTable;
let acme: ReturnType<typeof guardedTableClient>;
beforeAll(async () => {
  table = await createTestTable();
  acme = guardedTableClient(table.documentClient, tenantTableRules('acme'));
  await table.documentClient.send(
    new PutCommand({ TableName: table.tableName, Item: { pk: 'T#other', sk: 'S#prod-db', owner: 'other' } }),
  );
});

describe('a tenant’s table client', () => {
  it('reads and writes the tenant’s own partitions', async () => {
    const TableName = table.tableName;
    await acme.send(new PutCommand({ TableName, Item: { pk: 'T#acme', sk: 'S#db', v: 1 } }));
    await acme.send(new PutCommand({ TableName, Item: { pk: 'T#acme#S#db', sk: 'V#1' } }));
    await acme.send(
      new UpdateCommand({
        TableName,
        Key: { pk: 'T#acme', sk: 'S#db' },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': 2 },
      }),
    );
    const { Item } = await acme.send(new GetCommand({ TableName, Key: { pk: 'T#acme', sk: 'S#db' } }));
    expect(Item?.v).toBe(2);
    const { Items } = await acme.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': 'T#acme#S#db' },
      }),
    );
    expect(Items).toHaveLength(1);
    // The low-level client's query, as the usage store sends it.
    await acme.send(
      new RawQueryCommand({
        TableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: 'T#acme#U#2026-12' } },
      }),
    );
    await acme.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: 'T#acme#A', sk: 'x' } } },
          { Put: { TableName, Item: { pk: 'K#0123456789abcdef0123', sk: 'K', tenant: 'acme' } } },
        ],
      }),
    );
  });

  it.each([
    [
      'a read of another tenant’s item',
      new GetCommand({ TableName: 't', Key: { pk: 'T#other', sk: 'S#prod-db' } }),
    ],
    [
      'a read of a tenant whose id starts alike',
      new GetCommand({ TableName: 't', Key: { pk: 'T#acme-2', sk: 'S#x' } }),
    ],
    [
      'a query of another tenant’s partition',
      new QueryCommand({
        TableName: 't',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'T#other' },
      }),
    ],
    [
      'a low-level query of another tenant’s usage',
      new RawQueryCommand({
        TableName: 't',
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': { S: 'T#other#U#2026-12' } },
      }),
    ],
    [
      'a query of the rotation index',
      new QueryCommand({
        TableName: 't',
        IndexName: 'gsi1',
        KeyConditionExpression: '#g = :g',
        ExpressionAttributeNames: { '#g': 'gsi1pk' },
        ExpressionAttributeValues: { ':g': 'ROTATION#0' },
      }),
    ],
    ['a scan', new ScanCommand({ TableName: 't' })],
    [
      'an update of an API key pointer',
      new UpdateCommand({
        TableName: 't',
        Key: { pk: 'K#x', sk: 'K' },
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': 1 },
      }),
    ],
    [
      'a write of the operator key',
      new PutCommand({ TableName: 't', Item: { pk: 'OPERATOR', sk: 'OPERATOR' } }),
    ],
    [
      'a delete of another tenant’s item',
      new DeleteCommand({ TableName: 't', Key: { pk: 'T#other', sk: 'S#prod-db' } }),
    ],
    [
      'a transaction with one item of another tenant',
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 't', Item: { pk: 'T#acme', sk: 'S#y' } } },
          { Put: { TableName: 't', Item: { pk: 'T#other#A', sk: 'forged' } } },
        ],
      }),
    ],
    [
      'a batch write with one item of another tenant',
      new BatchWriteCommand({
        RequestItems: {
          t: [
            { PutRequest: { Item: { pk: 'T#acme', sk: 'S#z' } } },
            { DeleteRequest: { Key: { pk: 'T#other', sk: 'S#prod-db' } } },
          ],
        },
      }),
    ],
  ])('refuses %s before it is sent', async (_what, command) => {
    (command.input as { TableName?: string }).TableName &&= table.tableName;
    expect(await rejectionOf(acme.send(command as never))).toBeInstanceOf(TenantBoundaryError);
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.tableName, Key: { pk: 'T#other', sk: 'S#prod-db' } }),
    );
    expect(Item).toEqual({ pk: 'T#other', sk: 'S#prod-db', owner: 'other' });
  });
});
