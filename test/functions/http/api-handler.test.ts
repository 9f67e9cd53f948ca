/** The Lambda entry itself, driven with API Gateway v2 events as AWS sends them (JWT authorizer claims). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies } from '../../../functions/dependencies.ts';
import { createApiHandler } from '../../../functions/http/api-handler.ts';
import { routes } from '../../../functions/routes.ts';
import { ensureTable } from '../../../local/ensure-table.ts';
import { createTestTable } from '../../servers/dynamodb.ts';
import { event } from './api-events.ts';

let handler: ReturnType<typeof createApiHandler>;
let vaultDir: string;
beforeAll(async () => {
  const table = await createTestTable();
  await ensureTable(table.client, table.tableName);
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-jwt-'));
  const deps = createDependencies(
    {
      mode: 'local',
      stage: 'test',
      tableName: table.tableName,
      region: 'us-east-1',
      localVaultDir: vaultDir,
      defaultConnection: 'local',
      auditRetentionDays: 30,
      jwtTenantClaim: 'custom:tenant',
    },
    { client: table.documentClient },
  );
  handler = createApiHandler(routes, async () => deps);
});
afterAll(async () => {
  await rm(vaultDir, { recursive: true, force: true });
});

describe('JWT authorizer claims', () => {
  it('takes the tenant from the configured claim and the scopes from the token', async () => {
    const claims = { sub: 'user-1', 'custom:tenant': 'payments' };

    const created = await handler(
      event('POST /v1/secrets', {
        path: '/v1/secrets',
        claims,
        scopes: ['secretm/write'],
        body: { name: 'jwt-made', type: 'env', data: { K: 'v' } },
      }),
    );
    const listed = await handler(
      event('GET /v1/secrets', { path: '/v1/secrets', claims, scopes: ['secretm/read'] }),
    );

    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body!).createdBy).toBe('jwt:user-1');
    expect(JSON.parse(listed.body!).items.map((s: { name: string }) => s.name)).toEqual(['jwt-made']);
  });

  it('answers 403 when the token lacks the scope and 401 when the tenant claim is missing', async () => {
    const reveal = await handler(
      event('GET /v1/secrets/{name}/value', {
        path: '/v1/secrets/jwt-made/value',
        pathParameters: { name: 'jwt-made' },
        claims: { sub: 'user-1', 'custom:tenant': 'payments' },
        scopes: ['secretm/read'],
      }),
    );
    const noTenant = await handler(
      event('GET /v1/secrets', { path: '/v1/secrets', claims: { sub: 'user-1' }, scopes: ['read'] }),
    );

    expect(reveal.statusCode).toBe(403);
    expect(noTenant.statusCode).toBe(401);
  });

  it("keeps one tenant's secrets out of another tenant's answers", async () => {
    const other = await handler(
      event('GET /v1/secrets', {
        path: '/v1/secrets',
        claims: { sub: 'user-2', 'custom:tenant': 'marketing' },
        scopes: ['read'],
      }),
    );

    expect(JSON.parse(other.body!).items).toEqual([]);
  });

  it('reaches a secret whose name is a path, as API Gateway delivers an encoded slash', async () => {
    const claims = { sub: 'user-1', 'custom:tenant': 'paths' };
    const created = await handler(
      event('POST /v1/secrets', {
        path: '/v1/secrets',
        claims,
        scopes: ['write'],
        body: { name: 'payments/prod/db', type: 'env', data: { PASSWORD: 'p' } },
      }),
    );
    expect(created.statusCode).toBe(201);
    // The client sends /v1/secrets/payments%252Fprod%252Fdb/value: API Gateway decodes the path once
    // before it routes (a single %2F would become a / and match no route), and hands the function the
    // parameter with %2F in it. Should it hand the parameter over decoded, the name is as good.
    for (const name of ['payments%2Fprod%2Fdb', 'payments/prod/db']) {
      const read = await handler(
        event('GET /v1/secrets/{name}/value', {
          path: '/v1/secrets/payments%2Fprod%2Fdb/value',
          pathParameters: { name },
          claims,
          scopes: ['reveal'],
        }),
      );
      expect(read.statusCode, read.body).toBe(200);
      expect(JSON.parse(read.body!).data).toEqual({ PASSWORD: 'p' });
    }
  });

  it('answers an unknown route 404 with a request id and no stack trace', async () => {
    const answer = await handler(event('GET /v1/nowhere', { path: '/v1/nowhere' }));

    expect(answer.statusCode).toBe(404);
    expect(JSON.parse(answer.body!).error.requestId).toMatch(/-/);
    expect(answer.body).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
