/**
 * `npm run peers` (local/peers/main.ts) as a person uses it: the connection lines it prints, pasted
 * against local mode, create connections that pass their test and hold secrets — moto's AWS Secrets
 * Manager, OpenBao's KV v2 and its database engine's dynamic PostgreSQL credentials.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../local-fixture.ts';

const main = fileURLToPath(new URL('../../../local/peers/main.ts', import.meta.url));
let peers: ChildProcess;
let stdout = '';
let api: LocalApi;

beforeAll(async () => {
  peers = spawn(process.execPath, [main], {
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  peers.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const printed = new Promise<void>((resolve, reject) => {
    peers.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Running until Ctrl-C')) resolve();
    });
    peers.once('exit', (code) => reject(new Error(`npm run peers exited with ${code}:\n${stderr}`)));
  });
  [api] = await Promise.all([startLocalApi(), printed]);
}, 240_000);

afterAll(async () => {
  await api?.stop();
  if (peers.exitCode === null && peers.signalCode === null) {
    const exited = new Promise((resolve) => peers.once('exit', resolve));
    peers.kill('SIGINT');
    await exited;
  }
});

/** The bodies of the printed `curl … -d '<body>'` lines, as pasted. */
function printedBodies(): { name: string; kind: string }[] {
  return [...stdout.matchAll(/^curl -s "\$\{auth\[@\]\}" -X POST "\$SM\/v1\/connections" -d '(.*)'$/gm)].map(
    (match) => JSON.parse(match[1]!),
  );
}

describe('npm run peers', () => {
  it('prints a connection line for moto, OpenBao KV v2 and OpenBao’s database engine', () => {
    expect(printedBodies().map((body) => [body.name, body.kind])).toEqual([
      ['moto', 'aws-secrets-manager'],
      ['openbao-kv', 'hashicorp-vault'],
      ['openbao-db', 'hashicorp-vault'],
    ]);
  });

  it('prints lines that create connections whose test passes every step', async () => {
    for (const body of printedBodies()) {
      const created = await api.request('POST', '/v1/connections', { body });
      expect(created.status, created.text).toBe(201);

      const tested = await api.request('POST', `/v1/connections/${created.json.id}/test`);

      expect(tested.status).toBe(200);
      expect(tested.json.ok, `${body.name}: ${tested.text}`).toBe(true);
      expect(tested.json.steps.length).toBeGreaterThan(0);
    }
  });

  it('gives connections that keep secrets: on moto and on OpenBao’s KV v2', async () => {
    for (const connection of ['moto', 'openbao-kv']) {
      const name = `peer-${connection}`;
      const created = await api.request('POST', '/v1/secrets', {
        body: { name, type: 'env', connection, data: { TOKEN: `kept-by-${connection}` } },
      });
      expect(created.status, created.text).toBe(201);

      const read = await api.request('GET', `/v1/secrets/${name}/value`);

      expect(read.json.data).toEqual({ TOKEN: `kept-by-${connection}` });
    }
  });

  it('gives a database connection whose imported role reads fresh PostgreSQL credentials', async () => {
    const imported = await api.request('POST', '/v1/secrets/import', {
      body: { connection: 'openbao-db', ref: 'app', name: 'app-db' },
    });
    expect(imported.status, imported.text).toBe(201);

    const read = await api.request('GET', '/v1/secrets/app-db/value');

    expect(read.status, read.text).toBe(200);
    expect(read.json.data.username).toMatch(/\S/);
    expect(read.json.data.password).toMatch(/\S/);
  });
});
