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
 * `secretm/aws` (aws-only.ts) is the same API for AWS Secrets Manager alone, in the smallest bundle.
 */
import { defaultClientFor } from './default-client.ts';
import { allSources } from './loaders.ts';
import { middlewareFor } from './middleware.ts';
import {
  createClient,
  type GetSecretOptions,
  type Secretm,
  type SecretmOptions,
  type SecretRequest,
} from './secretm.ts';

export * from './public-types.ts';

const defaults = defaultClientFor(allSources);

/** A client of its own (its own cache and settings), reading every kind of vault. */
export function createSecretm(options: SecretmOptions = {}): Secretm {
  return createClient(options, allSources);
}

/** Replaces the default client behind the module-level functions. */
export function configure(options?: SecretmOptions): Secretm {
  return defaults.configure(options);
}

/** Reads a secret through the default client (see Secretm.getSecret). */
export const getSecret: Secretm['getSecret'] = ((name: string, options?: GetSecretOptions) =>
  defaults.get().getSecret(name, options)) as Secretm['getSecret'];

export function getSecrets(
  requests: readonly (string | SecretRequest)[],
  options?: GetSecretOptions,
): Promise<unknown[]> {
  return defaults.get().getSecrets(requests, options);
}

export function getBinding(service: string): Promise<Record<string, string>> {
  return defaults.get().getBinding(service);
}

export function resolveBinding(service: string): ReturnType<Secretm['resolveBinding']> {
  return defaults.get().resolveBinding(service);
}

export function render(template: string): Promise<string> {
  return defaults.get().render(template);
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

/** Writes the default client's counted vault calls and cache hits to secretm's cost records now. */
export function flushUsage(): Promise<void> {
  return defaults.get().flushUsage();
}

/**
 * The middy middleware, reading through the default client unless given one (see middleware.ts); pure,
 * so a bundle that does not use it leaves its code out.
 */
export const secretsMiddleware = /* @__PURE__ */ middlewareFor(() => defaults.get());
