/**
 * Local mode's store accepts only secretm: its own DynamoDB Local, started on a temp data folder,
 * answers secretm's tables only to the access key kept in that folder, and listens on 127.0.0.1.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DynamoDBClient,
  ListTablesCommand,
  ResourceNotFoundException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../local/ensure-table.ts';
import { type RunningLocal, startLocal } from '../../local/start-local.ts';
import { ensureOperatorKey } from '../../shared/auth/operator-key.ts';
import { systemClock } from '../../shared/clock.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { createOperatorKeyStore } from '../../shared/store/operator-key-store.ts';
import { listeningAddresses } from './listening-addresses.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'secretm-store-'));
const tableName = 'secretm';
let running: RunningLocal;
let operatorKey: string;

const clientWith = (accessKeyId: string, secretAccessKey = 'any-secret') =>
  new DynamoDBClient({
    endpoint: running.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
  });

async function api(key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return response.status;
}

beforeAll(async () => {
  running = await startLocal({ dataDir, port: 0 });
  operatorKey = running.newOperatorKey!;
  expect(await api(operatorKey, 'POST', '/v1/secrets', { name: 'kept', type: 'env', data: { A: '1' } })).toBe(
    201,
  );
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("local mode's DynamoDB Local", () => {
  it("answers secretm's tables to the data folder's access key", async () => {
    const { accessKeyId, secretAccessKey } = JSON.parse(
      await readFile(join(dataDir, 'dynamodb-credentials.json'), 'utf8'),
    );
    const owner = clientWith(accessKeyId, secretAccessKey);

    expect((await owner.send(new ListTablesCommand({}))).TableNames).toEqual([tableName]);
    expect((await owner.send(new ScanCommand({ TableName: tableName }))).Count).toBeGreaterThan(0);
  });

  it('shows a client with other credentials no table and no items', async () => {
    const stranger = clientWith('SOMEONEELSE0123456789');

    expect((await stranger.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    await expect(stranger.send(new ScanCommand({ TableName: tableName }))).rejects.toThrow(
      ResourceNotFoundException,
    );
  });

  it('does not let an operator key written with other credentials into the API', async () => {
    const intruderKey = 'smo_written-by-someone-who-reached-the-port';
    const intruder = createDocumentClient({
      region: 'us-east-1',
      endpoint: running.dynamodbEndpoint,
      credentials: { accessKeyId: 'INTRUDER0123456789', secretAccessKey: 'x' },
    });
    await ensureTable(intruder, tableName);
    await ensureOperatorKey(
      {
        store: createOperatorKeyStore({ client: intruder, tableName }),
        tenant: 'default',
        clock: systemClock,
        audit: async () => undefined,
      },
      intruderKey,
    );

    expect(await api(intruderKey, 'GET', '/v1/secrets')).toBe(401);
    expect(await api(operatorKey, 'GET', '/v1/secrets')).toBe(200);
  });

  it('listens on 127.0.0.1 only', async () => {
    const port = Number(new URL(running.dynamodbEndpoint).port);

    expect(await listeningAddresses(port)).toEqual(['127.0.0.1']);
    expect(running.notices).toEqual([]);
  });
});
