/** The connections family: a tenant's vault connections (added, tested, discovered, edited, deleted). */
import {
  type ConnectionService,
  createConnectionService,
} from '../../shared/connections/connection-service.ts';
import type { ApiServices, ServiceFactory, TenantContext } from './tenant-context.ts';
import { type TenantVaults, tenantVaults } from './vaults.ts';

export function connectionService(context: TenantContext, vaults: TenantVaults): ConnectionService {
  const { config } = context;
  return createConnectionService({
    store: vaults.connectionStore,
    credentials: vaults.credentials,
    resolver: vaults.providers,
    network: context.network,
    builtIns: context.builtIns,
    clock: context.clock,
    audit: (event) => context.audit.record(event),
    localMode: config.mode === 'local',
    ...(config.allowedVaults ? { allowedKinds: config.allowedVaults } : {}),
    unsaved: vaults.unsaved,
  });
}

export const connectionsFamilyServices: ServiceFactory<Pick<ApiServices, 'connections'>> = (context) => ({
  connections: connectionService(context, tenantVaults(context)),
});
