/**
 * The findings of a new user and an attacker with two tenants' keys in local mode, each pinned: every
 * one of these answered the attacker before tenant isolation. (The seventh finding, DynamoDB Local
 * open to anyone on the network, is pinned by test/local/start-local-store.test.ts.)
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { type ApiAnswer, type LocalApi, startLocalApi } from '../local/local-fixture.ts';

let api: LocalApi;
let keyA: string;
let keyB: string;
let refA: string;
const tenantA = `default`;
const tenantB = `beta-${randomBytes(4).toString('hex')}`;
const value = `a-secret-${randomBytes(8).toString('hex')}`;
const connectionA = `vault-${randomBytes(4).toString('hex')}`;

async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const done = await answer;
  expect(done.status, done.text).toBeLessThan(300);
  return done;
}

const asB = (method: string, path: string, body?: unknown) =>
  api.request(method, path, { key: keyB, ...(body !== undefined ? { body } : {}) });

/** Every spelling the built-in vault used, or uses, for a connection's credentials. */
const credentialRefsOfA = () => [
  `${tenantA}/_connections.${connectionA}`,
  `secretm/${tenantA}/_connections.${connectionA}`,
  `secretm/local/_system/tenants/${tenantA}/connections/${connectionA}`,
];

beforeAll(async () => {
  api = await startLocalApi();
  // Tenant default is the operator's; A's admin key is the operator's own.
  keyA = api.adminKey;
  const madeB = await ok(
    api.request('POST', '/v1/api-keys', {
      body: { name: 'b admin', scopes: ['read', 'reveal', 'write', 'admin'], tenant: tenantB },
    }),
  );
  keyB = madeB.json.key;
  await ok(
    api.request('POST', '/v1/secrets', {
      key: keyA,
      body: { name: 'prod-db', type: 'env', data: { PASSWORD: value } },
    }),
  );
  refA = (await ok(api.request('GET', '/v1/secrets/prod-db', { key: keyA }))).json.vaultRef;
  await ok(
    api.request('POST', '/v1/connections', {
      key: keyA,
      body: {
        name: connectionA,
        kind: 'hashicorp-vault',
        config: { url: 'http://127.0.0.1:1', engine: { type: 'kv-v2', mount: 'secret' } },
        credentials: { token: `s.${randomBytes(12).toString('hex')}` },
      },
    }),
  );
});
afterAll(async () => {
  await api?.stop();
});

describe('tenant isolation: what a new user and an attacker found', () => {
  it('1. another tenant’s admin discovers none of this tenant’s refs in the built-in vault', async () => {
    const found = await ok(asB('GET', '/v1/connections/local/discover?limit=100'));
    const refs = found.json.items.map((item: { ref: string }) => item.ref);
    expect(refs).not.toContain(refA);
    expect(refs.filter((ref: string) => !ref.startsWith(`secretm/local/${tenantB}/`))).toEqual([]);
  });

  it('2. importing another tenant’s ref answers as absent, and nothing of its value can be read', async () => {
    const stolen = await asB('POST', '/v1/secrets/import', {
      connection: 'local',
      ref: refA,
      name: 'stolen',
    });
    const absent = await asB('POST', '/v1/secrets/import', {
      connection: 'local',
      ref: `${refA}-absent`,
      name: 'stolen',
    });
    expect(stolen.status).toBe(404);
    expect(stolen.json.error.code).toBe(absent.json.error.code);
    expect(stolen.json.error.message.replace(refA, 'REF')).toBe(
      absent.json.error.message.replace(`${refA}-absent`, 'REF'),
    );
    expect((await asB('GET', '/v1/secrets/stolen/value')).status).toBe(404);
    expect(stolen.text + absent.text).not.toContain(value);
  });

  it('3. so no write or delete can reach the other tenant’s value; it is as it was', async () => {
    await asB('POST', '/v1/secrets/import', { connection: 'local', ref: refA, name: 'stolen' });
    expect((await asB('PATCH', '/v1/secrets/stolen', { set: { PASSWORD: 'overwritten' } })).status).toBe(404);
    expect((await asB('DELETE', '/v1/secrets/stolen?force=true')).status).toBe(404);
    const mine = await ok(api.request('GET', '/v1/secrets/prod-db/value', { key: keyA }));
    expect(mine.json.data).toEqual({ PASSWORD: value });
  });

  it('4. a connection’s credentials are never importable, by another tenant or by their own', async () => {
    for (const key of [keyB, keyA]) {
      for (const ref of credentialRefsOfA()) {
        const answer = await api.request('POST', '/v1/secrets/import', {
          key,
          body: { connection: 'local', ref, name: `creds-${randomBytes(3).toString('hex')}` },
        });
        expect(answer.status, `${ref}: ${answer.text}`).toBe(404);
        expect(answer.text).not.toContain('token');
      }
    }
  });

  it('5. the attempts appear in the audit of the tenant whose ref was named', async () => {
    const attempt = await asB('POST', '/v1/secrets/import', {
      connection: 'local',
      ref: refA,
      name: 'stolen',
    });
    const audit = createAuditStore({ client: api.documentClient, tableName: api.tableName });
    const events = (await audit.list(tenantA, { limit: 1000 })).items;
    expect(events).toContainEqual(
      expect.objectContaining({
        tenant: tenantA,
        actor: expect.stringMatching(new RegExp(`@${tenantB}$`)),
        outcome: 'failure',
        requestId: attempt.headers.get('x-request-id'),
      }),
    );
  });

  it('6. no other key can revoke the operator key, and the operator cannot revoke its own', async () => {
    expect((await asB('DELETE', '/v1/api-keys/operator')).status).toBe(404);
    const own = await api.request('DELETE', '/v1/api-keys/operator', { key: api.adminKey });
    expect(own.status).toBe(403);
    expect(own.json.error.message).toContain('POST /v1/api-keys/operator/rotate');
    expect((await ok(api.request('GET', '/v1/secrets', { key: api.adminKey }))).status).toBe(200);
    const listed = await ok(asB('GET', '/v1/api-keys'));
    expect(listed.json.items.map((item: { id: string }) => item.id)).not.toContain('operator');
    expect(
      (await ok(api.request('GET', '/v1/api-keys', { key: api.adminKey }))).json.items.map(
        (item: { id: string }) => item.id,
      ),
    ).not.toContain('operator');
  });

  it.each([
    ['a malformed escape', 'secretm/local/default/%zz'],
    ['a climb above the root', 'secretm/../../etc/passwd'],
    ['a control character', 'secretm/local/default/db%00'],
    ['a segment of dots', 'secretm/local/.../db'],
    [
      'an ARN of the built-in vault',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:secretm/local/default/prod-db',
    ],
  ])('answers a ref with %s as absent (404), never 500', async (_what, ref) => {
    const answer = await asB('POST', '/v1/secrets/import', { connection: 'local', ref, name: 'adopted' });
    expect(answer.status, answer.text).toBe(404);
    expect(answer.json.error.code).toBe('not_found');
  });

  it('6. the operator rotates its key explicitly: the new key is answered once, the old stops working', async () => {
    expect((await asB('POST', '/v1/api-keys/operator/rotate')).status).toBe(403);
    const rotated = await ok(api.request('POST', '/v1/api-keys/operator/rotate', { key: api.adminKey }));
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    expect((await api.request('GET', '/v1/secrets', { key: api.adminKey })).status).toBe(401);
    expect((await api.request('GET', '/v1/secrets', { key: rotated.json.key })).status).toBe(200);
    api.adminKey = rotated.json.key;
  });
});
