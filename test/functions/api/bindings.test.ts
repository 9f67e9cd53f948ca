/**
 * Bindings and templates end to end over HTTP, on local mode, over the fixtures the layer's tests read
 * too (test/bindings/binding-fixtures.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixtureBinding,
  fixtureGone,
  fixtureMounts,
  fixtureResolved,
  fixtureSecrets,
  fixtureService,
  fixtureTemplate,
} from '../../bindings/binding-fixtures.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
  for (const body of fixtureSecrets) {
    expect((await api.request('POST', '/v1/secrets', { body })).status).toBe(201);
  }
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
  const saved = await api.request('PUT', `/v1/bindings/${fixtureService}`, { body: fixtureBinding });
  expect(saved.status).toBe(200);
  expect(saved.headers.get('etag')).toBe('"1"');
});
afterAll(async () => {
  await api.stop();
});

describe('bindings', () => {
  it('resolves to an environment and files, each file named by its secret and mounted where the entry or the secret says', async () => {
    const resolved = await api.request('GET', `/v1/bindings/${fixtureService}/resolve`);

    expect(resolved.status).toBe(200);
    expect(resolved.json).toEqual(fixtureResolved);
  });

  it('gives Kubernetes a Secret with the env and mounts each file under its own file name', async () => {
    const k8s = (await api.request('GET', `/v1/bindings/${fixtureService}/resolve?format=kubernetes`)).json;

    expect(k8s.secret.kind).toBe('Secret');
    expect(Buffer.from(k8s.secret.data.DB_PASSWORD, 'base64').toString()).toBe('pw-1');
    expect(k8s.env).toContainEqual({
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: k8s.secret.metadata.name, key: 'DB_PASSWORD' } },
    });
    const items = k8s.volumes[0].secret.items as { key: string; mode?: number }[];
    const mounted = (k8s.volumeMounts as { mountPath: string; subPath: string; readOnly: boolean }[]).map(
      (mount) => ({
        path: mount.mountPath,
        bytes: new Uint8Array(Buffer.from(k8s.secret.data[mount.subPath], 'base64')),
        ...(items.find((item) => item.key === mount.subPath)?.mode === undefined
          ? {}
          : { mode: items.find((item) => item.key === mount.subPath)!.mode }),
      }),
    );
    expect(mounted).toEqual(fixtureMounts.map((mount) => ({ ...mount, bytes: new Uint8Array(mount.bytes) })));
    expect(k8s.volumeMounts.every((mount: { readOnly: boolean }) => mount.readOnly)).toBe(true);
  });

  it('refuses a binding whose secret has gone since it was saved, naming the entry', async () => {
    await api.request('POST', '/v1/secrets', { body: fixtureGone.secret });
    await api.request('PUT', `/v1/bindings/${fixtureGone.service}`, { body: fixtureGone.binding });
    await api.request('DELETE', `/v1/secrets/${fixtureGone.secret.name}?force=true`);

    const resolved = await api.request('GET', `/v1/bindings/${fixtureGone.service}/resolve`);

    expect(resolved.status).toBe(409);
    expect(resolved.json.error.message).toBe(fixtureGone.message);
  });

  it('refuses a binding that puts two files at one path', async () => {
    const answer = await api.request('PUT', '/v1/bindings/twice', {
      body: {
        entries: [
          { name: 'tls', secret: 'orders-tls' },
          { name: 'tls-again', secret: 'orders-tls' },
        ],
      },
    });

    expect(answer.status).toBe(422);
    expect(answer.json.error.message).toContain('/etc/tls/tls.key');
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
  it('renders a base64 file as the text it holds, and refuses bytes that are not text', async () => {
    const rendered = await api.request('POST', '/v1/render', {
      body: { template: fixtureTemplate.template },
    });
    const binary = await api.request('POST', '/v1/render', { body: { template: fixtureTemplate.binary } });

    expect(rendered.json.rendered).toBe(fixtureTemplate.rendered);
    expect(binary.status).toBe(422);
    expect(binary.json.error.message).toMatch(/binary/);
  });

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
