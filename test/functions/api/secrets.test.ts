/** The secrets API end to end: HTTP → local server → handlers → DynamoDB Local and the local vault. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

const pastedEnv = `# database
export DB_HOST=db.internal
DB_PASSWORD="p@ss # not a comment"
MULTI="line one
line two"
`;

describe('the README walk-through', () => {
  it('creates from a pasted .env, reads as JSON and dotenv, patches, clones, lists versions, deletes and restores', async () => {
    // Prepare / Act: create from dotenv
    const created = await api.request('POST', '/v1/secrets', {
      body: { name: 'prod-db', type: 'env', dotenv: pastedEnv },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.json).toMatchObject({ name: 'prod-db', type: 'env', connection: 'local', version: 1 });
    expect(created.json.keys).toEqual(['DB_HOST', 'DB_PASSWORD', 'MULTI']);

    const asJson = await api.request('GET', '/v1/secrets/prod-db/value');
    expect(asJson.status).toBe(200);
    expect(asJson.json).toEqual({
      name: 'prod-db',
      version: 1,
      data: { DB_HOST: 'db.internal', DB_PASSWORD: 'p@ss # not a comment', MULTI: 'line one\nline two' },
    });

    const asDotenv = await api.request('GET', '/v1/secrets/prod-db/value?format=dotenv');
    expect(asDotenv.status).toBe(200);
    expect(asDotenv.headers.get('content-type')).toMatch(/^text\/plain/);
    const again = await api.request('POST', '/v1/secrets', {
      body: { name: 'roundtrip', type: 'env', dotenv: asDotenv.text },
    });
    const reread = await api.request('GET', '/v1/secrets/roundtrip/value');
    expect(again.status).toBe(201);
    expect(reread.json.data).toEqual(asJson.json.data);

    const patched = await api.request('PATCH', '/v1/secrets/prod-db', {
      body: { set: { DB_PASSWORD: 'rotated' }, unset: ['MULTI'] },
      headers: { 'if-match': '"1"' },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('"2"');
    expect(patched.json.keys).toEqual(['DB_HOST', 'DB_PASSWORD']);

    const cloned = await api.request('POST', '/v1/secrets/prod-db/clone', { body: { name: 'staging-db' } });
    expect(cloned.status).toBe(201);
    const clonedValue = await api.request('GET', '/v1/secrets/staging-db/value');
    expect(clonedValue.json.data).toEqual({ DB_HOST: 'db.internal', DB_PASSWORD: 'rotated' });

    const versions = await api.request('GET', '/v1/secrets/prod-db/versions');
    expect(
      versions.json.items.map((v: { version: number; action: string; current: boolean }) => [
        v.version,
        v.action,
        v.current,
      ]),
    ).toEqual([
      [2, 'patch', true],
      [1, 'create', false],
    ]);
    const first = await api.request('GET', '/v1/secrets/prod-db/value?version=1');
    expect(first.json.data.DB_PASSWORD).toBe('p@ss # not a comment');

    const deleted = await api.request('DELETE', '/v1/secrets/prod-db');
    expect(deleted.status).toBe(200);
    const days = (Date.parse(deleted.json.deletionDate) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    expect((await api.request('GET', '/v1/secrets/prod-db/value')).status).toBe(409);
    expect(
      (await api.request('GET', '/v1/secrets')).json.items.map((s: { name: string }) => s.name),
    ).not.toContain('prod-db');

    const restored = await api.request('POST', '/v1/secrets/prod-db/restore');
    expect(restored.status).toBe(200);
    const afterRestore = await api.request('GET', '/v1/secrets/prod-db/value');
    expect(afterRestore.json).toMatchObject({ version: 2, data: { DB_PASSWORD: 'rotated' } });
  });
});

describe('file secrets', () => {
  it('stores text and binary files with their mount metadata and serves the raw bytes', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const binary = await api.request('POST', '/v1/secrets', {
      body: {
        name: 'tls-key',
        type: 'file',
        file: {
          content: bytes.toString('base64'),
          encoding: 'base64',
          filename: 'key.der',
          mountPath: '/etc/tls',
          mode: '0400',
        },
      },
    });
    expect(binary.status).toBe(201);
    expect(binary.json.file).toEqual({
      filename: 'key.der',
      encoding: 'base64',
      mountPath: '/etc/tls',
      mode: '0400',
    });

    const raw = await fetch(`${api.url}/v1/secrets/tls-key/value?format=raw`, {
      headers: { authorization: `Bearer ${api.adminKey}` },
    });
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(bytes);

    const text = await api.request('POST', '/v1/secrets', {
      body: { name: 'app-config', type: 'file', file: { content: '{"a": 1}\n', filename: 'config.json' } },
    });
    expect(text.status).toBe(201);
    const read = await api.request('GET', '/v1/secrets/app-config/value');
    expect(read.json.file).toEqual({ filename: 'config.json', encoding: 'utf8', content: '{"a": 1}\n' });
  });
});

describe('versions', () => {
  it('rolls back by writing an old value as a new version', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'rb', type: 'env', data: { K: 'one' } } });
    await api.request('PUT', '/v1/secrets/rb', { body: { data: { K: 'two' } } });

    const rolled = await api.request('POST', '/v1/secrets/rb/rollback', { body: { version: 1 } });

    expect(rolled.status).toBe(200);
    expect(rolled.json.version).toBe(3);
    expect((await api.request('GET', '/v1/secrets/rb/value')).json.data).toEqual({ K: 'one' });
    const history = await api.request('GET', '/v1/secrets/rb/versions');
    expect(history.json.items[0]).toMatchObject({ version: 3, action: 'rollback', sourceVersion: 1 });
  });

  it('answers 412 to a stale If-Match and changes nothing', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'stale', type: 'env', data: { K: 'v1' } } });
    await api.request('PUT', '/v1/secrets/stale', { body: { data: { K: 'v2' } } });

    const stale = await api.request('PUT', '/v1/secrets/stale', {
      body: { data: { K: 'v3' } },
      headers: { 'if-match': '"1"' },
    });

    expect(stale.status).toBe(412);
    expect((await api.request('GET', '/v1/secrets/stale/value')).json).toMatchObject({
      version: 2,
      data: { K: 'v2' },
    });
  });
});

describe('listing', () => {
  it('filters by prefix, type and tag and pages with a cursor', async () => {
    for (let i = 0; i < 7; i++) {
      await api.request('POST', '/v1/secrets', {
        body: {
          name: `list-${i}`,
          type: 'env',
          data: { K: 'v' },
          tags: { team: i % 2 === 0 ? 'even' : 'odd' },
        },
      });
    }
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.request(
        'GET',
        `/v1/secrets?prefix=list-&tag=team=even&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      names.push(...page.json.items.map((s: { name: string }) => s.name));
      cursor = page.json.cursor;
    } while (cursor);
    expect(names).toEqual(['list-0', 'list-2', 'list-4', 'list-6']);
  });
});

describe('idempotency', () => {
  it('answers a retried create with the first answer and creates nothing twice', async () => {
    const body = { name: 'idem', type: 'env', data: { K: 'v' } };
    const headers = { 'idempotency-key': 'create-idem-1' };

    const first = await api.request('POST', '/v1/secrets', { body, headers });
    const retry = await api.request('POST', '/v1/secrets', { body, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('refuses an Idempotency-Key reused with another body (422) and leaves the first result untouched', async () => {
    const headers = { 'idempotency-key': 'replace-idem-1' };
    await api.request('POST', '/v1/secrets', { body: { name: 'idem2', type: 'env', data: { K: 'v1' } } });
    const first = await api.request('PUT', '/v1/secrets/idem2', { body: { data: { K: 'v2' } }, headers });

    const reused = await api.request('PUT', '/v1/secrets/idem2', { body: { data: { K: 'other' } }, headers });
    const retried = await api.request('PUT', '/v1/secrets/idem2', { body: { data: { K: 'v2' } }, headers });

    expect(first.status).toBe(200);
    expect(reused.status).toBe(422);
    expect(retried.json).toEqual(first.json);
    expect((await api.request('GET', '/v1/secrets/idem2/value')).json).toMatchObject({
      version: 2,
      data: { K: 'v2' },
    });
  });
});

describe('deletion', () => {
  it('deletes at once with force=true, freeing the name', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'gone', type: 'env', data: { K: 'v' } } });

    const forced = await api.request('DELETE', '/v1/secrets/gone?force=true');

    expect(forced.status).toBe(200);
    expect((await api.request('GET', '/v1/secrets/gone')).status).toBe(404);
    expect(
      (await api.request('POST', '/v1/secrets', { body: { name: 'gone', type: 'env', data: { K: 'v' } } }))
        .status,
    ).toBe(201);
  });

  it('honours a recovery window of 7–30 days and refuses others', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'window', type: 'env', data: { K: 'v' } } });

    const tooShort = await api.request('DELETE', '/v1/secrets/window?recoveryWindowDays=6');
    const week = await api.request('DELETE', '/v1/secrets/window?recoveryWindowDays=7');

    expect(tooShort.status).toBe(400);
    expect(week.status).toBe(200);
    const days = (Date.parse(week.json.deletionDate) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(7);
  });
});

describe('the API around the routes', () => {
  it('serves health and an OpenAPI document that lists every secrets route', async () => {
    const health = await api.request('GET', '/v1/health', { key: null });
    const doc = await api.request('GET', '/v1/openapi.json', { key: null });

    expect(health.json).toEqual({ status: 'ok' });
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/secrets',
        '/v1/secrets/{name}',
        '/v1/secrets/{name}/value',
        '/v1/secrets/{name}/rollback',
      ]),
    );
    expect(
      doc.json.paths['/v1/secrets'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['name', 'type']);
  });
});
