/**
 * The `secretm` layer pointed at a running `npm start` (local/main.ts) with exactly what it prints: a
 * function run with `node --env-file=<the data folder's layer.env>` reads the secrets created through
 * the API, and nothing of the store's access key is printed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../local/main.ts', import.meta.url));
const layerEntry = fileURLToPath(new URL('../../layers/secretm/src/index.ts', import.meta.url));
const run = promisify(execFile);
const adminKey = `smo_layer-test-${Date.now()}-key`;
const parent = await mkdtemp(join(tmpdir(), 'secretm-layer-local-'));
const dataDir = join(parent, 'data');
let child: ChildProcess;
let stdout = '';
let url = '';

beforeAll(async () => {
  child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      PORT: '0',
      SECRETM_DATA_DIR: dataDir,
      SECRETM_BOOTSTRAP_API_KEY: adminKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('my-function.js')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${stderr}`)));
  });
  url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
}, 180_000);

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  await rm(parent, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('the secretm layer against local mode', () => {
  it('is told the table, tenant, region, DynamoDB endpoint and vault folder, and where the access key is', async () => {
    const envFile = join(dataDir, 'layer.env');
    const dynamodbPort = Number(/AWS_ENDPOINT_URL_DYNAMODB=http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1]);

    expect(stdout).toContain(`${envFile} holds:\n`);
    expect(stdout).toContain('  SECRETM_TABLE_NAME=secretm\n');
    expect(stdout).toContain('  SECRETM_TENANT=default\n');
    expect(stdout).toContain('  AWS_REGION=us-east-1\n');
    expect(stdout).toContain(`  SECRETM_LOCAL_VAULT_DIR=${join(dataDir, 'vault')}\n`);
    expect(stdout).toContain("  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (this store's access key)\n");
    expect(stdout).toContain(`  e.g. node --env-file=${envFile} my-function.js\n`);
    expect(dynamodbPort).toBeGreaterThan(0);
    expect(((await stat(envFile)).mode & 0o777).toString(8)).toBe('600');
  });

  it('prints nothing of the store’s access key', async () => {
    const { accessKeyId, secretAccessKey } = JSON.parse(
      await readFile(join(dataDir, 'dynamodb-credentials.json'), 'utf8'),
    );

    expect(stdout).not.toContain(accessKeyId);
    expect(stdout).not.toContain(secretAccessKey);
  });

  it('reads, in a function run with node --env-file, a secret created through the API', async () => {
    const created = await api('POST', '/v1/secrets', {
      name: 'orders-db',
      type: 'env',
      data: { DB_USER: 'orders', DB_PASSWORD: 'pa55-from-local-mode' },
    });
    expect(created.status).toBe(201);
    const fn = join(parent, 'my-function.mjs');
    await writeFile(
      fn,
      [
        `import { getSecret, flushUsage } from ${JSON.stringify(layerEntry)};`,
        `const password = await getSecret('orders-db', { key: 'DB_PASSWORD' });`,
        `const all = await getSecret('orders-db', { transform: 'json' });`,
        'await flushUsage();',
        'console.log(JSON.stringify({ password, keys: Object.keys(all).sort() }));',
        'process.exit(0);',
      ].join('\n'),
    );

    // Only what the file gives: no AWS or secretm variable of the test's own environment.
    const { stdout: out } = await run(process.execPath, [`--env-file=${join(dataDir, 'layer.env')}`, fn], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 60_000,
    });

    expect(JSON.parse(out)).toEqual({ password: 'pa55-from-local-mode', keys: ['DB_PASSWORD', 'DB_USER'] });
  });
});
