/**
 * The operator key of an AWS deployment: the CDK stack generates it into Secrets Manager, and each
 * function installs its hash on cold start (the same way `SECRETM_BOOTSTRAP_API_KEY` works in local
 * mode). Putting a new value in that secret replaces the operator key at the next cold start.
 */
import type { Clock } from '../clock.ts';
import { ValidationError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import type { ApiKeyStore } from '../store/store-types.ts';
import { ensureOperatorKey } from './api-key-service.ts';

export async function bootstrapOperatorKey(options: {
  vault: SecretProvider;
  /** Name or ARN of the secret holding the key. */
  ref: string;
  apiKeys: ApiKeyStore;
  tenant: string;
  clock: Clock;
}): Promise<void> {
  const { payload } = await options.vault.get(options.ref, { kind: 'text' });
  const key = payload.kind === 'text' ? payload.text.trim() : undefined;
  if (!key) throw new ValidationError('the operator key secret does not hold a key');
  await ensureOperatorKey(options.apiKeys, { tenant: options.tenant, presetKey: key, clock: options.clock });
}
