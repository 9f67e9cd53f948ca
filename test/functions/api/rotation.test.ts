/**
 * The rotation API end to end: HTTP → local server → handlers → DynamoDB Local, the local vault and the
 * live PostgreSQL of the test set-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { canLogIn, databaseSecret, newRole } from '../../rotation/postgres-fixtures.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

const randomRotation = {
  schedule: 'rate(30 days)',
  strategy: 'random',
  options: { keys: ['API_TOKEN'], policy: { length: 48, symbols: false } },
};

describe('rotation settings', () => {
  it('turns rotation on, shows it with the next rotation time on the metadata, and turns it off', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'svc', type: 'env', data: { API_TOKEN: 't0' } },
    });

    const on = await api.request('PUT', '/v1/secrets/svc/rotation', { body: randomRotation });
    const shown = await api.request('GET', '/v1/secrets/svc');
    const off = await api.request('DELETE', '/v1/secrets/svc/rotation');

    expect(on.status).toBe(200);
    expect(on.json.rotation).toMatchObject({
      enabled: true,
      schedule: 'rate(30 days)',
      strategy: 'random',
      options: {
        keys: ['API_TOKEN'],
        policy: {
          length: 48,
          lowercase: true,
          uppercase: true,
          digits: true,
          symbols: false,
          exclude: '',
          requireEachClass: true,
        },
      },
      consecutiveFailures: 0,
    });
    const next = Date.parse(on.json.rotation.nextRotationAt);
    expect(next - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(shown.json.rotation).toEqual(on.json.rotation);
    expect(off.status).toBe(200);
    expect(off.json.rotation).toBeUndefined();
    expect((await api.request('GET', '/v1/secrets/svc')).json.rotation).toBeUndefined();
  });

  it('refuses schedules that are not EventBridge rate or cron expressions, naming the problem', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'sched', type: 'env', data: { API_TOKEN: 't0' } },
    });
    const answers = await Promise.all(
      [
        'rate(1 days)',
        'rate(0 hours)',
        'cron(0 4 * * * *)',
        'cron(0 4 1 * ?)',
        'every day',
        'cron(0 25 * * ? *)',
      ].map((schedule) =>
        api.request('PUT', '/v1/secrets/sched/rotation', { body: { ...randomRotation, schedule } }),
      ),
    );

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toBe('validation_failed');
      expect(answer.json.error.details[0].path).toBe('body.schedule');
    }
    const accepted = await api.request('PUT', '/v1/secrets/sched/rotation', {
      body: { ...randomRotation, schedule: 'cron(0 4 ? * MON-FRI *)' },
    });
    expect(accepted.status).toBe(200);
  });

  it('refuses settings a secret cannot rotate with: unknown fields, missing keys, alternating users without a master', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'notdb', type: 'env', data: { TOKEN: 'x' } } });

    const unknown = await api.request('PUT', '/v1/secrets/notdb/rotation', {
      body: { ...randomRotation, extra: 1 },
    });
    const database = await api.request('PUT', '/v1/secrets/notdb/rotation', {
      body: { schedule: 'rate(30 days)', strategy: 'database' },
    });
    const role = await newRole();
    await api.request('POST', '/v1/secrets', {
      body: { name: 'db', type: 'env', data: databaseSecret(role) },
    });
    const alternating = await api.request('PUT', '/v1/secrets/db/rotation', {
      body: { schedule: 'rate(30 days)', strategy: 'database', options: { mode: 'alternating-users' } },
    });

    expect(unknown.status).toBe(400);
    expect(database.status).toBe(400);
    expect(database.json.error.message).toMatch(/lacks engine, host, port, username, password, dbname/);
    expect(alternating.status).toBe(400);
    expect(alternating.json.error.details[0].path).toBe('body.options.masterSecret');
  });

  it('needs the write scope', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'scoped', type: 'env', data: { API_TOKEN: 't0' } },
    });
    const reader = await api.request('POST', '/v1/api-keys', {
      body: { name: 'reader', scopes: ['read', 'reveal'] },
    });

    const put = await api.request('PUT', '/v1/secrets/scoped/rotation', {
      body: randomRotation,
      key: reader.json.key,
    });
    const rotate = await api.request('POST', '/v1/secrets/scoped/rotate', { key: reader.json.key });

    expect(put.status).toBe(403);
    expect(rotate.status).toBe(403);
  });
});

describe('rotate now', () => {
  it('rotates a random secret and answers the outcome; the new value is a new version', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'token', type: 'env', data: { API_TOKEN: 't0', URL: 'u' } },
    });
    await api.request('PUT', '/v1/secrets/token/rotation', { body: randomRotation });

    const rotated = await api.request('POST', '/v1/secrets/token/rotate');
    const value = await api.request('GET', '/v1/secrets/token/value');
    const versions = await api.request('GET', '/v1/secrets/token/versions');

    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('etag')).toBe('"2"');
    expect(rotated.json).toMatchObject({ name: 'token', outcome: 'rotated', version: 2 });
    expect(value.json.data.URL).toBe('u');
    expect(value.json.data.API_TOKEN).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(versions.json.items[0]).toMatchObject({ version: 2, action: 'rotate', current: true });
  });

  it('changes a database password on the real database', async () => {
    const role = await newRole();
    await api.request('POST', '/v1/secrets', {
      body: { name: 'pg', type: 'env', data: databaseSecret(role) },
    });
    await api.request('PUT', '/v1/secrets/pg/rotation', {
      body: {
        schedule: 'rate(30 days)',
        strategy: 'database',
        options: { mode: 'single-user', tls: 'disable' },
      },
    });

    const rotated = await api.request('POST', '/v1/secrets/pg/rotate');
    const value = await api.request('GET', '/v1/secrets/pg/value');

    expect(rotated.status).toBe(200);
    expect(
      await canLogIn({ username: value.json.data.username, password: value.json.data.password }, role.table),
    ).toBe(true);
    expect(await canLogIn(role, role.table)).toBe(false);
  });

  it('answers a failed rotation with the error and the step, leaving the value current and the failure on the metadata', async () => {
    const role = await newRole();
    const data = { ...databaseSecret(role), password: 'not-the-password' };
    await api.request('POST', '/v1/secrets', { body: { name: 'wrong', type: 'env', data } });
    await api.request('PUT', '/v1/secrets/wrong/rotation', {
      body: { schedule: 'rate(30 days)', strategy: 'database', options: { tls: 'disable' } },
    });

    const failed = await api.request('POST', '/v1/secrets/wrong/rotate');
    const metadata = await api.request('GET', '/v1/secrets/wrong');
    const value = await api.request('GET', '/v1/secrets/wrong/value');

    expect(failed.status).toBe(401);
    expect(failed.json.error.code).toBe('unauthorized');
    expect(failed.json.error.message).toMatch(/failed at setSecret: .*version 1 stays current/);
    expect(failed.text).not.toContain('not-the-password');
    expect(metadata.json.version).toBe(1);
    expect(metadata.json.rotation).toMatchObject({
      consecutiveFailures: 1,
      lastError: { code: 'unauthorized', step: 'setSecret' },
    });
    expect(value.json.data.password).toBe('not-the-password');
  });

  it('answers 422 for a secret without rotation settings', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'still', type: 'env', data: { K: 'v' } } });

    const answer = await api.request('POST', '/v1/secrets/still/rotate');

    expect(answer.status).toBe(422);
  });
});

describe('the OpenAPI document', () => {
  it('describes the rotation routes', async () => {
    const document = await api.request('GET', '/v1/openapi.json', { key: null });

    expect(Object.keys(document.json.paths['/v1/secrets/{name}/rotation'])).toEqual(['put', 'delete']);
    expect(document.json.paths['/v1/secrets/{name}/rotate'].post.operationId).toBe('rotateSecret');
  });
});
