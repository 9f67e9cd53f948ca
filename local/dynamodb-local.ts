/**
 * DynamoDB Local, AWS's own emulator, run as a child process on a loopback port: in memory with one
 * shared database for tests, persisted under a folder with one database per access key in local mode.
 * It listens on 127.0.0.1 only when its loopback launcher can be built (loopback-launcher.ts).
 * scripts/install-servers.sh puts it in .cache/servers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launcherClass, loopbackLauncher } from './loopback-launcher.ts';
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

export interface DynamoDbLocalOptions {
  /** A free loopback port when absent. */
  port?: number;
  /** In memory (gone when it stops), or one SQLite file per database under `dbPath`. */
  storage: { inMemory: true } | { dbPath: string };
  /**
   * `shared`: one database for every client whatever its credentials (`-sharedDb`; the tests' server).
   * `per-access-key`: one database per access key id and region, so a client sees only the tables of
   * the key id it signs with (local mode, whose key id is kept in its data folder).
   */
  databases: 'shared' | 'per-access-key';
  /** The file-creation mask of the process (local mode: 0o077, its files readable by their owner only). */
  umask?: number;
  /**
   * JVM settings that start it about twice as fast (the client compiler only, the serial collector), at
   * some cost to peak throughput: right for one developer's requests (local mode), not for a test run's.
   */
  quickStart?: boolean;
  /**
   * End when this process ends, however it ends (kill -9 included): its launcher watches a pipe this
   * process holds. Only with the loopback launcher; `DynamoDbLocal.endsWithParent` says whether it does.
   */
  endWithParent?: boolean;
  /** Called with its pid once it is spawned, before it answers. */
  onSpawn?: (pid: number) => void;
}

export interface DynamoDbLocal {
  endpoint: string;
  /** Whether it listens on 127.0.0.1 only, or on every interface (and why). */
  bind: { loopbackOnly: true } | { loopbackOnly: false; reason: string };
  /** Whether it ends with this process however this process ends (asked for, and the launcher runs it). */
  endsWithParent: boolean;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const dir = dynamoDbLocalDir();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const launcher = await loopbackLauncher(dir);
  const main = launcher.loopbackOnly
    ? ['-Djava.net.preferIPv4Stack=true', '-cp', launcher.classPath, launcherClass]
    : ['-jar', join(dir, 'DynamoDBLocal.jar')];
  const endsWithParent = Boolean(options.endWithParent && launcher.loopbackOnly);
  const storage = 'dbPath' in options.storage ? ['-dbPath', options.storage.dbPath] : ['-inMemory'];
  const managed = await spawnServer({
    name: 'DynamoDB Local',
    command: 'java',
    args: [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx512m',
      ...(options.quickStart ? ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'] : []),
      ...(endsWithParent ? ['-Dsecretm.endWithParent=true'] : []),
      ...main,
      '-port',
      String(port),
      ...(options.databases === 'shared' ? ['-sharedDb'] : []),
      '-disableTelemetry',
      ...storage,
    ],
    cwd: dir,
    parentPipe: endsWithParent,
    ...(options.umask === undefined ? {} : { umask: options.umask }),
    // DynamoDB Local answers 400 to a bare GET once it is listening.
    ready: async () => (await fetch(endpoint)).status > 0,
    ...(options.onSpawn ? { onSpawn: (child) => options.onSpawn?.(child.pid!) } : {}),
  });
  return {
    endpoint,
    bind: launcher.loopbackOnly ? { loopbackOnly: true } : { loopbackOnly: false, reason: launcher.reason },
    endsWithParent,
    process: managed,
    stop: () => managed.stop(),
  };
}
