/**
 * Counts every call secretm makes to a vault, for the cost records: a SecretProvider decorator that
 * tells `count` the operation and the vault reference of each call (none for calls on the connection
 * as a whole: test, discover). `meteredResolver` wraps every adapter a ProviderResolver answers, so the
 * API, the rotation functions and local mode count the same way wherever they reach a vault.
 *
 * A call is counted when it is made, whether it succeeds or not: a vault bills refused calls too.
 * One operation of an adapter is one request to its vault for every read, and for most writes; see
 * docs/costs.md for the few that send more.
 */
import type { SecretProvider } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import type { UsageTally } from './usage.ts';

export type CallCounter = (operation: string, ref: string | undefined) => void;

export function meteredProvider(provider: SecretProvider, count: CallCounter): SecretProvider {
  const metered: SecretProvider = {
    kind: provider.kind,
    refFor: (tenant, name) => provider.refFor(tenant, name),
    create(ref, payload, options) {
      count('create', ref);
      return provider.create(ref, payload, options);
    },
    put(ref, payload, options) {
      count('put', ref);
      return provider.put(ref, payload, options);
    },
    get(ref, options) {
      count('get', ref);
      return provider.get(ref, options);
    },
    delete(ref, mode) {
      count(mode.mode === 'purge' ? 'purge' : 'delete', ref);
      return provider.delete(ref, mode);
    },
    restore(ref) {
      count('restore', ref);
      return provider.restore(ref);
    },
    test() {
      count('test', undefined);
      return provider.test();
    },
    discover(options) {
      count('discover', undefined);
      return provider.discover(options);
    },
  };
  const { staging, leases } = provider;
  if (staging) {
    (metered as { staging?: SecretProvider['staging'] }).staging = {
      putPending(ref, payload, token) {
        count('putPending', ref);
        return staging.putPending(ref, payload, token);
      },
      promotePending(ref, versionId) {
        count('promotePending', ref);
        return staging.promotePending(ref, versionId);
      },
      discardPending(ref, versionId) {
        count('discardPending', ref);
        return staging.discardPending(ref, versionId);
      },
    };
  }
  if (leases) {
    (metered as { leases?: SecretProvider['leases'] }).leases = {
      renew(leaseId, incrementSeconds) {
        count('renewLease', undefined);
        return leases.renew(leaseId, incrementSeconds);
      },
    };
  }
  return metered;
}

/** Every adapter `resolve` answers, counted into `tally` under the tenant and connection it was asked for. */
export function meteredResolver(resolve: ProviderResolver, tally: UsageTally): ProviderResolver {
  return async (tenant, connection) =>
    meteredProvider(await resolve(tenant, connection), (operation, ref) =>
      tally.call(tenant, connection, ref, operation),
    );
}
