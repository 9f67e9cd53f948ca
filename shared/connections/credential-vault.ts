/**
 * Where connections keep their own credentials (an AppRole secret_id, an Azure client secret): a
 * vault, never DynamoDB. In local mode the local vault, in AWS the deployment's own Secrets Manager,
 * under the system prefix (shared/tenancy/vault-namespace.ts), which no tenant-facing path can name.
 */
import { NotFoundError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import type { VaultNamespace } from '../tenancy/vault-namespace.ts';
import type { ConnectionCredentials } from './connection-types.ts';

export interface CredentialVault {
  /** Stores (or replaces) a connection's credentials; returns where they are. */
  put(tenant: string, connectionId: string, credentials: ConnectionCredentials): Promise<string>;
  get(ref: string): Promise<ConnectionCredentials>;
  remove(ref: string): Promise<void>;
}

export function createCredentialVault(
  provider: SecretProvider,
  namespace: Pick<VaultNamespace, 'connectionCredentialsRef'>,
): CredentialVault {
  return {
    async put(tenant, connectionId, credentials) {
      const ref = namespace.connectionCredentialsRef(tenant, connectionId);
      const payload = { kind: 'map' as const, data: credentials };
      try {
        await provider.put(ref, payload);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        await provider.create(ref, payload, {
          description: `credentials of secretm connection ${connectionId}`,
        });
      }
      return ref;
    },
    async get(ref) {
      const { payload } = await provider.get(ref, { kind: 'map' });
      if (payload.kind !== 'map') throw new NotFoundError('the connection credentials are unreadable');
      return payload.data;
    },
    async remove(ref) {
      try {
        await provider.delete(ref, { mode: 'purge' });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    },
  };
}
