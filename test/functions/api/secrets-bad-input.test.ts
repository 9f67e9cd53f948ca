/** Bad input gets a clear 4xx, stores nothing and loses nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
  await api.request('POST', '/v1/secrets', { body: { name: 'existing', type: 'env', data: { KEEP: 'me' } } });
});
afterAll(async () => {
  await api.stop();
});

async function expectNothingStored() {
  const list = await api.request('GET', '/v1/secrets?limit=100');
  expect(list.json.items.map((s: { name: string }) => s.name)).toEqual(['existing']);
  const value = await api.request('GET', '/v1/secrets/existing/value');
  expect(value.json).toMatchObject({ version: 1, data: { KEEP: 'me' } });
}

describe('names', () => {
  it.each([
    ['../etc', 'path traversal'],
    ['a b', 'a space'],
    ['ѕecret', 'a Cyrillic look-alike'],
    ['-leading', 'a leading dash'],
    ['x'.repeat(129), '129 characters'],
    ['', 'empty'],
  ])('refuses %j (%s) with 400', async (name) => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { K: 'v' } },
    });

    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('validation_failed');
    expect(answer.json.error.details[0].path).toBe('body.name');
    await expectNothingStored();
  });
});

describe('values', () => {
  it('refuses an empty env secret and an empty file', async () => {
    const env = await api.request('POST', '/v1/secrets', { body: { name: 'empty', type: 'env', data: {} } });
    const file = await api.request('POST', '/v1/secrets', {
      body: { name: 'empty', type: 'file', file: { content: '', filename: 'a.txt' } },
    });

    expect(env.status).toBe(400);
    expect(file.status).toBe(400);
    await expectNothingStored();
  });

  it('refuses a value over 64 KiB with 413', async () => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: 'big', type: 'env', data: { K: 'x'.repeat(64 * 1024 + 1) } },
    });

    expect(answer.status).toBe(413);
    await expectNothingStored();
  });

  it('refuses malformed dotenv lines, naming each line', async () => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: 'bad-env', type: 'env', dotenv: 'GOOD=1\nnot a line\nALSO_GOOD=2\n=novalue\n' },
    });

    expect(answer.status).toBe(400);
    expect(answer.json.error.details.map((d: { path: string }) => d.path)).toEqual(['dotenv:2', 'dotenv:4']);
    await expectNothingStored();
  });

  it('refuses duplicate keys in dotenv', async () => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: 'dup', type: 'env', dotenv: 'A=1\nA=2\n' },
    });

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('A');
    await expectNothingStored();
  });

  it('refuses invalid base64 file content and a file name with a slash', async () => {
    const base64 = await api.request('POST', '/v1/secrets', {
      body: {
        name: 'b64',
        type: 'file',
        file: { content: 'not base64!', encoding: 'base64', filename: 'a' },
      },
    });
    const slash = await api.request('POST', '/v1/secrets', {
      body: { name: 'slash', type: 'file', file: { content: 'x', filename: '../a' } },
    });

    expect(base64.status).toBe(400);
    expect(slash.status).toBe(400);
    await expectNothingStored();
  });
});

describe('shapes', () => {
  it.each([
    ['tenant', { tenant: 'other' }],
    ['vaultRef', { vaultRef: 'elsewhere' }],
    ['version', { version: 7 }],
    ['createdAt', { createdAt: '2020-01-01T00:00:00Z' }],
    ['an unknown field', { colour: 'blue' }],
  ])('refuses a body that sets %s', async (_what, extra) => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: 'shape', type: 'env', data: { K: 'v' }, ...extra },
    });

    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toMatch(/not a field this request accepts/);
    await expectNothingStored();
  });

  it('refuses wrong types and malformed JSON', async () => {
    const wrongType = await api.request('POST', '/v1/secrets', {
      body: { name: 'typed', type: 'env', data: { K: 1 } },
    });
    const malformed = await api.request('POST', '/v1/secrets', {
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });

    expect(wrongType.status).toBe(400);
    expect(malformed.status).toBe(400);
    await expectNothingStored();
  });

  it('refuses a bad If-Match and a bad cursor', async () => {
    const ifMatch = await api.request('PUT', '/v1/secrets/existing', {
      body: { data: { KEEP: 'x' } },
      headers: { 'if-match': 'yesterday' },
    });
    const cursor = await api.request('GET', '/v1/secrets?cursor=not-a-cursor');

    expect(ifMatch.status).toBe(400);
    expect(cursor.status).toBe(400);
    await expectNothingStored();
  });

  it('refuses to create a name that exists (409)', async () => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name: 'existing', type: 'env', data: { KEEP: 'other' } },
    });

    expect(answer.status).toBe(409);
    await expectNothingStored();
  });
});

describe('credentials, scopes and tenants', () => {
  it('answers 401 without a key or with a wrong one', async () => {
    const none = await api.request('GET', '/v1/secrets', { key: null });
    const wrong = await api.request('GET', '/v1/secrets', {
      key: 'smk_aaaaaaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    });

    expect(none.status).toBe(401);
    expect(wrong.status).toBe(401);
  });

  it('answers 403 when the key lacks the scope, and a revoked key stops working at once', async () => {
    const reader = await api.request('POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['read'] } });
    expect(reader.status).toBe(201);

    const meta = await api.request('GET', '/v1/secrets/existing', { key: reader.json.key });
    const reveal = await api.request('GET', '/v1/secrets/existing/value', { key: reader.json.key });
    const write = await api.request('POST', '/v1/secrets', {
      key: reader.json.key,
      body: { name: 'nope', type: 'env', data: { K: 'v' } },
    });
    expect(meta.status).toBe(200);
    expect(reveal.status).toBe(403);
    expect(write.status).toBe(403);

    expect((await api.request('DELETE', `/v1/api-keys/${reader.json.id}`)).status).toBe(204);
    expect((await api.request('GET', '/v1/secrets/existing', { key: reader.json.key })).status).toBe(401);
    await expectNothingStored();
  });

  it("answers another tenant's secret exactly like an absent one", async () => {
    const other = await api.request('POST', '/v1/api-keys', {
      body: { name: 'acme admin', scopes: ['read', 'reveal', 'write', 'admin'], tenant: 'acme' },
    });
    const key = other.json.key;

    const theirs = await api.request('GET', '/v1/secrets/existing', { key });
    const absent = await api.request('GET', '/v1/secrets/never-was', { key });
    const theirValue = await api.request('GET', '/v1/secrets/existing/value', { key });
    const list = await api.request('GET', '/v1/secrets', { key });

    expect(theirs.status).toBe(404);
    expect(theirValue.status).toBe(404);
    expect(theirs.json.error.code).toBe(absent.json.error.code);
    expect(theirs.json.error.message.replace('existing', 'X')).toBe(
      absent.json.error.message.replace('never-was', 'X'),
    );
    expect(list.json.items).toEqual([]);
  });

  it('lets only the operator create keys for another tenant, and never with more scopes than the creator', async () => {
    const writer = await api.request('POST', '/v1/api-keys', {
      body: { name: 'admin-lite', scopes: ['admin', 'read'] },
    });

    const otherTenant = await api.request('POST', '/v1/api-keys', {
      key: writer.json.key,
      body: { name: 'x', scopes: ['read'], tenant: 'elsewhere' },
    });
    const moreScopes = await api.request('POST', '/v1/api-keys', {
      key: writer.json.key,
      body: { name: 'x', scopes: ['reveal'] },
    });

    expect(otherTenant.status).toBe(403);
    expect(moreScopes.status).toBe(403);
  });
});
