/**
 * Starts secretm locally: DynamoDB Local (unless one is given), the table, the `local` vault, the
 * operator API key, and the HTTP server on 127.0.0.1. Used by `npm start` and by the end-to-end tests.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDependencies, type DependencyOverrides } from '../functions/dependencies.ts';
import { createApiHandler } from '../functions/http/api-handler.ts';
import { routes } from '../functions/routes.ts';
import { ensureOperatorKey } from '../shared/auth/api-key-service.ts';
import { systemClock } from '../shared/clock.ts';
import type { Config } from '../shared/config.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { ensureTable } from './ensure-table.ts';
import { createLocalServer } from './http-server.ts';
import { startRotationSchedule } from './rotation-schedule.ts';

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
  /** Changes to the price table of cost reports (SECRETM_PRICES, JSON). */
  prices?: string;
}

export interface RunningLocal {
  url: string;
  /** The DynamoDB this secretm uses (its own DynamoDB Local, or the one given). */
  dynamodbEndpoint: string;
  /** The operator key when it was generated on this start (printed once); undefined otherwise. */
  newOperatorKey?: string;
  /** What the user should know about this start (e.g. a weaker protection than usual). */
  notices: string[];
  stop(): Promise<void>;
}

export const localTenant = 'default';

export async function startLocal(options: LocalOptions): Promise<RunningLocal> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dynamodb = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal({
        storage: { dbPath: await ensureDir(join(dataDir, 'dynamodb')) },
        databases: 'shared',
      });
  const endpoint = options.dynamodbEndpoint ?? dynamodb!.endpoint;
  const notices: string[] = [];
  if (dynamodb && !dynamodb.bind.loopbackOnly) {
    notices.push(`DynamoDB Local listens on every interface, not only 127.0.0.1: ${dynamodb.bind.reason}`);
  }
  try {
    const config: Config = {
      mode: 'local',
      tableName: options.tableName ?? 'secretm',
      region: 'us-east-1',
      dynamodbEndpoint: endpoint,
      localVaultDir: join(dataDir, 'vault'),
      defaultConnection: 'local',
      auditRetentionDays: 365,
      jwtTenantClaim: 'tenant',
      ...(options.prices ? { prices: options.prices } : {}),
    };
    const client: DynamoDBDocumentClient =
      options.overrides?.client ??
      createDocumentClient({
        region: config.region,
        endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
    await ensureTable(client, config.tableName);
    const deps = createDependencies(config, { ...options.overrides, client });
    const { key } = await ensureOperatorKey(deps.apiKeyStore, {
      tenant: localTenant,
      ...(options.bootstrapKey ? { presetKey: options.bootstrapKey } : {}),
      clock: options.overrides?.clock ?? systemClock,
    });
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
      ? startRotationSchedule(deps.rotation, options.rotationEveryMs, deps.usage.flush)
      : undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      dynamodbEndpoint: endpoint,
      ...(key ? { newOperatorKey: key } : {}),
      notices,
      stop: async () => {
        await rotation?.stop();
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        server.closeAllConnections();
        await dynamodb?.stop();
      },
    };
  } catch (error) {
    await dynamodb?.stop();
    throw error;
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
