/**
 * Starts secretm locally: the data folder (owner-only, locked to this process), DynamoDB Local under
 * it with the folder's own access key (unless one is given), the table, the move of an older
 * secretm's data to the per-tenant layout, the `local` vault, the operator API key, and the HTTP
 * server on 127.0.0.1. Used by `npm start` and by the end-to-end tests.
 */
import type { AddressInfo } from 'node:net';
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
import { defaultAuditRetentionDays } from '../shared/store/audit-store.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { describeMigration, migrateToTenantLayout } from '../shared/tenancy/layout-migration.ts';
import { vaultNamespace } from '../shared/tenancy/vault-namespace.ts';
import { startAuditDigestSchedule } from './audit-digest-schedule.ts';
import { type DataDir, dataDirOf, prepareDataDir } from './data-dir.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { type DynamoDbCredentials, loadOrCreateDynamoDbCredentials } from './dynamodb-credentials.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { ensureTable } from './ensure-table.ts';
import { createLocalServer } from './http-server.ts';
import { startRotationSchedule } from './rotation-schedule.ts';
import { migrateSharedDb, perKeyDbFile } from './shared-db-migration.ts';

export interface LocalOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Sets the operator key instead of generating one. */
  bootstrapKey?: string;
  /** Use this DynamoDB (tests) instead of starting DynamoDB Local under dataDir. */
  dynamodbEndpoint?: string;
  tableName?: string;
  overrides?: DependencyOverrides;
  /** Looks for secrets due for rotation this often (`npm start`: every minute); off when absent. */
  rotationEveryMs?: number;
  /** Writes the hourly audit digests this often (`npm start`: every 5 minutes); off when absent. */
  auditDigestEveryMs?: number;
  /** Changes to the price table of cost reports (SECRETM_PRICES, JSON). */
  prices?: string;
}

export interface RunningLocal {
  url: string;
  /** The DynamoDB this secretm uses (its own DynamoDB Local, or the one given). */
  dynamodbEndpoint: string;
  /** The operator key when it was generated on this start (printed once); undefined otherwise. */
  newOperatorKey?: string;
  /** What the user should know about this start (a data folder upgraded, a weaker protection). */
  notices: string[];
  /** The services behind the server (tests reach a tenant's graph, or its store, through them). */
  dependencies: Dependencies;
  stop(): Promise<void>;
}

export const localTenant = 'default';
const region = 'us-east-1';
/** The credentials of a DynamoDB given by the caller (the tests' shared one answers any). */
const givenDynamoDbCredentials: DynamoDbCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocal(options: LocalOptions): Promise<RunningLocal> {
  const dataDir = dataDirOf(options.dataDir);
  await prepareDataDir(dataDir);
  const lock: DataDirLock = await lockDataDir(dataDir.lock, dataDir.root);
  const notices: string[] = [];
  let dynamodb: DynamoDbLocal | undefined;
  try {
    let endpoint = options.dynamodbEndpoint;
    let credentials = givenDynamoDbCredentials;
    if (endpoint === undefined) {
      credentials = await loadOrCreateDynamoDbCredentials(dataDir.dynamodbCredentials, dataDir.dynamodb);
      notices.push(...(await upgradeSharedDb(dataDir, credentials)));
      dynamodb = await startDynamoDbLocal({
        storage: { dbPath: dataDir.dynamodb },
        databases: 'per-access-key',
        umask: 0o077,
      });
      if (!dynamodb.bind.loopbackOnly) {
        notices.push(
          `DynamoDB Local listens on every interface, not only 127.0.0.1: ${dynamodb.bind.reason}. Only the access key in ${dataDir.dynamodbCredentials} reaches secretm's tables`,
        );
      }
      endpoint = dynamodb.endpoint;
    }
    const config: Config = {
      mode: 'local',
      stage: 'local',
      tableName: options.tableName ?? 'secretm',
      region,
      dynamodbEndpoint: endpoint,
      localVaultDir: dataDir.vault,
      defaultConnection: 'local',
      auditRetentionDays: defaultAuditRetentionDays,
      jwtTenantClaim: 'tenant',
      ...(options.prices ? { prices: options.prices } : {}),
    };
    const client: DynamoDBDocumentClient =
      options.overrides?.client ??
      createDocumentClient({
        region: config.region,
        endpoint,
        credentials,
      });
    await ensureTable(client, config.tableName);
    const clock = options.overrides?.clock ?? systemClock;
    notices.push(...(await moveToTenantLayout(config, client, dataDir, clock)));
    const deps = createDependencies(config, { ...options.overrides, client });
    const operatorTenant = await deps.forTenant(localTenant);
    const { key } = await ensureOperatorKey(
      {
        store: deps.operatorKeys,
        tenant: localTenant,
        clock,
        audit: (event) => operatorTenant.audit.record(event),
      },
      options.bootstrapKey,
    );
    const server = createLocalServer(
      routes,
      createApiHandler(routes, async () => deps),
    );
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolveListen());
    });
    const { port } = server.address() as AddressInfo;
    const rotation = options.rotationEveryMs
      ? startRotationSchedule(deps, options.rotationEveryMs)
      : undefined;
    const auditDigests = options.auditDigestEveryMs
      ? startAuditDigestSchedule(deps, options.auditDigestEveryMs)
      : undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      dynamodbEndpoint: endpoint,
      ...(key ? { newOperatorKey: key } : {}),
      notices,
      dependencies: deps,
      stop: async () => {
        await rotation?.stop();
        await auditDigests?.stop();
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        server.closeAllConnections();
        await dynamodb?.stop();
        await lock.release();
      },
    };
  } catch (error) {
    await dynamodb?.stop();
    await lock.release();
    throw error;
  }
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
  dataDir: DataDir,
  clock: Clock,
): Promise<string[]> {
  const namespace = vaultNamespace(config.stage);
  const summary = await migrateToTenantLayout({
    client,
    tableName: config.tableName,
    vault: createLocalVault({ dir: dataDir.vault, clock, namePrefix: namespace.stagePrefix }),
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

/** A data folder of an older secretm keeps its tables in DynamoDB Local's shared file: make it the key's. */
async function upgradeSharedDb(dataDir: DataDir, credentials: DynamoDbCredentials): Promise<string[]> {
  const outcome = await migrateSharedDb(dataDir.dynamodb, credentials.accessKeyId, region);
  if (outcome === 'none') return [];
  if (outcome === 'migrated') {
    return [
      `upgraded ${dataDir.dynamodb}: shared-local-instance.db is now ${perKeyDbFile(credentials.accessKeyId, region)}, the database of this data folder's own access key; every record was kept`,
    ];
  }
  return [
    `${dataDir.dynamodb} holds both secretm's database (${perKeyDbFile(credentials.accessKeyId, region)}) and an older shared-local-instance.db, which an older secretm wrote after the upgrade; secretm uses the first and left the other as it is`,
  ];
}
