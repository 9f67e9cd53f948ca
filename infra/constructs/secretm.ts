/**
 * secretm in one construct: the table and its key (stateful, apart), one function per route family,
 * the HTTP API built from the route table, and the `secretm` layer. Customers can instantiate it in
 * their own CDK app; infra/stacks/secretm-stack.ts does exactly that for `npx cdk deploy`.
 *
 * Schedules: rotation (SecretmRotation: an EventBridge Scheduler schedule, a state machine, the
 * dispatcher and worker functions of functions/rotation/), the monthly cost roll-up (SecretmCosts: a
 * schedule and the roll-up function of functions/costs/), and the hourly audit digests (SecretmAudit:
 * a schedule and the digest function of functions/audit/).
 *
 * The web console (SecretmConsole): its built files, served by a function of its own on the API that
 * takes API keys, at `/` and `/assets/{file}`, with no authorizer and a role that reaches no data.
 *
 * Operations (SecretmMonitoring): alarms and a dashboard; scheduled functions send what fails for good
 * to failure queues; every log group and queue is encrypted with the operations key (SecretmData).
 * With `vpc`, the rotation worker (and, optionally, the API families that reach vaults) runs in the
 * configured subnets.
 *
 * Tenant isolation below the application: the tenant-access role (SecretmTenantAccess), which the API
 * functions and the rotation worker assume per tenant with the tenant's session policy, and the
 * operator key with its own narrow role (SecretmOperator); the functions' own roles keep only what
 * authentication needs (grants.ts, grantFrontDoor). The layout migration (SecretmLayoutMigration),
 * which moves data written before isolation, runs on a role of its own and only when the operator
 * invokes it.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RouteFamily } from '../../functions/http/route.ts';
import { familyEntries, routes } from '../../functions/routes.ts';
import { isBuiltIn } from '../../shared/connections/connection-types.ts';
import { connectionId, secretName, tenantId } from '../../shared/validation/names.ts';
import {
  type JwtAuthConfig,
  parseSecretmConfig,
  productionStage,
  type SecretmConfig,
  SecretmConfigError,
  type SecretmConfigInput,
} from '../config.ts';
import {
  grantAssumeRoles,
  grantConnectionCredentialsRead,
  grantFrontDoor,
  grantStoreReadiness,
  grantTenantSecretRead,
  grantTenantUsageCount,
  type TenantAccess,
} from './grants.ts';
import { SecretmApi } from './secretm-api.ts';
import { SecretmAudit } from './secretm-audit.ts';
import { SecretmConsole } from './secretm-console.ts';
import { SecretmCosts } from './secretm-costs.ts';
import { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';
import { SecretmLayer } from './secretm-layer.ts';
import { SecretmLayoutMigration } from './secretm-layout-migration.ts';
import { SecretmMonitoring } from './secretm-monitoring.ts';
import { SecretmOperator } from './secretm-operator.ts';
import { SecretmRotation } from './secretm-rotation.ts';
import { SecretmTenantAccess } from './secretm-tenant-access.ts';

export type SecretmProps = SecretmConfigInput;

/**
 * What each family's function may touch. A new family fails to compile until it is listed here.
 * `system` (health, OpenAPI) touches nothing but the table's description (readiness); every other family serves tenants: it authenticates API
 * keys (its own role: the front door) and reaches the tenant's items and secrets through tenant
 * sessions of the tenant-access role. `costReports`: builds cost reports, so it gets the configured prices.
 * `vaults`: reaches vaults and databases (values, connection tests, on-demand rotation), so it runs in
 * the configured VPC when `vpc.apiFunctions` is on.
 */
const familyAccess: Record<RouteFamily, { tenants: boolean; costReports?: true; vaults?: true }> = {
  system: { tenants: false },
  secrets: { tenants: true, vaults: true },
  connections: { tenants: true, vaults: true },
  bindings: { tenants: true, vaults: true },
  'api-keys': { tenants: true },
  costs: { tenants: true, costReports: true },
  audit: { tenants: true },
};

export interface SecretReadOptions {
  /** The tenant that owns the secret. */
  tenant: string;
  /** For an imported secret: its own name in Secrets Manager (listed in `vaults.awsSecretsManager.importable.<tenant>`). */
  vaultName?: string;
  /**
   * The stored connection the secret lives on, when it is not the built-in `aws` (a HashiCorp Vault or
   * Azure Key Vault connection, or Secrets Manager elsewhere): the function may also read that
   * connection's own credentials, which secretm keeps in its Secrets Manager, so the layer can reach
   * the vault itself.
   */
  connection?: string;
}

export class Secretm extends Construct {
  readonly config: SecretmConfig;
  readonly data: SecretmData;
  readonly functions: Record<RouteFamily, SecretmFunction>;
  /** The API: JWT-authorized in `jwt` mode, else the API-key API itself. */
  readonly api: SecretmApi;
  /** In `jwt` mode, the endpoint for API keys (no authorizer), unless turned off. */
  readonly apiKeyApi?: SecretmApi;
  /**
   * The web console's function, and the API that serves it at `/`: the one that takes API keys (the
   * console signs in with one). Absent with `console: false`, or in `jwt` mode without the API-key API.
   */
  readonly console?: { site: SecretmConsole; api: SecretmApi };
  /** The `secretm` layer, built at synth (or published from `layer.assetPath`). */
  readonly layer: SecretmLayer;
  /** Scheduled rotation: the schedule, its state machine, the dispatcher and worker functions. */
  readonly rotation: SecretmRotation;
  /** The monthly cost roll-up: its schedule and function. */
  readonly costs: SecretmCosts;
  /** The hourly audit digests: their schedule and function. */
  readonly audit: SecretmAudit;
  /**
   * The operator (first admin) API key, generated at deploy; every function that serves the API
   * installs its hash on cold start. Read it once to create the team's own keys.
   */
  readonly operatorKey: secretsmanager.Secret;
  /** The operator key's secret and the narrow role that reaches it and its table item. */
  readonly operator: SecretmOperator;
  /** The role tenant sessions assume: every tenant's data of this stage, one tenant per session. */
  readonly tenantAccess: SecretmTenantAccess;
  /** Moves data written before tenant isolation to the per-tenant layout; the operator invokes it after a deploy. */
  readonly layoutMigration: SecretmLayoutMigration;
  /** Alarms (optionally notifying an SNS topic) and the dashboard. */
  readonly monitoring: SecretmMonitoring;
  readonly #tenants = new WeakMap<lambda.Function, string>();

  constructor(scope: Construct, id: string, props: SecretmProps = {}) {
    super(scope, id);
    const config = parseSecretmConfig(props, `${this.node.path} props`);
    this.config = config;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const awsVault = config.vaults.allowed.includes('aws-secrets-manager');
    const secretsManager = config.vaults.awsSecretsManager;

    this.data = new SecretmData(this, 'Data', {
      deletionProtection: config.stage === productionStage,
      removalPolicy,
    });

    const operationsKey = this.data.operationsKey;

    const environment: Record<string, string> = {
      SECRETM_TABLE_NAME: this.data.table.tableName,
      SECRETM_AUDIT_RETENTION_DAYS: String(config.auditRetentionDays),
      ...(config.defaultConnection ? { SECRETM_DEFAULT_CONNECTION: config.defaultConnection } : {}),
      ...(config.auth.mode === 'jwt' ? { SECRETM_JWT_TENANT_CLAIM: config.auth.tenantClaim } : {}),
      // Connections of other vault kinds are refused by the API, not only left without IAM.
      SECRETM_ALLOWED_VAULTS: config.vaults.allowed.join(','),
      // The built-in `aws` connection replicates every secret it creates to these regions.
      ...(awsVault && secretsManager.replicaRegions.length > 0
        ? { SECRETM_REPLICA_REGIONS: secretsManager.replicaRegions.join(',') }
        : {}),
    };
    // What the functions that build cost reports read (shared/costs/prices.ts), validated at synth.
    const prices = config.costs.prices;
    const costEnvironment: Record<string, string> = {
      ...environment,
      ...(prices && Object.keys(prices).length > 0 ? { SECRETM_PRICES: JSON.stringify(prices) } : {}),
    };
    this.functions = byFamily(
      (family) =>
        new SecretmFunction(this, `${pascal(family)}Function`, {
          entry: familyEntries[family],
          description: `secretm ${config.stage}: the ${family} routes of the HTTP API`,
          environment: familyAccess[family].costReports ? costEnvironment : environment,
          logRetention: config.logRetentionDays,
          logEncryptionKey: operationsKey,
          removalPolicy,
          ...(config.api.reservedConcurrency === false
            ? {}
            : { reservedConcurrency: config.api.reservedConcurrency }),
        }),
    );

    this.rotation = new SecretmRotation(this, 'Rotation', {
      stage: config.stage,
      data: this.data,
      environment,
      ...config.rotation,
      logRetention: config.logRetentionDays,
      operationsKey,
      removalPolicy,
    });

    this.costs = new SecretmCosts(this, 'Costs', {
      stage: config.stage,
      data: this.data,
      environment: costEnvironment,
      rollupSchedule: config.costs.rollupSchedule,
      logRetention: config.logRetentionDays,
      operationsKey,
      removalPolicy,
    });

    this.audit = new SecretmAudit(this, 'Audit', {
      stage: config.stage,
      data: this.data,
      environment,
      access: {
        stage: config.stage,
        replicaRegions: secretsManager.replicaRegions,
        kmsKeyArns: secretsManager.kmsKeyArns,
      },
      logRetention: config.logRetentionDays,
      operationsKey,
      removalPolicy,
    });

    // Tenant isolation below the application: the API functions and the rotation worker reach tenant
    // data only on tenant sessions of the tenant-access role; the operator key only through the operator role.
    const tenantFunctions = (Object.keys(familyAccess) as RouteFamily[])
      .filter((family) => familyAccess[family].tenants)
      .map((family) => this.functions[family]);
    const tenantAccess: TenantAccess = {
      stage: config.stage,
      replicaRegions: secretsManager.replicaRegions,
      kmsKeyArns: secretsManager.kmsKeyArns,
      assumeRoleArns: secretsManager.assumeRoleArns,
      importable: secretsManager.importable,
    };
    this.tenantAccess = new SecretmTenantAccess(this, 'TenantAccess', {
      data: this.data,
      access: tenantAccess,
      secretsManager: awsVault,
      trustedBy: [...tenantFunctions.map((fn) => fn.role), this.rotation.worker.role],
    });
    this.operator = new SecretmOperator(this, 'Operator', {
      stage: config.stage,
      data: this.data,
      trustedBy: tenantFunctions.map((fn) => fn.role),
      removalPolicy,
    });
    this.operatorKey = this.operator.key;

    // Cross-tenant by nature, on its own role; invoked by nothing but the operator.
    this.layoutMigration = new SecretmLayoutMigration(this, 'LayoutMigration', {
      stage: config.stage,
      data: this.data,
      environment,
      access: tenantAccess,
      secretsManager: awsVault,
      logRetention: config.logRetentionDays,
      operationsKey,
      removalPolicy,
    });

    const tenancyEnvironment = tenancyEnvironmentOf(config, this.data, this.tenantAccess);
    for (const fn of tenantFunctions) {
      grantFrontDoor(fn.role, this.data, [this.tenantAccess.role, this.operator.role]);
      for (const [name, value] of Object.entries({
        ...tenancyEnvironment,
        SECRETM_OPERATOR_ROLE_ARN: this.operator.role.roleArn,
        SECRETM_OPERATOR_KEY_SECRET: this.operatorKey.secretArn,
      })) {
        fn.function.addEnvironment(name, value);
      }
    }
    grantStoreReadiness(this.functions.system.role, this.data);
    grantAssumeRoles(this.rotation.worker.role, [this.tenantAccess.role.roleArn]);
    for (const [name, value] of Object.entries(tenancyEnvironment)) {
      this.rotation.worker.function.addEnvironment(name, value);
    }

    const apiProps = {
      routes,
      functions: byFamily((family): lambda.IFunction => this.functions[family].function),
      throttle: config.api.throttle,
      logRetention: config.logRetentionDays,
      logEncryptionKey: operationsKey,
      removalPolicy,
    };
    if (config.auth.mode === 'jwt') {
      this.api = new SecretmApi(this, 'Api', {
        ...apiProps,
        apiName: `secretm-${config.stage}`,
        description: 'secretm HTTP API (JWT)',
        authorizer: jwtAuthorizer(config.auth),
      });
      if (config.auth.apiKeyEndpoint) {
        this.apiKeyApi = new SecretmApi(this, 'ApiKeyApi', {
          ...apiProps,
          apiName: `secretm-${config.stage}-api-keys`,
          description: 'secretm HTTP API (API keys)',
        });
      }
    } else {
      this.api = new SecretmApi(this, 'Api', {
        ...apiProps,
        apiName: `secretm-${config.stage}`,
        description: 'secretm HTTP API (API keys)',
      });
    }

    // The web console, on the origin of the API that takes API keys (the console signs in with one).
    const consoleApi = config.auth.mode === 'jwt' ? this.apiKeyApi : this.api;
    if (config.console !== false && consoleApi) {
      const site = new SecretmConsole(this, 'Console', {
        stage: config.stage,
        logRetention: config.logRetentionDays,
        logEncryptionKey: operationsKey,
        removalPolicy,
        ...(config.api.reservedConcurrency === false
          ? {}
          : { reservedConcurrency: config.api.reservedConcurrency }),
      });
      consoleApi.serveConsole(site.function.function);
      this.console = { site, api: consoleApi };
    }

    // Private databases and vaults: the worker runs in the VPC, the API families that reach vaults too
    // when asked. The dispatcher, the roll-up and the migration reach AWS APIs only.
    if (config.vpc) {
      this.rotation.worker.placeInVpc(config.vpc);
      if (config.vpc.apiFunctions) {
        for (const family of Object.keys(familyAccess) as RouteFamily[]) {
          if (familyAccess[family].vaults) this.functions[family].placeInVpc(config.vpc);
        }
      }
    }

    this.monitoring = new SecretmMonitoring(this, 'Monitoring', {
      stage: config.stage,
      apis: [this.api, ...(this.apiKeyApi ? [this.apiKeyApi] : [])],
      apiFunctions: { ...this.functions, ...(this.console ? { console: this.console.site.function } : {}) },
      rotation: this.rotation,
      ...(config.alarms.topicArn ? { topicArn: config.alarms.topicArn } : {}),
    });
    this.monitoring.watchScheduled('CostRollup', 'cost-rollup', this.costs.run);
    this.monitoring.watchScheduled('AuditDigests', 'audit-digests', this.audit.run);

    // Built from its sources at synth, or published from layer.assetPath; never left out.
    this.layer = new SecretmLayer(this, 'Layer', {
      ...(config.layer.assetPath ? { assetPath: config.layer.assetPath } : {}),
      layerVersionName: `secretm-${config.stage}`,
      shareWith: config.layer.shareWith,
      removalPolicy,
    });
  }

  /**
   * Lets an application function read one secret through the secretm layer: adds the layer, the
   * environment the layer reads (SECRETM_TABLE_NAME, SECRETM_TENANT, SECRETM_REPLICA_REGIONS when
   * secrets are replicated), GetSecretValue/DescribeSecret on that secret only, a read of its metadata
   * limited to the tenant's partitions, and UpdateItem on the tenant's usage counters only (the layer
   * counts its vault calls and cache hits there).
   */
  grantSecretRead(fn: lambda.Function, name: string, options: SecretReadOptions): void {
    const problems = [
      ...(secretName.safeParse(name).success ? [] : [`secret name "${name}" is not a secretm name`]),
      ...(tenantId.safeParse(options.tenant).success
        ? []
        : [`tenant "${options.tenant}" is not a tenant id`]),
    ];
    const importable = this.config.vaults.awsSecretsManager.importable[options.tenant] ?? [];
    const { vaultName } = options;
    if (vaultName !== undefined && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(vaultName)) {
      problems.push(`vault name "${vaultName}" is not a Secrets Manager secret name`);
    } else if (
      vaultName !== undefined &&
      !importable.some((entry) =>
        entry.endsWith('*') ? vaultName.startsWith(entry.slice(0, -1)) : entry === vaultName,
      )
    ) {
      problems.push(
        `vault name "${vaultName}" is not listed in vaults.awsSecretsManager.importable.${options.tenant}`,
      );
    }
    const { connection } = options;
    if (connection !== undefined && (!connectionId.safeParse(connection).success || isBuiltIn(connection))) {
      problems.push(`connection "${connection}" is not the id of a stored connection`);
    }
    if (problems.length > 0) throw new SecretmConfigError(`grantSecretRead: ${problems.join('; ')}`);
    if (!this.config.vaults.allowed.includes('aws-secrets-manager')) {
      throw new SecretmConfigError('grantSecretRead: needs "aws-secrets-manager" in vaults.allowed');
    }
    const tenant = this.#tenants.get(fn);
    if (tenant !== undefined && tenant !== options.tenant) {
      throw new SecretmConfigError(
        `grantSecretRead: ${fn.node.path} reads secrets of tenant ${tenant} already; one function, one tenant`,
      );
    }
    if (tenant === undefined) {
      this.#tenants.set(fn, options.tenant);
      fn.addLayers(this.layer.layerVersion);
      fn.addEnvironment('SECRETM_TABLE_NAME', this.data.table.tableName);
      fn.addEnvironment('SECRETM_TENANT', options.tenant);
      const replicas = this.config.vaults.awsSecretsManager.replicaRegions;
      if (replicas.length > 0) fn.addEnvironment('SECRETM_REPLICA_REGIONS', replicas.join(','));
      grantTenantUsageCount(fn, this.data, options.tenant);
    }
    grantTenantSecretRead(fn, this.data, {
      stage: this.config.stage,
      tenant: options.tenant,
      name,
      ...(options.vaultName ? { vaultName: options.vaultName } : {}),
      replicaRegions: this.config.vaults.awsSecretsManager.replicaRegions,
      kmsKeyArns: this.config.vaults.awsSecretsManager.kmsKeyArns,
      ...(connection !== undefined ? { storedConnection: true } : {}),
    });
    if (connection !== undefined)
      grantConnectionCredentialsRead(fn, this.config.stage, options.tenant, connection);
  }
}

/**
 * What the functions that run tenant sessions (the API's tenant families, the rotation worker) read to
 * build them (shared/tenancy/tenant-sessions.ts, session-policy.ts): the stage, the role, the table and
 * its key, and the Secrets Manager settings a session policy names. Lists are comma-separated;
 * SECRETM_IMPORTABLE is the JSON of vaults.awsSecretsManager.importable (tenant → names); settings
 * left empty are left out.
 */
export function tenancyEnvironmentOf(
  config: SecretmConfig,
  data: SecretmData,
  tenantAccess: SecretmTenantAccess,
): Record<string, string> {
  const { kmsKeyArns, assumeRoleArns, importable } = config.vaults.awsSecretsManager;
  const listed = Object.fromEntries(Object.entries(importable).filter(([, names]) => names.length > 0));
  return {
    SECRETM_STAGE: config.stage,
    SECRETM_TENANT_ROLE_ARN: tenantAccess.role.roleArn,
    SECRETM_TABLE_ARN: data.table.tableArn,
    SECRETM_TABLE_KEY_ARN: data.key.keyArn,
    ...(kmsKeyArns.length > 0 ? { SECRETM_SECRET_KEY_ARNS: kmsKeyArns.join(',') } : {}),
    ...(Object.keys(listed).length > 0 ? { SECRETM_IMPORTABLE: JSON.stringify(listed) } : {}),
    ...(assumeRoleArns.length > 0 ? { SECRETM_ASSUME_ROLE_ARNS: assumeRoleArns.join(',') } : {}),
  };
}

function jwtAuthorizer(auth: JwtAuthConfig): HttpJwtAuthorizer {
  return new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, {
    jwtAudience: auth.audience,
    identitySource: [auth.identitySource],
  });
}

/** One value per route family, the compiler knowing every family has one. */
function byFamily<T>(make: (family: RouteFamily) => T): Record<RouteFamily, T> {
  const families = Object.keys(familyEntries) as RouteFamily[];
  return Object.fromEntries(families.map((family) => [family, make(family)])) as Record<RouteFamily, T>;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}
