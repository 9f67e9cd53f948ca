/** The cost service (a tenant's report; the deployment's monthly roll-up), and the costs family's services. */
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config.ts';
import { type CostService, createCostService as costServiceOn } from '../../shared/costs/cost-service.ts';
import { priceTable } from '../../shared/costs/prices.ts';
import { standaloneConnectionKinds } from '../../shared/costs/usage.ts';
import type { VaultKind } from '../../shared/providers/provider.ts';
import type { AuditWriteDeps } from '../../shared/store/audit-store.ts';
import { createConnectionStore } from '../../shared/store/connection-store.ts';
import { createRollupStore } from '../../shared/store/rollup-store.ts';
import type { UsageStore } from '../../shared/store/usage-store.ts';
import type { ApiServices, ServiceFactory } from './tenant-context.ts';

export function createCostService(on: {
  storeDeps: AuditWriteDeps;
  usageStore: UsageStore;
  builtInKinds: ReadonlyMap<string, VaultKind>;
  config: Readonly<Config>;
  clock: Clock;
}): CostService {
  const connections = createConnectionStore(on.storeDeps);
  return costServiceOn({
    store: on.storeDeps,
    usage: on.usageStore,
    rollups: createRollupStore(on.storeDeps),
    connectionKind: async (tenant, id) =>
      on.builtInKinds.get(id) ?? (await connections.get(tenant, id))?.kind ?? standaloneConnectionKinds[id],
    prices: priceTable(on.config.prices),
    clock: on.clock,
  });
}

export const costsFamilyServices: ServiceFactory<Pick<ApiServices, 'costs'>> = (context) => ({
  costs: createCostService({
    storeDeps: context.store,
    usageStore: context.usageStore,
    builtInKinds: context.builtInKinds,
    config: context.config,
    clock: context.clock,
  }),
});
