/**
 * `GET /v1/costs` end to end over HTTP in local mode, on a fake clock: a secret on an AWS Secrets
 * Manager connection (moto), its vault calls counted by the API request by request as they happen
 * (AWS operation names), priced with AWS's public formula; JSON and CSV; scopes, tenant isolation
 * and bad input.
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../../shared/store/dynamo-client.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let now = new Date('2026-03-01T00:00:00Z');
let api: LocalApi;
const awsCredentials = { accessKeyId: 'AKIDSECRETMTEST', secretAccessKey: `aws-${randomUUID()}` };
/** The secret whose metadata write fails once, as a connection reset would: the only fault forced here. */
let failMetadataOf: string | undefined;

/** The table client, with the one fault above: DynamoDB Local cannot be made to drop one write. */
function faultyClient() {
  const client = createDocumentClient({
    region: 'us-east-1',
    endpoint: inject('dynamodbEndpoint'),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.send = ((command: unknown, ...rest: unknown[]) => {
    if (
      failMetadataOf !== undefined &&
      command instanceof TransactWriteCommand &&
      (command.input.TransactItems ?? []).some((item) => item.Put?.Item?.sk === `S#${failMetadataOf}`)
    ) {
      failMetadataOf = undefined;
      return Promise.reject(Object.assign(new Error('connection reset (injected)'), { $metadata: {} }));
    }
    return send(command, ...rest);
  }) as typeof client.send;
  return client;
}

beforeAll(async () => {
  api = await startLocalApi({ clock: { now: () => now }, client: faultyClient() });
  const connection = await api.request('POST', '/v1/connections', {
    body: {
      name: 'aws-costs',
      kind: 'aws-secrets-manager',
      config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
      credentials: awsCredentials,
    },
  });
  expect(connection.status).toBe(201);
  const secret = await api.request('POST', '/v1/secrets', {
    body: { name: 'billing-db', type: 'env', connection: 'aws-costs', data: { PASSWORD: 'cost-canary' } },
  });
  expect(secret.status).toBe(201);
  const replicated = await api.request('POST', '/v1/connections', {
    body: {
      name: 'aws-replicated',
      kind: 'aws-secrets-manager',
      config: { region: 'us-east-1', endpoint: inject('motoEndpoint'), replicaRegions: ['eu-west-1'] },
      credentials: awsCredentials,
    },
  });
  expect(replicated.status).toBe(201);
  const replicatedSecret = await api.request('POST', '/v1/secrets', {
    body: {
      name: 'replicated-db',
      type: 'env',
      connection: 'aws-replicated',
      data: { PASSWORD: 'cost-canary' },
    },
  });
  expect(replicatedSecret.status).toBe(201);
  for (let i = 0; i < 4; i++) {
    expect((await api.request('GET', '/v1/secrets/billing-db/value')).status).toBe(200);
  }
  expect((await api.request('POST', '/v1/connections/aws-costs/test')).json.ok).toBe(true);
  now = new Date('2026-03-16T00:00:00Z');
});

afterAll(async () => {
  await api.stop();
});

describe('GET /v1/costs', () => {
  it('answers each secret’s hours, calls and cost, and the month projected to its end', async () => {
    const answer = await api.request('GET', '/v1/costs?month=2026-03');
    expect(answer.status).toBe(200);
    const line = answer.json.secrets.find((each: { name: string }) => each.name === 'billing-db');
    expect(line).toMatchObject({
      connection: 'aws-costs',
      secretHours: 360,
      storageCost: '0.19', // 0.40 × 360 / 744 = 0.1935…
      calls: { CreateSecret: 1, GetSecretValue: 4 },
      callCost: '0.00',
      cacheHits: 0,
      total: '0.19',
    });
    const connection = answer.json.connections.find(
      (each: { connection: string }) => each.connection === 'aws-costs',
    );
    expect(connection).toMatchObject({
      kind: 'aws-secrets-manager',
      secrets: 1,
      connectionCalls: { ListSecrets: 1 },
      calls: { CreateSecret: 1, GetSecretValue: 4, ListSecrets: 1 },
    });
    expect(answer.json).toMatchObject({
      month: '2026-03',
      currency: 'USD',
      complete: false,
      // Both secrets to the end of March: 0.40, and 0.80 for the replicated one (plus a few calls).
      projected: '1.20',
    });
    expect(answer.text).not.toContain('cost-canary');
    expect(answer.text).not.toContain(awsCredentials.secretAccessKey);
  });

  it('charges each replica of a replicated secret as a secret of its own', async () => {
    const answer = await api.request('GET', '/v1/costs?month=2026-03');
    const line = answer.json.secrets.find((each: { name: string }) => each.name === 'replicated-db');
    expect(line).toMatchObject({ connection: 'aws-replicated', secretHours: 720, storageCost: '0.39' });
  });

  it('defaults to the current month, and counts a read as soon as it is answered', async () => {
    await api.request('GET', '/v1/secrets/billing-db/value');
    const answer = await api.request('GET', '/v1/costs');
    expect(answer.json.month).toBe('2026-03');
    const line = answer.json.secrets.find((each: { name: string }) => each.name === 'billing-db');
    expect(line.calls.GetSecretValue).toBe(5);
  });

  it('answers CSV with ?format=csv', async () => {
    const answer = await api.request('GET', '/v1/costs?month=2026-03&format=csv');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = answer.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'month,connection,name,ref,secretHours,storageCost,calls,callsByOperation,callCost,cacheHits,savedCost,total',
    );
    expect(
      rows.some((row) =>
        /^2026-03,aws-costs,billing-db,[^,]+,360,0\.19,6,CreateSecret=1 GetSecretValue=5,0\.00,0,0\.00,0\.19$/.test(
          row,
        ),
      ),
    ).toBe(true);
  });

  it('charges a secret deleted and restored within one hour for that hour once, on its replica too', async () => {
    now = new Date('2026-03-16T00:00:00Z');
    const created = await api.request('POST', '/v1/secrets', {
      body: {
        name: 'flapping-db',
        type: 'env',
        connection: 'aws-replicated',
        data: { PASSWORD: 'cost-canary' },
      },
    });
    expect(created.status).toBe(201);
    now = new Date('2026-03-16T00:20:00Z');
    expect((await api.request('DELETE', '/v1/secrets/flapping-db')).status).toBe(200);
    now = new Date('2026-03-16T00:40:00Z');
    expect((await api.request('POST', '/v1/secrets/flapping-db/restore')).status).toBe(200);
    now = new Date('2026-03-16T02:00:00Z');

    const answer = await api.request('GET', '/v1/costs?month=2026-03');

    // The hours 00:00 and 01:00, on the primary and on its replica.
    const line = answer.json.secrets.find((each: { name: string }) => each.name === 'flapping-db');
    expect(line.secretHours).toBe(2 * 2);
  });

  it('bills a create whose metadata write failed to its name, never to a nameless line', async () => {
    const body = {
      name: 'cut-off-db',
      type: 'env',
      connection: 'aws-costs',
      data: { PASSWORD: 'cost-canary' },
    };
    failMetadataOf = 'cut-off-db';

    const failed = await api.request('POST', '/v1/secrets', { body });
    const csv = await api.request('GET', '/v1/costs?month=2026-03&format=csv');

    expect(failed.status).toBe(503);
    const rows = csv.text
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((row) => row.split(','));
    // Only a connection's own calls have no name, and no ref either.
    expect(rows.filter(([, , name, ref]) => name === '' && ref !== '')).toEqual([]);
    expect(rows.find(([, , name]) => name === 'cut-off-db')?.slice(4, 8)).toEqual([
      '0',
      '0.00',
      '2',
      'CreateSecret=1 DeleteSecret=1',
    ]);
    expect((await api.request('POST', '/v1/secrets', { body })).status).toBe(201);
  });

  it('needs the admin scope, and shows a tenant only its own secrets', async () => {
    const reader = await api.request('POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['read'] } });
    expect((await api.request('GET', '/v1/costs', { key: reader.json.key })).status).toBe(403);
    const other = await api.request('POST', '/v1/api-keys', {
      body: { name: 'other-admin', scopes: ['admin'], tenant: 'other-tenant' },
    });
    const theirs = await api.request('GET', '/v1/costs?month=2026-03', { key: other.json.key });
    expect(theirs.status).toBe(200);
    expect(theirs.json.secrets).toEqual([]);
    expect(theirs.json.total).toBe('0.00');
    expect((await api.request('GET', '/v1/costs', { key: null })).status).toBe(401);
  });

  it('refuses a malformed month, a month not yet started, and an unknown format', async () => {
    const malformed = await api.request('GET', '/v1/costs?month=2026-3');
    const future = await api.request('GET', '/v1/costs?month=2026-04');
    const format = await api.request('GET', '/v1/costs?format=xml');
    expect([malformed.status, future.status, format.status]).toEqual([400, 400, 400]);
    expect(future.json.error.message).toMatch(/not started/);
  });
});
