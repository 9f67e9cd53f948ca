/**
 * secretm names on connections stored in the table: a secret written through the API (local mode) on
 * a HashiCorp Vault connection (OpenBao, AppRole) and on an AWS Secrets Manager connection with its own
 * access keys (moto), read by the layer straight from those vaults, the connections' credentials taken
 * from secretm's own vault. A stored URL that points at a metadata address is refused before any
 * connection is opened.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/index.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { appRoleWithPolicy, enableKvV2, kvPolicy } from '../../providers/hashicorp-vault-fixtures.ts';
import { testDynamoClient } from '../../servers/dynamodb.ts';
import { credentials, fakeClock, region, rejectionOf } from './layer-fixtures.ts';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi();
  const mount = await enableKvV2();
  const approle = await appRoleWithPolicy(kvPolicy(mount));
  const bao = await api.request('POST', '/v1/connections', {
    body: {
      name: 'bao',
      kind: 'hashicorp-vault',
      config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount } },
      credentials: { roleId: approle.roleId, secretId: approle.secretId },
      cacheTtlSeconds: 120,
    },
  });
  expect(bao.status).toBe(201);
  const aws = await api.request('POST', '/v1/connections', {
    body: {
      name: 'aws-keys',
      kind: 'aws-secrets-manager',
      config: { region, endpoint: inject('motoEndpoint') },
      credentials: { accessKeyId: 'AKIDSTORED', secretAccessKey: `s-${randomUUID()}` },
    },
  });
  expect(aws.status).toBe(201);
  for (const [name, connection] of [
    ['bao-db', 'bao'],
    ['aws-db', 'aws-keys'],
  ] as const) {
    const created = await api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', connection, data: { PASSWORD: `${name}-value` } },
    });
    expect(created.status).toBe(201);
  }
});

afterAll(async () => {
  await api.stop();
});

function layer() {
  return createSecretm({
    tableName: api.tableName,
    tenant: 'default',
    dynamodb: { region, endpoint: inject('dynamodbEndpoint'), credentials },
    aws: { region, endpoint: inject('motoEndpoint'), credentials },
    localVaultDir: join(api.dataDir, 'vault'),
    clock: fakeClock(),
  });
}

describe('secretm names on stored connections', () => {
  it('reads a secret on a HashiCorp Vault connection straight from the vault', async () => {
    const client = layer();
    expect(await client.getSecret('bao-db', { key: 'PASSWORD' })).toBe('bao-db-value');
    expect(client.stats().requests['bao:get']).toBe(1);
  });

  it('reads a secret on an AWS Secrets Manager connection with its own credentials', async () => {
    const client = layer();
    expect(await client.getSecret('aws-db', { key: 'PASSWORD' })).toBe('aws-db-value');
  });

  it('refuses a stored vault URL that points at a metadata address, before dialling it', async () => {
    // Real credentials (the bao connection's), so the URL is all that is wrong.
    const bao = await testDynamoClient().send(
      new GetItemCommand({ TableName: api.tableName, Key: { pk: { S: 'T#default' }, sk: { S: 'C#bao' } } }),
    );
    expect(bao.Item?.credentialsRef?.S).toBeDefined();
    await testDynamoClient().send(
      new PutItemCommand({
        TableName: api.tableName,
        Item: {
          pk: { S: 'T#default' },
          sk: { S: 'C#sneaky' },
          id: { S: 'sneaky' },
          tenant: { S: 'default' },
          kind: { S: 'hashicorp-vault' },
          config: {
            M: {
              url: { S: 'https://169.254.169.254' },
              engine: { M: { type: { S: 'kv-v2' }, mount: { S: 'kv' } } },
            },
          },
          credentialsRef: { S: bao.Item!.credentialsRef!.S! },
          cacheTtlSeconds: { N: '60' },
          version: { N: '1' },
        },
      }),
    );
    await testDynamoClient().send(
      new PutItemCommand({
        TableName: api.tableName,
        Item: {
          pk: { S: 'T#default' },
          sk: { S: 'S#sneaky-secret' },
          name: { S: 'sneaky-secret' },
          type: { S: 'env' },
          connection: { S: 'sneaky' },
          vaultRef: { S: 'app/x' },
          version: { N: '1' },
        },
      }),
    );
    const error = await rejectionOf(layer().getSecret('sneaky-secret'));
    expect(error).toBeInstanceOf(ValidationError);
    expect(String((error as Error).message)).toMatch(/link-local|metadata/);
  });
});
