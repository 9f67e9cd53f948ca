import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../../layers/secretm/src/config.ts';
import { ValidationError } from '../../../shared/errors.ts';

describe('optionsFromEnv', () => {
  it('reads the cache, AWS, Vault, Azure, table and metrics settings', () => {
    const options = optionsFromEnv({
      SECRETM_TABLE_NAME: 'secretm',
      SECRETM_TENANT: 'acme',
      SECRETM_CACHE_TTL: '120',
      SECRETM_STALE_WHILE_REVALIDATE: '0',
      SECRETM_SERVE_STALE: '600',
      SECRETM_CACHE_MAX_ENTRIES: '50',
      SECRETM_USAGE_FLUSH_SECONDS: '30',
      SECRETM_REPLICA_REGIONS: 'us-west-2, eu-west-1',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4566',
      VAULT_ADDR: 'http://127.0.0.1:8200',
      VAULT_ROLE_ID: 'role',
      VAULT_SECRET_ID: 'secret',
      AZURE_TENANT_ID: 't',
      AZURE_CLIENT_ID: 'c',
      AZURE_CLIENT_SECRET: 's',
      AWS_LAMBDA_FUNCTION_NAME: 'checkout',
    });

    expect(options).toMatchObject({
      tableName: 'secretm',
      tenant: 'acme',
      ttlSeconds: 120,
      staleWhileRevalidateSeconds: 0,
      serveStaleSeconds: 600,
      maxEntries: 50,
      usageFlushSeconds: 30,
      aws: {
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:4566',
        replicas: [{ region: 'us-west-2' }, { region: 'eu-west-1' }],
      },
      dynamodb: { region: 'us-east-1' },
      vault: { address: 'http://127.0.0.1:8200', credentials: { roleId: 'role', secretId: 'secret' } },
      azure: { clientSecret: { tenantId: 't', clientId: 'c', clientSecret: 's' } },
      metrics: { enabled: true, service: 'checkout' },
    });
  });

  it('leaves EMF lines off outside Lambda unless asked, and reads plain names as AWS names without the table', () => {
    const options = optionsFromEnv({ AWS_REGION: 'eu-west-1' });

    expect(options.metrics?.enabled).toBe(false);
    expect(options.tableName).toBeUndefined();
  });

  it.each([
    ['a TTL that is not a number of seconds', { SECRETM_CACHE_TTL: '5m' }, 'SECRETM_CACHE_TTL'],
    ['a region that is not one', { AWS_REGION: 'mars' }, 'AWS_REGION'],
    ['a table without a tenant', { SECRETM_TABLE_NAME: 't' }, 'SECRETM_TENANT'],
    ['an unknown metrics switch', { SECRETM_METRICS: 'maybe' }, 'SECRETM_METRICS'],
    [
      'a usage flush interval of no time',
      { SECRETM_USAGE_FLUSH_SECONDS: '0' },
      'SECRETM_USAGE_FLUSH_SECONDS',
    ],
    [
      'a usage flush interval with a unit',
      { SECRETM_USAGE_FLUSH_SECONDS: '1m' },
      'SECRETM_USAGE_FLUSH_SECONDS',
    ],
  ])('refuses %s, naming the variable and not its value', (_case, env, variable) => {
    let error: unknown;
    try {
      optionsFromEnv(env);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(variable);
    for (const value of Object.values(env)) expect((error as Error).message).not.toContain(`"${value}"`);
  });
});
