/**
 * What local mode serves, once its store answers: the table, the move of an older secretm's data to the
 * per-tenant layout, the services, the operator key, the request handler, and the rotation and audit
 * digest schedules.
 * This module pulls in the whole API (the AWS SDK, every handler), so start-local.ts imports it while
 * DynamoDB Local boots, and `npm start` can check its settings before paying for it.
 */
import type { RequestListener } from 'node:http';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createDependencies,
  type Dependencies,
  type DependencyOverrides,
} from '../functions/dependencies.ts';
import { createApiHandler } from '../functions/http/api-handler.ts';
import { routes } from '../functions/routes.ts';
import { ensureOperatorKey } from '../shared/auth/operator-key.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import { createLocalVault } from '../shared/providers/local.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { describeMigration, migrateToTenantLayout } from '../shared/tenancy/layout-migration.ts';
import { vaultNamespace } from '../shared/tenancy/vault-namespace.ts';
import { startAuditDigestSchedule } from './audit-digest-schedule.ts';
import type { DynamoDbCredentials } from './dynamodb-credentials.ts';
import { ensureTable } from './ensure-table.ts';
import { createRequestListener } from './http-server.ts';
import { localTenant } from './local-tenant.ts';
import { startRotationSchedule } from './rotation-schedule.ts';

export interface LocalServicesInput {
  config: Config;
  credentials: DynamoDbCredentials;
  bootstrapKey?: string;
  overrides?: DependencyOverrides;
  rotationEveryMs?: number;
  /** Writes the audit's hourly digests this often; off when absent. */
  auditDigestEveryMs?: number;
  stage(description: string): void;
}

export interface LocalServices {
  listener: RequestListener;
  dependencies: Dependencies;
  /** The operator key when it was generated now (printed once). */
  newOperatorKey?: string;
  notices: string[];
  /** Starts the rotation and audit digest schedules, those asked for (once the API serves). */
  startSchedules(): void;
  stop(): Promise<void>;
}

export async function startLocalServices(input: LocalServicesInput): Promise<LocalServices> {
  const { config, overrides } = input;
  const client: DynamoDBDocumentClient =
    overrides?.client ??
    createDocumentClient({
      region: config.region,
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
      credentials: input.credentials,
    });
  input.stage('preparing the table');
  const table = await ensureTable(client, config.tableName);
  const clock = overrides?.clock ?? systemClock;
  const notices: string[] = [];
  // A table created just now holds nothing an older secretm wrote.
  if (table === 'existed') {
    input.stage('looking for data of an older secretm to move');
    notices.push(...(await moveToTenantLayout(config, client, clock)));
  }
  const dependencies = createDependencies(config, { ...overrides, client });
  input.stage('setting up the admin API key');
  const operatorTenant = await dependencies.forTenant(localTenant);
  const { key } = await ensureOperatorKey(
    {
      store: dependencies.operatorKeys,
      tenant: localTenant,
      clock,
      audit: (event) => operatorTenant.audit.record(event),
    },
    input.bootstrapKey,
  );
  let rotation: ReturnType<typeof startRotationSchedule> | undefined;
  let auditDigests: ReturnType<typeof startAuditDigestSchedule> | undefined;
  return {
    listener: createRequestListener(
      routes,
      createApiHandler(routes, async () => dependencies),
    ),
    dependencies,
    ...(key ? { newOperatorKey: key } : {}),
    notices,
    startSchedules() {
      if (input.rotationEveryMs && !rotation) {
        rotation = startRotationSchedule(dependencies, input.rotationEveryMs);
      }
      if (input.auditDigestEveryMs && !auditDigests) {
        auditDigests = startAuditDigestSchedule(dependencies, input.auditDigestEveryMs);
      }
    },
    stop: async () => {
      await rotation?.stop();
      await auditDigests?.stop();
    },
  };
}

/**
 * Data an older secretm wrote (secrets at `<tenant>/<name>` in the local vault, API keys and the
 * operator key in the old items) moves to the per-tenant layout before anything is served; on every
 * start, so a move cut short finishes on the next. Before the operator key is ensured, so the key
 * printed by the older secretm stays the operator key. One line when something moved.
 */
async function moveToTenantLayout(
  config: Config,
  client: DynamoDBDocumentClient,
  clock: Clock,
): Promise<string[]> {
  const namespace = vaultNamespace(config.stage);
  const summary = await migrateToTenantLayout({
    client,
    tableName: config.tableName,
    vault: createLocalVault({ dir: config.localVaultDir!, clock, namePrefix: namespace.stagePrefix }),
    builtInConnection: 'local',
    legacyPrefix: '',
    namespace,
    clock,
    legacyOperatorKey: 'adopt',
    // The data folder's lock makes this the only secretm on it.
    lease: false,
    auditRetentionDays: config.auditRetentionDays,
  });
  const moved = Object.values(summary.moved).some((count) => count > 0);
  return moved ? [describeMigration(summary)] : [];
}
