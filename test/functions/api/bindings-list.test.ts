/**
 * `GET /v1/bindings` over HTTP on local mode: the tenant's bindings by service name with entry counts
 * and nothing more, paged by cursor, on the `read` scope; another tenant's are never listed, and one
 * naming a secret outside a key's access rules is left out as `GET` answers it absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAnswer, type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
const value = 'listed-binding-value-never-shown';

async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const done = await answer;
  expect(done.status, done.text).toBeLessThan(300);
  return done;
}

beforeAll(async () => {
  api = await startLocalApi();
  for (const name of ['open/db', 'fenced/db']) {
    await ok(
      api.request('POST', '/v1/secrets', {
        body: { name, type: 'env', data: { USER: 'u', PASSWORD: value } },
      }),
    );
  }
  const bind = (service: string, secret: string, names: string[], description?: string) =>
    ok(
      api.request('PUT', `/v1/bindings/${service}`, {
        body: {
          entries: names.map((name) => ({ name, secret, key: name === 'DB_USER' ? 'USER' : 'PASSWORD' })),
          ...(description ? { description } : {}),
        },
      }),
    );
  await bind('orders', 'open/db', ['DB_USER', 'DB_PASSWORD'], 'The orders API');
  await bind('billing', 'open/db', ['DB_PASSWORD']);
  await bind('cron', 'open/db', ['DB_PASSWORD']);
  await bind('vault-svc', 'fenced/db', ['DB_PASSWORD']);
});
afterAll(async () => {
  await api?.stop();
});

describe('GET /v1/bindings', () => {
  it('lists the bindings by service name with their entry counts, never an entry or a value', async () => {
    const answer = await ok(api.request('GET', '/v1/bindings'));

    expect(answer.json.items.map((item: { service: string }) => item.service)).toEqual([
      'billing',
      'cron',
      'orders',
      'vault-svc',
    ]);
    expect(answer.json.items[2]).toEqual({
      service: 'orders',
      entryCount: 2,
      description: 'The orders API',
      version: 1,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(answer.json.cursor).toBeUndefined();
    expect(answer.text).not.toContain(value);
    expect(answer.text).not.toContain('DB_PASSWORD');
  });

  it('pages by cursor, and refuses a bad cursor or limit with a clear 400', async () => {
    const first = await ok(api.request('GET', '/v1/bindings?limit=3'));
    const second = await ok(
      api.request('GET', `/v1/bindings?limit=3&cursor=${encodeURIComponent(first.json.cursor)}`),
    );

    expect(first.json.items).toHaveLength(3);
    expect(second.json.items.map((item: { service: string }) => item.service)).toEqual(['vault-svc']);
    expect(second.json.cursor).toBeUndefined();
    const badCursor = await api.request('GET', '/v1/bindings?cursor=%21%21');
    expect(badCursor.status).toBe(400);
    expect(badCursor.json.error.message).toContain('cursor');
    expect((await api.request('GET', '/v1/bindings?limit=101')).status).toBe(400);
  });

  it('answers a read-only key, and lists nothing of another tenant’s', async () => {
    const reader = (await ok(api.request('POST', '/v1/api-keys', { body: { name: 'r', scopes: ['read'] } })))
      .json.key;
    const stranger = (
      await ok(
        api.request('POST', '/v1/api-keys', {
          body: { name: 's', scopes: ['read', 'admin'], tenant: 'another-team' },
        }),
      )
    ).json.key;

    expect((await ok(api.request('GET', '/v1/bindings', { key: reader }))).json.items).toHaveLength(4);
    expect((await ok(api.request('GET', '/v1/bindings', { key: stranger }))).json).toEqual({ items: [] });
  });

  it('leaves out a binding naming a secret outside the key’s access rules', async () => {
    const fenced = (
      await ok(
        api.request('POST', '/v1/api-keys', {
          body: {
            name: 'fenced',
            scopes: ['read'],
            rules: [
              { actions: ['read'], secrets: ['**'], connections: ['**'] },
              { actions: ['read'], secrets: ['fenced/**'], effect: 'deny' },
            ],
          },
        }),
      )
    ).json.key;

    const answer = await ok(api.request('GET', '/v1/bindings', { key: fenced }));

    expect(answer.json.items.map((item: { service: string }) => item.service)).toEqual([
      'billing',
      'cron',
      'orders',
    ]);
  });
});
