/**
 * secretm names: secrets written by secretm's own secret service (DynamoDB Local for metadata, the
 * local vault and moto for values), read by the layer through the table, on a fake clock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/index.ts';
import type { SecretmOptions } from '../../../layers/secretm/src/secretm.ts';
import type { RequestContext } from '../../../shared/auth/principal.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../../../shared/providers/local.ts';
import type { SecretProvider } from '../../../shared/providers/provider.ts';
import { createSecretService } from '../../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../../shared/store/audit-store.ts';
import { secretKey, tenantPk } from '../../../shared/store/keys.ts';
import { createSecretStore } from '../../../shared/store/secret-store.ts';
import { createTestTable, type TestTable } from '../../servers/dynamodb.ts';
import {
  type CountingProxy,
  countingProxy,
  credentials,
  type FakeClock,
  fakeClock,
  region,
  rejectionOf,
} from './layer-fixtures.ts';

const tenant = 'acme';
const ctx: RequestContext = {
  principal: { tenant, actor: 'apikey:test', scopes: new Set(['read', 'reveal', 'write']), operator: false },
  requestId: 'req-layer',
  sourceIp: '127.0.0.1',
};

let table: TestTable;
let proxy: CountingProxy;
let vaultDir: string;
let otherVaultDir: string;
let service: ReturnType<typeof createSecretService>;
let awsVault: SecretProvider;
let localVault: SecretProvider;

beforeAll(async () => {
  table = await createTestTable();
  proxy = await countingProxy(inject('motoEndpoint'));
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-layer-local-'));
  otherVaultDir = await mkdtemp(join(tmpdir(), 'secretm-layer-other-'));
  localVault = createLocalVault({ dir: vaultDir });
  awsVault = createAwsSecretsManagerProvider({ region, endpoint: inject('motoEndpoint'), credentials });
  const deps = { client: table.documentClient, tableName: table.tableName };
  service = createSecretService({
    store: createSecretStore(deps),
    audit: createAuditStore(deps),
    providers: async (_tenant, connection) => (connection === 'aws' ? awsVault : localVault),
    defaultConnection: 'local',
  });
});

afterAll(async () => {
  await proxy.close();
  await rm(vaultDir, { recursive: true, force: true });
  await rm(otherVaultDir, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.reset();
});

let counter = 0;
function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

function layer(clock: FakeClock = fakeClock(), options: SecretmOptions = {}) {
  return createSecretm({
    tableName: table.tableName,
    tenant,
    dynamodb: { region, endpoint: inject('dynamodbEndpoint'), credentials },
    aws: { region, endpoint: proxy.endpoint, credentials },
    localVaultDir: vaultDir,
    timeoutMs: 2_000,
    clock,
    ...options,
  });
}

describe('secretm names', () => {
  it('reads env and file secrets on the local connection: keys, the whole map, text and bytes', async () => {
    const env = uniqueName('prod-db');
    const text = uniqueName('motd');
    const bytes = uniqueName('keystore');
    await service.create(ctx, { name: env, type: 'env', data: { USER: 'app', PASSWORD: 'pw-1' } });
    await service.create(ctx, {
      name: text,
      type: 'file',
      file: { content: '{"looks":"like json"}', encoding: 'utf8', filename: 'motd' },
    });
    await service.create(ctx, {
      name: bytes,
      type: 'file',
      file: { content: Buffer.from([1, 2, 3]).toString('base64'), encoding: 'base64', filename: 'ks' },
    });
    const secretm = layer();

    const [password, map, motd, keystore] = await Promise.all([
      secretm.getSecret(env, { key: 'PASSWORD' }),
      secretm.getSecret(env, { transform: 'json' }),
      secretm.getSecret(text),
      secretm.getSecret(bytes),
    ]);

    expect(password).toBe('pw-1');
    expect(map).toEqual({ USER: 'app', PASSWORD: 'pw-1' });
    expect(motd).toBe('{"looks":"like json"}');
    expect(keystore).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('reads secrets on the aws connection, metadata and values batched, the table read once per TTL', async () => {
    const names = [uniqueName('svc-a'), uniqueName('svc-b'), uniqueName('svc-c')];
    for (const [i, name] of names.entries()) {
      await service.create(ctx, { name, type: 'env', connection: 'aws', data: { TOKEN: `token-${i}` } });
    }
    proxy.reset();
    const clock = fakeClock();
    const secretm = layer(clock);

    const first = await secretm.getSecrets(names.map((name) => ({ name, key: 'TOKEN' })));
    const again = await secretm.getSecrets(names.map((name) => ({ name, key: 'TOKEN' })));

    expect(first).toEqual(['token-0', 'token-1', 'token-2']);
    expect(again).toEqual(first);
    expect(secretm.stats().requests).toEqual({ 'dynamodb:BatchGetItem': 1, BatchGetSecretValue: 1 });
    expect(proxy.count()).toBe(1);
  });

  it('reads a pinned secretm version through its version record', async () => {
    const name = uniqueName('versioned');
    await service.create(ctx, { name, type: 'env', data: { K: 'one' } });
    await service.replace(ctx, name, { type: 'env', data: { K: 'two' } });
    const secretm = layer();

    const current = await secretm.getSecret(name, { key: 'K' });
    const first = await secretm.getSecret(name, { key: 'K', version: 1 });
    const absent = await rejectionOf(secretm.getSecret(name, { key: 'K', version: 9 }));

    expect([current, first]).toEqual(['two', 'one']);
    expect(absent).toBeInstanceOf(NotFoundError);
  });

  it('refreshes a value at its next scheduled rotation, before its TTL ends', async () => {
    const name = uniqueName('rotating');
    await service.create(ctx, { name, type: 'env', connection: 'aws', data: { PASSWORD: 'before' } });
    const clock = fakeClock();
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: secretKey(tenant, name).pk }, sk: { S: secretKey(tenant, name).sk } },
        UpdateExpression: 'SET nextRotationAt = :at',
        ExpressionAttributeValues: { ':at': { S: new Date(clock.now() + 60_000).toISOString() } },
      }),
    );
    const secretm = layer(clock);
    await secretm.getSecret(name, { key: 'PASSWORD' });
    await service.replace(ctx, name, { type: 'env', data: { PASSWORD: 'after' } });

    clock.advance(59_000);
    const before = await secretm.getSecret(name, { key: 'PASSWORD' });
    clock.advance(1_000);
    const after = await secretm.getSecret(name, { key: 'PASSWORD' });

    expect([before, after]).toEqual(['before', 'after']);
  });

  it('answers NotFoundError for a name the tenant does not have, and for a deleted secret', async () => {
    const name = uniqueName('doomed');
    await service.create(ctx, { name, type: 'env', data: { K: 'v' } });
    await service.remove(ctx, name, { recoveryWindowDays: 7 });
    const secretm = layer();

    const absent = await rejectionOf(secretm.getSecret(uniqueName('never')));
    const deleted = await rejectionOf(secretm.getSecret(name));

    expect(absent).toBeInstanceOf(NotFoundError);
    expect(deleted).toBeInstanceOf(NotFoundError);
  });

  it('reads a vault reference next to secretm names', async () => {
    const name = uniqueName('plain-aws');
    await awsVault.create(name, { kind: 'text', text: 'direct' });
    const secretm = layer();

    const value = await secretm.getSecret(`aws://${name}`);

    expect(value).toBe('direct');
  });
});

describe('connections', () => {
  it('says which connection is missing when a secret names one the tenant does not have', async () => {
    const name = uniqueName('elsewhere');
    await service.create(ctx, { name, type: 'env', data: { K: 'v' } });
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: secretKey(tenant, name).pk }, sk: { S: secretKey(tenant, name).sk } },
        UpdateExpression: 'SET #c = :c',
        ExpressionAttributeNames: { '#c': 'connection' },
        ExpressionAttributeValues: { ':c': { S: 'team-vault' } },
      }),
    );

    const error = await rejectionOf(layer().getSecret(name));

    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(
      `the connection "team-vault" of the tenant "${tenant}" does not exist`,
    );
  });

  it('reads through a connection a resolver plugs in, with that connection’s TTL', async () => {
    const other = createLocalVault({ dir: otherVaultDir });
    const name = uniqueName('plugged');
    const ref = `team/${name}`;
    await other.create(ref, { kind: 'map', data: { K: 'v1' } });
    await service.create(ctx, { name, type: 'env', data: { K: 'ignored' } });
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: secretKey(tenant, name).pk }, sk: { S: secretKey(tenant, name).sk } },
        UpdateExpression: 'SET #c = :c, vaultRef = :r',
        ExpressionAttributeNames: { '#c': 'connection' },
        ExpressionAttributeValues: { ':c': { S: 'team-vault' }, ':r': { S: ref } },
      }),
    );
    const asked: string[] = [];
    const clock = fakeClock();
    const secretm = layer(clock, {
      staleWhileRevalidateSeconds: 0,
      connections: (resolvedTenant, connection) => {
        asked.push(`${resolvedTenant}/${connection}`);
        return connection === 'team-vault' ? { provider: other, ttlSeconds: 10 } : undefined;
      },
    });

    const first = await secretm.getSecret(name, { key: 'K' });
    await other.put(ref, { kind: 'map', data: { K: 'v2' } });
    clock.advance(9_000);
    const cached = await secretm.getSecret(name, { key: 'K' });
    clock.advance(1_000);
    const refreshed = await secretm.getSecret(name, { key: 'K' });

    expect([first, cached, refreshed]).toEqual(['v1', 'v1', 'v2']);
    expect(asked[0]).toBe(`${tenant}/team-vault`);
  });
});

describe('bindings and templates', () => {
  it('answers the environment a binding describes from its keys, leaving its files to resolveBinding', async () => {
    const db = uniqueName('db');
    const motd = uniqueName('motd');
    await service.create(ctx, { name: db, type: 'env', data: { USER: 'app', PASSWORD: 'pw' } });
    await service.create(ctx, {
      name: motd,
      type: 'file',
      file: { content: 'hello', encoding: 'utf8', filename: 'm' },
    });
    const serviceName = uniqueName('checkout');
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: tenantPk(tenant) },
          sk: { S: `B#${serviceName}` },
          service: { S: serviceName },
          entries: {
            L: [
              { M: { name: { S: 'DB_USER' }, secret: { S: db }, key: { S: 'USER' } } },
              { M: { name: { S: 'DB_PASSWORD' }, secret: { S: db }, key: { S: 'PASSWORD' } } },
              { M: { name: { S: 'MOTD' }, secret: { S: motd } } },
            ],
          },
        },
      }),
    );
    const secretm = layer();

    const env = await secretm.getBinding(serviceName);
    const nowhere = await rejectionOf(secretm.resolveBinding(serviceName));
    const missing = await rejectionOf(secretm.getBinding(uniqueName('nobody')));

    expect(env).toEqual({ DB_USER: 'app', DB_PASSWORD: 'pw' });
    // A file with no mount path has nowhere to go: the API refuses to resolve it too.
    expect(nowhere).toBeInstanceOf(ConflictError);
    expect((nowhere as Error).message).toContain(`MOTD: secret ${motd} has no mount path`);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('renders a template from secretm names, walking nested JSON, and names a missing reference', async () => {
    const db = uniqueName('db');
    const cfg = uniqueName('cfg');
    await service.create(ctx, { name: db, type: 'env', data: { USER: 'app', PASSWORD: 'pw' } });
    await service.create(ctx, {
      name: cfg,
      type: 'env',
      data: { db: JSON.stringify({ primary: { host: 'db-1.internal', port: 5432 } }) },
    });
    const secretm = layer();

    const rendered = await secretm.render(
      `postgres://{{secrets.${db}.USER}}:{{secrets.${db}.PASSWORD}}@{{secrets.${cfg}.db.primary.host}}:{{secrets.${cfg}.db.primary.port}}`,
    );
    const error = await rejectionOf(secretm.render(`{{secrets.${db}.NOPE}}`));

    expect(rendered).toBe('postgres://app:pw@db-1.internal:5432');
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as Error).message).toContain(`{{secrets.${db}.NOPE}}`);
  });
});
