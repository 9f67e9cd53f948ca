/**
 * Costs on a live store (DynamoDB Local) and the local vault, on a fake clock: secret lives written by
 * the secret service itself, vault calls counted by the metered resolver and flushed to the counters,
 * reports computed and rolled up. The local vault is priced like AWS Secrets Manager here, so every
 * figure is checked against the public formula.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { createCostService } from '../../shared/costs/cost-service.ts';
import { meteredResolver } from '../../shared/costs/metered-provider.ts';
import { priceTable } from '../../shared/costs/prices.ts';
import { createUsageRecorder } from '../../shared/costs/usage-recorder.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createRollupStore } from '../../shared/store/rollup-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { createUsageStore } from '../../shared/store/usage-store.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';

let now = new Date('2026-02-15T00:00:00Z');
const clock = { now: () => now };
const tenant = 'acme';
const ctx: RequestContext = {
  principal: { tenant, actor: 'apikey:test', scopes: new Set(['read', 'reveal', 'write']), operator: false },
  requestId: 'req-costs',
  sourceIp: '127.0.0.1',
};
const prices = priceTable('{"local": {"secretMonth": "0.40", "callBlock": "0.05"}}');

let table: TestTable;
let vaultDir: string;
let service: ReturnType<typeof createSecretService>;
let recorder: ReturnType<typeof createUsageRecorder>;
let costs: ReturnType<typeof createCostService>;
let usageStore: ReturnType<typeof createUsageStore>;

beforeAll(async () => {
  table = await createTestTable();
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-costs-'));
  const vault = createLocalVault({ dir: vaultDir, clock });
  const deps = { client: table.documentClient, tableName: table.tableName };
  usageStore = createUsageStore({ client: table.client, tableName: table.tableName });
  recorder = createUsageRecorder(usageStore, () => clock.now());
  service = createSecretService({
    store: createSecretStore(deps),
    audit: createAuditStore(deps),
    providers: meteredResolver(async () => vault, recorder.tally),
    clock,
    defaultConnection: 'local',
  });
  costs = createCostService({
    store: deps,
    usage: usageStore,
    rollups: createRollupStore(deps),
    connectionKind: async () => 'local',
    prices,
    clock,
  });
});

afterAll(async () => {
  await rm(vaultDir, { recursive: true, force: true });
});

const envValue = { type: 'env' as const, data: { PASSWORD: 'cost-canary-value' } };

describe('a secret’s life and calls, month by month', () => {
  it('charges the hours it existed and the calls it made, and nothing while it waited deleted', async () => {
    now = new Date('2026-02-15T00:00:00Z');
    await service.create(ctx, { name: 'db', ...envValue });
    for (let i = 0; i < 3; i++) await service.getValue(ctx, 'db');
    await recorder.flush();

    now = new Date('2026-03-11T00:00:00Z');
    await service.remove(ctx, 'db', { recoveryWindowDays: 7 });
    now = new Date('2026-03-16T00:00:00Z');
    await service.restore(ctx, 'db');
    now = new Date('2026-03-20T12:30:00Z');
    await service.remove(ctx, 'db', { force: true });
    await recorder.flush();

    now = new Date('2026-04-02T00:00:00Z');
    const february = await costs.report(tenant, '2026-02');
    const db = february.secrets.find((line) => line.name === 'db')!;
    expect(db.secretHours).toBe(336);
    expect(db.storageCost).toBe('0.20'); // 0.40 × 336 / 672
    expect(db.calls).toEqual({ create: 1, get: 3 });

    const march = await costs.report(tenant, '2026-03');
    const dbMarch = march.secrets.find((line) => line.name === 'db')!;
    // 1 March → 11 March (240 h) + 16 March → 20 March 12:30 (109 h started).
    expect(dbMarch.secretHours).toBe(240 + 109);
    expect(dbMarch.storageCost).toBe('0.19'); // 0.40 × 349 / 744 = 0.1876…
    expect(dbMarch.calls).toEqual({ delete: 1, purge: 1, restore: 1 });
    expect(JSON.stringify([february, march])).not.toContain('cost-canary-value');

    const april = await costs.report(tenant, '2026-04');
    expect(april.secrets.find((line) => line.name === 'db')).toBeUndefined();
  });

  it('starts a new life for a name created again after a purge', async () => {
    now = new Date('2026-04-10T00:00:00Z');
    await service.create(ctx, { name: 'db', ...envValue });
    now = new Date('2026-04-11T00:00:00Z');
    const april = await costs.report(tenant, '2026-04');
    expect(april.secrets.find((line) => line.name === 'db')?.secretHours).toBe(24);
    expect(april.complete).toBe(false);
    // Active now: charged to the end of April in the projection, 504 of 720 hours: 0.40 × 504 / 720.
    expect(april.projected).toBe('0.28');
  });
});

describe('the usage counters', () => {
  it('never lose an update when many instances add to the same line at once', async () => {
    const recorders = Array.from({ length: 20 }, () => createUsageRecorder(usageStore, () => clock.now()));
    now = new Date('2026-05-05T00:00:00Z');
    recorders.forEach((each, i) => {
      each.tally.call('race', 'local', 'secretm/race/x', 'get', 1000 + i);
      each.tally.hit('race', 'local', 'secretm/race/x', 10);
    });
    await Promise.all(recorders.map((each) => each.flush()));
    const [line] = await usageStore.list('race', '2026-05');
    expect(line?.calls).toEqual({ get: 20 * 1000 + (19 * 20) / 2 });
    expect(line?.hits).toBe(200);
  });

  it('keep counts a failed write could not store, for the next flush', async () => {
    const broken = createUsageStore({ client: table.client, tableName: 'secretm-no-such-table' });
    const failing = createUsageRecorder(broken, () => clock.now());
    failing.tally.call('acme', 'local', 'secretm/acme/kept', 'get', 5);
    await failing.flush();
    expect(failing.tally.pending).toBe(5);
    const lines = failing.tally.drain();
    expect(await usageStore.add(lines)).toEqual([]);
    const stored = await usageStore.list('acme', '2026-05');
    expect(stored.find((line) => line.ref === 'secretm/acme/kept')?.calls).toEqual({ get: 5 });
  });
});

describe('the monthly roll-up', () => {
  it('keeps a finished month’s report, answered from then on without recomputing it', async () => {
    now = new Date('2026-03-02T03:00:00Z');
    const rolled = await costs.rollUpAll('2026-02');
    expect(rolled.tenants).toBeGreaterThanOrEqual(1);
    const answer = await costs.report(tenant, '2026-02');
    expect(answer.rolledUpAt).toBe('2026-03-02T03:00:00.000Z');
    expect(answer.secrets.find((line) => line.name === 'db')?.storageCost).toBe('0.20');
  });

  it('splits thousands of lines into parts and a second run replaces the first', async () => {
    now = new Date('2026-06-10T00:00:00Z');
    const big = 'bigco';
    const lines = Array.from({ length: 1_500 }, (_, i) => ({
      tenant: big,
      month: '2026-06',
      connection: 'local',
      ref: `secretm/${big}/${'s'.repeat(120)}-${i}`,
      calls: { get: i + 1 },
      hits: i,
    }));
    expect(await usageStore.add(lines)).toEqual([]);
    now = new Date('2026-07-02T03:00:00Z');
    await costs.rollUp(big, '2026-06');
    await costs.rollUp(big, '2026-06');
    const june = await costs.report(big, '2026-06');
    expect(june.rolledUpAt).toBeDefined();
    expect(june.secrets).toHaveLength(1_500);
    expect(june.connections[0]!.calls.get).toBe((1_500 * 1_501) / 2);
    const parts = await table.documentClient.send(
      new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `T#${big}#R#2026-06` },
      }),
    );
    // One header and the parts of one generation (each under 400 KB): the first run's are gone.
    const partItems = (parts.Items ?? []).filter((item) => String(item.sk).startsWith('P#'));
    expect(partItems.length).toBeGreaterThan(1);
    expect(new Set(partItems.map((item) => String(item.sk).split('#')[1])).size).toBe(1);
  });

  it('refuses to roll up a month that is not over', async () => {
    now = new Date('2026-07-15T00:00:00Z');
    await expect(costs.rollUp(tenant, '2026-07')).rejects.toThrow(/not over/);
  });
});
