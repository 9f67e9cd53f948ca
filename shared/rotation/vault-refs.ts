/**
 * Vault refs rotation keeps beside a secret's own. Their names start with `_`, which no secretm name
 * does (shared/validation/names.ts), so they never meet a secret's own ref.
 */
import type { SecretProvider } from '../providers/provider.ts';

/**
 * Where a rotation's pending value waits, in the secret's own vault, on vaults without staging labels:
 * writing it as a new version of the secret itself would make it the vault's current value (what
 * the layer and other tools read) before it was set on the database and tested.
 */
export function pendingRef(provider: SecretProvider, tenant: string, name: string): string {
  return provider.refFor(tenant, `_rotation.${name}`);
}

/**
 * secretm's own vault, where it holds the Vault dynamic credentials it renews by lease: a system ref
 * per secret, outside every tenant's namespace (shared/tenancy/vault-namespace.ts).
 */
export interface HoldingVault {
  vault: SecretProvider;
  refFor(tenant: string, name: string): string;
}
