/**
 * Health: `/v1/health` is liveness (the API answers, nothing else is checked); `/v1/health/ready` is
 * readiness (the store answers too), public, 503 with a reason when the store cannot serve.
 */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDependencies } from '../../../functions/dependencies.ts';
import { createApiHandler } from '../../../functions/http/api-handler.ts';
import { routes } from '../../../functions/routes.ts';
import { freePort } from '../../../local/managed-process.ts';
import type { Config } from '../../../shared/config.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { event } from '../http/api-events.ts';

let api: LocalApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
});

const localConfig = (dynamodbEndpoint: string): Config => ({
  mode: 'local',
  stage: 'local',
  tableName: 'secretm',
  region: 'us-east-1',
  dynamodbEndpoint,
  localVaultDir: '/nonexistent',
  defaultConnection: 'local',
  auditRetentionDays: 365,
  jwtTenantClaim: 'tenant',
});

describe('GET /v1/health/ready', () => {
  it('answers ready, to anyone, when the store serves', async () => {
    api = await startLocalApi();

    const ready = await api.request('GET', '/v1/health/ready', { key: null });

    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready' });
    expect(ready.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 with the reason when the table is gone, while /v1/health (liveness) still answers ok', async () => {
    let now = new Date();
    api = await startLocalApi({ clock: { now: () => now } });
    await api.documentClient.send(new DeleteTableCommand({ TableName: api.tableName }));
    // Past the time a "ready" answer is kept (the start itself waited on one).
    now = new Date(now.getTime() + 6_000);

    const ready = await api.request('GET', '/v1/health/ready', { key: null });
    const live = await api.request('GET', '/v1/health', { key: null });

    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ status: 'not_ready', reason: 'the table does not exist' });
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ status: 'ok' });
  });

  it('answers 503 when the store cannot be reached, naming neither its endpoint nor its table', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const handler = createApiHandler(routes, async () => createDependencies(localConfig(endpoint)));

    const ready = await handler(event('GET /v1/health/ready', { path: '/v1/health/ready' }));

    expect(ready.statusCode).toBe(503);
    expect(JSON.parse(ready.body!)).toEqual({
      status: 'not_ready',
      reason: 'the store cannot be reached (ECONNREFUSED)',
    });
    expect(ready.body).not.toContain(endpoint);
    expect(ready.body).not.toContain('secretm');
  });

  it('answers 503 when secretm cannot build its dependencies (its configuration is wrong)', async () => {
    const handler = createApiHandler(routes, async () => {
      throw new Error('SECRETM_TABLE_NAME is not set');
    });

    const ready = await handler(event('GET /v1/health/ready', { path: '/v1/health/ready' }));
    const live = await handler(event('GET /v1/health', { path: '/v1/health' }));

    expect(ready.statusCode).toBe(503);
    expect(JSON.parse(ready.body!).status).toBe('not_ready');
    expect(ready.body).not.toContain('SECRETM_TABLE_NAME');
    expect(live.statusCode).toBe(200);
  });
});
