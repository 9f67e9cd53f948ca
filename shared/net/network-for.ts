/**
 * The NetworkOptions the connection layer hands an adapter for a user-supplied vault URL: the guarded
 * lookup (every name the agent resolves is checked, and the checked address is the one dialled), the
 * connection's private CA, and a bound on every call. An IP-literal host is judged here too, since
 * Node never calls `lookup` for one (see shared/net/guarded-lookup.ts).
 */
import type { NetworkOptions } from '../providers/provider.ts';
import { type AddressPolicy, assertAllowedAddress } from './address-policy.ts';
import { createGuardedLookup, type Resolve } from './guarded-lookup.ts';
import { ipLiteralOf } from './vault-url.ts';

export interface NetworkForOptions extends AddressPolicy {
  /** Replaces the system resolver (tests). */
  resolve?: Resolve;
  caCert?: string;
  timeoutMs?: number;
}

export function networkOptionsFor(url: URL, options: NetworkForOptions): NetworkOptions {
  const literal = ipLiteralOf(url);
  if (literal !== undefined) assertAllowedAddress(literal, { allowLoopback: options.allowLoopback });
  return {
    lookup: createGuardedLookup({
      allowLoopback: options.allowLoopback,
      ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    }),
    ...(options.caCert === undefined ? {} : { caCert: options.caCert }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}
