/**
 * Every route is audited, reads included: a successful request of each scoped route of the route
 * table leaves an audit event with its request id, its caller, address and user agent, and no value,
 * sealed with the tenant's HMAC (whether the domain wrote it in a transaction or the handler did). A
 * route added to the table without a request here fails the first test.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/routes.ts';
import { createLocalVault } from '../../../shared/providers/local.ts';
import { type ApiAnswer, type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { randomRotationBody } from '../../rotation/rotation-bodies.ts';

interface Call {
  path: string;
  body?: unknown;
  /** Puts what the call needs straight into the local vault (a secret secretm does not manage yet). */
  vaultSecret?: string;
  /** Run before the call (not checked). */
  before?: { method: string; path: string; body?: unknown }[];
}

const value = 'audited-value-never-in-the-audit';
const rotation = randomRotationBody();
let counter = 0;
const fresh = () => `audited-${++counter}`;
const create = (name: string) => ({
  method: 'POST',
  path: '/v1/secrets',
  body: { name, type: 'env', data: { TOKEN: value } },
});

/** A successful request of each route. */
const calls: Record<string, () => Call> = {
  createSecret: () => ({ path: '/v1/secrets', body: { name: fresh(), type: 'env', data: { TOKEN: value } } }),
  importSecret: () => {
    const name = fresh();
    const ref = `secretm/local/default/unmanaged/${name}`;
    return { path: '/v1/secrets/import', body: { connection: 'local', ref, name }, vaultSecret: ref };
  },
  listSecrets: () => ({ path: '/v1/secrets' }),
  getSecret: () => ({ path: '/v1/secrets/base' }),
  getSecretValue: () => ({ path: '/v1/secrets/base/value' }),
  replaceSecret: () => ({ path: '/v1/secrets/base', body: { data: { TOKEN: value } } }),
  patchSecret: () => ({ path: '/v1/secrets/base', body: { description: 'audited' } }),
  deleteSecret: () => {
    const name = fresh();
    return { path: `/v1/secrets/${name}`, before: [create(name)] };
  },
  restoreSecret: () => {
    const name = fresh();
    return {
      path: `/v1/secrets/${name}/restore`,
      before: [create(name), { method: 'DELETE', path: `/v1/secrets/${name}` }],
    };
  },
  cloneSecret: () => ({ path: '/v1/secrets/base/clone', body: { name: fresh() } }),
  listSecretVersions: () => ({ path: '/v1/secrets/base/versions' }),
  rollbackSecret: () => ({ path: '/v1/secrets/base/rollback', body: { version: 1 } }),
  configureRotation: () => {
    const name = fresh();
    return { path: `/v1/secrets/${name}/rotation`, body: rotation, before: [create(name)] };
  },
  disableRotation: () => {
    const name = fresh();
    return {
      path: `/v1/secrets/${name}/rotation`,
      before: [create(name), { method: 'PUT', path: `/v1/secrets/${name}/rotation`, body: rotation }],
    };
  },
  rotateSecret: () => {
    const name = fresh();
    return {
      path: `/v1/secrets/${name}/rotate`,
      before: [create(name), { method: 'PUT', path: `/v1/secrets/${name}/rotation`, body: rotation }],
    };
  },
  createConnection: () => ({ path: '/v1/connections', body: { name: fresh(), kind: 'local', config: {} } }),
  listConnections: () => ({ path: '/v1/connections' }),
  getConnection: () => ({ path: '/v1/connections/local' }),
  updateConnection: () => ({ path: '/v1/connections/stored', body: { cacheTtlSeconds: 60 } }),
  deleteConnection: () => {
    const name = fresh();
    return {
      path: `/v1/connections/${name}`,
      before: [{ method: 'POST', path: '/v1/connections', body: { name, kind: 'local', config: {} } }],
    };
  },
  testConnection: () => ({ path: '/v1/connections/local/test' }),
  testUnsavedConnection: () => ({
    path: '/v1/connections/test',
    body: { name: fresh(), kind: 'local', config: {} },
  }),
  discoverSecrets: () => ({ path: '/v1/connections/local/discover' }),
  putBinding: () => ({
    path: '/v1/bindings/svc',
    body: { entries: [{ name: 'TOKEN', secret: 'base', key: 'TOKEN' }] },
  }),
  listBindings: () => ({ path: '/v1/bindings' }),
  getBinding: () => ({ path: '/v1/bindings/svc' }),
  resolveBinding: () => ({ path: '/v1/bindings/svc/resolve' }),
  renderTemplate: () => ({ path: '/v1/render', body: { template: 'token={{secrets.base.TOKEN}}' } }),
  createApiKey: () => ({ path: '/v1/api-keys', body: { name: 'audited', scopes: ['read'] } }),
  listApiKeys: () => ({ path: '/v1/api-keys' }),
  revokeApiKey: () => ({ path: '/v1/api-keys/KEY' }),
  effectiveAccess: () => ({ path: '/v1/api-keys/KEY/effective?secret=base' }),
  whoAmI: () => ({ path: '/v1/me?secret=base' }),
  rotateOperatorKey: () => ({ path: '/v1/api-keys/operator/rotate' }),
  getCosts: () => ({ path: '/v1/costs' }),
  listAuditEvents: () => ({ path: '/v1/audit?limit=5' }),
  verifyAudit: () => ({ path: '/v1/audit/verify' }),
};

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
  await api.request('POST', '/v1/secrets', { body: { name: 'base', type: 'env', data: { TOKEN: value } } });
  await api.request('POST', '/v1/connections', { body: { name: 'stored', kind: 'local', config: {} } });
  await api.request('PUT', '/v1/bindings/svc', {
    body: { entries: [{ name: 'TOKEN', secret: 'base', key: 'TOKEN' }] },
  });
});
afterAll(async () => {
  await api?.stop();
});

async function send(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return api.request(method, path, {
    ...(body !== undefined ? { body } : {}),
    headers: { 'user-agent': 'audited-routes-test/1.0' },
  });
}

const scoped = routes.filter((route) => route.scope !== null);

describe('every route is audited', () => {
  it('has a successful request for every scoped route of the route table', () => {
    expect(scoped.filter((route) => !(route.operationId in calls)).map((route) => route.operationId)).toEqual(
      [],
    );
  });

  for (const route of scoped) {
    it(`${route.method} ${route.path}: a success leaves an audit event with its request id`, async () => {
      const call = calls[route.operationId]!();
      if (call.vaultSecret) {
        const vault = createLocalVault({ dir: join(api.dataDir, 'vault'), namePrefix: 'secretm/local/' });
        await vault.create(call.vaultSecret, { kind: 'map', data: { TOKEN: value } });
      }
      for (const step of call.before ?? []) await send(step.method, step.path, step.body);
      let path = call.path;
      if (path.includes('KEY')) {
        const made = await send('POST', '/v1/api-keys', { name: 'to revoke', scopes: ['read'] });
        path = path.replace('KEY', made.json.id);
      }
      const answer = await send(route.method, path, call.body);
      expect(answer.status, answer.text).toBeLessThan(300);
      if (route.operationId === 'rotateOperatorKey') api.adminKey = answer.json.key;
      const requestId = answer.headers.get('x-request-id');
      const deps = await api.dependencies.forTenant('default');
      const events = (await deps.audit.list('default', { limit: 1000 })).items.filter(
        (event) => event.requestId === requestId,
      );
      expect(events.length, `${route.operationId} left no audit event`).toBeGreaterThan(0);
      for (const event of events) {
        expect(event).toMatchObject({ actor: 'operator', userAgent: 'audited-routes-test/1.0' });
        expect(event.hmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(JSON.stringify(event)).not.toContain(value);
      }
    });
  }

  it('seals every event those requests left: verify finds each HMAC as written', async () => {
    const answer = await send('GET', '/v1/audit/verify');

    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ intact: true, complete: true, problems: 0 });
    expect(answer.json.checked.hmacOnly).toBeGreaterThan(scoped.length);
  });
});
