/**
 * The secrets family's services: secrets, their versions and values, and their rotation (which alone
 * brings the PostgreSQL client: the bindings family reads secrets without it).
 */
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { rotationService } from './rotation.ts';
import { secretService } from './secrets.ts';
import type { ApiServices, ServiceFactory } from './tenant-context.ts';
import { tenantVaults } from './vaults.ts';

/** The secrets family: secrets, their versions and values, and their rotation. */
export const secretsFamilyServices: ServiceFactory<Pick<ApiServices, 'secrets' | 'rotation'>> = (context) => {
  const vaults = tenantVaults(context);
  const store = createSecretStore(context.store);
  const secrets = secretService(context, vaults, store);
  return { secrets, rotation: rotationService(context, { vaults, store, secrets }) };
};
