/**
 * How secretm reaches vaults whose address a user chose: the URL is checked when the connection is
 * saved (scheme, no credentials in it, no forbidden IP literal), and every address a hostname
 * resolves to is checked again at connect time by the lookup the adapter's agent uses, so the
 * address that was checked is the one connected to.
 */
import { ValidationError } from '../errors.ts';
import { createGuardedLookup, type Resolve } from '../net/guarded-lookup.ts';
import { networkOptionsFor } from '../net/network-for.ts';
import { parseVaultUrl } from '../net/vault-url.ts';
import type { NetworkOptions } from '../providers/provider.ts';

export interface NetworkPolicy {
  /** Loopback vaults are reachable only in local mode. */
  readonly allowLoopback: boolean;
  /** Checks a user-supplied URL now; the network options check each resolved address on connect. */
  forUrl(raw: string, field: string, caCert?: string): { url: URL; network: NetworkOptions };
  /** For endpoints secretm picks itself (a region's public AWS endpoint). */
  readonly defaults: NetworkOptions;
}

export interface NetworkPolicyOptions {
  /** Local mode: loopback vaults (and plain http to them) are allowed. */
  localMode: boolean;
  /** Replaces the system resolver (tests). */
  resolve?: Resolve;
  timeoutMs?: number;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function createNetworkPolicy(options: NetworkPolicyOptions): NetworkPolicy {
  const allowLoopback = options.localMode;
  const common = {
    allowLoopback,
    ...(options.resolve ? { resolve: options.resolve } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
  return {
    allowLoopback,
    forUrl(raw, field, caCert) {
      const url = parseVaultUrl(raw, { allowLoopback, allowHttp: options.localMode, field });
      if (url.protocol === 'http:' && !loopbackHosts.has(url.hostname)) {
        throw new ValidationError(
          `${field}: plain http is accepted only for a vault on this machine; use https`,
          {
            details: [{ path: field, message: 'must be https' }],
          },
        );
      }
      return { url, network: networkOptionsFor(url, { ...common, ...(caCert ? { caCert } : {}) }) };
    },
    defaults: {
      lookup: createGuardedLookup({
        allowLoopback,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      }),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    },
  };
}
