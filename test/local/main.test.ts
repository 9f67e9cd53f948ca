/**
 * `npm start` (local/main.ts) as a person meets it: a wrong setting stops it in one line before anything
 * starts, and a good start says on stderr what it is waiting for, one line per step, with no values.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../local/main.ts', import.meta.url));
const parent = await mkdtemp(join(tmpdir(), 'secretm-main-'));
afterAll(async () => {
  await rm(parent, { recursive: true, force: true });
});

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node local/main.ts` with `env` added, to its end. */
function runMain(env: Record<string, string>): Promise<Exited> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main],
      {
        env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', PORT: '0', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}

/** A port something else listens on, for as long as the test needs. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

describe('npm start with a wrong setting', () => {
  it('stops with one line when its port is in use, before it creates its data folder', async () => {
    const { port, server } = await takenPort();
    const dataDir = join(parent, 'port-in-use');
    try {
      const run = await runMain({ PORT: String(port), SECRETM_DATA_DIR: dataDir });

      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `secretm: port ${port} on 127.0.0.1 (PORT) is in use; stop what listens there, or choose another PORT (PORT=0 picks a free one)\n`,
      });
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      server.close();
    }
  });

  it('stops with one line when PORT is not a port number', async () => {
    const run = await runMain({ PORT: 'http', SECRETM_DATA_DIR: join(parent, 'bad-port') });

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'secretm: PORT must be a port number from 0 to 65535 (0 picks a free one); it is "http"\n',
    });
  });

  it('stops with one line when the bootstrap key is too short, never showing it', async () => {
    const run = await runMain({
      SECRETM_BOOTSTRAP_API_KEY: 'short-key',
      SECRETM_DATA_DIR: join(parent, 'short-key'),
    });

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'secretm: SECRETM_BOOTSTRAP_API_KEY must be at least 20 characters (it has 9); choose a longer one, or unset it to have one generated\n',
    });
  });

  it('stops with one line when the data folder cannot be created', async () => {
    // /sys refuses new folders, even to root.
    const run = await runMain({ SECRETM_DATA_DIR: '/sys/secretm-test/data' });

    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'secretm: cannot create or read /sys/secretm-test/data: permission denied (EPERM); choose another SECRETM_DATA_DIR\n',
    });
  });

  it('stops with one line when SECRETM_PRICES is not JSON', async () => {
    const run = await runMain({ SECRETM_PRICES: '{local:', SECRETM_DATA_DIR: join(parent, 'prices') });

    expect(run).toEqual({ code: 1, stdout: '', stderr: 'secretm: SECRETM_PRICES must be JSON\n' });
  });

  it('stops with one line when the port asked for DynamoDB Local is in use, before starting it', async () => {
    const { port, server } = await takenPort();
    try {
      const run = await runMain({
        SECRETM_DYNAMODB_PORT: String(port),
        SECRETM_DATA_DIR: join(parent, 'dynamodb-port'),
      });

      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr: `secretm: port ${port} on 127.0.0.1 (SECRETM_DYNAMODB_PORT) is in use; stop what listens there, or choose another SECRETM_DYNAMODB_PORT\n`,
      });
    } finally {
      server.close();
    }
  });
});

describe('npm start, starting', () => {
  const dataDir = join(parent, 'started');
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    child = spawn(process.execPath, [main], {
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', PORT: '0', SECRETM_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('export SECRETM_API_KEY=')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${stderr}`)));
    });
  }, 180_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('says on stderr what it waits for, one line per step, then that it is ready', () => {
    const lines = stderr.trimEnd().split('\n');

    expect(lines).toEqual([
      'secretm: starting DynamoDB Local (Java: the longest step)…',
      'secretm: loading the API…',
      'secretm: preparing the table…',
      'secretm: setting up the admin API key…',
      'secretm: waiting for GET /v1/health/ready…',
      expect.stringMatching(/^secretm: ready in \d+\.\d s$/),
    ]);
  });

  it('puts no key on stderr: neither the admin key nor DynamoDB Local’s access key', async () => {
    const adminKey = /export SECRETM_API_KEY=(\S+)/.exec(stdout)![1]!;
    const { accessKeyId, secretAccessKey } = JSON.parse(
      await readFile(join(dataDir, 'dynamodb-credentials.json'), 'utf8'),
    );

    for (const value of [adminKey, accessKeyId, secretAccessKey]) expect(stderr).not.toContain(value);
  });
});
