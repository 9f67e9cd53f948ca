/**
 * The ProviderResolver the secrets domain uses: built-in connections first, then the tenant's stored
 * connections, their credentials fetched from the credential vault. Adapters are kept per connection
 * version, so a changed connection is rebuilt on its next use and an unchanged one costs one read.
 */
import { ForbiddenError, UnprocessableError } from '../errors.ts';
import type { SecretProvider, VaultKind } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import type { ConnectionStore } from '../store/connection-store.ts';
import type { CredentialVault } from './credential-vault.ts';
import { buildProvider, type FactoryContext } from './provider-factory.ts';

export interface ConnectionResolverDeps {
  store: ConnectionStore;
  credentials: CredentialVault;
  builtIns: Readonly<Record<string, SecretProvider>>;
  factory: FactoryContext;
  /** The vault kinds this deployment allows; a stored connection of another kind is not used. */
  allowedKinds?: readonly VaultKind[];
}

export function createConnectionResolver(deps: ConnectionResolverDeps): ProviderResolver {
  const built = new Map<string, { version: number; provider: Promise<SecretProvider> }>();

  return async (tenant, id) => {
    const builtIn = deps.builtIns[id];
    if (builtIn) return builtIn;
    const record = await deps.store.get(tenant, id);
    if (!record) throw new UnprocessableError(`connection ${id} does not exist`);
    if (deps.allowedKinds && !deps.allowedKinds.includes(record.kind)) {
      throw new ForbiddenError(
        `this deployment no longer allows ${record.kind} connections (connection ${id})`,
      );
    }
    const key = `${tenant}\n${id}`;
    const cached = built.get(key);
    if (cached && cached.version === record.version) return cached.provider;
    const provider = (async () => {
      const credentials = record.credentialsRef
        ? await deps.credentials.get(record.credentialsRef)
        : undefined;
      return buildProvider(record, credentials, deps.factory);
    })();
    built.set(key, { version: record.version, provider });
    provider.catch(() => built.delete(key));
    return provider;
  };
}
