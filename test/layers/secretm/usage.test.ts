/**
 * The layer's vault calls and cache hits, counted into secretm's cost records: secrets written by the
 * real secret service (metadata in DynamoDB Local, values in moto and the local vault), read by the
 * layer through counting proxies on a fake clock, and the usage counters read back from the table.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { configure, createSecretm, flushUsage, getSecret } from '../../../layers/secretm/src/index.ts';
import type { SecretmOptions } from '../../../layers/secretm/src/secretm.ts';
import type { RequestContext } from '../../../shared/auth/principal.ts';
import type { UsageLine } from '../../../shared/costs/usage.ts';
import { createAwsSecretsManagerProvider } from '../../../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../../../shared/providers/local.ts';
import type { SecretProvider } from '../../../shared/providers/provider.ts';
import { createSecretService } from '../../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../../shared/store/audit-store.ts';
import { usagePk } from '../../../shared/store/keys.ts';
import { createSecretStore } from '../../../shared/store/secret-store.ts';
import { createUsageStore, type StoredUsage } from '../../../shared/store/usage-store.ts';
import { createTestTable, type TestTable } from '../../servers/dynamodb.ts';
import {
  type CountingProxy,
  countingProxy,
  createAwsSecret,
  credentials,
  type FakeClock,
  fakeClock,
  region,
} from './layer-fixtures.ts';

const execFileAsync = promisify(execFile);
const layerIndex = resolve(fileURLToPath(new URL('../../../layers/secretm/src/index.ts', import.meta.url)));

/** Every test reads on this fake clock's month, from 2030-01-15 on. */
const start = Date.parse('2030-01-15T08:00:00Z');
const month = '2030-01';

let table: TestTable;
let moto: CountingProxy;
let dynamodb: CountingProxy;
let vaultDir: string;
let service: ReturnType<typeof createSecretService>;
let usage: ReturnType<typeof createUsageStore>;

beforeAll(async () => {
  table = await createTestTable();
  moto = await countingProxy(inject('motoEndpoint'));
  dynamodb = await countingProxy(inject('dynamodbEndpoint'));
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-layer-usage-'));
  const localVault = createLocalVault({ dir: vaultDir });
  const awsVault: SecretProvider = createAwsSecretsManagerProvider({
    region,
    endpoint: inject('motoEndpoint'),
    credentials,
  });
  const deps = { client: table.documentClient, tableName: table.tableName };
  service = createSecretService({
    store: createSecretStore(deps),
    audit: createAuditStore(deps),
    providers: async (_tenant, connection) => (connection === 'aws' ? awsVault : localVault),
    defaultConnection: 'local',
  });
  usage = createUsageStore({ client: table.client, tableName: table.tableName });
});

afterAll(async () => {
  await moto.close();
  await dynamodb.close();
  await rm(vaultDir, { recursive: true, force: true });
});

beforeEach(() => {
  moto.reset();
  dynamodb.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A tenant of its own per test, so each test's usage counters are its own. */
function newTenant(): string {
  return `usage-${randomUUID().slice(0, 8)}`;
}

function contextOf(tenant: string): RequestContext {
  return {
    principal: {
      tenant,
      actor: 'apikey:test',
      scopes: new Set(['read', 'reveal', 'write']),
      operator: false,
    },
    requestId: 'req-layer-usage',
    sourceIp: '127.0.0.1',
  };
}

/** Creates env secrets `{ TOKEN: token-i }` on a connection; answers their names and vault references. */
async function createSecrets(
  tenant: string,
  count: number,
  connection = 'aws',
): Promise<{ names: string[]; refs: string[] }> {
  const names: string[] = [];
  const refs: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const record = await service.create(contextOf(tenant), {
      name,
      type: 'env',
      connection,
      data: { TOKEN: `token-${i}` },
    });
    names.push(name);
    refs.push(record.vaultRef);
  }
  return { names, refs };
}

function layer(tenant: string, clock: FakeClock, options: SecretmOptions = {}) {
  return createSecretm({
    tableName: table.tableName,
    tenant,
    dynamodb: { region, endpoint: dynamodb.endpoint, credentials },
    aws: { region, endpoint: moto.endpoint, credentials },
    localVaultDir: vaultDir,
    timeoutMs: 2_000,
    clock,
    ...options,
  });
}

function callsOf(lines: readonly Pick<UsageLine, 'calls'>[], operation?: string): number {
  return lines.reduce(
    (sum, line) =>
      sum +
      Object.entries(line.calls)
        .filter(([name]) => operation === undefined || name === operation)
        .reduce((total, [, count]) => total + count, 0),
    0,
  );
}

function hitsOf(lines: readonly StoredUsage[]): number {
  return lines.reduce((sum, line) => sum + line.hits, 0);
}

function lineOf(lines: readonly StoredUsage[], connection: string, ref?: string): StoredUsage | undefined {
  return lines.find((line) => line.connection === connection && line.ref === ref);
}

describe('usage counting in the layer', () => {
  it('counts exactly the vault requests moto received, and a hit for every other read, over 10,000 reads', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 3);
    moto.reset();
    const clock = fakeClock(start);
    const secretm = layer(tenant, clock, { ttlSeconds: 30, staleWhileRevalidateSeconds: 0 });

    for (let i = 0; i < 10_000; i++) {
      const value = await secretm.getSecret(names[i % 3]!, { key: 'TOKEN' });
      if (value !== `token-${i % 3}`) expect.fail(`read ${i} answered ${value}`);
      clock.advance(25);
    }
    await secretm.flushUsage();
    const lines = await usage.list(tenant, month);

    const vaultRequests = moto.count('GetSecretValue') + moto.count('BatchGetSecretValue');
    expect(vaultRequests).toBeGreaterThanOrEqual(3 * 8);
    expect(callsOf(lines)).toBe(vaultRequests);
    // One read at a time: every vault request answered exactly one read, and the cache all the others.
    expect(hitsOf(lines) + callsOf(lines)).toBe(10_000);
    expect(hitsOf(lines)).toBe(secretm.stats().totals.hits);
    expect(lines.map((line) => line.ref).sort()).toEqual([...refs].sort());
    for (const [i, ref] of refs.entries()) {
      const line = lineOf(lines, 'aws', ref);
      expect(line?.calls).toEqual({ GetSecretValue: moto.countNaming([ref]) });
      expect(line?.hits).toBe(secretm.stats().secrets[names[i]!]?.hits);
    }
  });

  it('counts a batch read once per BatchGetSecretValue, on the connection’s own line', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 3);
    moto.reset();
    const clock = fakeClock(start);
    const secretm = layer(tenant, clock, { ttlSeconds: 30, staleWhileRevalidateSeconds: 0 });

    for (let round = 0; round < 30; round++) {
      expect(await secretm.getSecrets(names.map((name) => ({ name, key: 'TOKEN' })))).toEqual([
        'token-0',
        'token-1',
        'token-2',
      ]);
      clock.advance(10_000);
    }
    await secretm.flushUsage();
    const lines = await usage.list(tenant, month);

    const batches = moto.count('BatchGetSecretValue');
    expect(batches).toBe(10);
    expect(moto.count('GetSecretValue')).toBe(0);
    expect(lineOf(lines, 'aws')?.calls).toEqual({ BatchGetSecretValue: batches });
    expect(callsOf(lines)).toBe(batches);
    for (const ref of refs) expect(lineOf(lines, 'aws', ref)?.calls).toEqual({});
    expect(hitsOf(lines)).toBe(3 * 30 - 3 * batches);
  });

  it('keeps the counts of a flush that could not write, and writes them with the next', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 1);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const secretm = layer(tenant, fakeClock(start));
    for (let i = 0; i < 5; i++) await secretm.getSecret(names[0]!);

    dynamodb.down = true;
    await secretm.flushUsage();
    const whileDown = await usage.list(tenant, month);
    dynamodb.down = false;
    await secretm.getSecret(names[0]!);
    await secretm.flushUsage();
    const after = await usage.list(tenant, month);

    expect(whileDown).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(after).toEqual([{ connection: 'aws', ref: refs[0], calls: { GetSecretValue: 1 }, hits: 5 }]);
    expect(dynamodb.count('UpdateItem')).toBe(1);
  });

  it('never writes a value into a usage item', async () => {
    const tenant = newTenant();
    const canary = `canary-${randomUUID()}`;
    const names = [`aws-canary-${randomUUID().slice(0, 8)}`, `local-canary-${randomUUID().slice(0, 8)}`];
    await service.create(contextOf(tenant), {
      name: names[0]!,
      type: 'env',
      connection: 'aws',
      data: { V: canary },
    });
    await service.create(contextOf(tenant), {
      name: names[1]!,
      type: 'file',
      connection: 'local',
      file: { content: canary, encoding: 'utf8', filename: 'canary.txt' },
    });
    const raw = await createAwsSecret(canary);
    const secretm = layer(tenant, fakeClock(start));

    expect(await secretm.getSecret(names[0]!, { key: 'V' })).toBe(canary);
    expect(await secretm.getSecret(names[1]!)).toBe(canary);
    expect(await secretm.getSecret(raw.arn)).toBe(canary);
    await secretm.getSecrets([names[0]!, names[1]!, raw.arn]);
    await secretm.flushUsage();
    const scanned = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'begins_with(pk, :usage)',
        ExpressionAttributeValues: { ':usage': { S: usagePk(tenant, '') } },
      }),
    );

    expect(scanned.Items?.length).toBe(3);
    expect(JSON.stringify(scanned.Items)).not.toContain(canary);
    expect((await usage.list(tenant, month)).map((line) => line.connection).sort()).toEqual([
      'aws',
      'aws',
      'local',
    ]);
  });

  it('counts a vault reference read by itself under its standalone connection, as the caller named it', async () => {
    const tenant = newTenant();
    const byName = await createAwsSecret('by-name');
    const byArn = await createAwsSecret('by-arn');
    const secretm = layer(tenant, fakeClock(start));

    await secretm.getSecret(`aws://${byName.name}`);
    await secretm.getSecret(`aws://${byName.name}`);
    await secretm.getSecret(byArn.arn);
    await secretm.flushUsage();

    expect(await usage.list(tenant, month)).toEqual(
      expect.arrayContaining([
        { connection: 'aws', ref: byName.name, calls: { GetSecretValue: 1 }, hits: 1 },
        { connection: 'aws', ref: byArn.arn, calls: { GetSecretValue: 1 }, hits: 0 },
      ]),
    );
  });

  it('records nothing without a table, and never reaches for one', async () => {
    const secret = await createAwsSecret('no-table');
    const secretm = createSecretm({
      aws: { region, endpoint: moto.endpoint, credentials },
      dynamodb: { region, endpoint: dynamodb.endpoint, credentials },
      clock: fakeClock(start),
    });

    for (let i = 0; i < 3; i++) expect(await secretm.getSecret(secret.name)).toBe('no-table');
    await secretm.flushUsage();

    expect(secretm.stats().requests).toEqual({ GetSecretValue: 1 });
    expect(dynamodb.count()).toBe(0);
  });

  it('flushes by itself when 100 vault requests were counted, without waiting for the timer', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 1);
    const secretm = layer(tenant, fakeClock(start), { usageFlushSeconds: 3600 });

    for (let i = 0; i < 100; i++) await secretm.getSecret(names[0]!, { forceFetch: true });

    await vi.waitFor(async () => {
      expect(await usage.list(tenant, month)).toEqual([
        { connection: 'aws', ref: refs[0], calls: { GetSecretValue: 100 }, hits: 0 },
      ]);
    });
  });

  it('flushes on its timer, armed by the first vault request (the default client, from configure)', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 1);
    configure({
      tableName: table.tableName,
      tenant,
      dynamodb: { region, endpoint: dynamodb.endpoint, credentials },
      aws: { region, endpoint: moto.endpoint, credentials },
      clock: fakeClock(start),
      usageFlushSeconds: 1,
    });

    await getSecret(names[0]!);
    await getSecret(names[0]!);

    expect(dynamodb.count('UpdateItem')).toBe(0);
    await vi.waitFor(
      async () => {
        expect(await usage.list(tenant, month)).toEqual([
          { connection: 'aws', ref: refs[0], calls: { GetSecretValue: 1 }, hits: 1 },
        ]);
      },
      { timeout: 5_000, interval: 100 },
    );
    await getSecret(names[0]!);
    await flushUsage();
    expect(lineOf(await usage.list(tenant, month), 'aws', refs[0])?.hits).toBe(2);
  });

  it('refuses a flush interval that is not a whole number of seconds from 1 to a day', () => {
    expect(() => layer(newTenant(), fakeClock(start), { usageFlushSeconds: 0 })).toThrow(
      /usageFlushSeconds \(SECRETM_USAGE_FLUSH_SECONDS\)/,
    );
    expect(() => layer(newTenant(), fakeClock(start), { usageFlushSeconds: 86_401 })).toThrow(/86400/);
  });

  it('flushes on SIGTERM, then ends the process as SIGTERM would have; listens only when counting', async () => {
    const tenant = newTenant();
    const { names, refs } = await createSecrets(tenant, 1);
    const script = `
      const { createSecretm, getSecret } = await import(${JSON.stringify(pathToFileURL(layerIndex).href)});
      const env = process.env;
      const plain = createSecretm({ aws: { region: env.AWS_REGION, endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER } });
      await plain.getSecret(env.RAW_SECRET);
      const before = process.listenerCount('SIGTERM');
      await getSecret(env.SECRETM_NAME);
      await getSecret(env.SECRETM_NAME);
      createSecretm({ tableName: env.SECRETM_TABLE_NAME, tenant: 'another' });
      process.stdout.write(JSON.stringify({ before, after: process.listenerCount('SIGTERM') }));
      setInterval(() => {}, 60_000);
      process.kill(process.pid, 'SIGTERM');
    `;

    const ended = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: region,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
        SECRETM_TABLE_NAME: table.tableName,
        SECRETM_TENANT: tenant,
        SECRETM_NAME: names[0],
        RAW_SECRET: (await createAwsSecret('raw')).name,
      },
      timeout: 20_000,
      killSignal: 'SIGKILL',
    }).then(
      () => expect.fail('the process should have ended by SIGTERM'),
      (error: { signal?: string; stdout?: string }) => error,
    );

    expect(ended.signal).toBe('SIGTERM');
    expect(JSON.parse(ended.stdout ?? '')).toEqual({ before: 0, after: 1 });
    expect(await usage.list(tenant, new Date().toISOString().slice(0, 7))).toEqual([
      { connection: 'aws', ref: refs[0], calls: { GetSecretValue: 1 }, hits: 1 },
    ]);
  });
});
