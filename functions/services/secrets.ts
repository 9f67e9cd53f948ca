/** The secret service of a tenant, on its vaults. */
import { createSecretService, type SecretService } from '../../shared/secrets/secret-service.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import type { TenantContext } from './tenant-context.ts';
import type { TenantVaults } from './vaults.ts';

/** Where secretm holds credentials of its own about the tenant (rotation's held logins). */
export const holdingOf = (context: TenantContext) => ({
  vault: context.systemVault,
  refFor: context.namespace.heldRef,
});

export function secretService(
  context: TenantContext,
  vaults: TenantVaults,
  store: SecretStore = createSecretStore(context.store),
): SecretService {
  return createSecretService({
    store,
    audit: context.audit,
    providers: vaults.providers,
    clock: context.clock,
    defaultConnection: context.config.defaultConnection,
    holding: holdingOf(context),
    flushUsage: () => context.usage.flush(),
  });
}
