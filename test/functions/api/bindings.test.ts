/** Bindings and templates end to end over HTTP, on local mode. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
  await api.request('POST', '/v1/secrets', {
    body: {
      name: 'orders-db',
      type: 'env',
      data: { username: 'orders', password: 'pw-1', host: 'db.internal' },
    },
  });
  await api.request('POST', '/v1/secrets', {
    body: {
      name: 'orders-tls',
      type: 'file',
      file: {
        content: Buffer.from('key bytes').toString('base64'),
        encoding: 'base64',
        filename: 'tls.key',
        mountPath: '/etc/tls',
        mode: '0400',
      },
    },
  });
  await api.request('POST', '/v1/secrets', {
    body: {
      name: 'cfg',
      type: 'env',
      data: {
        db: JSON.stringify({ primary: { host: 'p.internal', port: 5432 } }),
        echo: '{{secrets.orders-db.password}}',
      },
    },
  });
});
afterAll(async () => {
  await api.stop();
});

const ordersBinding = {
  entries: [
    { name: 'DB_USER', secret: 'orders-db', key: 'username' },
    { name: 'DB_PASSWORD', secret: 'orders-db', key: 'password' },
    { name: 'tls.key', secret: 'orders-tls' },
  ],
};

describe('bindings', () => {
  it('resolves to an environment and files, and as a Kubernetes Secret with its env and volume snippets', async () => {
    const saved = await api.request('PUT', '/v1/bindings/orders', { body: ordersBinding });
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe('"1"');

    const resolved = await api.request('GET', '/v1/bindings/orders/resolve');
    expect(resolved.json.env).toEqual({ DB_USER: 'orders', DB_PASSWORD: 'pw-1' });
    expect(resolved.json.files).toEqual([
      {
        name: 'tls.key',
        mountPath: '/etc/tls',
        filename: 'tls.key',
        mode: '0400',
        encoding: 'base64',
        content: Buffer.from('key bytes').toString('base64'),
      },
    ]);

    const k8s = (await api.request('GET', '/v1/bindings/orders/resolve?format=kubernetes')).json;
    expect(k8s.secret.kind).toBe('Secret');
    expect(Buffer.from(k8s.secret.data.DB_PASSWORD, 'base64').toString()).toBe('pw-1');
    expect(k8s.env).toContainEqual({
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: k8s.secret.metadata.name, key: 'DB_PASSWORD' } },
    });
    expect(k8s.volumeMounts[0]).toMatchObject({ mountPath: '/etc/tls/tls.key', readOnly: true });
    expect(k8s.volumes[0].secret.items[0].mode).toBe(0o400);
    expect(Buffer.from(k8s.secret.data[k8s.volumeMounts[0].subPath], 'base64').toString()).toBe('key bytes');
  });

  it('refuses to save a binding that names a missing secret or key, listing each', async () => {
    const answer = await api.request('PUT', '/v1/bindings/broken', {
      body: {
        entries: [
          { name: 'A', secret: 'no-such-secret', key: 'x' },
          { name: 'B', secret: 'orders-db', key: 'no-such-key' },
          { name: 'C', secret: 'orders-db' },
        ],
      },
    });

    expect(answer.status).toBe(422);
    expect(answer.json.error.details.map((d: { message: string }) => d.message)).toEqual([
      'A: there is no secret no-such-secret',
      'B: secret orders-db has no key no-such-key',
      'C: secret orders-db holds keys; name one with key',
    ]);
    expect((await api.request('GET', '/v1/bindings/broken')).status).toBe(404);
  });

  it('reports clearly when a bound key has gone since the binding was saved', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'shrinking', type: 'env', data: { A: '1', B: '2' } },
    });
    await api.request('PUT', '/v1/bindings/shrinker', {
      body: { entries: [{ name: 'B', secret: 'shrinking', key: 'B' }] },
    });
    await api.request('PATCH', '/v1/secrets/shrinking', { body: { unset: ['B'] } });

    const resolved = await api.request('GET', '/v1/bindings/shrinker/resolve');

    expect(resolved.status).toBe(409);
    expect(resolved.json.error.message).toContain('secret shrinking has no key B');
  });

  it('serves an env-only binding as dotenv', async () => {
    await api.request('PUT', '/v1/bindings/env-only', {
      body: { entries: [{ name: 'DB_PASSWORD', secret: 'orders-db', key: 'password' }] },
    });

    const dotenv = await api.request('GET', '/v1/bindings/env-only/resolve?format=dotenv');

    expect(dotenv.text.trim()).toBe('DB_PASSWORD=pw-1');
  });
});

describe('templates', () => {
  it('renders keys, nested keys inside JSON values, and a literal {{ — never re-rendering a value', async () => {
    const template =
      'user={{secrets.orders-db.username}} host={{ secrets.cfg.db.primary.host }}:{{secrets.cfg.db.primary.port}} raw=\\{{x}} echo={{secrets.cfg.echo}}';

    const answer = await api.request('POST', '/v1/render', { body: { template } });

    expect(answer.status).toBe(200);
    expect(answer.json.rendered).toBe(
      'user=orders host=p.internal:5432 raw={{x}} echo={{secrets.orders-db.password}}',
    );
  });

  it('names the missing reference, and treats another tenant’s secret exactly as a missing one', async () => {
    const other = await api.request('POST', '/v1/api-keys', {
      body: { name: 'acme', scopes: ['reveal'], tenant: 'acme' },
    });

    const missingKey = await api.request('POST', '/v1/render', {
      body: { template: 'x={{secrets.orders-db.nope}}' },
    });
    const theirs = await api.request('POST', '/v1/render', {
      key: other.json.key,
      body: { template: 'x={{secrets.orders-db.password}}' },
    });
    const absent = await api.request('POST', '/v1/render', {
      key: other.json.key,
      body: { template: 'x={{secrets.never-was.password}}' },
    });

    expect(missingKey.status).toBe(422);
    expect(missingKey.json.error.message).toContain('secrets.orders-db.nope');
    expect(theirs.status).toBe(absent.status);
    expect(theirs.json.error.message.replaceAll('orders-db', 'X')).toBe(
      absent.json.error.message.replaceAll('never-was', 'X'),
    );
    expect(theirs.text).not.toContain('pw-1');
  });

  it('needs the reveal scope, and bounds the template size and reference count', async () => {
    const reader = await api.request('POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['read'] } });

    const forbidden = await api.request('POST', '/v1/render', {
      key: reader.json.key,
      body: { template: '{{secrets.orders-db.password}}' },
    });
    const tooMany = await api.request('POST', '/v1/render', {
      body: { template: '{{secrets.orders-db.username}}'.repeat(101) },
    });
    const tooBig = await api.request('POST', '/v1/render', { body: { template: 'x'.repeat(64 * 1024 + 1) } });

    expect(forbidden.status).toBe(403);
    expect([400, 413]).toContain(tooMany.status);
    expect(tooBig.status).toBe(413);
  });
});
