/**
 * Everything the API handlers need, built once per Lambda instance (or once by the local server)
 * from validated configuration. Tests build the same graph against DynamoDB Local.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyService, createApiKeyService } from '../shared/auth/api-key-service.ts';
import { type Authenticate, createAuthenticator } from '../shared/auth/authenticate.ts';
import { type BindingService, createBindingService } from '../shared/bindings/binding-service.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import { createConnectionResolver } from '../shared/connections/connection-resolver.ts';
import {
  type BuiltInConnection,
  type ConnectionService,
  createConnectionService,
} from '../shared/connections/connection-service.ts';
import { createCredentialVault } from '../shared/connections/credential-vault.ts';
import { createNetworkPolicy, type NetworkPolicy } from '../shared/connections/network-policy.ts';
import { type CostService, createCostService } from '../shared/costs/cost-service.ts';
import { meteredResolver } from '../shared/costs/metered-provider.ts';
import { priceTable } from '../shared/costs/prices.ts';
import { standaloneConnectionKinds } from '../shared/costs/usage.ts';
import { createUsageRecorder, type UsageRecorder } from '../shared/costs/usage-recorder.ts';
import { ValidationError } from '../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../shared/providers/local.ts';
import type { SecretProvider, VaultKind } from '../shared/providers/provider.ts';
import type { ProviderResolver } from '../shared/providers/provider-resolver.ts';
import { createPostgresDriver, type DatabaseDriver } from '../shared/rotation/postgres.ts';
import { createRotationService, type RotationService } from '../shared/rotation/rotation-service.ts';
import { createSecretService, type SecretService } from '../shared/secrets/secret-service.ts';
import { createApiKeyStore } from '../shared/store/api-key-store.ts';
import { createAuditStore } from '../shared/store/audit-store.ts';
import { createBindingStore } from '../shared/store/binding-store.ts';
import { createConnectionStore } from '../shared/store/connection-store.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { createIdempotencyStore } from '../shared/store/idempotency-store.ts';
import { createRollupStore } from '../shared/store/rollup-store.ts';
import { createSecretStore } from '../shared/store/secret-store.ts';
import type { ApiKeyStore, AuditStore, IdempotencyStore } from '../shared/store/store-types.ts';
import { createUsageStore } from '../shared/store/usage-store.ts';
import { createRenderService, type RenderService } from '../shared/templates/render-service.ts';

export interface ApiDependencies {
  secrets: SecretService;
  rotation: RotationService;
  bindings: BindingService;
  render: RenderService;
  connections: ConnectionService;
  apiKeys: ApiKeyService;
  apiKeyStore: ApiKeyStore;
  authenticate: Authenticate;
  audit: AuditStore;
  idempotency: IdempotencyStore;
  costs: CostService;
  /** Vault calls counted by this instance; flushed after every request. */
  usage: UsageRecorder;
  clock: Clock;
}

export interface DependencyOverrides {
  client?: DynamoDBDocumentClient;
  clock?: Clock;
  /** Replaces the vault lookup (tests that force a vault fault). */
  providers?: ProviderResolver;
  /** Replaces the network policy (tests with an injected resolver). */
  network?: NetworkPolicy;
  /** Replaces the database client of database rotation (tests that force a database fault). */
  databases?: DatabaseDriver;
}

export function createDependencies(
  config: Readonly<Config>,
  overrides: DependencyOverrides = {},
): ApiDependencies {
  const clock = overrides.clock ?? systemClock;
  const client =
    overrides.client ??
    createDocumentClient({
      region: config.region,
      ...(config.dynamodbEndpoint
        ? {
            endpoint: config.dynamodbEndpoint,
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : {}),
    });
  const storeDeps = { client, tableName: config.tableName, auditRetentionDays: config.auditRetentionDays };
  const audit = createAuditStore(storeDeps);
  const apiKeyStore = createApiKeyStore(storeDeps);
  const localVault: SecretProvider | undefined =
    config.mode === 'local' && config.localVaultDir
      ? createLocalVault({ dir: config.localVaultDir, clock })
      : undefined;
  const network = overrides.network ?? createNetworkPolicy({ localMode: config.mode === 'local' });
  // The built-in connection: the local vault in local mode, this account's Secrets Manager in AWS.
  const builtInProviders: Record<string, SecretProvider> = {};
  const builtIns: BuiltInConnection[] = [];
  if (localVault) {
    builtInProviders.local = localVault;
    builtIns.push({ id: 'local', kind: 'local', config: {} });
  }
  if (config.mode === 'aws') {
    builtInProviders.aws = createAwsSecretsManagerProvider(
      { region: config.region, ...(config.replicaRegions ? { replicaRegions: config.replicaRegions } : {}) },
      network.defaults,
    );
    builtIns.push({ id: 'aws', kind: 'aws-secrets-manager', config: { region: config.region } });
  }
  const systemVault = localVault ?? builtInProviders.aws;
  if (!systemVault) throw new ValidationError('local mode needs SECRETM_LOCAL_VAULT_DIR');
  const credentials = createCredentialVault(systemVault);
  const connectionStore = createConnectionStore(storeDeps);
  const usageStore = createUsageStore({
    client,
    tableName: config.tableName,
    now: () => clock.now().getTime(),
  });
  const usage = createUsageRecorder(usageStore, () => clock.now());
  // Every vault call made for a tenant's secrets or connections is counted for its cost records.
  const providers: ProviderResolver = meteredResolver(
    overrides.providers ??
      createConnectionResolver({
        store: connectionStore,
        credentials,
        builtIns: builtInProviders,
        factory: { network, clock, ...(localVault ? { localVault } : {}) },
        ...(config.allowedVaults ? { allowedKinds: config.allowedVaults } : {}),
      }),
    usage.tally,
  );
  const builtInKinds = new Map<string, VaultKind>(builtIns.map((builtIn) => [builtIn.id, builtIn.kind]));
  const costs = createCostService({
    store: storeDeps,
    usage: usageStore,
    rollups: createRollupStore(storeDeps),
    connectionKind: async (tenant, id) =>
      builtInKinds.get(id) ?? (await connectionStore.get(tenant, id))?.kind ?? standaloneConnectionKinds[id],
    prices: priceTable(config.prices),
    clock,
  });
  const secretStore = createSecretStore(storeDeps);
  const secrets = createSecretService({
    store: secretStore,
    audit,
    providers,
    clock,
    defaultConnection: config.defaultConnection,
    holdingVault: systemVault,
  });
  return {
    secrets,
    rotation: createRotationService({
      store: secretStore,
      audit,
      secrets,
      providers,
      holdingVault: systemVault,
      databases: overrides.databases ?? createPostgresDriver({ allowLoopback: network.allowLoopback }),
      clock,
    }),
    bindings: createBindingService({ store: createBindingStore(storeDeps), secrets, clock }),
    render: createRenderService({ secrets }),
    connections: createConnectionService({
      store: connectionStore,
      credentials,
      resolver: providers,
      network,
      builtIns,
      clock,
      audit: (event) => audit.record(event),
      localMode: config.mode === 'local',
      ...(config.allowedVaults ? { allowedKinds: config.allowedVaults } : {}),
    }),
    apiKeys: createApiKeyService({ store: apiKeyStore, clock }),
    apiKeyStore,
    authenticate: createAuthenticator({
      apiKeys: apiKeyStore,
      clock,
      jwt: { tenantClaim: config.jwtTenantClaim },
    }),
    audit,
    idempotency: createIdempotencyStore(storeDeps),
    costs,
    usage,
    clock,
  };
}

/**
 * The Lambda way: configuration from the environment, read once, on first use; in AWS the operator
 * key is installed from its secret before the first request is served. A failed start is not kept,
 * so the next request tries again.
 */
export function lazyDependencies(): () => Promise<ApiDependencies> {
  let built: Promise<ApiDependencies> | undefined;
  return () => {
    built ??= (async () => {
      const { readConfig } = await import('../shared/config.ts');
      const config = readConfig();
      const deps = createDependencies(config);
      if (config.operatorKeySecret) {
        const { bootstrapOperatorKey } = await import('../shared/auth/operator-bootstrap.ts');
        await bootstrapOperatorKey({
          vault: createAwsSecretsManagerProvider({ region: config.region }),
          ref: config.operatorKeySecret,
          apiKeys: deps.apiKeyStore,
          tenant: config.operatorTenant ?? 'default',
          clock: deps.clock,
        });
      }
      return deps;
    })();
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
}
