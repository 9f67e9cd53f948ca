/**
 * Secret names are paths (`payments/prod/db`): every route reaches them with the name percent-encoded
 * once (local mode) or twice (what API Gateway needs, since it decodes the path once before routing),
 * lists filter by a path prefix, templates and bindings name them, and every valid name — up to the one
 * length limit, 128 characters — is reachable on every route.
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

const once = (name: string) => encodeURIComponent(name);
const twice = (name: string) => encodeURIComponent(encodeURIComponent(name));

async function create(name: string, data: Record<string, string> = { PASSWORD: 'p' }) {
  const answer = await api.request('POST', '/v1/secrets', { body: { name, type: 'env', data } });
  expect(answer.status, answer.text).toBe(201);
  return answer.json;
}

describe('secret names that are paths', () => {
  it('are created, read, changed, listed, deleted and restored with the name encoded once or twice', async () => {
    const created = await create('payments/prod/db');
    expect(created.vaultRef).toBe('secretm/local/default/payments/prod/db');

    for (const encode of [once, twice]) {
      const path = `/v1/secrets/${encode('payments/prod/db')}`;
      expect((await api.request('GET', path)).json.name).toBe('payments/prod/db');
      expect((await api.request('GET', `${path}/value`)).json.data).toEqual({ PASSWORD: 'p' });
      expect((await api.request('GET', `${path}/versions`)).status).toBe(200);
    }
    const path = `/v1/secrets/${once('payments/prod/db')}`;
    expect((await api.request('PATCH', path, { body: { set: { PASSWORD: 'q' } } })).json.version).toBe(2);
    expect((await api.request('DELETE', path)).status).toBe(200);
    expect((await api.request('POST', `${path}/restore`)).status).toBe(200);
    expect((await api.request('GET', `${path}/value`)).json.data).toEqual({ PASSWORD: 'q' });
  });

  it('lists by a path prefix', async () => {
    await create('teams/payments/a');
    await create('teams/payments/b/c');
    await create('teams/payroll/a');
    const listed = await api.request('GET', `/v1/secrets?prefix=${once('teams/payments/')}`);
    expect(listed.json.items.map((item: { name: string }) => item.name)).toEqual([
      'teams/payments/a',
      'teams/payments/b/c',
    ]);
  });

  it('are named in templates and bindings', async () => {
    await create('apps/web/db', { PASSWORD: 'from-a-path' });
    const rendered = await api.request('POST', '/v1/render', {
      body: { template: 'a={{secrets.apps/web/db.PASSWORD}} b={{secrets["apps/web/db"].PASSWORD}}' },
    });
    expect(rendered.json.rendered).toBe('a=from-a-path b=from-a-path');
    await api.request('PUT', '/v1/bindings/web', {
      body: { entries: [{ name: 'DB_PASSWORD', secret: 'apps/web/db', key: 'PASSWORD' }] },
    });
    expect((await api.request('GET', '/v1/bindings/web/resolve')).json.env).toEqual({
      DB_PASSWORD: 'from-a-path',
    });
  });

  it.each([
    ['an empty segment', 'payments//db'],
    ['a leading slash', '/payments/db'],
    ['a trailing slash', 'payments/db/'],
    ['a climbing segment', 'payments/../db'],
    ['a dot segment', 'payments/./db'],
    ['a segment starting with a dot', 'payments/.db'],
  ])('refuses a name with %s', async (_what, name) => {
    const answer = await api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { K: 'v' } },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.details[0].path).toBe('body.name');
  });
});

describe('the one length limit', () => {
  const longest = ['x'.repeat(128), `${'a/'.repeat(63)}zz`];

  it.each(longest)('reaches a 128-character name on every route (%#)', async (name) => {
    expect(name).toHaveLength(128);
    await create(name);
    for (const encode of [once, twice]) {
      const path = `/v1/secrets/${encode(name)}`;
      expect((await api.request('GET', path)).status).toBe(200);
      expect((await api.request('GET', `${path}/value`)).status).toBe(200);
      expect((await api.request('GET', `${path}/versions`)).status).toBe(200);
    }
    const path = `/v1/secrets/${twice(name)}`;
    expect((await api.request('PATCH', path, { body: { set: { PASSWORD: 'long' } } })).status).toBe(200);
    expect(
      (await api.request('POST', `${path}/clone`, { body: { name: `${name.slice(0, 119)}-copy` } })).status,
    ).toBe(201);
    expect((await api.request('DELETE', path)).status).toBe(200);
    expect((await api.request('POST', `${path}/restore`)).status).toBe(200);
    expect((await api.request('DELETE', `${path}?force=true`)).status).toBe(200);
  });

  it('refuses 129 characters at create, and answers it 400 on every other route', async () => {
    const name = 'y'.repeat(129);
    const created = await api.request('POST', '/v1/secrets', {
      body: { name, type: 'env', data: { K: 'v' } },
    });
    const read = await api.request('GET', `/v1/secrets/${name}`);
    expect(created.status).toBe(400);
    expect(read.status).toBe(400);
    expect(read.json.error.details[0].path).toBe('path.name');
  });
});
