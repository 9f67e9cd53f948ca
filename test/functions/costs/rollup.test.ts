/**
 * The scheduled roll-up function on a live table: the scheduled run (no month) rolls last month up and
 * resumes where a cut-short run stopped; an operator's `{ month }` re-runs every tenant; a bad event is
 * refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { rollUp } from '../../../functions/costs/rollup.ts';
import { createCostService } from '../../../shared/costs/cost-service.ts';
import { defaultPrices } from '../../../shared/costs/prices.ts';
import { tenantRegistryKey } from '../../../shared/store/keys.ts';
import { createRollupStore } from '../../../shared/store/rollup-store.ts';
import { createUsageStore } from '../../../shared/store/usage-store.ts';
import { createTestTable, type TestTable } from '../../servers/dynamodb.ts';

let table: TestTable;
let now = new Date('2026-09-02T03:00:00Z');
const clock = { now: () => now };
let deps: { costs: ReturnType<typeof createCostService>; clock: typeof clock };
let rollups: ReturnType<typeof createRollupStore>;

beforeAll(async () => {
  table = await createTestTable();
  const store = { client: table.documentClient, tableName: table.tableName };
  const usage = createUsageStore({ client: table.client, tableName: table.tableName });
  rollups = createRollupStore(store);
  deps = {
    costs: createCostService({
      store,
      usage,
      rollups,
      connectionKind: async () => 'aws-secrets-manager',
      prices: defaultPrices,
      clock,
    }),
    clock,
  };
  const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
  for (const tenant of ['t-one', 't-two', 't-three']) {
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: tenantRegistryKey(tenant) }),
    );
    await usage.add([
      {
        tenant,
        month: '2026-08',
        connection: 'aws',
        ref: `secretm/${tenant}/x`,
        calls: { GetSecretValue: 20_000 },
        hits: 0,
      },
    ]);
  }
});

describe('the roll-up function', () => {
  it('rolls last month up for every tenant, and a retried run skips the tenants already done', async () => {
    // A run cut short after one tenant:
    await deps.costs.rollUp('t-two', '2026-08');
    const retried = await rollUp(deps, {});
    expect(retried).toEqual({ month: '2026-08', tenants: 2, skipped: 1 });
    for (const tenant of ['t-one', 't-two', 't-three']) {
      const report = await rollups.get(tenant, '2026-08');
      expect(report?.total).toBe('0.10');
    }
  });

  it('rolls a named month up again for every tenant', async () => {
    now = new Date('2026-09-05T00:00:00Z');
    expect(await rollUp(deps, { month: '2026-08' })).toEqual({ month: '2026-08', tenants: 3, skipped: 0 });
    expect((await rollups.get('t-one', '2026-08'))?.rolledUpAt).toBe('2026-09-05T00:00:00.000Z');
  });

  it('refuses a malformed month and a month not over', async () => {
    await expect(rollUp(deps, { month: 'August' })).rejects.toThrow(/YYYY-MM/);
    await expect(rollUp(deps, { month: '2026-09' })).rejects.toThrow(/not over/);
  });
});
