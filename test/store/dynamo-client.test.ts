import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { createTestTable, testCredentials } from '../servers/dynamodb.ts';

describe('document client', () => {
  it('talks to the given endpoint and drops undefined values instead of failing', async () => {
    // Prepare
    const { tableName } = await createTestTable();
    const client = createDocumentClient({
      endpoint: inject('dynamodbEndpoint'),
      region: 'us-east-1',
      credentials: testCredentials,
    });

    // Act
    await client.send(
      new PutCommand({ TableName: tableName, Item: { pk: 'p', sk: 's', kept: 1, dropped: undefined } }),
    );

    // Assess
    const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: { pk: 'p', sk: 's' } }));
    expect(Item).toEqual({ pk: 'p', sk: 's', kept: 1 });
  });
});
