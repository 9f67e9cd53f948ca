/**
 * A built-in vault as one tenant sees it: every ref is canonicalised (canonical-ref.ts) and must lie
 * in the tenant's own namespace (vault-namespace.ts), or match one of the names the deployment lets
 * this tenant adopt; anything else is answered exactly as the vault answers an absent ref, before any
 * call reaches the vault. `discover` lists the tenant's namespace only. Secretm's own refs (connection
 * credentials, held rotation credentials, the operator key) are outside every tenant's namespace, so no
 * tenant-facing path can name them.
 */
import { NotFoundError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import { canonicalRef } from './canonical-ref.ts';
import type { VaultNamespace } from './vault-namespace.ts';

export interface RefusedRef {
  /** The ref as the caller gave it. */
  ref: string;
  /** Its canonical spelling, when it has one. */
  canonical?: string;
  /** Whose namespace the canonical ref lies in: another tenant's, the system's, or nobody's. */
  owner: { tenant: string } | 'system' | undefined;
}

export interface ConfinementOptions {
  namespace: VaultNamespace;
  tenant: string;
  /** The prefix refs must lie in: the tenant's namespace by default (secretm's own view of a tenant: its system prefix). */
  prefix?: string;
  /** Further refs this tenant may reach: exact names, or prefixes ending in `*`. */
  alsoAllowed?: readonly string[];
  /** Told of each refused ref before the refusal is answered (the owner's audit records it). */
  onRefused?: (refused: RefusedRef) => Promise<void>;
}

export function confinedProvider(provider: SecretProvider, options: ConfinementOptions): SecretProvider {
  const { namespace, tenant } = options;
  const prefix = options.prefix ?? namespace.tenantPrefix(tenant);
  const allowed = (canonical: string) =>
    canonical.startsWith(prefix) ||
    (options.alsoAllowed ?? []).some((entry) =>
      entry.endsWith('*') ? canonical.startsWith(entry.slice(0, -1)) : canonical === entry,
    );
  const absent = (ref: string) => provider.absent?.(ref) ?? new NotFoundError(`no secret "${ref}"`);

  /** The canonical ref when this tenant may use it; else the vault's own "absent" error. */
  const inside = async (ref: string): Promise<string> => {
    const canonical = canonicalRef(ref);
    if (canonical !== undefined && allowed(canonical)) return canonical;
    const owner = canonical === undefined ? undefined : namespace.ownerOf(canonical);
    await options.onRefused?.({ ref, ...(canonical === undefined ? {} : { canonical }), owner });
    throw absent(canonical ?? ref);
  };

  const confined: SecretProvider = {
    kind: provider.kind,
    ...(provider.countsRequests ? { countsRequests: true } : {}),
    ...(provider.replicas === undefined ? {} : { replicas: provider.replicas }),
    absent,
    refFor(forTenant, name) {
      if (forTenant !== tenant) throw new Error('a confined vault names refs of its own tenant only');
      const ref = provider.refFor(forTenant, name);
      if (canonicalRef(ref) !== ref || !ref.startsWith(prefix)) {
        throw new Error('the vault named a ref outside the tenant namespace');
      }
      return ref;
    },
    create: async (ref, payload, writeOptions) => provider.create(await inside(ref), payload, writeOptions),
    put: async (ref, payload, writeOptions) => provider.put(await inside(ref), payload, writeOptions),
    get: async (ref, readOptions) => provider.get(await inside(ref), readOptions),
    delete: async (ref, mode) => provider.delete(await inside(ref), mode),
    restore: async (ref) => provider.restore(await inside(ref)),
    ...(provider.updateMetadata
      ? { updateMetadata: async (ref, changes) => provider.updateMetadata!(await inside(ref), changes) }
      : {}),
    test: () => provider.test(),
    async discover(page) {
      const found = await provider.discover({ ...page, prefix });
      const listed = (ref: string) => canonicalRef(ref) === ref && ref.startsWith(prefix);
      return { ...found, items: found.items.filter((item) => listed(item.ref)) };
    },
  };
  const { staging, leases } = provider;
  if (staging) {
    (confined as { staging?: SecretProvider['staging'] }).staging = {
      putPending: async (ref, payload, token) => staging.putPending(await inside(ref), payload, token),
      promotePending: async (ref, versionId) => staging.promotePending(await inside(ref), versionId),
      discardPending: async (ref, versionId) => staging.discardPending(await inside(ref), versionId),
    };
  }
  if (leases) (confined as { leases?: SecretProvider['leases'] }).leases = leases;
  return confined;
}
