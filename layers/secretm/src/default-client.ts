/**
 * The process-wide client behind an entry point's module-level functions (`getSecret`, …): made on
 * first use from the environment (config.ts), read once; `configure()` replaces it.
 */
import { optionsFromEnv } from './config.ts';
import { createClient, type Secretm, type SecretmOptions, type SourceLoaders } from './secretm.ts';

export interface DefaultClient {
  get(): Secretm;
  /** Replaces the default client: the environment's settings, overridden by `options`. */
  configure(options?: SecretmOptions): Secretm;
}

export function defaultClientFor(loaders: SourceLoaders): DefaultClient {
  let client: Secretm | undefined;
  return {
    get() {
      if (client === undefined) client = createClient(optionsFromEnv(process.env), loaders);
      return client;
    },
    configure(options = {}) {
      const fromEnv = optionsFromEnv(process.env);
      client = createClient(
        {
          ...fromEnv,
          ...options,
          aws: { ...fromEnv.aws, ...options.aws },
          dynamodb: { ...fromEnv.dynamodb, ...options.dynamodb },
          vault: { ...fromEnv.vault, ...options.vault },
          azure: { ...fromEnv.azure, ...options.azure },
          metrics: { ...fromEnv.metrics, ...options.metrics },
        },
        loaders,
      );
      return client;
    },
  };
}
