/** DynamoDB Local as the tests start it: on 127.0.0.1 only, one database shared by any credentials. */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createTableInput } from '../../shared/store/table-definition.ts';
import { listeningAddresses } from './listening-addresses.ts';

const endpoint = inject('dynamodbEndpoint');
const clientWith = (accessKeyId: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'test' },
  });

describe("the tests' DynamoDB Local", () => {
  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(endpoint).port);

    expect(await listeningAddresses(port)).toEqual(['127.0.0.1']);
  });

  it('shows every client the same tables, whatever its access key (-sharedDb)', async () => {
    const tableName = `secretm-shared-${randomUUID()}`;
    await clientWith('writer').send(new CreateTableCommand(createTableInput(tableName)));

    const seen = await clientWith('someoneElse').send(new DescribeTableCommand({ TableName: tableName }));

    expect(seen.Table?.TableName).toBe(tableName);
  });
});
