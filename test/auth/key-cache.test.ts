/**
 * A warm instance trusts an API key it checked for `apiKeyCacheSeconds` at most: a key revoked on
 * another instance stops working here once that bound has passed (an injected clock moves time, no
 * sleeping), a key revoked through this instance stops at once, and a key's own expiry is never
 * outlived. Two local-mode instances share one table on the run's DynamoDB Local, as two Lambda
 * instances share the deployment's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningLocal, startLocal } from '../../local/start-local.ts';
import { apiKeyCacheSeconds } from '../../shared/auth/key-cache.ts';
import type { Clock } from '../../shared/clock.ts';

let offsetMs = 0;
const movableClock: Clock = { now: () => new Date(Date.now() + offsetMs) };
const operatorKey = `test-operator-${randomBytes(16).toString('hex')}`;
const tableName = `secretm-${randomUUID()}`;
const dirs: string[] = [];
let reader: RunningLocal;
let other: RunningLocal;

async function start(clock?: Clock): Promise<RunningLocal> {
  const dataDir = await mkdtemp(join(tmpdir(), 'secretm-test-'));
  dirs.push(dataDir);
  return startLocal({
    dataDir,
    port: 0,
    bootstrapKey: operatorKey,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    tableName,
    ...(clock ? { overrides: { clock } } : {}),
  });
}

async function status(on: RunningLocal, method: string, path: string, key: string, body?: unknown) {
  const response = await fetch(`${on.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json().catch(() => undefined)) as never };
}

async function newKey(expiresAt?: string): Promise<{ id: string; key: string }> {
  const answer = await status(other, 'POST', '/v1/api-keys', operatorKey, {
    name: `k-${randomUUID()}`,
    scopes: ['read', 'admin'],
    ...(expiresAt ? { expiresAt } : {}),
  });
  expect(answer.status).toBe(201);
  return answer.json;
}

beforeAll(async () => {
  other = await start();
  reader = await start(movableClock);
});

afterAll(async () => {
  await reader?.stop();
  await other?.stop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the API key cache of a warm instance', () => {
  it('stops accepting a key revoked on another instance once the bound has passed', async () => {
    offsetMs = 0;
    const { id, key } = await newKey();
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(200);
    expect((await status(other, 'DELETE', `/v1/api-keys/${id}`, operatorKey)).status).toBe(204);

    expect((await status(other, 'GET', '/v1/secrets', key)).status).toBe(401);
    // Within the bound this instance still trusts what it checked…
    offsetMs = (apiKeyCacheSeconds - 1) * 1000;
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(200);
    // …and not a moment after it.
    offsetMs = apiKeyCacheSeconds * 1000;
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(401);
  });

  it('stops accepting a key at once when it is revoked through the same instance', async () => {
    offsetMs = 0;
    const { id, key } = await newKey();
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(200);
    expect((await status(reader, 'DELETE', `/v1/api-keys/${id}`, key)).status).toBe(204);
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(401);
  });

  it('never trusts a key past its own expiry', async () => {
    offsetMs = 0;
    const expiresAt = new Date(Date.now() + 3_000).toISOString();
    const { key } = await newKey(expiresAt);
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(200);
    offsetMs = 3_000;
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(401);
  });

  it('checks a refused key again every time: a wrong secret for a cached key id is refused', async () => {
    offsetMs = 0;
    const { key } = await newKey();
    expect((await status(reader, 'GET', '/v1/secrets', key)).status).toBe(200);
    const forged = `${key.slice(0, -4)}${key.endsWith('aaaa') ? 'bbbb' : 'aaaa'}`;
    expect((await status(reader, 'GET', '/v1/secrets', forged)).status).toBe(401);
  });
});
