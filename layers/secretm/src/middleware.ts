/**
 * A middy middleware (a plain `{ before }` object: no dependency on @middy/core) that loads named
 * secrets before the handler runs, into the Lambda `context` (default) or `process.env`:
 *
 *   middy(handler).use(secretsMiddleware({ fetch: { dbPassword: { name: 'prod-db', key: 'password' } } }))
 *   // in the handler: context.dbPassword
 *
 * On a warm invocation whose secrets are all fresh in the cache, `before` does its work synchronously
 * and answers nothing (no promise); otherwise it loads what is missing in one `getSecrets` (batched).
 * Into `process.env`, values must be text, and a variable is written only when its value changed.
 */
import { ValidationError } from '../../../shared/errors.ts';
import { type GetSecretOptions, notCached, type Secretm, type SecretRequest } from './secretm.ts';

export interface SecretsMiddlewareOptions {
  /** What to load: the name it gets (a context property, or an environment variable) → the secret. */
  fetch: Record<string, string | SecretRequest>;
  /** Where the values go. Default `context`. */
  to?: 'context' | 'env';
  /** The client to read through; default the layer's default client. */
  client?: Pick<Secretm, 'getSecrets' | 'peek'>;
}

/** The part of middy's request the middleware uses. */
export interface MiddlewareRequest {
  context: object;
}

export interface SecretsMiddleware {
  before(request: MiddlewareRequest): undefined | Promise<void>;
}

const allowedOptions = new Set(['fetch', 'to', 'client']);
const allowedRequest = new Set(['name', 'key', 'version', 'transform', 'ttl', 'maxAge', 'forceFetch']);
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The middleware of an entry point, whose default client it reads through unless given one. */
export function middlewareFor(
  defaultClient: () => Pick<Secretm, 'getSecrets' | 'peek'>,
): (options: SecretsMiddlewareOptions) => SecretsMiddleware {
  return (options) => secretsMiddleware(options, defaultClient);
}

export function secretsMiddleware(
  options: SecretsMiddlewareOptions,
  defaultClient: () => Pick<Secretm, 'getSecrets' | 'peek'> = noDefaultClient,
): SecretsMiddleware {
  const { names, requests, to } = checkOptions(options);
  const count = names.length;
  const fixedClient = options.client;
  const lastEnv: unknown[] = new Array(count);
  const asked: SecretRequest[] = requests.map(({ name, options: wanted }) => ({ name, ...wanted }));

  const assign = (request: MiddlewareRequest, i: number, value: unknown) => {
    const name = names[i]!;
    if (to === 'context') {
      (request.context as Record<string, unknown>)[name] = value;
      return;
    }
    if (typeof value !== 'string') {
      throw new ValidationError(
        `the secret loaded into ${name} is not text; process.env holds text only (use a key, or to: 'context')`,
      );
    }
    if (lastEnv[i] !== value) {
      process.env[name] = value;
      lastEnv[i] = value;
    }
  };

  const load = async (request: MiddlewareRequest, client: Pick<Secretm, 'getSecrets'>) => {
    const values = await client.getSecrets(asked);
    for (let i = 0; i < count; i++) assign(request, i, values[i]);
  };

  return {
    before(request) {
      const client = fixedClient ?? defaultClient();
      for (let i = 0; i < count; i++) {
        const wanted = requests[i]!;
        const value = client.peek(wanted.name, wanted.options);
        if (value === notCached) return load(request, client);
        assign(request, i, value);
      }
      return undefined;
    },
  };
}

function noDefaultClient(): never {
  throw new ValidationError(
    'secretsMiddleware needs a client: pass options.client, or use the one secretm exports',
  );
}

interface NormalisedRequest {
  name: string;
  /** The request's options, or undefined when it has none (the fastest cache path). */
  options: GetSecretOptions | undefined;
}

function checkOptions(options: SecretsMiddlewareOptions): {
  names: string[];
  requests: NormalisedRequest[];
  to: 'context' | 'env';
} {
  if (typeof options !== 'object' || options === null)
    throw new ValidationError('secretsMiddleware takes options');
  for (const key of Object.keys(options)) {
    if (!allowedOptions.has(key)) throw new ValidationError(`secretsMiddleware has no option "${key}"`);
  }
  const to = options.to ?? 'context';
  if (to !== 'context' && to !== 'env')
    throw new ValidationError('secretsMiddleware: to is "context" or "env"');
  if (
    typeof options.fetch !== 'object' ||
    options.fetch === null ||
    Object.keys(options.fetch).length === 0
  ) {
    throw new ValidationError('secretsMiddleware: fetch names at least one secret');
  }
  const names = Object.keys(options.fetch);
  const requests = names.map((name): NormalisedRequest => {
    if (to === 'env' && !envName.test(name)) {
      throw new ValidationError(`secretsMiddleware: "${name}" is not an environment variable name`);
    }
    const wanted = options.fetch[name];
    if (typeof wanted === 'string') return { name: wanted, options: undefined };
    if (typeof wanted !== 'object' || wanted === null || typeof wanted.name !== 'string') {
      throw new ValidationError(`secretsMiddleware: fetch.${name} is a secret name or { name, key?, … }`);
    }
    for (const key of Object.keys(wanted)) {
      if (!allowedRequest.has(key))
        throw new ValidationError(`secretsMiddleware: fetch.${name} has no option "${key}"`);
    }
    const { name: secret, ...rest } = wanted;
    return { name: secret, options: Object.keys(rest).length === 0 ? undefined : rest };
  });
  return { names, requests, to };
}
