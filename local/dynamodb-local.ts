/**
 * DynamoDB Local, AWS's own emulator, run as a child process on a loopback port: in memory for tests,
 * persisted under a folder in local mode. scripts/install-servers.sh puts it in .cache/servers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, spawnServer } from './managed-process.ts';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

export function dynamoDbLocalDir(): string {
  const override = process.env.SECRETM_DYNAMODB_LOCAL_DIR;
  if (override) return override;
  const cache = join(repoRoot, '.cache', 'servers');
  const found = existsSync(cache)
    ? readdirSync(cache)
        .filter((entry) => entry.startsWith('dynamodb-local-') && !entry.endsWith('.partial'))
        .sort()
        .at(-1)
    : undefined;
  if (!found || !existsSync(join(cache, found, 'DynamoDBLocal.jar'))) {
    throw new Error('DynamoDB Local is not installed: run `bash scripts/install-servers.sh`');
  }
  return join(cache, found);
}

export interface DynamoDbLocal {
  endpoint: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local. Without `dbPath` it keeps everything in memory. */
export async function startDynamoDbLocal(
  options: { port?: number; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDir();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const endpoint = `http://127.0.0.1:${port}`;
  const managed = await spawnServer({
    name: 'DynamoDB Local',
    command: 'java',
    args: [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx512m',
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-sharedDb',
      '-disableTelemetry',
      ...storage,
    ],
    cwd: dir,
    // DynamoDB Local answers 400 to a bare GET once it is listening.
    ready: async () => (await fetch(endpoint)).status > 0,
  });
  return { endpoint, process: managed, stop: () => managed.stop() };
}
