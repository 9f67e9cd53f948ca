/**
 * Vault refs rotation keeps beside a secret's own. Their names start with `_`, which no secretm name
 * does (shared/validation/names.ts), so they never meet a secret's own ref; the credential vault's
 * `_connections.<id>` follows the same rule.
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

/** Where secretm holds the Vault dynamic credentials it renews by lease, in its own (holding) vault. */
export function heldRef(holdingVault: SecretProvider, tenant: string, name: string): string {
  return holdingVault.refFor(tenant, `_held.${name}`);
}
