/**
 * An AWS deployment's request path end to end, on moto (STS and Secrets Manager, behind a recording
 * proxy) and DynamoDB Local: the Lambda handler with API Gateway events, the built-in `aws` connection,
 * and tenant sessions assumed from STS with the tenant's session policy. Every Secrets Manager call of a
 * tenant's request is signed with that tenant's session, never the function's own credentials; a
 * session is assumed once per tenant and kept; when STS cannot be reached the request answers 503 with
 * a request id and nothing runs on the function's role.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDependencies, type Dependencies } from '../../functions/dependencies.ts';
import { type ApiHandler, createApiHandler } from '../../functions/http/api-handler.ts';
import { routes } from '../../functions/routes.ts';
import { ensureTable } from '../../local/ensure-table.ts';
import type { Config } from '../../shared/config.ts';
import { event } from '../functions/http/api-events.ts';
import { type CountingProxy, countingProxy, type LoggedRequest } from '../layers/secretm/counting-proxy.ts';
import { createTestTable } from '../servers/dynamodb.ts';

const functionCredentials = { accessKeyId: 'AKIDFUNCTIONROLE', secretAccessKey: 'function-role-secret' };
const stage = `e2e${randomBytes(3).toString('hex')}`;
const operatorKey = `operator-${randomBytes(16).toString('hex')}`;
let proxy: CountingProxy;
let handler: ApiHandler;
let deps: Dependencies;
/** What the cold start's operator bootstrap sent. */
let bootstrap: LoggedRequest[];

const claimsOf = (tenant: string) => ({ sub: `user@${tenant}`, tenant });
const all = ['read', 'reveal', 'write', 'admin'];

async function call(
  routeKey: string,
  path: string,
  options: { tenant?: string; apiKey?: string; body?: unknown; pathParameters?: Record<string, string> } = {},
) {
  const answer = await handler(
    event(routeKey, {
      path,
      ...(options.tenant ? { claims: claimsOf(options.tenant), scopes: all } : {}),
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    }),
  );
  return { status: answer.statusCode ?? 0, json: answer.body ? JSON.parse(answer.body) : undefined, answer };
}

const assumed = () => proxy.requests().filter((request) => request.operation === 'AssumeRole');
const secretsManagerCalls = () => proxy.requests().filter((request) => request.operation !== 'AssumeRole');

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
  const table = await createTestTable();
  await ensureTable(table.documentClient, table.tableName);
  const operatorSecret = `secretm/${stage}/_system/operator-key`;
  await new SecretsManagerClient({
    endpoint: inject('motoEndpoint'),
    region: 'us-east-1',
    credentials: functionCredentials,
  }).send(new CreateSecretCommand({ Name: operatorSecret, SecretString: operatorKey }));
  const config: Config = {
    mode: 'aws',
    stage,
    tableName: table.tableName,
    region: 'us-east-1',
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    awsEndpoint: proxy.endpoint,
    defaultConnection: 'aws',
    auditRetentionDays: 30,
    jwtTenantClaim: 'tenant',
    operatorKeySecret: operatorSecret,
    operatorTenant: 'default',
    operatorRoleArn: 'arn:aws:iam::123456789012:role/secretm-operator',
    tenantAccess: {
      roleArn: 'arn:aws:iam::123456789012:role/secretm-tenant-access',
      tableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${table.tableName}`,
    },
  };
  deps = createDependencies(config, { awsCredentials: functionCredentials });
  await deps.ready();
  bootstrap = proxy.requests();
  handler = createApiHandler(routes, async () => deps);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
});

describe('tenant sessions in an AWS deployment (moto STS)', () => {
  it('runs each tenant’s Secrets Manager calls on that tenant’s session, assumed once with its policy', async () => {
    proxy.reset();
    const created = await call('POST /v1/secrets', '/v1/secrets', {
      tenant: 'alpha',
      body: { name: 'db', type: 'env', data: { PASSWORD: 'alpha-only' } },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.vaultRef).toBe(`secretm/${stage}/alpha/db`);
    const read = await call('GET /v1/secrets/{name}/value', '/v1/secrets/db/value', {
      tenant: 'alpha',
      pathParameters: { name: 'db' },
    });
    expect(read.json.data).toEqual({ PASSWORD: 'alpha-only' });

    expect(assumed()).toHaveLength(1);
    const [session] = assumed();
    expect(session!.accessKeyId).toBe(functionCredentials.accessKeyId);
    expect(session!.form).toMatchObject({
      RoleArn: 'arn:aws:iam::123456789012:role/secretm-tenant-access',
      RoleSessionName: 'tenant.alpha',
    });
    const policy = JSON.parse(session!.form.Policy!);
    expect(JSON.stringify(policy)).toContain(`secretm/${stage}/alpha/*`);
    expect(JSON.stringify(policy)).not.toContain(`secretm/${stage}/beta`);
    const signers = new Set(secretsManagerCalls().map((request) => request.accessKeyId));
    expect(signers.size).toBe(1);
    expect(signers).not.toContain(functionCredentials.accessKeyId);
  });

  it('keeps a tenant’s session while it is valid, and gives another tenant a session of its own', async () => {
    proxy.reset();
    await call('GET /v1/secrets/{name}/value', '/v1/secrets/db/value', {
      tenant: 'alpha',
      pathParameters: { name: 'db' },
    });
    expect(assumed()).toEqual([]);
    const alphaSigner = secretsManagerCalls()[0]!.accessKeyId;

    proxy.reset();
    const stolen = await call('POST /v1/secrets/import', '/v1/secrets/import', {
      tenant: 'beta',
      body: { connection: 'aws', ref: `secretm/${stage}/alpha/db`, name: 'stolen' },
    });
    expect(stolen.status).toBe(404);
    // Beta's own session; and one that may only write alpha's audit, where the attempt is recorded,
    // and read alpha's audit key, which seals it.
    expect(assumed().map((request) => request.form.RoleSessionName)).toEqual(['tenant.beta', 'audit.alpha']);
    const auditOnly = JSON.parse(assumed()[1]!.form.Policy!);
    expect(auditOnly.Statement).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:PutItem'],
        Condition: expect.objectContaining({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#alpha#A'] },
        }),
      }),
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: [
          expect.stringMatching(
            new RegExp(`:secret:secretm/${stage}/_system/tenants/alpha/audit-key-\\?{6}$`),
          ),
        ],
      },
    ]);
    // Refused at the port: no Secrets Manager call named alpha's secret; alpha's audit key was read
    // (on the audit session, to seal the record of the attempt), nothing else of alpha's.
    const alphaKey = `secretm/${stage}/_system/tenants/alpha/audit-key`;
    const namingAlpha = secretsManagerCalls().filter((request) =>
      JSON.stringify(request.json ?? {}).includes('/alpha/'),
    );
    expect(namingAlpha.filter((request) => request.json?.SecretId !== alphaKey)).toEqual([]);
    expect(namingAlpha.map((request) => request.operation)).toEqual(['GetSecretValue']);
    const created = await call('POST /v1/secrets', '/v1/secrets', {
      tenant: 'beta',
      body: { name: 'db', type: 'env', data: { PASSWORD: 'beta-only' } },
    });
    expect(created.json.vaultRef).toBe(`secretm/${stage}/beta/db`);
    const betaSigners = new Set(
      secretsManagerCalls()
        .filter((request) => request.operation === 'CreateSecret')
        .map((request) => request.accessKeyId),
    );
    expect([...betaSigners]).toHaveLength(1);
    expect(betaSigners).not.toContain(alphaSigner);
    expect(betaSigners).not.toContain(functionCredentials.accessKeyId);
  });

  it('authenticates API keys: the pointer on the function’s role, the key on its tenant’s session', async () => {
    const made = await call('POST /v1/api-keys', '/v1/api-keys', {
      apiKey: operatorKey,
      body: { name: 'ci', scopes: ['read', 'reveal'], tenant: 'gamma' },
    });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
    const listed = await call('GET /v1/secrets', '/v1/secrets', { apiKey: made.json.key });
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([]);
    expect(assumed().some((request) => request.form.RoleSessionName === 'tenant.gamma')).toBe(true);
  });

  it('installs and rotates the operator key on the operator role, which alone reads and writes its secret', async () => {
    const session = bootstrap.find((request) => request.operation === 'AssumeRole');
    expect(session?.form).toMatchObject({ RoleArn: 'arn:aws:iam::123456789012:role/secretm-operator' });
    expect(session?.accessKeyId).toBe(functionCredentials.accessKeyId);
    const read = bootstrap.find((request) => request.operation === 'GetSecretValue');
    expect(read?.json?.SecretId).toBe(`secretm/${stage}/_system/operator-key`);
    expect(read?.accessKeyId).not.toBe(functionCredentials.accessKeyId);

    proxy.reset();
    const rotated = await call('POST /v1/api-keys/operator/rotate', '/v1/api-keys/operator/rotate', {
      apiKey: operatorKey,
    });
    expect(rotated.status, JSON.stringify(rotated.json)).toBe(200);
    const put = proxy.requests().find((request) => request.operation === 'PutSecretValue');
    expect(put?.json?.SecretId).toBe(`secretm/${stage}/_system/operator-key`);
    expect(put?.accessKeyId).toBe(read?.accessKeyId);
    expect((await call('GET /v1/secrets', '/v1/secrets', { apiKey: rotated.json.key })).status).toBe(200);
    expect((await call('GET /v1/secrets', '/v1/secrets', { apiKey: operatorKey })).status).toBe(401);
  });

  it('answers 503 with a request id when STS cannot be reached, and never falls back to the function’s role', async () => {
    proxy.down = true;
    proxy.reset();
    try {
      const answer = await call('GET /v1/secrets', '/v1/secrets', { tenant: 'delta' });
      expect(answer.status).toBe(503);
      expect(answer.json.error.requestId).toMatch(/-/);
      expect(answer.answer.body).not.toMatch(/\bat .*\.ts:\d+/);
    } finally {
      proxy.down = false;
    }
    const answer = await call('GET /v1/secrets', '/v1/secrets', { tenant: 'delta' });
    expect(answer.status).toBe(200);
  });
});
