/**
 * The dependency graph, built once per Lambda instance (or once by the local server) from validated
 * configuration. Tests build the same graph against DynamoDB Local.
 *
 * Two levels:
 * - the deployment's (`Deployment`): authentication, which reads before any tenant is known, and the
 *   paths that are cross-tenant by nature (the rotation dispatcher's listing, the cost roll-up, the
 *   operator key);
 * - one tenant's (`TenantDependencies`, what a route handler gets): on that tenant's access to the table
 *   and the built-in vaults (shared/tenancy/), so a request of one tenant has no way to another's items,
 *   secrets or vault refs, the base every request uses and the services the caller's factory builds
 *   (each API family builds only the ones its routes use: functions/services/<concern>.ts). Tenant
 *   graphs are built on first use and kept.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createAuditDigestJob } from '../../shared/audit/audit-digests.ts';
import { type AuditKeys, createAuditKeys } from '../../shared/audit/audit-keys.ts';
import { createAuthenticator } from '../../shared/auth/authenticate.ts';
import { createKeyCache } from '../../shared/auth/key-cache.ts';
import {
  bootstrapOperatorKey,
  type OperatorKeyDeps,
  type OperatorKeySecret,
  rotateOperatorKey,
} from '../../shared/auth/operator-key.ts';
import { systemClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config.ts';
import type { BuiltInConnection } from '../../shared/connections/connection-service.ts';
import { createNetworkPolicy, type NetworkPolicy } from '../../shared/connections/network-policy.ts';
import { createUsageRecorder } from '../../shared/costs/usage-recorder.ts';
import { ForbiddenError, ProviderUnavailableError, ValidationError } from '../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider, VaultKind } from '../../shared/providers/provider.ts';
import { findDueRotations } from '../../shared/rotation/due-rotations.ts';
import { createApiKeyDirectory, createApiKeyStore } from '../../shared/store/api-key-store.ts';
import { createAuditDigestStore } from '../../shared/store/audit-digest-store.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { createIdempotencyStore } from '../../shared/store/idempotency-store.ts';
import { createOperatorKeyStore } from '../../shared/store/operator-key-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { createStoreProbe } from '../../shared/store/store-readiness.ts';
import type { OperatorKeyStore } from '../../shared/store/store-types.ts';
import { listTenants, registerTenant } from '../../shared/store/tenant-registry.ts';
import { createUsageStore } from '../../shared/store/usage-store.ts';
import { confinedProvider } from '../../shared/tenancy/confined-provider.ts';
import { createRefusalRecorder } from '../../shared/tenancy/refusal-recorder.ts';
import { awsTenantAccess, localTenantAccess, type TenantAccess } from '../../shared/tenancy/tenant-access.ts';
import { createTenantSessions } from '../../shared/tenancy/tenant-sessions.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { createCostService } from './costs.ts';
import type {
  DependencyOverrides,
  Deployment,
  ServiceFactory,
  TenantBase,
  TenantContext,
  TenantDependencies,
} from './tenant-context.ts';

export function createDeployment<S>(
  config: Readonly<Config>,
  overrides: DependencyOverrides,
  services: ServiceFactory<S>,
): Deployment<S> {
  const clock = overrides.clock ?? systemClock;
  const client =
    overrides.client ??
    createDocumentClient({
      region: config.region,
      ...(config.dynamodbEndpoint
        ? {
            endpoint: config.dynamodbEndpoint,
            credentials: overrides.awsCredentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
          }
        : overrides.awsCredentials
          ? { credentials: overrides.awsCredentials }
          : {}),
    });
  const storeDeps = { client, tableName: config.tableName, auditRetentionDays: config.auditRetentionDays };
  const namespace = vaultNamespace(config.stage);
  const network = overrides.network ?? createNetworkPolicy({ localMode: config.mode === 'local' });
  const access = tenantAccess(config, client, overrides);
  if (config.mode === 'local' && !config.localVaultDir) {
    throw new ValidationError('local mode needs SECRETM_LOCAL_VAULT_DIR');
  }
  const localVault =
    config.mode === 'local' && config.localVaultDir
      ? createLocalVault({ dir: config.localVaultDir, clock, namePrefix: namespace.stagePrefix })
      : undefined;
  const builtIns: BuiltInConnection[] = [
    ...(localVault ? [{ id: 'local', kind: 'local' as const, config: {} }] : []),
    ...(config.mode === 'aws'
      ? [{ id: 'aws', kind: 'aws-secrets-manager' as const, config: { region: config.region } }]
      : []),
  ];
  const builtInKinds = new Map<string, VaultKind>(builtIns.map((builtIn) => [builtIn.id, builtIn.kind]));
  const operatorKeys = createOperatorKeyStore(storeDeps);
  const graphs = new Map<string, Promise<TenantDependencies<S>>>();
  const keyCache = createKeyCache({ clock });
  const maxGraphs = 500;

  /** The deployment's own Secrets Manager as one tenant's session reaches it. */
  const awsVaultFor = (tenant: string) =>
    createAwsSecretsManagerProvider(
      {
        region: config.region,
        namePrefix: namespace.stagePrefix,
        ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
        ...(config.replicaRegions ? { replicaRegions: config.replicaRegions } : {}),
        ...(access.awsCredentials ? { credentials: access.awsCredentials(tenant) } : {}),
      },
      network.defaults,
    );

  const operator = (tenantDeps: TenantBase): OperatorKeyDeps => ({
    store: operatorStore,
    tenant: config.operatorTenant ?? 'default',
    clock,
    audit: (event) => tenantDeps.audit.record(event),
  });
  // The operator role's credentials are assumed on first use only (bootstrap, rotation), then kept.
  const operatorAccess = operatorCredentials(config, overrides);
  const operatorStore = operatorKeyWriter(config, client, operatorAccess);
  const operatorKeySecret: OperatorKeySecret | undefined = config.operatorKeySecret
    ? { vault: operatorVault(config, network, operatorAccess), ref: config.operatorKeySecret }
    : undefined;
  const operatorSecret = () => operatorKeySecret;

  function buildTenant(tenant: string): TenantDependencies<S> {
    if (config.mode === 'aws' && !config.tenantAccess) {
      // Never run a tenant's request on the function's own role.
      throw new ProviderUnavailableError(
        'this function has no tenant access configured; it serves no tenant',
      );
    }
    const builtInVault = localVault ?? awsVaultFor(tenant);
    // secretm's own refs about this tenant (its connections' credentials, held rotation credentials,
    // its audit key).
    const systemVault = confinedProvider(builtInVault, {
      namespace,
      tenant,
      prefix: namespace.tenantSystemPrefix(tenant),
    });
    const client = access.table(tenant);
    // Every audit event of the tenant is HMAC'd with its key, made (and the tenant registered) on first use.
    const auditKeys = tenantAuditKeys(tenant, systemVault, { client, tableName: config.tableName });
    const tenantStore = { ...storeDeps, client, auditKeys };
    const refusals = createRefusalRecorder({
      tenant,
      auditFor: (owner) =>
        createAuditStore({
          ...storeDeps,
          client: access.table(owner, 'audit'),
          auditKeys: ownerAuditKeys(owner),
        }),
      clock,
    });
    const audit = createAuditStore(tenantStore);
    const usageStore = createUsageStore({
      client: tenantStore.client,
      tableName: config.tableName,
      now: () => clock.now().getTime(),
    });
    const usage = createUsageRecorder(usageStore, () => clock.now());
    const apiKeyStore = createApiKeyStore(tenantStore);
    const context: TenantContext = {
      tenant,
      config,
      overrides,
      clock,
      network,
      namespace,
      store: tenantStore,
      builtInVault,
      systemVault,
      ...(localVault ? { localVault } : {}),
      builtIns,
      builtInKinds,
      ...(access.awsCredentials ? { awsCredentials: access.awsCredentials(tenant) } : {}),
      apiKeyStore,
      audit,
      usage,
      usageStore,
      confine: (provider) =>
        confinedProvider(provider, {
          namespace,
          tenant,
          ...(config.importable?.[tenant] ? { alsoAllowed: config.importable[tenant] } : {}),
          onRefused: refusals,
        }),
      keyCache,
    };
    const base: TenantBase = {
      tenant,
      apiKeyStore,
      audit,
      idempotency: createIdempotencyStore(tenantStore),
      usage,
      clock,
      async rotateOperatorKey(ctx) {
        if (!ctx.principal.operator) throw new ForbiddenError('only the operator key may rotate itself');
        const operatorTenant = await forTenant(config.operatorTenant ?? 'default');
        return rotateOperatorKey(operator(operatorTenant), ctx, operatorSecret());
      },
    };
    return { ...base, ...services(context), forTenant };
  }

  function tenantAuditKeys(
    tenant: string,
    systemVault: SecretProvider,
    table: { client: DynamoDBDocumentClient; tableName: string },
  ): AuditKeys {
    return createAuditKeys({
      vault: () => systemVault,
      ref: namespace.auditKeyRef,
      create: { register: (forTenant) => registerTenant(table, forTenant), clock },
      only: tenant,
    });
  }

  /**
   * Another tenant's audit key, read (never made) on a session that may read that key and write that
   * tenant's audit only: a refused attempt on its refs is recorded in its audit, sealed with its key.
   */
  function ownerAuditKeys(owner: string): AuditKeys {
    const vault =
      localVault ??
      createAwsSecretsManagerProvider(
        {
          region: config.region,
          namePrefix: namespace.stagePrefix,
          ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
          ...(access.awsCredentials ? { credentials: access.awsCredentials(owner, 'audit') } : {}),
        },
        network.defaults,
      );
    const keyOnly = confinedProvider(vault, {
      namespace,
      tenant: owner,
      prefix: namespace.auditKeyRef(owner),
    });
    return createAuditKeys({ vault: () => keyOnly, ref: namespace.auditKeyRef, only: owner });
  }

  function forTenant(tenant: string): Promise<TenantDependencies<S>> {
    let graph = graphs.get(tenant);
    if (graph) {
      graphs.delete(tenant);
    } else {
      graph = Promise.resolve().then(() => buildTenant(tenant));
      graph.catch(() => graphs.delete(tenant));
    }
    graphs.set(tenant, graph);
    if (graphs.size > maxGraphs) graphs.delete(graphs.keys().next().value!);
    return graph;
  }

  // The deployment's own reads: across tenants by nature, each on the function's own (narrow) role.
  const rollupUsage = createUsageStore({
    client,
    tableName: config.tableName,
    now: () => clock.now().getTime(),
  });
  const rotationIndex = createSecretStore(storeDeps);
  /** The built-in vault on the function's own role (the digest job: every tenant's audit key, read only). */
  let ownVault: SecretProvider | undefined;
  const deploymentVault = () =>
    (ownVault ??=
      localVault ??
      createAwsSecretsManagerProvider(
        {
          region: config.region,
          namePrefix: namespace.stagePrefix,
          ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
          ...(overrides.awsCredentials ? { credentials: overrides.awsCredentials } : {}),
        },
        network.defaults,
      ));

  return {
    authenticate: createAuthenticator({
      directory: createApiKeyDirectory(storeDeps),
      tenantKey: async (tenant, id) => (await forTenant(tenant)).apiKeyStore.get(tenant, id),
      operatorKeys,
      clock,
      cache: keyCache,
      jwt: {
        tenantClaim: config.jwtTenantClaim,
        ...(config.jwtRulesClaim ? { rulesClaim: config.jwtRulesClaim } : {}),
      },
    }),
    forTenant,
    dueRotations: (options) => findDueRotations(rotationIndex, clock, options.limit),
    costs: createCostService({ storeDeps, usageStore: rollupUsage, builtInKinds, config, clock }),
    auditDigests: (options = {}) =>
      createAuditDigestJob({
        events: createAuditStore(storeDeps),
        digests: createAuditDigestStore(storeDeps),
        keys: createAuditKeys({ vault: () => deploymentVault(), ref: namespace.auditKeyRef }),
        tenants: () => listTenants(storeDeps),
        clock,
        retentionDays: config.auditRetentionDays,
        ...(options.timeLeft ? { timeLeft: options.timeLeft } : {}),
      }),
    operatorKeys,
    async ready() {
      const secret = operatorSecret();
      if (!secret) return;
      await bootstrapOperatorKey(operator(await forTenant(config.operatorTenant ?? 'default')), secret);
    },
    storeReadiness: createStoreProbe({
      client,
      tableName: config.tableName,
      now: () => clock.now().getTime(),
    }),
    clock,
  };
}

/**
 * AWS: tenant sessions on the tenant-access role; local mode: the deployment's client, guarded; an
 * override (benchmarks, tests) as given.
 */
function tenantAccess(
  config: Readonly<Config>,
  client: DynamoDBDocumentClient,
  overrides: DependencyOverrides,
): TenantAccess {
  if (overrides.tenantAccess) return overrides.tenantAccess;
  if (config.mode === 'local' || !config.tenantAccess) return localTenantAccess(client);
  const access = config.tenantAccess;
  const sessions = createTenantSessions({
    roleArn: access.roleArn,
    region: config.region,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
    ...(overrides.awsCredentials ? { credentials: overrides.awsCredentials } : {}),
    scope: {
      tableArn: access.tableArn,
      stage: config.stage,
      ...(access.tableKeyArn ? { tableKeyArn: access.tableKeyArn } : {}),
      ...(config.replicaRegions ? { replicaRegions: config.replicaRegions } : {}),
      ...(access.secretKeyArns ? { secretKeyArns: access.secretKeyArns } : {}),
      ...(access.assumeRoleArns ? { assumeRoleArns: access.assumeRoleArns } : {}),
      ...(config.importable ? { importable: config.importable } : {}),
    },
  });
  return awsTenantAccess({
    sessions,
    region: config.region,
    ...(config.dynamodbEndpoint ? { dynamodbEndpoint: config.dynamodbEndpoint } : {}),
  });
}

/** AWS: the operator role's credentials, assumed only to bootstrap or rotate the operator key. */
function operatorCredentials(config: Readonly<Config>, overrides: DependencyOverrides) {
  if (!config.operatorRoleArn) return overrides.awsCredentials;
  const roleArn = config.operatorRoleArn;
  let source: Promise<() => Promise<{ accessKeyId: string; secretAccessKey: string }>> | undefined;
  return async () => {
    source ??= import('../../shared/providers/aws-assume-role.ts').then(({ createRoleCredentials }) =>
      createRoleCredentials({
        region: config.region,
        ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
        ...(overrides.awsCredentials ? { credentials: overrides.awsCredentials } : {}),
        roleArn,
        sessionName: 'operator',
        sessionSeconds: 900,
        refreshMarginMs: 60_000,
        timeoutMs: 5_000,
        fail: (error) =>
          new ProviderUnavailableError(
            'secretm could not obtain the operator role’s credentials; retry shortly',
            {
              cause: error,
            },
          ),
      }),
    );
    return (await source)();
  };
}

type OperatorCredentials = ReturnType<typeof operatorCredentials>;

function operatorKeyWriter(
  config: Readonly<Config>,
  client: DynamoDBDocumentClient,
  credentials: OperatorCredentials,
): OperatorKeyStore {
  if (config.mode === 'local' || !config.operatorRoleArn) {
    return createOperatorKeyStore({ client, tableName: config.tableName });
  }
  return createOperatorKeyStore({
    client: createDocumentClient({
      region: config.region,
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
      ...(credentials ? { credentials } : {}),
    }),
    tableName: config.tableName,
  });
}

function operatorVault(
  config: Readonly<Config>,
  network: NetworkPolicy,
  credentials: OperatorCredentials,
): SecretProvider {
  return createAwsSecretsManagerProvider(
    {
      region: config.region,
      ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
      ...(credentials ? { credentials } : {}),
    },
    network.defaults,
  );
}

/**
 * The Lambda way: configuration from the environment, read once, on first use; in AWS the operator
 * key is installed before the first request is served. A failed start is not kept, so the next
 * request tries again.
 */
export function lazyDeployment<S>(services: ServiceFactory<S>): () => Promise<Deployment<S>> {
  let built: Promise<Deployment<S>> | undefined;
  return () => {
    built ??= (async () => {
      const { readConfig } = await import('../../shared/config.ts');
      const deps = createDeployment(readConfig(), {}, services);
      await deps.ready();
      return deps;
    })();
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
}
