/**
 * DynamoDB Local never outlives the secretm that started it: after `kill -9` of `npm start`
 * (local/main.ts) it ends too and its port closes; and a copy left running on a data folder's files (by
 * a secretm that could not take it along) is stopped by the next start rather than joined by a second.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';

const main = fileURLToPath(new URL('../../local/main.ts', import.meta.url));
const run = promisify(execFile);
const parent = await mkdtemp(join(tmpdir(), 'secretm-ends-'));
const started: ChildProcess[] = [];
afterAll(async () => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(parent, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  stderr(): string;
}

/** `node local/main.ts` on `dataDir`, once it prints that it listens. */
async function startSecretm(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', PORT: '0', SECRETM_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('is listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${stderr}`)));
  });
  return { child, stderr: () => stderr };
}

/** The processes whose parent is `pid`, with their command lines. */
async function childrenOf(pid: number): Promise<{ pid: number; args: string[] }[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]);
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0)
    .map((child) => ({ pid: child, args: commandLine(child) }));
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** Gone: no such process, or only a zombie waiting to be reaped (it holds no port and no file). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Polls `condition` until it holds or `deadlineMs` passed; answers whether it held. */
async function eventually(
  condition: () => Promise<boolean> | boolean,
  deadlineMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe('DynamoDB Local and the secretm that started it', () => {
  it('ends, and its port closes, when secretm is killed with SIGKILL', async () => {
    const secretm = await startSecretm(join(parent, 'killed'));
    const [dynamodb] = (await childrenOf(secretm.child.pid!)).filter((child) =>
      child.args.includes('-dbPath'),
    );
    expect(dynamodb?.args).toContain(join(parent, 'killed', 'dynamodb'));
    const port = Number(dynamodb!.args[dynamodb!.args.indexOf('-port') + 1]);
    expect(await portRefuses(port)).toBe(false);

    secretm.child.kill('SIGKILL');

    expect(await eventually(() => gone(dynamodb!.pid))).toBe(true);
    expect(await eventually(() => portRefuses(port))).toBe(true);
  }, 180_000);

  it('is stopped by the next start when an earlier secretm left it running on the same files', async () => {
    const dataDir = join(parent, 'stale');
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true, mode: 0o700 });
    await mkdir(join(dataDir, 'vault'), { mode: 0o700 });
    // What a killed secretm leaves: its DynamoDB Local on the folder's files, and a lock naming a dead pid.
    const orphan = await startDynamoDbLocal({
      storage: { dbPath: join(dataDir, 'dynamodb') },
      databases: 'per-access-key',
      quickStart: true,
    });
    const deadPid = spawn('true').pid!;
    await eventually(() => gone(deadPid));
    await writeFile(join(dataDir, 'secretm.lock'), `${deadPid}\n`, { mode: 0o600 });
    const orphanPid = orphan.process.child.pid!;
    const orphanPort = Number(new URL(orphan.endpoint).port);

    try {
      const secretm = await startSecretm(dataDir);

      expect(gone(orphanPid)).toBe(true);
      expect(await portRefuses(orphanPort)).toBe(true);
      expect(secretm.stderr()).toContain(
        `secretm: stopped a DynamoDB Local (pid ${orphanPid}) that an earlier secretm left running on this data folder\n`,
      );
      const running = (await childrenOf(secretm.child.pid!)).filter((child) =>
        child.args.includes('-dbPath'),
      );
      expect(running).toHaveLength(1);
      expect(running[0]!.pid).not.toBe(orphanPid);
      secretm.child.kill('SIGINT');
    } finally {
      await orphan.stop();
    }
  }, 240_000);
});
