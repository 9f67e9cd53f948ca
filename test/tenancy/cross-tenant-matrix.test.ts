/**
 * The cross-tenant matrix, generated from the route table: for every scoped route, a tenant B that
 * holds every scope names tenant A's objects (its secrets on each kind of connection, its connection,
 * binding, API key, vault refs raw and disguised), and the answer must be exactly B's answer for an
 * absent object. A route added to the table without a probe here fails the first test, so no route is
 * left out by forgetting it. Afterwards A's data is as it was, and A's audit shows B's attempts on A's
 * vault refs. Local mode over HTTP, on DynamoDB Local, moto (a Secrets Manager connection), OpenBao (a
 * Vault connection), the repo's Key Vault server (an Azure connection, the real Azure client on a
 * static token) and the local vault.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routes } from '../../functions/routes.ts';
import type { ApiAnswer, LocalApi, RequestOptions } from '../local/local-fixture.ts';
import { startLocalApi } from '../local/local-fixture.ts';
import { StaticTokenCredential } from '../providers/azure-key-vault-fixtures.ts';
import { appRoleWithPolicy, enableKvV2, kvPolicy } from '../providers/hashicorp-vault-fixtures.ts';
import { randomRotationBody } from '../rotation/rotation-bodies.ts';
import { type KeyVaultServer, startKeyVaultServer } from '../servers/azure-key-vault.ts';
import { disguises } from './ref-disguises.ts';

/** The identifiers a probe names: A's, or ones nobody holds. */
interface Target {
  /** A secret name. */
  name: string;
  /** A stored connection id. */
  connection: string;
  /** A binding's service. */
  service: string;
  /** An API key id. */
  keyId: string;
  /** A vault ref in the built-in vault. */
  ref: string;
}

interface ProbeRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** Requests to send first (B's own set-up), whose answers are not compared. */
  before?: { method: string; path: string; body?: unknown }[];
}

type Probe = (target: Target) => ProbeRequest;

const randomRotation = randomRotationBody();

/** How B tries A's objects on each route. Routes without a body or params need no entry. */
const probes: Record<string, Probe> = {
  createSecret: (t) => ({ body: { name: t.name, type: 'env', data: { TOKEN: 'b-own' } } }),
  importSecret: (t) => ({ body: { connection: 'local', ref: t.ref, name: 'adopted' } }),
  listSecrets: (t) => ({ query: { prefix: t.name } }),
  getSecret: (t) => ({ params: { name: t.name } }),
  getSecretValue: (t) => ({ params: { name: t.name } }),
  replaceSecret: (t) => ({ params: { name: t.name }, body: { data: { TOKEN: 'overwritten' } } }),
  patchSecret: (t) => ({ params: { name: t.name }, body: { set: { TOKEN: 'overwritten' } } }),
  deleteSecret: (t) => ({ params: { name: t.name }, query: { force: 'true' } }),
  restoreSecret: (t) => ({ params: { name: t.name } }),
  cloneSecret: (t) => ({ params: { name: t.name }, body: { name: 'b-copy' } }),
  listSecretVersions: (t) => ({ params: { name: t.name } }),
  rollbackSecret: (t) => ({ params: { name: t.name }, body: { version: 1 } }),
  configureRotation: (t) => ({ params: { name: t.name }, body: randomRotation }),
  disableRotation: (t) => ({ params: { name: t.name } }),
  rotateSecret: (t) => ({ params: { name: t.name } }),
  createConnection: (t) => ({ body: { name: t.connection, kind: 'local', config: {} } }),
  listConnections: () => ({}),
  getConnection: (t) => ({ params: { id: t.connection } }),
  updateConnection: (t) => ({ params: { id: t.connection }, body: { cacheTtlSeconds: 60 } }),
  deleteConnection: (t) => ({ params: { id: t.connection }, query: { force: 'true' } }),
  testConnection: (t) => ({ params: { id: t.connection } }),
  testUnsavedConnection: (t) => ({ body: { name: t.connection, kind: 'local', config: {} } }),
  discoverSecrets: (t) => ({ params: { id: t.connection } }),
  putBinding: (t) => ({
    params: { service: t.service },
    body: { entries: [{ name: 'TOKEN', secret: t.name, key: 'TOKEN' }] },
  }),
  listBindings: () => ({}),
  getBinding: (t) => ({ params: { service: t.service } }),
  resolveBinding: (t) => ({
    params: { service: 'b-service' },
    before: [
      {
        method: 'PUT',
        path: '/v1/bindings/b-service',
        body: { entries: [{ name: 'TOKEN', secret: t.name, key: 'TOKEN' }] },
      },
    ],
  }),
  renderTemplate: (t) => ({ body: { template: `token={{secrets.${t.name}.TOKEN}}` } }),
  createApiKey: () => ({ body: { name: 'b key', scopes: ['read'] } }),
  listApiKeys: () => ({}),
  rotateOperatorKey: () => ({}),
  revokeApiKey: (t) => ({ params: { id: t.keyId } }),
  effectiveAccess: (t) => ({ params: { id: t.keyId }, query: { secret: t.name } }),
  whoAmI: (t) => ({ query: { secret: t.name } }),
  getCosts: () => ({}),
  listAuditEvents: (t) => ({ query: { secret: t.name } }),
  verifyAudit: () => ({}),
};

/** Further ways B names A's objects on some routes: as a clone target, through a connection, as a ref. */
const variants: Record<string, Probe[]> = {
  cloneSecret: [
    (t) => ({
      params: { name: 'b-source' },
      body: { name: t.name },
      before: [
        { method: 'POST', path: '/v1/secrets', body: { name: 'b-source', type: 'env', data: { K: 'v' } } },
      ],
    }),
    (t) => ({
      params: { name: 'b-source' },
      body: { name: 'b-copy', connection: t.connection },
      before: [
        { method: 'POST', path: '/v1/secrets', body: { name: 'b-source', type: 'env', data: { K: 'v' } } },
      ],
    }),
  ],
  createSecret: [
    (t) => ({ body: { name: 'b-new', type: 'env', connection: t.connection, data: { K: 'v' } } }),
  ],
  importSecret: [
    (t) => ({ body: { connection: t.connection, ref: 'anything', name: 'adopted' } }),
    ...disguises.map((disguise) => (t: Target) => ({
      body: { connection: 'local', ref: disguise(t.ref), name: 'adopted' },
    })),
  ],
  createApiKey: [() => ({ body: { name: 'b key', scopes: ['read'], tenant: tenantA } })],
  revokeApiKey: [() => ({ params: { id: 'operator' } })],
  listAuditEvents: [
    (t) => ({ query: { requestId: t.keyId, actor: `apikey:${t.keyId}` } }),
    () => ({ query: { tenant: tenantA } }),
  ],
  verifyAudit: [() => ({ query: { tenant: tenantA } })],
};

let api: LocalApi;
let tenantA: string;
let keyA: string;
const secretValue = `a-value-${randomBytes(12).toString('hex')}`;
const suffix = randomBytes(4).toString('hex');
const aSecrets = {
  local: `a-local-${suffix}`,
  aws: `a-aws-${suffix}`,
  vault: `a-vault-${suffix}`,
  azure: `a-azure-${suffix}`,
};
const aConnections = {
  aws: `a-aws-conn-${suffix}`,
  vault: `a-vault-conn-${suffix}`,
  azure: `a-azure-conn-${suffix}`,
};
let keyVault: KeyVaultServer;
const aService = `a-service-${suffix}`;
let aKeyId: string;
let adminIdA: string;
let aRefs: string[];
let auditBefore: string[];

const asA = (method: string, path: string, options: RequestOptions = {}) =>
  api.request(method, path, { ...options, key: keyA });

async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const done = await answer;
  expect(done.status, done.text).toBeLessThan(300);
  return done;
}

/** A fresh tenant with every scope, so each probe sees a tenant of its own. */
async function newTenantKey(tenant = `b-${randomBytes(6).toString('hex')}`): Promise<string> {
  return (await newTenantAdmin(tenant)).key;
}

async function newTenantAdmin(tenant: string): Promise<{ key: string; id: string }> {
  const made = await ok(
    api.request('POST', '/v1/api-keys', {
      body: { name: 'probe', scopes: ['read', 'reveal', 'write', 'admin'], tenant },
    }),
  );
  return { key: made.json.key, id: made.json.id };
}

/** Everything of A's that a probe could change, as A sees it. */
async function snapshotOfA() {
  const secrets = (await ok(asA('GET', '/v1/secrets?limit=100'))).json;
  const values = await Promise.all(
    Object.values(aSecrets).map(async (name) => (await ok(asA('GET', `/v1/secrets/${name}/value`))).json),
  );
  const versions = await Promise.all(
    Object.values(aSecrets).map(async (name) => (await ok(asA('GET', `/v1/secrets/${name}/versions`))).json),
  );
  const connections = (await ok(asA('GET', '/v1/connections'))).json;
  const binding = (await ok(asA('GET', `/v1/bindings/${aService}`))).json;
  const keys = (await ok(asA('GET', '/v1/api-keys'))).json;
  return { secrets, values, versions, connections, binding, keys };
}

async function auditOfA() {
  const page = await api.dependencies
    .forTenant(tenantA)
    .then((deps) => deps.audit.list(tenantA, { limit: 1000 }));
  return page.items;
}

beforeAll(async () => {
  keyVault = await startKeyVaultServer();
  api = await startLocalApi({ azureCredential: () => new StaticTokenCredential() });
  tenantA = `acme-${suffix}`;
  const adminA = await newTenantAdmin(tenantA);
  keyA = adminA.key;
  adminIdA = adminA.id;
  const kvMount = await enableKvV2();
  const approle = await appRoleWithPolicy(kvPolicy(kvMount));
  await ok(
    asA('POST', '/v1/connections', {
      body: {
        name: aConnections.aws,
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
        credentials: { accessKeyId: 'AKIDACME', secretAccessKey: `aws-${randomUUID()}` },
      },
    }),
  );
  await ok(
    asA('POST', '/v1/connections', {
      body: {
        name: aConnections.vault,
        kind: 'hashicorp-vault',
        config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount: kvMount } },
        credentials: { roleId: approle.roleId, secretId: approle.secretId },
      },
    }),
  );
  await ok(
    asA('POST', '/v1/connections', {
      body: {
        name: aConnections.azure,
        kind: 'azure-key-vault',
        config: { vaultUrl: keyVault.url, caCert: keyVault.caCert },
        credentials: {
          tenantId: randomUUID(),
          clientId: randomUUID(),
          clientSecret: `azure-${randomUUID()}`,
        },
      },
    }),
  );
  for (const [kind, name] of Object.entries(aSecrets)) {
    const connection = kind === 'local' ? 'local' : aConnections[kind as keyof typeof aConnections];
    await ok(
      asA('POST', '/v1/secrets', { body: { name, type: 'env', connection, data: { TOKEN: secretValue } } }),
    );
  }
  await ok(
    asA('PUT', `/v1/bindings/${aService}`, {
      body: { entries: [{ name: 'TOKEN', secret: aSecrets.local, key: 'TOKEN' }] },
    }),
  );
  await ok(asA('PUT', `/v1/secrets/${aSecrets.local}/rotation`, { body: randomRotation }));
  await ok(asA('POST', `/v1/secrets/${aSecrets.local}/rotate`));
  aKeyId = (await ok(asA('POST', '/v1/api-keys', { body: { name: 'a ci key', scopes: ['read'] } }))).json.id;
  // Cost records: reads counted against A's secrets.
  await ok(asA('GET', `/v1/bindings/${aService}/resolve`));
  const record = (await ok(asA('GET', `/v1/secrets/${aSecrets.local}`))).json;
  const credentialsRef = `secretm/local/_system/tenants/${tenantA}/connections/${aConnections.vault}`;
  aRefs = [record.vaultRef as string, credentialsRef];
  auditBefore = (await auditOfA()).map(eventId);
}, 120_000);

const eventId = (event: { at: string; requestId: string; action: string }) =>
  `${event.at} ${event.requestId} ${event.action}`;

afterAll(async () => {
  await api?.stop();
  await keyVault?.stop();
});

function targetsOfA(): Target[] {
  // Each secret with its own connection (the local vault's with the Vault one), so every kind of
  // connection of A's is named too.
  return Object.entries(aSecrets).flatMap(([kind, name]) =>
    aRefs.map((ref) => ({
      name,
      connection: aConnections[kind as keyof typeof aConnections] ?? aConnections.vault,
      service: aService,
      keyId: aKeyId,
      ref,
    })),
  );
}

function absentTarget(): Target {
  const nobody = randomBytes(5).toString('hex');
  return {
    name: `absent-secret-${nobody}`,
    connection: `absent-connection-${nobody}`,
    service: `absent-service-${nobody}`,
    keyId: randomBytes(10).toString('hex'),
    ref: `secretm/local/${tenantA}/absent-secret-${nobody}`,
  };
}

function pathOf(path: string, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(params[name] ?? 'x'));
}

/** An answer with the target's identifiers and everything time- or id-like replaced, for comparison. */
function normalised(answer: ApiAnswer, target: Target) {
  let text = answer.text;
  // Longest first: a ref holds a name.
  const fields = Object.entries(target).sort(([, a], [, b]) => b.length - a.length);
  for (const [field, value] of fields) text = text.split(value).join(`<${field}>`);
  const swap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== 'requestId')
          .map(([key, inner]) => [
            key,
            typeof inner === 'string' && key !== 'message' && key !== 'code' ? typeof inner : swap(inner),
          ]),
      );
    }
    return value;
  };
  let body: unknown = text;
  try {
    body = swap(JSON.parse(text));
  } catch {
    body = answer.status < 300 ? 'text' : text;
  }
  return { status: answer.status, body };
}

async function send(key: string, method: string, path: string, request: ProbeRequest): Promise<ApiAnswer> {
  for (const step of request.before ?? []) {
    await api.request(step.method, step.path, {
      key,
      ...(step.body !== undefined ? { body: step.body } : {}),
    });
  }
  const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
  return api.request(method, `${pathOf(path, request.params)}${query}`, {
    key,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
}

const scopedRoutes = routes.filter((route) => route.scope !== null);

describe('the cross-tenant matrix', () => {
  it('has a probe for every scoped route of the route table', () => {
    const missing = scopedRoutes
      .filter((route) => !(route.operationId in probes))
      .map((route) => `${route.method} ${route.path} (${route.operationId})`);
    expect(missing).toEqual([]);
  });

  for (const route of scopedRoutes) {
    it(`${route.method} ${route.path}: B naming A's objects is answered as B naming absent ones`, async () => {
      const probe = probes[route.operationId];
      if (!probe) return expect.fail(`no probe for ${route.operationId}`);
      const before = await snapshotOfA();
      for (const make of [probe, ...(variants[route.operationId] ?? [])]) {
        for (const target of targetsOfA()) {
          const request = make(target);
          const withA = await send(await newTenantKey(), route.method, route.path, request);
          const absent = absentTarget();
          const withAbsent = await send(await newTenantKey(), route.method, route.path, make(absent));
          expect(normalised(withA, target), `${route.operationId} ${JSON.stringify(request)}`).toEqual(
            normalised(withAbsent, absent),
          );
          // Nothing of A's that the request did not name comes back, and no value of A's ever does.
          // (A ref's canonical spelling is lower case in its namespace: what was asked, echoed.)
          const asked = decodeURIComponent(decodeURIComponent(JSON.stringify(request))).toLowerCase();
          const unasked = [
            ...Object.values(aSecrets),
            ...Object.values(aConnections),
            aService,
            aKeyId,
            tenantA,
          ];
          for (const identifier of unasked.filter((id) => !asked.includes(id))) {
            expect(withA.text, `${route.operationId} answered ${identifier}`).not.toContain(identifier);
          }
          expect(withA.text).not.toContain(secretValue);
        }
      }
      expect(await snapshotOfA()).toEqual(before);
    }, 120_000);
  }

  it('shows B none of A’s refs when it discovers the built-in vault', async () => {
    const keyB = await newTenantKey();
    await ok(
      api.request('POST', '/v1/secrets', {
        key: keyB,
        body: { name: 'b-own', type: 'env', data: { K: 'v' } },
      }),
    );
    const found = await ok(api.request('GET', '/v1/connections/local/discover?limit=100', { key: keyB }));
    expect(found.json.items.map((item: { ref: string }) => item.ref)).toEqual([
      expect.stringMatching(/^secretm\/local\/b-[0-9a-f]+\/b-own$/),
    ]);
  });

  it('records B’s attempts on A’s vault refs in A’s audit, with B’s tenant and request', async () => {
    const tenantB = `b-${randomBytes(6).toString('hex')}`;
    const keyB = await newTenantKey(tenantB);
    const attempt = await api.request('POST', '/v1/secrets/import', {
      key: keyB,
      body: { connection: 'local', ref: aRefs[0], name: 'stolen' },
    });
    expect(attempt.status).toBe(404);
    const recorded = (await auditOfA()).filter(
      (event) => event.action === 'vault-ref.refused' && event.actor.endsWith(`@${tenantB}`),
    );
    expect(recorded).toEqual([
      expect.objectContaining({
        tenant: tenantA,
        target: `vault-ref:${aRefs[0]}`,
        outcome: 'failure',
        reason: 'other_tenant',
        requestId: attempt.headers.get('x-request-id'),
      }),
    ]);
  });

  it('leaves A’s audit as it was, but for A’s own reads and the refused attempts on its refs', async () => {
    const added = (await auditOfA()).filter((event) => !auditBefore.includes(eventId(event)));
    const attempts = added.filter((event) => event.actor !== `apikey:${adminIdA}`);
    expect(attempts.length).toBeGreaterThan(0);
    for (const event of attempts) {
      expect(event).toMatchObject({
        action: 'vault-ref.refused',
        outcome: 'failure',
        reason: 'other_tenant',
      });
      expect(event.actor).toMatch(/@b-[0-9a-f]{12}$/);
    }
  });
});
