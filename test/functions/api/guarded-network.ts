/**
 * A local API whose address guard resolves names through an injected resolver, so a test of the guard
 * never dials any address but this machine's; and the resolvers and connection body those tests use.
 */
import { createNetworkPolicy } from '../../../shared/connections/network-policy.ts';
import type { Resolve } from '../../../shared/net/guarded-lookup.ts';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

/** `vault.rebinding.test` answers a metadata address; every other name this machine. */
export const rebindingResolver: Resolve = async (host) =>
  host === 'vault.rebinding.test'
    ? [{ address: '169.254.169.254', family: 4 }]
    : [{ address: '127.0.0.1', family: 4 }];

/** Every name answers 127.0.0.1, which the guard refuses outside local mode. */
export const loopbackResolver: Resolve = async () => [{ address: '127.0.0.1', family: 4 }];

/** A HashiCorp Vault connection with a token, at `url`. */
export const vaultConnection = (name: string, url: string) => ({
  name,
  kind: 'hashicorp-vault',
  config: { url, engine: { type: 'kv-v2', mount: 'kv' } },
  credentials: { token: 't' },
});

/** Runs `test` against a local API whose guard uses `resolve`, and stops that API after. */
export async function withGuardedApi(
  options: { resolve: Resolve; localMode: boolean },
  test: (api: LocalApi) => Promise<void>,
): Promise<void> {
  const guarded = await startLocalApi({ network: createNetworkPolicy(options) });
  try {
    await test(guarded);
  } finally {
    await guarded.stop();
  }
}
