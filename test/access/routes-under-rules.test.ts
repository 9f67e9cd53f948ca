/**
 * Access rules on every route, generated from the route table: a key that holds every scope, with a
 * rule allowing everything and deny rules over `protected/**` secrets and the connection `guarded`,
 * meets the protected objects as if they were not there (404, left out of lists), is refused what
 * would make or span them (403), and changes nothing. A route added without an entry here fails the
 * first test. Local mode over HTTP, on DynamoDB Local and the local vault.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import { type ApiAnswer, type LocalApi, startLocalApi } from '../local/local-fixture.ts';
import { randomRotationBody } from '../rotation/rotation-bodies.ts';

type Expected =
  | 'absent'
  | 'forbidden'
  | 'hidden-in-list'
  | 'operator-only'
  | 'unprocessable'
  | 'denied-in-answer';

interface Case {
  path: string;
  body?: unknown;
  expected: Expected;
}

const allActions = ['read', 'reveal', 'write', 'rotate', 'delete', 'admin'];
const rules = [
  { actions: allActions, secrets: ['**'], connections: ['**'] },
  { actions: allActions, secrets: ['protected/**'], effect: 'deny' },
  { actions: ['admin'], connections: ['guarded'], effect: 'deny' },
];
const rotation = randomRotationBody();
const p = encodeURIComponent('protected/db');

const cases: Record<string, Case> = {
  createSecret: {
    path: '/v1/secrets',
    body: { name: 'protected/new', type: 'env', data: { K: 'v' } },
    expected: 'forbidden',
  },
  importSecret: {
    path: '/v1/secrets/import',
    body: { connection: 'local', ref: 'secretm/local/default/open/db', name: 'protected/imported' },
    expected: 'forbidden',
  },
  listSecrets: { path: '/v1/secrets', expected: 'hidden-in-list' },
  getSecret: { path: `/v1/secrets/${p}`, expected: 'absent' },
  getSecretValue: { path: `/v1/secrets/${p}/value`, expected: 'absent' },
  replaceSecret: { path: `/v1/secrets/${p}`, body: { data: { TOKEN: 'x' } }, expected: 'absent' },
  patchSecret: { path: `/v1/secrets/${p}`, body: { description: 'x' }, expected: 'absent' },
  deleteSecret: { path: `/v1/secrets/${p}?force=true`, expected: 'absent' },
  restoreSecret: { path: `/v1/secrets/${p}/restore`, expected: 'absent' },
  cloneSecret: { path: `/v1/secrets/${p}/clone`, body: { name: 'open/copy' }, expected: 'absent' },
  listSecretVersions: { path: `/v1/secrets/${p}/versions`, expected: 'absent' },
  rollbackSecret: { path: `/v1/secrets/${p}/rollback`, body: { version: 1 }, expected: 'absent' },
  configureRotation: { path: `/v1/secrets/${p}/rotation`, body: rotation, expected: 'absent' },
  disableRotation: { path: `/v1/secrets/${p}/rotation`, expected: 'absent' },
  rotateSecret: { path: `/v1/secrets/${p}/rotate`, expected: 'absent' },
  createConnection: {
    path: '/v1/connections',
    body: { name: 'guarded', kind: 'local', config: {} },
    expected: 'forbidden',
  },
  listConnections: { path: '/v1/connections', expected: 'hidden-in-list' },
  getConnection: { path: '/v1/connections/guarded', expected: 'absent' },
  updateConnection: { path: '/v1/connections/guarded', body: { cacheTtlSeconds: 60 }, expected: 'absent' },
  deleteConnection: { path: '/v1/connections/guarded?force=true', expected: 'absent' },
  testConnection: { path: '/v1/connections/guarded/test', expected: 'absent' },
  testUnsavedConnection: {
    path: '/v1/connections/test',
    body: { name: 'guarded', kind: 'local', config: {} },
    expected: 'forbidden',
  },
  discoverSecrets: { path: '/v1/connections/guarded/discover', expected: 'absent' },
  putBinding: {
    path: '/v1/bindings/probe',
    body: { entries: [{ name: 'TOKEN', secret: 'protected/db', key: 'TOKEN' }] },
    expected: 'unprocessable',
  },
  listBindings: { path: '/v1/bindings', expected: 'hidden-in-list' },
  getBinding: { path: '/v1/bindings/guarded-svc', expected: 'absent' },
  resolveBinding: { path: '/v1/bindings/guarded-svc/resolve', expected: 'absent' },
  // A template naming an absent secret is unprocessable; one outside the rules answers the same.
  renderTemplate: {
    path: '/v1/render',
    body: { template: '{{secrets.protected/db.TOKEN}}' },
    expected: 'unprocessable',
  },
  createApiKey: { path: '/v1/api-keys', body: { name: 'child', scopes: ['read'] }, expected: 'forbidden' },
  listApiKeys: { path: '/v1/api-keys', expected: 'forbidden' },
  revokeApiKey: { path: '/v1/api-keys/KEY', expected: 'forbidden' },
  effectiveAccess: { path: '/v1/api-keys/KEY/effective?secret=open/db', expected: 'forbidden' },
  // The caller may always ask about itself; the answer says every action on the secret is denied.
  whoAmI: { path: `/v1/me?secret=${p}`, expected: 'denied-in-answer' },
  rotateOperatorKey: { path: '/v1/api-keys/operator/rotate', expected: 'operator-only' },
  getCosts: { path: '/v1/costs', expected: 'forbidden' },
  // The audit shows what every key did: only a key whose rules cover the whole tenant reads it.
  listAuditEvents: { path: `/v1/audit?secret=${p}`, expected: 'forbidden' },
  verifyAudit: { path: '/v1/audit/verify', expected: 'forbidden' },
};

let api: LocalApi;
let ruled: string;
let someKey: string;
let before: string;

async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const done = await answer;
  expect(done.status, done.text).toBeLessThan(300);
  return done;
}

/** Everything the rules protect, as the operator sees it. */
async function protectedState(): Promise<string> {
  const parts = await Promise.all([
    api.request('GET', `/v1/secrets/${p}`),
    api.request('GET', `/v1/secrets/${p}/value`),
    api.request('GET', `/v1/secrets/${p}/versions`),
    api.request('GET', '/v1/connections/guarded'),
    api.request('GET', '/v1/bindings/guarded-svc'),
    api.request('GET', '/v1/secrets?prefix=protected/'),
  ]);
  return JSON.stringify(parts.map((answer) => answer.json));
}

beforeAll(async () => {
  api = await startLocalApi();
  await ok(
    api.request('POST', '/v1/secrets', { body: { name: 'protected/db', type: 'env', data: { TOKEN: 't' } } }),
  );
  await ok(
    api.request('POST', '/v1/secrets', { body: { name: 'open/db', type: 'env', data: { TOKEN: 'o' } } }),
  );
  await ok(api.request('POST', '/v1/connections', { body: { name: 'guarded', kind: 'local', config: {} } }));
  await ok(
    api.request('PUT', '/v1/bindings/guarded-svc', {
      body: { entries: [{ name: 'TOKEN', secret: 'protected/db', key: 'TOKEN' }] },
    }),
  );
  someKey = (await ok(api.request('POST', '/v1/api-keys', { body: { name: 'some', scopes: ['read'] } }))).json
    .id;
  ruled = (
    await ok(
      api.request('POST', '/v1/api-keys', {
        body: { name: 'fenced', scopes: ['read', 'reveal', 'write', 'admin'], rules },
      }),
    )
  ).json.key;
  before = await protectedState();
});
afterAll(async () => {
  await api?.stop();
});

const scoped = routes.filter((route) => route.scope !== null);

describe('every route under a deny rule', () => {
  it('has a case for every scoped route of the route table', () => {
    expect(scoped.filter((route) => !(route.operationId in cases)).map((route) => route.operationId)).toEqual(
      [],
    );
  });

  for (const route of scoped) {
    it(`${route.method} ${route.path}`, async () => {
      const { path, body, expected } = cases[route.operationId]!;
      const answer = await api.request(route.method, path.replace('KEY', someKey), {
        key: ruled,
        ...(body !== undefined ? { body } : {}),
      });
      switch (expected) {
        case 'absent':
          expect(answer.status, answer.text).toBe(404);
          expect(answer.json.error.message).toMatch(
            /^(secret protected\/db|connection guarded|binding guarded-svc) not found$/,
          );
          break;
        case 'forbidden':
          expect(answer.status, answer.text).toBe(403);
          expect(answer.json.error.message).toContain('rules');
          break;
        case 'hidden-in-list':
          expect(answer.status).toBe(200);
          expect(answer.text).not.toMatch(/protected\/db|"guarded"|guarded-svc/);
          break;
        case 'unprocessable':
          expect(answer.status, answer.text).toBe(422);
          expect(answer.text).toMatch(/there is no secret \\?"?protected\/db/);
          break;
        case 'denied-in-answer':
          expect(answer.status, answer.text).toBe(200);
          expect(answer.json.effective.actions.map((item: { allowed: boolean }) => item.allowed)).toEqual(
            Array(6).fill(false),
          );
          expect(answer.json.tenantAdmin).toBe(false);
          break;
        case 'operator-only':
          expect(answer.status).toBe(403);
          break;
      }
      expect(await protectedState()).toBe(before);
    });
  }
});

describe('what a key with rules may do, and mint', () => {
  it('says, action by action, what a key may do to a secret and which rule decided', async () => {
    const ruledId = (await ok(api.request('GET', '/v1/api-keys'))).json.items.find(
      (item: { name: string }) => item.name === 'fenced',
    ).id;
    const effective = await ok(api.request('GET', `/v1/api-keys/${ruledId}/effective?secret=protected/db`));
    expect(effective.json).toMatchObject({ secret: 'protected/db', connection: 'local' });
    expect(effective.json.actions).toContainEqual({
      action: 'reveal',
      allowed: false,
      decidedBy: 'rule',
      rule: 1,
      effect: 'deny',
    });
    const open = await ok(api.request('GET', `/v1/api-keys/${ruledId}/effective?secret=open/db`));
    expect(open.json.actions).toContainEqual({
      action: 'reveal',
      allowed: true,
      decidedBy: 'rule',
      rule: 0,
      effect: 'allow',
    });
    const plain = await ok(api.request('GET', `/v1/api-keys/${someKey}/effective?secret=open/db`));
    expect(plain.json.actions).toEqual(
      expect.arrayContaining([
        { action: 'read', allowed: true, decidedBy: 'scopes' },
        { action: 'reveal', allowed: false, decidedBy: 'scope' },
      ]),
    );
  });

  it('lets a key mint keys within its own rules only, naming the rule that does not fit', async () => {
    const parent = (
      await ok(
        api.request('POST', '/v1/api-keys', {
          body: {
            name: 'team admin',
            scopes: ['read', 'reveal', 'admin'],
            rules: [
              { actions: ['admin'], secrets: ['**'], connections: ['**'] },
              { actions: ['read', 'reveal'], secrets: ['ci/**'] },
            ],
          },
        }),
      )
    ).json.key;
    const mint = (rulesOfChild?: unknown) =>
      api.request('POST', '/v1/api-keys', {
        key: parent,
        body: { name: 'ci', scopes: ['read', 'reveal'], ...(rulesOfChild ? { rules: rulesOfChild } : {}) },
      });
    expect((await mint([{ actions: ['read', 'reveal'], secrets: ['ci/dev/*'] }])).status).toBe(201);
    const wider = await mint([{ actions: ['reveal'], secrets: ['prod/*'] }]);
    expect(wider.status).toBe(403);
    expect(wider.json.error.message).toContain('rule 0 allows reveal beyond');
    expect((await mint()).status).toBe(403);
    const malformed = await mint([{ actions: ['reveal'], secrets: ['.never'] }]);
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.message).toContain('can never match');
  });
});
