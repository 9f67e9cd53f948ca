/**
 * The shapes of the dependency graph (functions/services/deployment.ts builds it):
 *
 * - `TenantContext`: one tenant's access to the table and the built-in vaults, with what every service
 *   is built from. Service factories receive it; route handlers never do.
 * - `TenantBase`: what every route handler and the API handler itself get (the tenant, its audit,
 *   idempotency, usage counters, clock); the services a family adds come on top (`TenantDependencies`).
 * - `ApiServices`: every tenant service, keyed by name. A family function builds only the ones its routes
 *   use (functions/services/<concern>.ts), so it bundles only their code; the compiler checks that a
 *   family's factory makes what its routes ask for, and local mode builds them all.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditDigestJob } from '../../shared/audit/audit-digests.ts';
import type { AuditKeys } from '../../shared/audit/audit-keys.ts';
import type { AuditLog } from '../../shared/audit/audit-log.ts';
import type { ApiKeyService } from '../../shared/auth/api-key-service.ts';
import type { Authenticate } from '../../shared/auth/authenticate.ts';
import type { KeyCache } from '../../shared/auth/key-cache.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import type { BindingService } from '../../shared/bindings/binding-service.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config.ts';
import type { BuiltInConnection, ConnectionService } from '../../shared/connections/connection-service.ts';
import type { NetworkPolicy } from '../../shared/connections/network-policy.ts';
import type { FactoryContext } from '../../shared/connections/provider-factory.ts';
import type { CostService } from '../../shared/costs/cost-service.ts';
import type { UsageRecorder } from '../../shared/costs/usage-recorder.ts';
import type { AwsCredentials } from '../../shared/providers/aws-secrets-manager.ts';
import type { SecretProvider, VaultKind } from '../../shared/providers/provider.ts';
import type { ProviderResolver } from '../../shared/providers/provider-resolver.ts';
import type { DatabaseDriver } from '../../shared/rotation/postgres.ts';
import type { RotationService } from '../../shared/rotation/rotation-service.ts';
import type { SecretService } from '../../shared/secrets/secret-service.ts';
import type { StoreProbe } from '../../shared/store/store-readiness.ts';
import type {
  ApiKeyStore,
  AuditStore,
  DueRotation,
  IdempotencyStore,
  OperatorKeyStore,
} from '../../shared/store/store-types.ts';
import type { UsageStore } from '../../shared/store/usage-store.ts';
import type { RenderService } from '../../shared/templates/render-service.ts';
import type { TenantAccess } from '../../shared/tenancy/tenant-access.ts';
import type { VaultNamespace } from '../../shared/tenancy/vault-namespace.ts';

/** Every tenant service a route may use, by name. */
export interface ApiServices {
  secrets: SecretService;
  rotation: RotationService;
  bindings: BindingService;
  render: RenderService;
  connections: ConnectionService;
  apiKeys: ApiKeyService;
  /** Reading the audit: its events, and the verification of its HMACs and digests. */
  auditLog: AuditLog;
  costs: CostService;
}

/** What every tenant's graph has, whatever family serves the request. */
export interface TenantBase {
  tenant: string;
  apiKeyStore: ApiKeyStore;
  audit: AuditStore;
  idempotency: IdempotencyStore;
  /** Vault calls counted for this tenant; flushed after every request. */
  usage: UsageRecorder;
  clock: Clock;
  /** The operator key, replaced at the operator's own request. */
  rotateOperatorKey(ctx: RequestContext): Promise<{ key: string }>;
}

/** One tenant's graph with the services `S`: what a route handler of a family building `S` gets. */
export type TenantDependencies<S> = TenantBase &
  S & {
    /** Another tenant's graph (the operator acts for a tenant when it creates that tenant's keys). */
    forTenant(tenant: string): Promise<TenantDependencies<S>>;
  };

/** What the handlers of a family building the services `K` get. */
export type FamilyDependencies<K extends keyof ApiServices> = TenantDependencies<Pick<ApiServices, K>>;

/** One tenant's services, every one of them: what local mode's handlers get. */
export type ApiDependencies = TenantDependencies<ApiServices>;

/** The deployment's: what comes before a tenant is known, and the paths that span tenants. */
export interface Deployment<S> {
  authenticate: Authenticate;
  forTenant(tenant: string): Promise<TenantDependencies<S>>;
  /** The rotation dispatcher's listing: due secrets of every tenant (the rotation index only). */
  dueRotations(options: { limit: number }): Promise<DueRotation[]>;
  /** The monthly roll-up, across tenants. */
  costs: Pick<CostService, 'rollUpAll'>;
  /** The hourly audit digests, across tenants (on the function's own role: reads audits, writes digests). */
  auditDigests(options?: { timeLeft?: () => number }): Pick<AuditDigestJob, 'digestAll'>;
  operatorKeys: OperatorKeyStore;
  /** Makes sure the operator key exists (AWS: from its secret, on the first cold start that finds none). */
  ready(): Promise<void>;
  /** Whether the table answers (GET /v1/health/ready): one DescribeTable, its answer kept a few seconds. */
  storeReadiness: StoreProbe;
  clock: Clock;
}

/** The deployment with every tenant service. */
export type Dependencies = Deployment<ApiServices>;

export interface DependencyOverrides {
  client?: DynamoDBDocumentClient;
  clock?: Clock;
  /** Replaces the vault lookup (tests that force a vault fault). */
  providers?: ProviderResolver;
  /** Replaces the network policy (tests with an injected resolver). */
  network?: NetworkPolicy;
  /** Replaces the database client of database rotation (tests that force a database fault). */
  databases?: DatabaseDriver;
  /** The credentials the function itself runs on (tests: explicit, never the default chain). */
  awsCredentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Replaces how tenants get their access to the table and the built-in vaults (benchmarks and tests
   * only): bench/tenancy.ts runs the AWS request path on the function's own credentials with it
   * (`localTenantAccess(client)`), the baseline that tenant sessions are measured against. A
   * deployment never sets it: in AWS every tenant runs on its own session.
   */
  tenantAccess?: TenantAccess;
  /** Makes Azure connections' token credentials (tests: a static token, never Entra ID). */
  azureCredential?: FactoryContext['azureCredential'];
}

/** What a tenant's services are built from: its access to the table and vaults, and the deployment's. */
export interface TenantContext {
  tenant: string;
  config: Readonly<Config>;
  overrides: DependencyOverrides;
  clock: Clock;
  network: NetworkPolicy;
  namespace: VaultNamespace;
  /** The tenant's access to the table; its audit events are HMAC'd with its key. */
  store: {
    client: DynamoDBDocumentClient;
    tableName: string;
    auditRetentionDays: number;
    auditKeys: AuditKeys;
  };
  /** The deployment's built-in vault on the tenant's session (local: the local vault). */
  builtInVault: SecretProvider;
  /** secretm's own refs about this tenant (its connections' credentials, held rotation credentials). */
  systemVault: SecretProvider;
  /** The local vault, in local mode. */
  localVault?: SecretProvider;
  builtIns: BuiltInConnection[];
  builtInKinds: ReadonlyMap<string, VaultKind>;
  /** What the tenant's AWS calls run on (AWS: its session). */
  awsCredentials?: () => Promise<AwsCredentials>;
  apiKeyStore: ApiKeyStore;
  audit: AuditStore;
  usage: UsageRecorder;
  usageStore: UsageStore;
  /** Confines a built-in vault to the tenant's namespace (refused refs are audited in their owner's audit). */
  confine(provider: SecretProvider): SecretProvider;
  keyCache: KeyCache;
}

/** Builds the services `S` of one tenant: one per family (functions/services/), and one for local mode. */
export type ServiceFactory<S> = (context: TenantContext) => S;
