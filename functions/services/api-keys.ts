/** The api-keys family: a tenant's API keys (made, listed, revoked; the operator key replaced). */
import { type ApiKeyService, createApiKeyService } from '../../shared/auth/api-key-service.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import type { ApiServices, ServiceFactory, TenantContext } from './tenant-context.ts';

export function apiKeyService(
  context: TenantContext,
  secrets: SecretStore = createSecretStore(context.store),
): ApiKeyService {
  const { tenant } = context;
  return createApiKeyService({
    store: context.apiKeyStore,
    clock: context.clock,
    tenant,
    // A key's access rules may name a secret's connection.
    connectionOf: async (name) => (await secrets.get(tenant, name))?.connection,
    defaultConnection: context.config.defaultConnection,
    onRevoked: (id) => context.keyCache.forget(id),
  });
}

export const apiKeysFamilyServices: ServiceFactory<Pick<ApiServices, 'apiKeys'>> = (context) => ({
  apiKeys: apiKeyService(context),
});
