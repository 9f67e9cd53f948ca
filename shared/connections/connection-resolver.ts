/**
 * The ProviderResolver the secrets domain uses: built-in connections first, then the tenant's stored
 * connections, their credentials fetched from the credential vault. Adapters are kept per connection
 * version, so a changed connection is rebuilt on its next use and an unchanged one costs one read.
 * `wrap` sees every adapter it answers (the cost meter, and the tenant confinement of built-in vaults).
 */
import { ForbiddenError, UnprocessableError } from '../errors.ts';
import type { SecretProvider, VaultKind } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import type { ConnectionStore } from '../store/connection-store.ts';
import type { CredentialVault } from './credential-vault.ts';
import { buildProvider, type FactoryContext } from './provider-factory.ts';

export interface ResolvedConnection {
  tenant: string;
  connection: string;
  /** The deployment's own vault (a built-in connection, or a stored `local` one): shared by every tenant. */
  builtInVault: boolean;
}

export interface ConnectionResolverDeps {
  store: ConnectionStore;
  credentials: CredentialVault;
  builtIns: Readonly<Record<string, SecretProvider>>;
  factory: FactoryContext;
  /** The vault kinds this deployment allows; a stored connection of another kind is not used. */
  allowedKinds?: readonly VaultKind[];
  wrap?: (provider: SecretProvider, resolved: ResolvedConnection) => SecretProvider;
}

export function createConnectionResolver(deps: ConnectionResolverDeps): ProviderResolver {
  const built = new Map<string, { version: number; provider: Promise<SecretProvider> }>();
  const wrap = deps.wrap ?? ((provider: SecretProvider) => provider);

  return async (tenant, id) => {
    const builtIn = deps.builtIns[id];
    if (builtIn) return wrap(builtIn, { tenant, connection: id, builtInVault: true });
    const record = await deps.store.get(tenant, id);
    if (!record) throw new UnprocessableError(`connection ${id} does not exist`);
    if (deps.allowedKinds && !deps.allowedKinds.includes(record.kind)) {
      throw new ForbiddenError(
        `this deployment no longer allows ${record.kind} connections (connection ${id})`,
      );
    }
    const key = `${tenant}\n${id}`;
    let cached = built.get(key);
    if (!cached || cached.version !== record.version) {
      const provider = (async () => {
        const credentials = record.credentialsRef
          ? await deps.credentials.get(record.credentialsRef)
          : undefined;
        return buildProvider(record, credentials, deps.factory);
      })();
      cached = { version: record.version, provider };
      built.set(key, cached);
      provider.catch(() => built.delete(key));
    }
    return wrap(await cached.provider, { tenant, connection: id, builtInVault: record.kind === 'local' });
  };
}
