/** The rotation service of a tenant (database rotation through PostgreSQL, loaded when first used). */
import { createPostgresDriver } from '../../shared/rotation/postgres.ts';
import { createRotationService, type RotationService } from '../../shared/rotation/rotation-service.ts';
import type { SecretService } from '../../shared/secrets/secret-service.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import type { TenantContext } from './tenant-context.ts';
import type { TenantVaults } from './vaults.ts';

export function rotationService(
  context: TenantContext,
  on: { vaults: TenantVaults; store: SecretStore; secrets: SecretService },
): RotationService {
  return createRotationService({
    store: on.store,
    audit: context.audit,
    secrets: on.secrets,
    providers: on.vaults.providers,
    holding: { vault: context.systemVault, refFor: context.namespace.heldRef },
    databases:
      context.overrides.databases ?? createPostgresDriver({ allowLoopback: context.network.allowLoopback }),
    clock: context.clock,
  });
}
