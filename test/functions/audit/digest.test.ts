/**
 * The digest function in an AWS deployment, on moto (STS and Secrets Manager, behind a recording proxy)
 * and DynamoDB Local: a tenant's first request makes its audit key in Secrets Manager on the tenant's
 * session; the scheduled run reads that key on the function's own credentials, digests the tenant's
 * closed hours and chains them; verify, through the Lambda handler, finds the audit intact; a second
 * run writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { digestAudits } from '../../../functions/audit/digest.ts';
import { createDependencies, type Dependencies } from '../../../functions/dependencies.ts';
import { type ApiHandler, createApiHandler } from '../../../functions/http/api-handler.ts';
import { routes } from '../../../functions/routes.ts';
import { ensureTable } from '../../../local/ensure-table.ts';
import type { Config } from '../../../shared/config.ts';
import { auditDigestPk, pkName } from '../../../shared/store/keys.ts';
import { type CountingProxy, countingProxy } from '../../layers/secretm/counting-proxy.ts';
import { createTestTable, type TestTable } from '../../servers/dynamodb.ts';
import { event } from '../http/api-events.ts';

const functionCredentials = { accessKeyId: 'AKIDDIGESTFUNCTION', secretAccessKey: 'digest-function-secret' };
const stage = `dg${randomBytes(3).toString('hex')}`;
const tenant = 'alpha';
let now = new Date('2026-05-01T09:10:00.000Z');
let proxy: CountingProxy;
let table: TestTable;
let deps: Dependencies;
let handler: ApiHandler;

const claims = { sub: `user@${tenant}`, tenant };
const scopes = ['read', 'reveal', 'write', 'admin'];

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
  table = await createTestTable();
  await ensureTable(table.documentClient, table.tableName);
  const operatorSecret = `secretm/${stage}/_system/operator-key`;
  await new SecretsManagerClient({
    endpoint: inject('motoEndpoint'),
    region: 'us-east-1',
    credentials: functionCredentials,
  }).send(
    new CreateSecretCommand({ Name: operatorSecret, SecretString: `op-${randomBytes(16).toString('hex')}` }),
  );
  const config: Config = {
    mode: 'aws',
    stage,
    tableName: table.tableName,
    region: 'us-east-1',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    awsEndpoint: proxy.endpoint,
    defaultConnection: 'aws',
    auditRetentionDays: 400,
    jwtTenantClaim: 'tenant',
    operatorKeySecret: operatorSecret,
    operatorTenant: 'default',
    operatorRoleArn: 'arn:aws:iam::123456789012:role/secretm-operator',
    tenantAccess: {
      roleArn: 'arn:aws:iam::123456789012:role/secretm-tenant-access',
      tableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${table.tableName}`,
    },
  };
  deps = createDependencies(config, { awsCredentials: functionCredentials, clock: { now: () => now } });
  handler = createApiHandler(routes, async () => deps);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
});

describe('the audit digest function in an AWS deployment', () => {
  it('digests a tenant whose key its first request made, reading the key on its own role; verify holds', async () => {
    proxy.reset();
    const created = await handler(
      event('POST /v1/secrets', {
        path: '/v1/secrets',
        claims,
        scopes,
        body: { name: 'db', type: 'env', data: { PASSWORD: 'never-in-a-digest' } },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const keyMade = proxy
      .requests()
      .filter(
        (request) =>
          request.operation === 'CreateSecret' && String(request.json?.Name).endsWith('/audit-key'),
      );
    expect(keyMade).toHaveLength(1);
    expect(keyMade[0]!.accessKeyId).not.toBe(functionCredentials.accessKeyId);

    proxy.reset();
    now = new Date('2026-05-01T10:25:00.000Z');
    const run = await digestAudits(deps);
    const again = await digestAudits(deps);

    expect(run).toMatchObject({ done: true, failed: [] });
    // The hour before the key's (08:00) and the key's own (09:00).
    expect(run.digests).toBe(2);
    expect(again.digests).toBe(0);
    const keyReads = proxy.requests().filter((request) => request.operation === 'GetSecretValue');
    expect(keyReads.length).toBeGreaterThan(0);
    expect(new Set(keyReads.map((request) => request.accessKeyId))).toEqual(
      new Set([functionCredentials.accessKeyId]),
    );
    const { Items } = await table.documentClient.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': pkName },
        ExpressionAttributeValues: { ':pk': auditDigestPk(tenant) },
      }),
    );
    expect(JSON.stringify(Items)).not.toContain('never-in-a-digest');

    const verified = await handler(
      event('GET /v1/audit/verify', { path: '/v1/audit/verify', claims, scopes }),
    );
    expect(verified.statusCode, verified.body).toBe(200);
    expect(JSON.parse(verified.body!)).toMatchObject({
      tenant,
      intact: true,
      digestedThrough: '2026-05-01T10:00:00.000Z',
      checked: { digests: 2 },
    });
  });
});
