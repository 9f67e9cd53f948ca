/**
 * Starts secretm locally. First what costs nothing and fails in a line: its settings, the port (held
 * from then on), the data folder (owner-only, locked to this process). Then DynamoDB Local under it
 * with the folder's own access key (unless one is given), while the API's code loads beside it; then
 * the services (local-services.ts), and the API, which is ready when `/v1/health/ready` says so. Used
 * by `npm start` and by the end-to-end tests. DynamoDB Local ends with this process however it ends;
 * one an earlier secretm left on the folder's files is stopped first.
 */
import type { Dependencies, DependencyOverrides } from '../functions/dependencies.ts';
import { defaultAuditRetentionDays } from '../shared/audit/audit-retention.ts';
import type { Config } from '../shared/config.ts';
import { type DataDir, dataDirOf, prepareDataDir } from './data-dir.ts';
import { type DataDirLock, lockDataDir } from './data-dir-lock.ts';
import { type DynamoDbCredentials, loadOrCreateDynamoDbCredentials } from './dynamodb-credentials.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { layerEnv, writeLayerEnvFile } from './layer-env.ts';
import { LocalModeError } from './local-mode-error.ts';
import { checkBootstrapKey, checkPort } from './local-options.ts';
import type { LocalServices } from './local-services.ts';
import { localTenant } from './local-tenant.ts';
import { checkPortFree, type LoopbackServer, listenOnLoopback } from './loopback-server.ts';
import { waitUntilReady } from './readiness-wait.ts';
import { migrateSharedDb, perKeyDbFile } from './shared-db-migration.ts';
import { stopStaleDynamoDb } from './stale-dynamodb.ts';

export interface LocalOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Sets the operator key instead of generating one. */
  bootstrapKey?: string;
  /** Use this DynamoDB (tests) instead of starting DynamoDB Local under dataDir. */
  dynamodbEndpoint?: string;
  /** DynamoDB Local's port; a free one when absent. */
  dynamodbPort?: number;
  tableName?: string;
  overrides?: DependencyOverrides;
  /** Looks for secrets due for rotation this often (`npm start`: every minute); off when absent. */
  rotationEveryMs?: number;
  /** Writes the hourly audit digests this often (`npm start`: every 5 minutes); off when absent. */
  auditDigestEveryMs?: number;
  /** Changes to the price table of cost reports (SECRETM_PRICES, JSON). */
  prices?: string;
  /** Told each step the start waits on, as it begins (npm start prints them); never given a value. */
  onStage?: (description: string) => void;
}

export interface LayerSettings {
  /** The layer's variables (layer-env.ts), credentials included. */
  env: Record<string, string>;
  /** The dotenv file holding them, in the data folder. */
  envFile: string;
}

export interface RunningLocal {
  url: string;
  /** The DynamoDB this secretm uses (its own DynamoDB Local, or the one given). */
  dynamodbEndpoint: string;
  /** The operator key when it was generated on this start (printed once); undefined otherwise. */
  newOperatorKey?: string;
  /** With its own DynamoDB Local: what the `secretm` layer needs to read this store from a function. */
  layer?: LayerSettings;
  /** What the user should know about this start (a data folder upgraded, a weaker protection). */
  notices: string[];
  /** The services behind the server (tests reach a tenant's graph, or its store, through them). */
  dependencies: Dependencies;
  stop(): Promise<void>;
}

const region = 'us-east-1';
/** The credentials of a DynamoDB given by the caller (the tests' shared one answers any). */
const givenDynamoDbCredentials: DynamoDbCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export async function startLocal(options: LocalOptions): Promise<RunningLocal> {
  const stage = options.onStage ?? (() => undefined);
  await checkOptions(options);
  const server: LoopbackServer = await listenOnLoopback(options.port);
  let lock: DataDirLock | undefined;
  let dynamodb: DynamoDbLocal | undefined;
  let services: LocalServices | undefined;
  const stop = async () => {
    await services?.stop();
    await server.close();
    await dynamodb?.stop();
    await lock?.release();
  };
  try {
    const dataDir = dataDirOf(options.dataDir);
    await prepareDataDir(dataDir);
    lock = await lockDataDir(dataDir.lock, dataDir.root);
    // The API's code (the AWS SDK, every handler) loads while DynamoDB Local boots, once it is spawned.
    let servicesModule: Promise<typeof import('./local-services.ts')> | undefined;
    const loadServices = () => {
      servicesModule ??= import('./local-services.ts');
      return servicesModule;
    };
    const notices: string[] = [];
    let endpoint = options.dynamodbEndpoint;
    let credentials = givenDynamoDbCredentials;
    if (endpoint === undefined) {
      // Before its port is checked: a stale copy may hold it.
      for (const pid of await stopStaleDynamoDb(dataDir.dynamodb)) {
        notices.push(
          `stopped a DynamoDB Local (pid ${pid}) that an earlier secretm left running on this data folder`,
        );
      }
      if (options.dynamodbPort !== undefined) {
        await checkPortFree(options.dynamodbPort, 'SECRETM_DYNAMODB_PORT');
      }
      credentials = await loadOrCreateDynamoDbCredentials(dataDir.dynamodbCredentials, dataDir.dynamodb);
      notices.push(...(await upgradeSharedDb(dataDir, credentials)));
      stage('starting DynamoDB Local (Java: the longest step)');
      dynamodb = await startOwnDynamoDb(dataDir, options.dynamodbPort, () => {
        loadServices().catch(() => undefined);
      });
      if (!dynamodb.bind.loopbackOnly) {
        notices.push(
          `DynamoDB Local listens on every interface, not only 127.0.0.1: ${dynamodb.bind.reason}. Only the access key in ${dataDir.dynamodbCredentials} reaches secretm's tables`,
        );
      }
      if (!dynamodb.endsWithParent) {
        notices.push(
          'DynamoDB Local will not end by itself if secretm is killed (kill -9): without its launcher it cannot watch secretm; the next start stops it',
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
    stage('loading the API');
    const { startLocalServices } = await loadServices();
    services = await startLocalServices({
      config,
      credentials,
      ...(options.bootstrapKey === undefined ? {} : { bootstrapKey: options.bootstrapKey }),
      ...(options.overrides ? { overrides: options.overrides } : {}),
      ...(options.rotationEveryMs ? { rotationEveryMs: options.rotationEveryMs } : {}),
      ...(options.auditDigestEveryMs ? { auditDigestEveryMs: options.auditDigestEveryMs } : {}),
      stage,
    });
    server.serve(services.listener);
    stage('waiting for GET /v1/health/ready');
    await waitUntilReady(server.url);
    services.startSchedules();
    let layer: LayerSettings | undefined;
    if (dynamodb) {
      const env = layerEnv({
        tableName: config.tableName,
        tenant: localTenant,
        region,
        dynamodbEndpoint: endpoint,
        credentials,
        vaultDir: dataDir.vault,
      });
      await writeLayerEnvFile(dataDir.layerEnv, env);
      layer = { env, envFile: dataDir.layerEnv };
    }
    return {
      url: server.url,
      dynamodbEndpoint: endpoint,
      ...(layer ? { layer } : {}),
      ...(services.newOperatorKey ? { newOperatorKey: services.newOperatorKey } : {}),
      notices: [...notices, ...services.notices],
      dependencies: services.dependencies,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What can be checked before anything starts. */
async function checkOptions(options: LocalOptions): Promise<void> {
  checkPort('PORT', options.port, 0);
  if (options.dynamodbPort !== undefined) checkPort('SECRETM_DYNAMODB_PORT', options.dynamodbPort, 1);
  checkBootstrapKey(options.bootstrapKey);
  if (options.prices !== undefined) {
    const { priceTable } = await import('../shared/costs/prices.ts');
    try {
      priceTable(options.prices);
    } catch (error) {
      throw new LocalModeError((error as Error).message);
    }
  }
}

/** DynamoDB Local under the data folder, its failures told in a line or two, not a stack. */
async function startOwnDynamoDb(
  dataDir: DataDir,
  port: number | undefined,
  onSpawn: (pid: number) => void,
): Promise<DynamoDbLocal> {
  try {
    return await startDynamoDbLocal({
      onSpawn,
      ...(port === undefined ? {} : { port }),
      storage: { dbPath: dataDir.dynamodb },
      databases: 'per-access-key',
      umask: 0o077,
      quickStart: true,
      endWithParent: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    if (/could not start: spawn java ENOENT/.test(message)) {
      throw new LocalModeError(
        'there is no `java` to run DynamoDB Local: install Java 17 (e.g. apt-get install openjdk-17-jdk-headless)',
      );
    }
    throw new LocalModeError(message);
  }
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
