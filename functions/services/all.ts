/** Every tenant service, sharing one vault resolver and one secret service: local mode's graph (and tests'). */

import { createSecretStore } from '../../shared/store/secret-store.ts';
import { apiKeyService } from './api-keys.ts';
import { auditLogOf } from './audit-log.ts';
import { bindingService, renderService } from './bindings.ts';
import { connectionService } from './connections.ts';
import { costsFamilyServices } from './costs.ts';
import { rotationService } from './rotation.ts';
import { secretService } from './secrets.ts';
import type { ApiServices, ServiceFactory } from './tenant-context.ts';
import { tenantVaults } from './vaults.ts';

export const allServices: ServiceFactory<ApiServices> = (context) => {
  const vaults = tenantVaults(context);
  const store = createSecretStore(context.store);
  const secrets = secretService(context, vaults, store);
  return {
    secrets,
    rotation: rotationService(context, { vaults, store, secrets }),
    bindings: bindingService(context, secrets),
    render: renderService(secrets),
    connections: connectionService(context, vaults),
    apiKeys: apiKeyService(context, store),
    auditLog: auditLogOf(context),
    ...costsFamilyServices(context),
  };
};
