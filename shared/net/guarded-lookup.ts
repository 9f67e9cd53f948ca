/**
 * A `lookup` for the agents that reach user-supplied vault hosts: it resolves the name, checks EVERY
 * address with the address policy, refuses the whole answer when any one is forbidden (a name that
 * answers a public address and 169.254.169.254 is refused, not filtered), and hands the socket only
 * addresses it checked. Because this is the very lookup the socket connects with, there is no second
 * resolution for DNS rebinding to slip between the check and the connect.
 *
 * What it does not cover, and what does:
 * - IP literals: `net.connect` (so `http.Agent`, `https.Agent`, `tls.connect`) never calls `lookup`
 *   for a host that is already an IP address — test/net/guarded-lookup.test.ts shows it — so literals
 *   are judged by parseVaultUrl (shared/net/vault-url.ts) and again by networkOptionsFor.
 * - Redirects: a 3xx could name another host; adapters follow none (see NetworkOptions), so the
 *   only hosts dialled are the URL's own.
 * - Proxies: a proxy resolves the name itself, out of this guard's reach, so vault calls must not go
 *   through one (the adapters dial on their own agents; the Azure one clears the SDK's proxy settings).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { type AddressPolicy, assertAllowedAddress } from './address-policy.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has, IPv4 and IPv6. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardedLookupOptions extends AddressPolicy {
  /** Default: the system resolver (`dns.promises.lookup` with `all: true`), as Node itself uses. */
  resolve?: Resolve;
}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true });

export function createGuardedLookup(options: GuardedLookupOptions): LookupFunction {
  const resolve = options.resolve ?? systemResolve;
  const policy: AddressPolicy = { allowLoopback: options.allowLoopback };

  const checked = async (hostname: string, family: number): Promise<ResolvedAddress[]> => {
    const literal = isIP(hostname);
    // Every family is resolved and checked, whatever the caller asked for: one bad record refuses the name.
    const answers = literal === 0 ? await resolve(hostname) : [{ address: hostname, family: literal }];
    for (const { address } of answers) assertAllowedAddress(address, { ...policy, host: hostname });
    const usable = answers
      .map(({ address }) => ({ address, family: isIP(address) }))
      .filter((answer) => family === 0 || answer.family === family);
    if (usable.length === 0) throw notFound(hostname);
    return usable;
  };

  return (hostname, lookupOptions, callback) => {
    const family = familyOf(lookupOptions.family);
    checked(hostname, family).then(
      (addresses) => {
        if (lookupOptions.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, lookupOptions.all ? [] : ''),
    );
  };
}

function familyOf(family: number | 'IPv4' | 'IPv6' | undefined): number {
  if (family === 'IPv4' || family === 4) return 4;
  if (family === 'IPv6' || family === 6) return 6;
  return 0;
}

/** What `dns.lookup` reports for a name with no address of the family asked for. */
function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    syscall: 'getaddrinfo',
    hostname,
  });
}
