/**
 * HashiCorp Vault / OpenBao for the layer: `vault://MOUNT/PATH` (KV v2) and `vault://MOUNT/creds/ROLE`
 * (database dynamic credentials, with a lease) through the shared adapter
 * (shared/providers/hashicorp-vault.ts), one adapter per mount and engine, all on one Vault address
 * and identity (a token, or an AppRole that the adapter logs in with and renews).
 *
 * Loaded only when a Vault secret is first read.
 */
import { ValidationError } from '../../../../shared/errors.ts';
import {
  createHashicorpVaultProvider,
  type HashicorpVaultCredentials,
} from '../../../../shared/providers/hashicorp-vault.ts';
import { parseReference } from '../references.ts';
import type { ReadableProvider, RequestCounter, SecretReader } from './reader.ts';

export interface VaultSourceOptions {
  /** VAULT_ADDR */
  address?: string;
  /** VAULT_TOKEN, or VAULT_ROLE_ID + VAULT_SECRET_ID (AppRole). */
  credentials?: HashicorpVaultCredentials;
  /** VAULT_NAMESPACE */
  namespace?: string;
  /** PEM of a private CA (VAULT_CACERT names its file). */
  caCert?: string;
  timeoutMs?: number;
}

export function createVaultReader(options: VaultSourceOptions, count: RequestCounter): SecretReader {
  const providers = new Map<string, ReadableProvider>();

  const providerFor = (mount: string, engine: 'kv-v2' | 'database', role: string): ReadableProvider => {
    const id = `${engine}\u0000${mount}\u0000${engine === 'database' ? role : ''}`;
    let provider = providers.get(id);
    if (provider === undefined) {
      if (!options.address || !options.credentials) {
        throw new ValidationError(
          'a vault:// secret needs the Vault address and identity: set VAULT_ADDR, and VAULT_TOKEN or VAULT_ROLE_ID and VAULT_SECRET_ID',
        );
      }
      provider = createHashicorpVaultProvider(
        {
          url: options.address,
          ...(options.namespace ? { namespace: options.namespace } : {}),
          ...(options.caCert ? { caCert: options.caCert } : {}),
          engine: engine === 'database' ? { type: 'database', mount, role } : { type: 'kv-v2', mount },
        },
        options.credentials,
        options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs },
      );
      providers.set(id, provider);
    }
    return provider;
  };

  return {
    async read(ref, readOptions = {}) {
      const reference = parseReference(ref, false);
      if (reference.scheme !== 'vault')
        throw new ValidationError('the Vault reader reads vault:// references only');
      const provider = providerFor(reference.mount, reference.engine, reference.path);
      // Counted under the whole reference: the same path on two mounts is two secrets.
      count(reference.engine === 'database' ? 'vault:database-creds' : 'vault:kv-read', ref);
      return provider.get(reference.path, readOptions);
    },
  };
}
