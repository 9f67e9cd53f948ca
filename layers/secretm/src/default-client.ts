/**
 * The process-wide client behind the module-level functions (`getSecret`, …): made on first use from
 * the environment (config.ts), read once; `configure()` replaces it.
 */
import { optionsFromEnv } from './config.ts';
import { createSecretm, type Secretm, type SecretmOptions } from './secretm.ts';

let client: Secretm | undefined;

export function defaultClient(): Secretm {
  if (client === undefined) client = createSecretm(optionsFromEnv(process.env));
  return client;
}

/** Replaces the default client: the environment's settings, overridden by `options`. */
export function configure(options: SecretmOptions = {}): Secretm {
  const fromEnv = optionsFromEnv(process.env);
  client = createSecretm({
    ...fromEnv,
    ...options,
    aws: { ...fromEnv.aws, ...options.aws },
    dynamodb: { ...fromEnv.dynamodb, ...options.dynamodb },
    vault: { ...fromEnv.vault, ...options.vault },
    azure: { ...fromEnv.azure, ...options.azure },
    metrics: { ...fromEnv.metrics, ...options.metrics },
  });
  return client;
}
