/**
 * Where a rotation's pending value waits until it is promoted, so that it is never read as the
 * current value before it works:
 *
 * - on a vault with staging labels (AWS Secrets Manager), in the secret itself, as a version labelled
 *   AWSPENDING; promotion moves AWSCURRENT to it (and AWSPREVIOUS to the old one);
 * - elsewhere (local, HashiCorp Vault KV v2, Azure Key Vault), in a pending ref of the same vault
 *   (vault-refs.ts); promotion writes it as the secret's new version, and the pending ref is removed.
 *
 * Either way the pending version's id is recorded in the secret's metadata (rotationState.pending), so
 * a rotation that stopped half-way is resumed or cleaned up by the next attempt.
 */
import { NotFoundError } from '../errors.ts';
import type { SecretPayload, SecretProvider, WrittenVersion } from '../providers/provider.ts';
import type { SecretRecord } from '../secrets/secret-types.ts';
import { pendingRef } from './vault-refs.ts';

export interface PendingStage {
  /** Writes the pending value; idempotent by `token` (the rotation id). */
  put(payload: SecretPayload, token: string): Promise<WrittenVersion>;
  read(versionId: string, kind: SecretPayload['kind']): Promise<SecretPayload>;
  /** Makes the pending value the secret's current value in the vault (the commit records it). */
  promote(payload: SecretPayload, versionId: string, token: string): Promise<WrittenVersion>;
  /** Drops a pending value that will not be promoted. Idempotent. */
  discard(versionId: string): Promise<void>;
  /** Removes what a finished or abandoned rotation left beside the secret. Idempotent. */
  cleanup(): Promise<void>;
}

export function pendingStage(provider: SecretProvider, record: SecretRecord): PendingStage {
  const { staging } = provider;
  const ref = record.vaultRef;
  if (staging) {
    return {
      put: (payload, token) => staging.putPending(ref, payload, token),
      read: async (versionId, kind) => (await provider.get(ref, { versionId, kind })).payload,
      promote: async (_payload, versionId) => {
        await staging.promotePending(ref, versionId);
        return { versionId };
      },
      discard: (versionId) => staging.discardPending(ref, versionId),
      cleanup: async () => undefined,
    };
  }

  const pending = pendingRef(provider, record.tenant, record.name);
  const purge = async () => {
    try {
      await provider.delete(pending, { mode: 'purge' });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  };
  return {
    async put(payload, token) {
      try {
        return await provider.put(pending, payload, { idempotencyToken: token });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        return provider.create(pending, payload, {
          idempotencyToken: token,
          description: `pending rotation of secretm secret ${record.name}`,
        });
      }
    },
    read: async (versionId, kind) => (await provider.get(pending, { versionId, kind })).payload,
    promote: (payload, _versionId, token) =>
      provider.put(ref, payload, { idempotencyToken: `promote:${token}` }),
    discard: purge,
    cleanup: purge,
  };
}
