/**
 * The DynamoDB requests and vault calls each hot route makes on a warm instance, pinned: a change that
 * adds a round trip fails here (a count is deterministic, unlike a timing). Local mode against the run's
 * DynamoDB Local, through a counting proxy that logs every request; each request is named by the item
 * kind its key names. docs/performance.md says why each request is there.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningLocal, startLocal } from '../../local/start-local.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { type CountingProxy, countingProxy } from '../layers/secretm/counting-proxy.ts';
import { describeTableRequests, vaultCallsOf } from '../store/table-requests.ts';

let proxy: CountingProxy;
let local: RunningLocal;
let dataDir: string;
let key: string;
const operatorKey = `test-operator-${randomBytes(16).toString('hex')}`;

async function call(method: string, path: string, body?: unknown, as = key): Promise<unknown> {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${as}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text.startsWith('{') ? JSON.parse(text) : text;
}

/**
 * The requests of one call of `run`, after a first call that warms the instance; sorted, since requests
 * sent concurrently reach the proxy in either order.
 */
async function requestsOf(run: (n: number) => Promise<unknown>) {
  await run(0);
  let logged = await loggedDuring(() => run(1));
  // The key's cache entry may have run out between the two calls (it lives apiKeyCacheSeconds from
  // when the key was read, and a slow machine takes a while): the read just made renewed it.
  if (describeTableRequests(logged).some((line) => line.includes('api-key'))) {
    logged = await loggedDuring(() => run(2));
  }
  return { table: describeTableRequests(logged).sort(), vault: vaultCallsOf(logged) };
}

async function loggedDuring(run: () => Promise<unknown>) {
  proxy.reset();
  await run();
  return proxy.requests();
}

beforeAll(async () => {
  proxy = await countingProxy(inject('dynamodbEndpoint'));
  dataDir = await mkdtemp(join(tmpdir(), 'secretm-test-'));
  local = await startLocal({
    dataDir,
    port: 0,
    bootstrapKey: operatorKey,
    dynamodbEndpoint: proxy.endpoint,
    tableName: `secretm-${randomUUID()}`,
    overrides: {
      client: createDocumentClient({
        region: 'us-east-1',
        endpoint: proxy.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    },
  });
  const created = (await call(
    'POST',
    '/v1/api-keys',
    { name: 'counts', scopes: ['read', 'reveal', 'write', 'admin'] },
    operatorKey,
  )) as { key: string };
  key = created.key;
  await call('POST', '/v1/secrets', { name: 'db', type: 'env', data: { PASSWORD: 'pw', USER: 'app' } });
});

afterAll(async () => {
  await local?.stop();
  await proxy?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('requests per route on a warm instance', () => {
  it('a value read takes the key from the cache, finds the current version in the metadata, reads the vault once, then writes audit and usage together', async () => {
    expect(await requestsOf(() => call('GET', '/v1/secrets/db/value'))).toEqual({
      table: ['GetItem secret', 'PutItem audit', 'UpdateItem usage'],
      vault: 1,
    });
  });

  it('a value read of an older version reads that version item as well', async () => {
    await call('PUT', '/v1/secrets/db', { type: 'env', data: { PASSWORD: 'pw2', USER: 'app' } });
    expect(await requestsOf(() => call('GET', '/v1/secrets/db/value?version=1'))).toEqual({
      table: ['GetItem secret', 'GetItem version', 'PutItem audit', 'UpdateItem usage'],
      vault: 1,
    });
  });

  it('a metadata read reads the secret and writes its audit event, and calls no vault', async () => {
    expect(await requestsOf(() => call('GET', '/v1/secrets/db'))).toEqual({
      table: ['GetItem secret', 'PutItem audit'],
      vault: 0,
    });
  });

  it('a list is one query of the tenant partition', async () => {
    expect(await requestsOf(() => call('GET', '/v1/secrets'))).toEqual({
      table: ['PutItem audit', 'Query tenant-partition'],
      vault: 0,
    });
  });

  it('a tag list queries the tag index, reads the matches’ metadata in one batch, and writes its audit event', async () => {
    await call('POST', '/v1/secrets', {
      name: 'tagged',
      type: 'env',
      data: { K: 'v' },
      tags: { team: 'blue' },
    });
    expect(await requestsOf(() => call('GET', '/v1/secrets?tag=team%3Dblue'))).toEqual({
      table: ['BatchGetItem secret', 'PutItem audit', 'Query tag-index'],
      vault: 0,
    });
  });

  it("a tenant's first tag list on an instance reads the tag index marker once", async () => {
    const created = (await call(
      'POST',
      '/v1/api-keys',
      { name: 'first-list', scopes: ['read'], tenant: 'fresh-tenant' },
      operatorKey,
    )) as { key: string };
    await call('GET', '/v1/secrets', undefined, created.key);
    const first = describeTableRequests(
      await loggedDuring(() => call('GET', '/v1/secrets?tag=team', undefined, created.key)),
    );
    expect(first.filter((line) => line.includes('marker')).sort()).toEqual([
      'GetItem marker',
      'PutItem marker',
    ]);
    const second = describeTableRequests(
      await loggedDuring(() => call('GET', '/v1/secrets?tag=team', undefined, created.key)),
    );
    expect(second.sort()).toEqual(['PutItem audit', 'Query tag-index']);
  });

  it('a create checks the name, opens its life, writes the vault once and commits in one transaction', async () => {
    expect(
      await requestsOf((n) =>
        call('POST', '/v1/secrets', { name: `created-${n}`, type: 'env', data: { K: 'v' } }),
      ),
    ).toEqual({
      table: [
        'GetItem secret',
        'TransactWriteItems secret+version+audit+ref-claim+life',
        'UpdateItem life',
        'UpdateItem usage',
      ],
      vault: 1,
    });
  });

  it('a patch locks the secret (which says where its value is), reads and writes the vault once each, and commits in one transaction', async () => {
    expect(await requestsOf((n) => call('PATCH', '/v1/secrets/db', { set: { N: String(n) } }))).toEqual({
      table: ['TransactWriteItems secret+version+audit', 'UpdateItem secret', 'UpdateItem usage'],
      vault: 2,
    });
  });
});
