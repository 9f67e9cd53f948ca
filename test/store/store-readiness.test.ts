/** The store's readiness probe: ready on a live table, a reason (no names, no endpoint) when it is not. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { checkStore, createStoreProbe } from '../../shared/store/store-readiness.ts';
import { createTestTable, testCredentials } from '../servers/dynamodb.ts';

const clientAt = (endpoint: string) =>
  createDocumentClient({ region: 'us-east-1', endpoint, credentials: testCredentials });

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A stand-in DynamoDB that counts DescribeTable calls and answers each with `status`, or never. */
async function fakeDynamoDb(initial: string | 'silent') {
  let status = initial;
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    req.resume();
    if (status === 'silent') return;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify({ Table: { TableName: 't', TableStatus: status } }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    answer: (next: string) => {
      status = next;
    },
  };
}

describe('the store readiness check', () => {
  it('is ready when the table is there', async () => {
    const { tableName, documentClient } = await createTestTable();

    expect(await checkStore(documentClient, tableName, 2_000)).toEqual({ ready: true });
  });

  it('says the table does not exist when it was deleted', async () => {
    const { tableName, client, documentClient } = await createTestTable();
    await client.send(new DeleteTableCommand({ TableName: tableName }));

    const answer = await checkStore(documentClient, tableName, 2_000);

    expect(answer).toEqual({ ready: false, reason: 'the table does not exist' });
  });

  it('says the store cannot be reached when nothing listens, naming neither endpoint nor table', async () => {
    const port = await freePort();

    const answer = await checkStore(clientAt(`http://127.0.0.1:${port}`), 'secretm', 2_000);

    expect(answer).toEqual({ ready: false, reason: 'the store cannot be reached (ECONNREFUSED)' });
  });

  it('gives up on a store that does not answer, and says so', async () => {
    const silent = await fakeDynamoDb('silent');

    const answer = await checkStore(clientAt(silent.endpoint), 'secretm', 300);

    expect(answer).toEqual({ ready: false, reason: 'the store did not answer within 300 ms' });
  });

  it('is not ready while the table is being created', async () => {
    const creating = await fakeDynamoDb('CREATING');

    expect(await checkStore(clientAt(creating.endpoint), 'secretm', 2_000)).toEqual({
      ready: false,
      reason: 'the table is creating',
    });
  });
});

describe('the store probe', () => {
  it('asks once however many callers wait, and keeps a ready answer for a few seconds', async () => {
    const store = await fakeDynamoDb('ACTIVE');
    let now = 0;
    const probe = createStoreProbe({ client: clientAt(store.endpoint), tableName: 't', now: () => now });

    const answers = await Promise.all([probe(), probe(), probe()]);
    now += 4_999;
    await probe();
    const callsWhileKept = store.calls();
    now += 1;
    await probe();

    expect(answers).toEqual([{ ready: true }, { ready: true }, { ready: true }]);
    expect(callsWhileKept).toBe(1);
    expect(store.calls()).toBe(2);
  });

  it('keeps a failure for a second only', async () => {
    const store = await fakeDynamoDb('CREATING');
    let now = 0;
    const probe = createStoreProbe({ client: clientAt(store.endpoint), tableName: 't', now: () => now });
    const first = await probe();
    store.answer('ACTIVE');

    now += 999;
    const kept = await probe();
    now += 1;
    const after = await probe();

    expect([first.ready, kept.ready, after.ready]).toEqual([false, false, true]);
    expect(store.calls()).toBe(2);
  });
});
