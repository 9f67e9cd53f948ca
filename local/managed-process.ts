/**
 * Starts a server as a child process on a loopback port, waits until it answers, and stops it.
 * Used by local mode (DynamoDB Local) and by the test set-up (every live test server).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Asks the kernel for a free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the free port'));
      });
    });
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnServerOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The file-creation mask of the child (e.g. 0o077: the files it creates are its owner's only). */
  umask?: number;
  /** Resolves true once the server answers. Polled until `timeoutMs`. */
  ready: () => Promise<boolean>;
  /**
   * Give the child a pipe on its standard input that this process holds open and never writes to: the
   * kernel closes it when this process ends, however it ends, so a child that exits on end of input
   * (DynamoDB Local's loopback launcher, asked to) never outlives it.
   */
  parentPipe?: boolean;
  /** Called once the process is spawned, before it answers (its pid is known). */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
}

const outputLimit = 8_000;

export async function spawnServer(options: SpawnServerOptions): Promise<ManagedProcess> {
  // A shell sets the mask and then becomes the server (exec), so the child's pid is the server's.
  const [command, args] =
    options.umask === undefined
      ? [options.command, options.args]
      : [
          '/bin/sh',
          [
            '-c',
            `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$@"`,
            'sh',
            options.command,
            ...options.args,
          ],
        ];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.parentPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  // Nothing is written to it; a child that ended first must not make that an unhandled error.
  child.stdin?.on('error', () => undefined);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-outputLimit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    // The parent pipe has done its work; closed, it keeps this process's event loop no longer.
    child.stdin?.destroy();
  });

  const managed: ManagedProcess = {
    name: options.name,
    child,
    output: () => output,
    stop: () => stopChild(child),
  };
  if (child.pid !== undefined) options.onSpawn?.(child);

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`${options.name} could not start: ${spawnError.message}`);
    if (exited) throw new Error(`${options.name} ${exited} before it was ready:\n${output}`);
    if (await options.ready().catch(() => false)) return managed;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await managed.stop();
  throw new Error(`${options.name} did not answer within ${options.timeoutMs ?? 60_000} ms:\n${output}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
