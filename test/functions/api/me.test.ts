/**
 * `GET /v1/me`: any signed-in caller learns who it is and what it may do — tenant, scopes, rules, key
 * name and expiry — and, for one secret, each action allowed or not, by the same function as an
 * admin's `/v1/api-keys/{id}/effective`. Nothing about other keys or tenants; a hidden secret is
 * judged as an absent one. Local mode over HTTP on DynamoDB Local; JWT principals through the Lambda
 * entry with API Gateway's verified claims.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies } from '../../../functions/dependencies.ts';
import { createApiHandler } from '../../../functions/http/api-handler.ts';
import { routes } from '../../../functions/routes.ts';
import { ensureTable } from '../../../local/ensure-table.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { createTestTable } from '../../servers/dynamodb.ts';
import { event } from '../http/api-events.ts';

let api: LocalApi;

async function makeKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const made = await api.request('POST', '/v1/api-keys', { body });
  expect(made.status, made.text).toBe(201);
  return made.json;
}

beforeAll(async () => {
  api = await startLocalApi();
  for (const name of ['open/db', 'protected/db']) {
    const created = await api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { TOKEN: 'never-in-me' } },
    });
    expect(created.status, created.text).toBe(201);
  }
});
afterAll(async () => {
  await api?.stop();
});

describe('GET /v1/me with an API key', () => {
  it('tells a read-only key its name, tenant, scopes and expiry, and that it may read but not reveal or write', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { id, key } = await makeKey({ name: 'reader', scopes: ['read'], expiresAt });

    const me = await api.request('GET', '/v1/me?secret=open/db', { key });

    expect(me.status, me.text).toBe(200);
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect(me.json).toEqual({
      principal: `apikey:${id}`,
      tenant: 'default',
      scopes: ['read'],
      operator: false,
      tenantAdmin: false,
      keyName: 'reader',
      expiresAt,
      effective: {
        secret: 'open/db',
        read: true,
        reveal: false,
        write: false,
        rotate: false,
        delete: false,
        admin: false,
        actions: expect.arrayContaining([
          { action: 'read', allowed: true, decidedBy: 'scopes' },
          { action: 'reveal', allowed: false, decidedBy: 'scope' },
        ]),
      },
    });
    expect(me.text).not.toContain('never-in-me');
  });

  it('says a rule denies one prefix, and answers exactly what the admin’s effective route answers', async () => {
    const rules = [
      { actions: ['read', 'reveal', 'write', 'rotate', 'delete'], secrets: ['**'] },
      { actions: ['reveal', 'write', 'delete'], secrets: ['protected/**'], effect: 'deny' },
    ];
    const { id, key } = await makeKey({ name: 'fenced', scopes: ['read', 'reveal', 'write'], rules });

    const denied = await api.request('GET', `/v1/me?secret=${encodeURIComponent('protected/db')}`, { key });
    const open = await api.request('GET', '/v1/me?secret=open/db', { key });
    const admin = await api.request('GET', `/v1/api-keys/${id}/effective?secret=protected/db`);

    expect(denied.status, denied.text).toBe(200);
    expect(denied.json.rules).toEqual(rules.map((rule) => ({ effect: 'allow', ...rule })));
    expect(denied.json.effective).toMatchObject({ read: true, reveal: false, write: false, delete: false });
    expect(open.json.effective).toMatchObject({ read: true, reveal: true, write: true, delete: true });
    expect(denied.json.effective.actions).toEqual(admin.json.actions);
    expect(denied.json.effective.actions).toContainEqual({
      action: 'reveal',
      allowed: false,
      decidedBy: 'rule',
      rule: 1,
      effect: 'deny',
    });
  });

  it('judges a secret the caller may not read as an absent one, so the answer does not tell it exists', async () => {
    const rules = [
      { actions: ['read', 'reveal'], secrets: ['**'], connections: ['**'] },
      { actions: ['read', 'reveal'], secrets: ['**'], connections: ['local'], effect: 'deny' },
    ];
    const { key } = await makeKey({ name: 'not local', scopes: ['read', 'reveal'], rules });

    const hidden = await api.request('GET', '/v1/me?secret=open/db', { key });
    const absent = await api.request('GET', '/v1/me?secret=nobody/here', { key });

    expect({ ...hidden.json.effective, secret: 'x' }).toEqual({ ...absent.json.effective, secret: 'x' });
  });

  it('needs no scope: a key with only admin, or only reveal, may ask about itself', async () => {
    const { key } = await makeKey({ name: 'revealer', scopes: ['reveal'] });

    const me = await api.request('GET', '/v1/me', { key });

    expect(me.status, me.text).toBe(200);
    expect(me.json).toMatchObject({ scopes: ['reveal'], tenantAdmin: false });
    expect(me.json.effective).toBeUndefined();
  });

  it('names the operator as such, with every scope and no key name', async () => {
    const me = await api.request('GET', '/v1/me?secret=open/db');

    expect(me.status, me.text).toBe(200);
    expect(me.json).toMatchObject({
      principal: 'operator',
      operator: true,
      tenantAdmin: true,
      scopes: ['read', 'reveal', 'write', 'admin'],
    });
    expect(me.json.keyName).toBeUndefined();
    expect(me.json.effective).toMatchObject({ read: true, reveal: true, write: true, admin: true });
  });

  it('tells a key of another tenant nothing of this one', async () => {
    const other = await makeKey({
      name: 'elsewhere',
      scopes: ['read', 'reveal', 'write'],
      tenant: 'other-team',
    });

    const me = await api.request('GET', '/v1/me?secret=open/db', { key: other.key });

    expect(me.json).toMatchObject({ tenant: 'other-team', keyName: 'elsewhere' });
    expect(me.text).not.toMatch(/"default"|reader|fenced/);
  });

  it('refuses a missing or revoked key (401) and a bad secret name (400)', async () => {
    const { id, key } = await makeKey({ name: 'short-lived', scopes: ['read'] });
    expect((await api.request('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);

    expect((await api.request('GET', '/v1/me', { key: '' })).status).toBe(401);
    expect((await api.request('GET', '/v1/me', { key })).status).toBe(401);
    const bad = await api.request('GET', '/v1/me?secret=..%2Fescape', {});
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('secret');
  });
});

describe('GET /v1/me with a JWT', () => {
  let handler: ReturnType<typeof createApiHandler>;
  let vaultDir: string;
  beforeAll(async () => {
    const table = await createTestTable();
    await ensureTable(table.client, table.tableName);
    vaultDir = await mkdtemp(join(tmpdir(), 'secretm-me-'));
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
        jwtRulesClaim: 'custom:rules',
      },
      { client: table.documentClient },
    );
    handler = createApiHandler(routes, async () => deps);
  });
  afterAll(async () => {
    await rm(vaultDir, { recursive: true, force: true });
  });

  it('describes a token’s subject, tenant, scopes and rules, with no key name', async () => {
    const rules = [{ actions: ['read', 'reveal'], secrets: ['ci/**'], effect: 'allow' }];
    const claims = { sub: 'user-7', 'custom:tenant': 'payments', 'custom:rules': JSON.stringify(rules) };

    const answer = await handler(
      event('GET /v1/me', {
        path: '/v1/me',
        claims,
        scopes: ['secretm/read', 'secretm/reveal'],
        query: { secret: 'prod/db' },
      }),
    );

    expect(answer.statusCode, answer.body).toBe(200);
    const me = JSON.parse(answer.body!);
    expect(me).toMatchObject({
      principal: 'jwt:user-7',
      tenant: 'payments',
      scopes: ['read', 'reveal'],
      operator: false,
      tenantAdmin: false,
      rules,
      effective: { secret: 'prod/db', read: false, reveal: false, write: false },
    });
    expect(me.keyName).toBeUndefined();
  });

  it('answers a token with no secretm scope too: being signed in is enough', async () => {
    const answer = await handler(
      event('GET /v1/me', { path: '/v1/me', claims: { sub: 'user-8', 'custom:tenant': 'payments' } }),
    );

    expect(answer.statusCode, answer.body).toBe(200);
    expect(JSON.parse(answer.body!)).toMatchObject({ principal: 'jwt:user-8', scopes: [] });
  });
});
