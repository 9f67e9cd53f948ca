/**
 * A tenant's vaults: the connection resolver (each connection's adapter built on first use, its code
 * imported then: shared/connections/provider-factory.ts) and the builder of a connection described
 * but not saved. Only the families whose routes reach a vault build them.
 */
import { createConnectionResolver } from '../../shared/connections/connection-resolver.ts';
import type { UnsavedProviderBuilder } from '../../shared/connections/connection-service.ts';
import { type CredentialVault, createCredentialVault } from '../../shared/connections/credential-vault.ts';
import { buildProvider, type FactoryContext } from '../../shared/connections/provider-factory.ts';
import { meteredProvider, meteredResolver } from '../../shared/costs/metered-provider.ts';
import type { ProviderResolver } from '../../shared/providers/provider-resolver.ts';
import { type ConnectionStore, createConnectionStore } from '../../shared/store/connection-store.ts';
import type { TenantContext } from './tenant-context.ts';

export interface TenantVaults {
  providers: ProviderResolver;
  unsaved: UnsavedProviderBuilder;
  credentials: CredentialVault;
  connectionStore: ConnectionStore;
}

export function tenantVaults(context: TenantContext): TenantVaults {
  const { overrides, usage, localVault, config } = context;
  const credentials = createCredentialVault(context.systemVault, context.namespace);
  const connectionStore = createConnectionStore(context.store);
  const factory: FactoryContext = {
    network: context.network,
    clock: context.clock,
    ...(localVault ? { localVault } : {}),
    ...(context.awsCredentials ? { awsCredentials: context.awsCredentials } : {}),
    ...(overrides.azureCredential ? { azureCredential: overrides.azureCredential } : {}),
  };
  // Every vault call made for the tenant's secrets or connections is counted for its cost records;
  // the deployment's own vaults answer only inside the tenant's namespace, and refusals cost nothing.
  const providers: ProviderResolver = overrides.providers
    ? meteredResolver(overrides.providers, usage.tally)
    : createConnectionResolver({
        store: connectionStore,
        credentials,
        builtIns: localVault ? { local: localVault } : { aws: context.builtInVault },
        factory,
        ...(config.allowedVaults ? { allowedKinds: config.allowedVaults } : {}),
        wrap: (provider, resolved) => {
          const metered = meteredProvider(provider, (operation, ref) =>
            usage.tally.call(resolved.tenant, resolved.connection, ref, operation),
          );
          return resolved.builtInVault ? context.confine(metered) : metered;
        },
      });
  // A connection described but not saved: built as a saved one would be, the deployment's own vault
  // confined to the tenant; its calls are not metered, as no secret or connection is theirs yet.
  const unsaved: UnsavedProviderBuilder = async (record, connectionCredentials) => {
    const provider = await buildProvider(record, connectionCredentials, factory);
    return record.kind === 'local' ? context.confine(provider) : provider;
  };
  return { providers, unsaved, credentials, connectionStore };
}
