/**
 * Connections stored in secretm's table, for secretm names whose secret lives on one: the layer reads
 * the connection's item (`sk=C#<id>`: kind, settings, where its credentials are), its credentials from
 * secretm's own vault (AWS Secrets Manager in a deployment, the local vault in local mode), and builds
 * the same adapter the API uses (shared/connections/provider-factory.ts), behind the same SSRF guard:
 * a vault URL that points at a link-local or metadata address is refused, loopback only in local mode.
 *
 * Loaded only when a secret on a stored connection is first read; each vault's adapter only then too.
 */
import type {
  ConnectionCredentials,
  ConnectionRecord,
} from '../../../shared/connections/connection-types.ts';
import { createNetworkPolicy } from '../../../shared/connections/network-policy.ts';
import { buildProvider } from '../../../shared/connections/provider-factory.ts';
import { requestMeter } from '../../../shared/costs/request-meter.ts';
import type { SecretProvider } from '../../../shared/providers/provider.ts';
import type { PluggedConnection } from './secretm.ts';
import { countedProvider, type ReadableProvider, type RequestCounter } from './sources/reader.ts';

export interface StoredConnectionsOptions {
  /** The tenant's connection item, or undefined when there is none. */
  record(id: string): Promise<ConnectionRecord | undefined>;
  /** A connection's credentials, read from secretm's own vault. */
  credentials(ref: string): Promise<ConnectionCredentials>;
  /** Local mode: vaults on this machine are reachable. */
  allowLoopback: boolean;
  timeoutMs: number;
}

/**
 * Finds a stored connection by id and builds its reader's provider, every request it sends counted
 * into `count`: request by request (AWS operation names) for an adapter that meters its own requests,
 * else one per read (`<id>:get`, `<id>:batch`). Undefined for an id the table does not hold.
 */
export type StoredConnections = (id: string, count: RequestCounter) => Promise<PluggedConnection | undefined>;

export function createStoredConnections(options: StoredConnectionsOptions): StoredConnections {
  const network = createNetworkPolicy({ localMode: options.allowLoopback, timeoutMs: options.timeoutMs });
  const clock = { now: () => new Date() };
  return async (id, count) => {
    const record = await options.record(id);
    if (record === undefined || record.kind === 'local') return undefined;
    const credentials = record.credentialsRef ? await options.credentials(record.credentialsRef) : undefined;
    const provider = await buildProvider(record, credentials, { network, clock });
    return { provider: counted(provider, id, count), ttlSeconds: record.cacheTtlSeconds };
  };
}

function counted(provider: SecretProvider, id: string, count: RequestCounter): ReadableProvider {
  if (provider.countsRequests) {
    const getBatch = (provider as ReadableProvider).getBatch?.bind(provider);
    const metered = (operation: string, ref: string | undefined) => count(operation, ref);
    return {
      get: (ref, readOptions) => requestMeter.run(metered, () => provider.get(ref, readOptions)),
      ...(getBatch === undefined
        ? {}
        : { getBatch: (refs) => requestMeter.run(metered, () => getBatch(refs)) }),
    };
  }
  return countedProvider(provider, count, { get: `${id}:get`, batch: `${id}:batch` });
}
