/**
 * secretm: the fastest correct way for a Lambda function to read a secret.
 *
 *   import { getSecret } from 'secretm';
 *   const password = await getSecret('prod-db', { key: 'password' });
 *
 * Names: a secretm secret (with SECRETM_TABLE_NAME and SECRETM_TENANT set), an AWS secret name or ARN,
 * `vault://MOUNT/PATH`, or `azure://VAULT/NAME` (see references.ts). Values are cached (cache.ts) and
 * every vault's code is loaded only when a secret on it is first read. Settings come from the
 * environment (config.ts), read once; `configure()` or `createSecretm()` take them in code instead.
 */
import { defaultClient } from './default-client.ts';
import type { GetSecretOptions, Secretm, SecretRequest } from './secretm.ts';

export {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  SecretmError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../../shared/errors.ts';
export type { ReadValue, SecretPayload } from '../../../shared/providers/provider.ts';
export type { LayerClock } from './cache.ts';
export { configure } from './default-client.ts';
export type { LayerStats, MetricsOptions, SecretCounters } from './metrics.ts';
export {
  type MiddlewareRequest,
  type SecretsMiddleware,
  type SecretsMiddlewareOptions,
  secretsMiddleware,
} from './middleware.ts';
export {
  type AzureCredential,
  type ConnectionResolver,
  createSecretm,
  type GetSecretOptions,
  notCached,
  type PluggedConnection,
  type Secretm,
  type SecretmOptions,
  type SecretRequest,
} from './secretm.ts';
export type { ReadableProvider } from './sources/reader.ts';
export type { Transform } from './transform.ts';

/** Reads a secret through the default client (see Secretm.getSecret). */
export const getSecret: Secretm['getSecret'] = ((name: string, options?: GetSecretOptions) =>
  defaultClient().getSecret(name, options)) as Secretm['getSecret'];

export function getSecrets(
  requests: readonly (string | SecretRequest)[],
  options?: GetSecretOptions,
): Promise<unknown[]> {
  return defaultClient().getSecrets(requests, options);
}

export function getBinding(service: string): Promise<Record<string, string>> {
  return defaultClient().getBinding(service);
}

export function render(template: string): Promise<string> {
  return defaultClient().render(template);
}

export function invalidate(name?: string): void {
  defaultClient().invalidate(name);
}

export function stats(): ReturnType<Secretm['stats']> {
  return defaultClient().stats();
}

export function flushMetrics(): string | undefined {
  return defaultClient().flushMetrics();
}
