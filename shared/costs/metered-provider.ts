/**
 * Counts every call secretm makes to a vault, for the cost records: a SecretProvider decorator that
 * tells `count` the operation and the vault reference of each call (none for calls on the connection
 * as a whole: test, discover, batch reads). `meteredResolver` wraps every adapter a ProviderResolver
 * answers, so the API, the rotation functions and local mode count the same way wherever they reach a
 * vault.
 *
 * An adapter that `countsRequests` (AWS Secrets Manager) is counted request by request, by the vault's
 * own operation names (`GetSecretValue`, `DescribeSecret`, …, retries included): each call runs inside
 * the request meter. Any other adapter is counted one per operation (`get`, `put`, …). A call is
 * counted when it is made, whether it succeeds or not: a vault bills refused calls too.
 */
import type { SecretProvider } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import { type RequestCounter, requestMeter } from './request-meter.ts';
import type { UsageTally } from './usage.ts';

export type CallCounter = RequestCounter;

export function meteredProvider(provider: SecretProvider, counter: CallCounter): SecretProvider {
  const byRequest = provider.countsRequests === true;
  // Per-request adapters count themselves inside the meter; others are counted here, per operation.
  const count: CallCounter = byRequest ? () => undefined : counter;
  const run = <T>(call: () => Promise<T>): Promise<T> =>
    byRequest ? requestMeter.run(counter, call) : call();
  const metered: SecretProvider = {
    kind: provider.kind,
    ...(byRequest ? { countsRequests: true } : {}),
    ...(provider.replicas === undefined ? {} : { replicas: provider.replicas }),
    refFor: (tenant, name) => provider.refFor(tenant, name),
    ...(provider.absent ? { absent: provider.absent } : {}),
    create(ref, payload, options) {
      count('create', ref);
      return run(() => provider.create(ref, payload, options));
    },
    put(ref, payload, options) {
      count('put', ref);
      return run(() => provider.put(ref, payload, options));
    },
    get(ref, options) {
      count('get', ref);
      return run(() => provider.get(ref, options));
    },
    delete(ref, mode) {
      count(mode.mode === 'purge' ? 'purge' : 'delete', ref);
      return run(() => provider.delete(ref, mode));
    },
    restore(ref) {
      count('restore', ref);
      return run(() => provider.restore(ref));
    },
    ...(provider.updateMetadata
      ? {
          updateMetadata(ref, changes) {
            count('updateMetadata', ref);
            return run(() => provider.updateMetadata!(ref, changes));
          },
        }
      : {}),
    test() {
      count('test', undefined);
      return run(() => provider.test());
    },
    discover(options) {
      count('discover', undefined);
      return run(() => provider.discover(options));
    },
  };
  const { staging, leases } = provider;
  if (staging) {
    (metered as { staging?: SecretProvider['staging'] }).staging = {
      putPending(ref, payload, token) {
        count('putPending', ref);
        return run(() => staging.putPending(ref, payload, token));
      },
      promotePending(ref, versionId) {
        count('promotePending', ref);
        return run(() => staging.promotePending(ref, versionId));
      },
      discardPending(ref, versionId) {
        count('discardPending', ref);
        return run(() => staging.discardPending(ref, versionId));
      },
    };
  }
  if (leases) {
    (metered as { leases?: SecretProvider['leases'] }).leases = {
      renew(leaseId, incrementSeconds) {
        count('renewLease', undefined);
        return run(() => leases.renew(leaseId, incrementSeconds));
      },
      revoke(leaseId) {
        count('revokeLease', undefined);
        return run(() => leases.revoke(leaseId));
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
