/**
 * Cost reports and the monthly roll-up. A finished month that has been rolled up is answered from its
 * roll-up (one query of a few items); any other month is computed from the cost records: the tenant's
 * secret lives, the month's usage counters and the price table of each connection's vault kind.
 */
import type { Clock } from '../clock.ts';
import { ValidationError } from '../errors.ts';
import type { VaultKind } from '../providers/provider.ts';
import type { StoreDeps } from '../store/dynamo-client.ts';
import { listLives } from '../store/life-store.ts';
import type { RollupStore } from '../store/rollup-store.ts';
import { listTenants } from '../store/tenant-registry.ts';
import type { UsageStore } from '../store/usage-store.ts';
import { buildCostReport, type CostReport, checkMonth } from './cost-report.ts';
import type { PriceTable } from './prices.ts';
import { monthBounds } from './secret-hours.ts';
import { monthOf } from './usage.ts';

export interface CostServiceDeps {
  store: StoreDeps;
  usage: UsageStore;
  rollups: RollupStore;
  /** The vault kind of a tenant's connection; undefined when it no longer exists. */
  connectionKind: (tenant: string, connection: string) => Promise<VaultKind | undefined>;
  prices: Readonly<Record<VaultKind, PriceTable>>;
  clock: Clock;
}

export type CostReportAnswer = CostReport & { rolledUpAt?: string };

export interface RollUpSummary {
  month: string;
  tenants: number;
  skipped: number;
}

export interface CostService {
  /** The month's report (default: the current month). ValidationError for a malformed or future month. */
  report(tenant: string, month?: string): Promise<CostReportAnswer>;
  /** Computes a finished month's report and keeps it as its roll-up. */
  rollUp(tenant: string, month: string): Promise<CostReport>;
  /**
   * Rolls `month` up for every tenant; answers how many it rolled up and how many it skipped. With
   * `resume`, a tenant whose month is already rolled up is skipped, so a run cut short (a timeout) and
   * retried goes on where it stopped; without it, every tenant is rolled up again (new prices).
   */
  rollUpAll(month: string, options?: { resume?: boolean }): Promise<RollUpSummary>;
}

/** The month before the one `now` is in, YYYY-MM. */
export function previousMonth(now: Date): string {
  return monthOf(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
}

export function createCostService(deps: CostServiceDeps): CostService {
  const compute = async (tenant: string, month: string): Promise<CostReport> => {
    const now = deps.clock.now();
    const [lives, usage] = await Promise.all([listLives(deps.store, tenant), deps.usage.list(tenant, month)]);
    const kinds = new Map<string, VaultKind | undefined>();
    for (const life of lives) if (life.vaultKind) kinds.set(life.connection, life.vaultKind);
    const unknown = new Set(usage.map((line) => line.connection).filter((id) => !kinds.has(id)));
    for (const life of lives) if (!kinds.has(life.connection)) unknown.add(life.connection);
    await Promise.all([...unknown].map(async (id) => kinds.set(id, await deps.connectionKind(tenant, id))));
    return buildCostReport({
      month,
      now,
      lives,
      usage,
      kindOf: (connection) => kinds.get(connection),
      prices: deps.prices,
    });
  };

  const rollUp = async (tenant: string, month: string): Promise<CostReport> => {
    const now = deps.clock.now();
    checkMonth(month, now);
    if (monthBounds(month).end.getTime() > now.getTime()) {
      throw new ValidationError(`month ${month} is not over yet`);
    }
    const report = await compute(tenant, month);
    await deps.rollups.put(tenant, report, now.toISOString());
    return report;
  };

  return {
    async report(tenant, month) {
      const now = deps.clock.now();
      const asked = checkMonth(month ?? monthOf(now), now);
      if (monthBounds(asked).end.getTime() <= now.getTime()) {
        const rolled = await deps.rollups.get(tenant, asked);
        if (rolled) return rolled;
      }
      return compute(tenant, asked);
    },

    rollUp,

    async rollUpAll(month, options = {}) {
      let tenants = 0;
      let skipped = 0;
      for await (const tenant of listTenants(deps.store)) {
        if (options.resume && (await deps.rollups.get(tenant, month, { headerOnly: true }))) {
          skipped++;
          continue;
        }
        await rollUp(tenant, month);
        tenants++;
      }
      return { month, tenants, skipped };
    },
  };
}
