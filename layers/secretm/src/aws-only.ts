/**
 * `secretm/aws`: the layer's API for AWS Secrets Manager alone (names and ARNs, as Powertools'
 * `getSecret` reads them), with none of the other vaults' code in a bundle. Same cache, batching,
 * replica fail-over and middleware as `secretm`; its default client is its own.
 */
import { defaultClientFor } from './default-client.ts';
import { middlewareFor } from './middleware.ts';
import type { SourceLoaders } from './secretm.ts';
import {
  createClient,
  type GetSecretOptions,
  type Secretm,
  type SecretmOptions,
  type SecretRequest,
} from './secretm.ts';

export * from './public-types.ts';

const awsSources: SourceLoaders = { aws: () => import('./sources/aws.ts') };
const defaults = defaultClientFor(awsSources);

export function createSecretm(options: SecretmOptions = {}): Secretm {
  return createClient(options, awsSources);
}

export function configure(options?: SecretmOptions): Secretm {
  return defaults.configure(options);
}

export const getSecret: Secretm['getSecret'] = ((name: string, options?: GetSecretOptions) =>
  defaults.get().getSecret(name, options)) as Secretm['getSecret'];

export function getSecrets(
  requests: readonly (string | SecretRequest)[],
  options?: GetSecretOptions,
): Promise<unknown[]> {
  return defaults.get().getSecrets(requests, options);
}

export function invalidate(name?: string): void {
  defaults.get().invalidate(name);
}

export function stats(): ReturnType<Secretm['stats']> {
  return defaults.get().stats();
}

export function flushMetrics(): string | undefined {
  return defaults.get().flushMetrics();
}

/** The middy middleware (middleware.ts); pure, so a bundle that does not use it leaves its code out. */
export const secretsMiddleware = /* @__PURE__ */ middlewareFor(() => defaults.get());
