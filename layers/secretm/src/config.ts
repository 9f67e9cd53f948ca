/**
 * The layer's settings from the environment, read once when the default client is first used:
 *
 *   SECRETM_TABLE_NAME, SECRETM_TENANT     secretm's table and the function's tenant: with both, plain
 *                                          names are secretm secrets (else AWS secret names)
 *   SECRETM_CACHE_TTL                      seconds a value stays fresh (default 300)
 *   SECRETM_STALE_WHILE_REVALIDATE         seconds after that a read answers the old value while one
 *                                          background refresh runs (default 60)
 *   SECRETM_SERVE_STALE                    seconds after expiry a value is still served while its vault
 *                                          is unreachable (default 900); after that, an error
 *   SECRETM_CACHE_MAX_ENTRIES              LRU bound (default 1000)
 *   SECRETM_VAULT_TIMEOUT_MS               bound on one vault call (default 5000)
 *   SECRETM_REPLICA_REGIONS                AWS regions to fall back to, in order (comma-separated)
 *   SECRETM_LOCAL_VAULT_DIR                the `local` connection's folder (local mode, tests)
 *   SECRETM_METRICS                        `on` / `off` for EMF lines (default: on inside Lambda)
 *   SECRETM_METRICS_NAMESPACE              default `secretm`
 *   SECRETM_USAGE_FLUSH_SECONDS            seconds between writes of the vault calls and cache hits
 *                                          counted for the cost records (default 60; with a table)
 *   AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_DYNAMODB,
 *   AWS_ENDPOINT_URL                       as the AWS SDK reads them
 *   VAULT_ADDR, VAULT_TOKEN | VAULT_ROLE_ID + VAULT_SECRET_ID, VAULT_NAMESPACE, VAULT_CACERT (a file)
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
 *
 * A malformed setting is a ValidationError naming the variable (never its value).
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../../shared/errors.ts';
import type { SecretmOptions } from './secretm.ts';

type Env = Record<string, string | undefined>;

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function optionsFromEnv(env: Env): SecretmOptions {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  if (region !== undefined) checkRegion(region, 'AWS_REGION');
  const awsEndpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || undefined;
  const dynamodbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined;
  const replicas = (env.SECRETM_REPLICA_REGIONS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .map((name) => ({ region: checkRegion(name, 'SECRETM_REPLICA_REGIONS') }));
  const tableName = env.SECRETM_TABLE_NAME || undefined;
  const tenant = env.SECRETM_TENANT || undefined;
  if ((tableName === undefined) !== (tenant === undefined)) {
    throw new ValidationError(
      'set both SECRETM_TABLE_NAME and SECRETM_TENANT to read secretm names, or neither',
    );
  }
  const metricsSetting = env.SECRETM_METRICS?.toLowerCase();
  if (metricsSetting !== undefined && metricsSetting !== 'on' && metricsSetting !== 'off') {
    throw new ValidationError('SECRETM_METRICS must be "on" or "off"');
  }
  const vaultCredentials =
    env.VAULT_ROLE_ID && env.VAULT_SECRET_ID
      ? { roleId: env.VAULT_ROLE_ID, secretId: env.VAULT_SECRET_ID }
      : env.VAULT_TOKEN
        ? { token: env.VAULT_TOKEN }
        : undefined;
  const options: SecretmOptions = {
    ...(tableName === undefined || tenant === undefined ? {} : { tableName, tenant }),
    ...seconds(env, 'SECRETM_CACHE_TTL', 'ttlSeconds'),
    ...seconds(env, 'SECRETM_STALE_WHILE_REVALIDATE', 'staleWhileRevalidateSeconds'),
    ...seconds(env, 'SECRETM_SERVE_STALE', 'serveStaleSeconds'),
    ...count(env, 'SECRETM_CACHE_MAX_ENTRIES', 'maxEntries'),
    ...count(env, 'SECRETM_VAULT_TIMEOUT_MS', 'timeoutMs'),
    ...count(env, 'SECRETM_USAGE_FLUSH_SECONDS', 'usageFlushSeconds'),
    aws: {
      ...(region === undefined ? {} : { region }),
      ...(awsEndpoint === undefined ? {} : { endpoint: awsEndpoint }),
      ...(replicas.length === 0 ? {} : { replicas }),
    },
    dynamodb: {
      ...(region === undefined ? {} : { region }),
      ...(dynamodbEndpoint === undefined ? {} : { endpoint: dynamodbEndpoint }),
    },
    vault: {
      ...(env.VAULT_ADDR ? { address: env.VAULT_ADDR } : {}),
      ...(vaultCredentials === undefined ? {} : { credentials: vaultCredentials }),
      ...(env.VAULT_NAMESPACE ? { namespace: env.VAULT_NAMESPACE } : {}),
      ...(env.VAULT_CACERT ? { caCert: readCaFile(env.VAULT_CACERT) } : {}),
    },
    azure:
      env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET
        ? {
            clientSecret: {
              tenantId: env.AZURE_TENANT_ID,
              clientId: env.AZURE_CLIENT_ID,
              clientSecret: env.AZURE_CLIENT_SECRET,
            },
          }
        : {},
    ...(env.SECRETM_LOCAL_VAULT_DIR ? { localVaultDir: env.SECRETM_LOCAL_VAULT_DIR } : {}),
    metrics: {
      enabled: metricsSetting === undefined ? Boolean(env.AWS_LAMBDA_FUNCTION_NAME) : metricsSetting === 'on',
      ...(env.SECRETM_METRICS_NAMESPACE ? { namespace: env.SECRETM_METRICS_NAMESPACE } : {}),
      ...(env.AWS_LAMBDA_FUNCTION_NAME ? { service: env.AWS_LAMBDA_FUNCTION_NAME } : {}),
    },
  };
  return options;
}

function checkRegion(region: string, variable: string): string {
  if (!regionPattern.test(region))
    throw new ValidationError(`${variable} must name AWS regions (such as eu-west-1)`);
  return region;
}

function seconds(env: Env, variable: string, field: keyof SecretmOptions): Partial<SecretmOptions> {
  const text = env[variable];
  if (text === undefined || text === '') return {};
  if (!/^\d+$/.test(text)) throw new ValidationError(`${variable} must be a whole number of seconds`);
  return { [field]: Number(text) };
}

function count(env: Env, variable: string, field: keyof SecretmOptions): Partial<SecretmOptions> {
  const text = env[variable];
  if (text === undefined || text === '') return {};
  if (!/^[1-9]\d*$/.test(text)) throw new ValidationError(`${variable} must be a positive whole number`);
  return { [field]: Number(text) };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError('VAULT_CACERT names a file that cannot be read', { cause: error });
  }
}
