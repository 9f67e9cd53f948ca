/** Local mode: its own DynamoDB Local under the data folder, the operator key, and restarts that keep everything. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../local/start-local.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'secretm-local-'));
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: await response.json() };
}

describe('local mode', () => {
  it('prints a new admin key once, keeps secrets across a restart, and honours a preset bootstrap key', {
    timeout: 180_000,
  }, async () => {
    // First start: a key is generated and returned once.
    const first = await startLocal({ dataDir, port: 0 });
    const key = first.newOperatorKey!;
    expect(key).toMatch(/^smo_/);
    const created = await call(first.url, key, 'POST', '/v1/secrets', {
      name: 'kept',
      type: 'env',
      data: { A: '1' },
    });
    expect(created.status).toBe(201);
    expect((await stat(join(dataDir, 'vault', 'master.key'))).mode & 0o777).toBe(0o600);
    await first.stop();

    // Restart: no new key; the old key and the secret are still there.
    const second = await startLocal({ dataDir, port: 0 });
    expect(second.newOperatorKey).toBeUndefined();
    const read = await call(second.url, key, 'GET', '/v1/secrets/kept/value');
    expect(read).toEqual({ status: 200, json: { name: 'kept', version: 1, data: { A: '1' } } });
    await second.stop();

    // A preset key replaces the operator key: the new one works, the old one no longer does.
    const preset = 'preset-bootstrap-key-for-ci-0123456789';
    const third = await startLocal({ dataDir, port: 0, bootstrapKey: preset });
    expect((await call(third.url, preset, 'GET', '/v1/secrets/kept')).status).toBe(200);
    expect((await call(third.url, key, 'GET', '/v1/secrets/kept')).status).toBe(401);
    await third.stop();
  });
});
