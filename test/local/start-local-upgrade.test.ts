/**
 * A data folder written by an older local mode (DynamoDB Local with -sharedDb, everything in
 * shared-local-instance.db) keeps all its data after the upgrade to a per-folder access key.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startLocal } from '../../local/start-local.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'secretm-upgrade-'));
const dynamodbDir = join(dataDir, 'dynamodb');
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function call(url: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as { data?: unknown } };
}

/** What local mode did before: its DynamoDB Local under the data folder with one shared database. */
async function writeWithOlderLocalMode(): Promise<string> {
  await mkdir(dynamodbDir, { mode: 0o700 });
  const shared = await startDynamoDbLocal({ storage: { dbPath: dynamodbDir }, databases: 'shared' });
  try {
    const older = await startLocal({ dataDir, port: 0, dynamodbEndpoint: shared.endpoint });
    const key = older.newOperatorKey!;
    const created = await call(older.url, key, 'POST', '/v1/secrets', {
      name: 'kept',
      type: 'env',
      data: { A: '1' },
    });
    expect(created.status).toBe(201);
    await older.stop();
    return key;
  } finally {
    await shared.stop();
  }
}

describe('upgrading a data folder of an older local mode', () => {
  it('moves shared-local-instance.db to the folder’s own key, keeps every record, and does it once', {
    timeout: 180_000,
  }, async () => {
    const key = await writeWithOlderLocalMode();
    expect(await readdir(dynamodbDir)).toEqual(['shared-local-instance.db']);

    const upgraded = await startLocal({ dataDir, port: 0 });
    try {
      expect(upgraded.notices).toEqual([expect.stringContaining(`upgraded ${dynamodbDir}`)]);
      expect(upgraded.newOperatorKey).toBeUndefined();
      expect(await call(upgraded.url, key, 'GET', '/v1/secrets/kept/value')).toEqual({
        status: 200,
        json: { name: 'kept', version: 1, data: { A: '1' } },
      });
    } finally {
      await upgraded.stop();
    }
    const { accessKeyId } = JSON.parse(await readFile(join(dataDir, 'dynamodb-credentials.json'), 'utf8'));
    expect(await readdir(dynamodbDir)).toEqual([`${accessKeyId}_us-east-1.db`]);
    expect((await stat(join(dynamodbDir, `${accessKeyId}_us-east-1.db`))).mode & 0o777).toBe(0o600);

    const again = await startLocal({ dataDir, port: 0 });
    try {
      expect(again.notices).toEqual([]);
      expect((await call(again.url, key, 'GET', '/v1/secrets/kept/value')).json.data).toEqual({ A: '1' });
    } finally {
      await again.stop();
    }
    expect(await readdir(dynamodbDir)).toEqual([`${accessKeyId}_us-east-1.db`]);
  });
});
