/**
 * Defects a new user and an attacker found in the secrets API, each pinned: names JavaScript treats
 * specially, strict ETags, concurrent writers, a secret in its recovery window, the 404 and 405
 * answers, and messages that say what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

/** Every property name of Object.prototype, the ones a map keyed by user input can trip on. */
const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}`;

describe('names JavaScript objects treat specially', () => {
  it.each(prototypeNames)('takes %s as a tag key, or refuses it with 400; never a 500', async (key) => {
    const name = fresh('tagged');
    const raw = `{"name":"${name}","type":"env","data":{"K":"v"},"tags":{${JSON.stringify(key)}:"y"}}`;
    const created = await api.request('POST', '/v1/secrets', {
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    if (created.status === 400) {
      expect(created.json.error.message).toContain('reserved');
      return;
    }
    expect(created.status, created.text).toBe(201);
    expect(Object.hasOwn(created.json.tags, key)).toBe(true);
    const read = await api.request('GET', `/v1/secrets/${name}`);
    expect(read.json.tags[key]).toBe('y');
  });

  it.each(prototypeNames)('takes %s as a data key, or refuses it with 400; never drops it', async (key) => {
    const name = fresh('keyed');
    const raw = `{"name":"${name}","type":"env","data":{"K":"v",${JSON.stringify(key)}:"secret"}}`;
    const created = await api.request('POST', '/v1/secrets', {
      rawBody: raw,
      headers: { 'content-type': 'application/json' },
    });
    if (created.status === 400) {
      expect(created.json.error.message).toContain('reserved');
      return;
    }
    expect(created.status, created.text).toBe(201);
    expect(created.json.keys).toContain(key);
    const value = await api.request('GET', `/v1/secrets/${name}/value`);
    expect(Object.hasOwn(value.json.data, key) && value.json.data[key]).toBe('secret');
  });

  it('refuses __proto__ as a key the same way in data, set, unset, dotenv and bindings', async () => {
    const viaData = await api.request('POST', '/v1/secrets', {
      rawBody: '{"name":"proto-1","type":"env","data":{"__proto__":"x"}}',
      headers: { 'content-type': 'application/json' },
    });
    const viaDotenv = await api.request('POST', '/v1/secrets', {
      body: { name: 'proto-2', type: 'env', dotenv: '__proto__=x\n' },
    });
    await api.request('POST', '/v1/secrets', { body: { name: 'proto-3', type: 'env', data: { K: 'v' } } });
    const viaSet = await api.request('PATCH', '/v1/secrets/proto-3', {
      rawBody: '{"set":{"__proto__":"x"}}',
      headers: { 'content-type': 'application/json' },
    });
    const viaUnset = await api.request('PATCH', '/v1/secrets/proto-3', { body: { unset: ['__proto__'] } });
    const viaBinding = await api.request('PUT', '/v1/bindings/proto-svc', {
      body: { entries: [{ name: '__proto__', secret: 'proto-3', key: 'K' }] },
    });
    for (const answer of [viaData, viaDotenv, viaSet, viaUnset, viaBinding]) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error.code).toBe('validation_failed');
      expect(JSON.stringify(answer.json.error)).toContain('the name __proto__ is reserved');
    }
  });

  it('says which characters a data key may hold', async () => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: fresh('bad-key'), type: 'env', data: { 'NOT-A-NAME': 'v' } },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json.error)).toMatch(/A-Za-z_\]\[A-Za-z0-9_\]/);
  });
});

describe('If-Match, strictly as RFC 9110 writes entity tags', () => {
  // (A list naming two versions is well-formed, but secretm compares one: it asks for one.)
  it.each([['"1'], ['1"'], ['1'], ['"1" "2"'], ['W/1'], ['"1", "2"'], [',']])(
    'refuses %s with 400',
    async (ifMatch) => {
      const name = fresh('etag');
      await api.request('POST', '/v1/secrets', { body: { name, type: 'env', data: { K: 'v' } } });
      const answer = await api.request('PATCH', `/v1/secrets/${name}`, {
        body: { description: 'x' },
        headers: { 'if-match': ifMatch },
      });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error.details[0].path).toBe('header.if-match');
    },
  );

  it('takes "N", a list naming it, and *; a weak tag or one that is no version is 412', async () => {
    const name = fresh('etag');
    await api.request('POST', '/v1/secrets', { body: { name, type: 'env', data: { K: 'v' } } });
    const strong = await api.request('PATCH', `/v1/secrets/${name}`, {
      body: { description: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(strong.headers.get('etag')).toBe('"2"');
    const any = await api.request('PATCH', `/v1/secrets/${name}`, {
      body: { description: 'y' },
      headers: { 'if-match': '*' },
    });
    // Each change makes a version: the list names the current one, 3 (and tags that are no version).
    const listed = await api.request('PATCH', `/v1/secrets/${name}`, {
      body: { description: 'z' },
      headers: { 'if-match': 'W/"3", , "3", "draft",' },
    });
    const never = await Promise.all(
      ['W/"1"', '"01"', '""', '"one"'].map((tag) =>
        api.request('PATCH', `/v1/secrets/${name}`, {
          body: { set: { K: 'w' } },
          headers: { 'if-match': tag },
        }),
      ),
    );
    expect([strong.status, any.status, listed.status]).toEqual([200, 200, 200]);
    expect(never.map((answer) => answer.status)).toEqual([412, 412, 412, 412]);
  });
});

describe('concurrent writers with the same If-Match', () => {
  it.each([
    ['PATCHes of keys', { set: { K: 'changed' } }],
    ['PATCHes of metadata', { description: 'changed' }],
  ])(
    '50 %s: one 200, and every loser 412',
    async (_what, body) => {
      const name = fresh('race');
      await api.request('POST', '/v1/secrets', { body: { name, type: 'env', data: { K: 'v' } } });
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_unused, i) =>
          api.request('PATCH', `/v1/secrets/${name}`, {
            body: 'set' in body ? { set: { K: `changed-${i}` } } : { description: `changed-${i}` },
            headers: { 'if-match': '"1"' },
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status !== 200)).toEqual(Array(49).fill(412));
      const versions = await api.request('GET', `/v1/secrets/${name}/versions`);
      expect(versions.json.items).toHaveLength(2);
    },
    60_000,
  );
});

describe('a secret waiting out its recovery window', () => {
  it('shows its metadata with its deletion date (200), refuses value reads and writes (409), and says how to purge it now', async () => {
    const name = fresh('deleted');
    await api.request('POST', '/v1/secrets', { body: { name, type: 'env', data: { K: 'v' } } });
    await api.request('DELETE', `/v1/secrets/${name}`);

    const metadata = await api.request('GET', `/v1/secrets/${name}`);
    const value = await api.request('GET', `/v1/secrets/${name}/value`);
    const write = await api.request('PATCH', `/v1/secrets/${name}`, { body: { set: { K: 'w' } } });
    const again = await api.request('DELETE', `/v1/secrets/${name}`);

    expect(metadata.status).toBe(200);
    expect(metadata.json.deletionDate).toEqual(expect.any(String));
    expect([value.status, write.status]).toEqual([409, 409]);
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain('?force=true');
  });
});

describe('routes that do not exist', () => {
  it('echoes the path only, never the query string', async () => {
    const answer = await api.request('GET', '/v1/nowhere?token=s3cr3t-in-a-url');
    expect(answer.status).toBe(404);
    expect(answer.json.error.message).toBe('no route GET /v1/nowhere');
    expect(answer.text).not.toContain('s3cr3t');
  });

  it('answers a wrong method on a known path 405 with Allow', async () => {
    const onList = await api.request('PATCH', '/v1/secrets');
    const onItem = await api.request('POST', '/v1/secrets/some-name');
    expect(onList.status).toBe(405);
    expect(onList.headers.get('allow')).toBe('GET, POST');
    expect(onItem.status).toBe(405);
    expect(onItem.headers.get('allow')).toBe('DELETE, GET, PATCH, PUT');
    expect(onItem.json.error.code).toBe('method_not_allowed');
  });
});
