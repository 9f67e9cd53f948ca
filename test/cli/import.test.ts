/** `secretm import`: one .env file, a folder of them (one bad file among good ones), and a secret adopted from a vault on moto. */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CliFixture, closedEndpoint, startCli } from './cli-fixture.ts';

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(async () => {
  await cli?.stop();
});

describe('import of files', () => {
  it('makes one secret of a .env file, named by --name or after the file', async () => {
    const file = join(cli.home, 'web.env');
    await writeFile(file, '# the web tier\nexport PORT=8080\nGREETING="hello\nworld"\n');
    const named = await cli.run(['import', file, '--name', 'apps/web', '--json']);
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toMatchObject({
      name: 'apps/web',
      version: 1,
      keys: ['GREETING', 'PORT'],
    });
    expect((await cli.run(['get', 'apps/web', '--key', 'GREETING'])).stdout).toBe('hello\nworld');
    const unnamed = await cli.run(['import', file]);
    expect(unnamed.code).toBe(0);
    expect((await cli.run(['get', 'web', '--key', 'PORT'])).stdout).toBe('8080');
    const again = await cli.run(['import', file]);
    expect(again.code).toBe(4);
    const missing = await cli.run(['import', join(cli.home, 'nope.env')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no file or folder');
  });

  it('imports a folder file by file, says which failed and why, exits non-zero, and finishes with --skip-existing', async () => {
    const folder = join(cli.home, 'envs');
    await mkdir(join(folder, 'api'), { recursive: true });
    await writeFile(join(folder, 'db.env'), 'DB_PASSWORD=pw-db\n');
    await writeFile(join(folder, 'api', '.env'), 'API_TOKEN=tok\n');
    await writeFile(join(folder, 'broken.env'), 'this line has no equals sign\n');
    await writeFile(join(folder, 'worker.env'), 'QUEUE=jobs\n');
    const first = await cli.run(['import', folder, '--prefix', 'payments/']);
    expect(first.code).toBe(1);
    const rows = first.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').slice(0, 3));
    expect(rows).toEqual([
      ['envs/api/.env', 'payments/api', 'imported'],
      ['envs/broken.env', 'payments/broken', 'failed'],
      ['envs/db.env', 'payments/db', 'imported'],
      ['envs/worker.env', 'payments/worker', 'imported'],
    ]);
    expect(first.stdout).toContain('dotenv:1');
    expect(first.stderr).toContain('1 of 4 file(s) failed: envs/broken.env; the others were imported');
    expect(first.stderr).toContain('--skip-existing');
    expect((await cli.run(['get', 'payments/worker', '--key', 'QUEUE'])).stdout).toBe('jobs');

    await writeFile(join(folder, 'broken.env'), 'FIXED=yes\n');
    const second = await cli.run(['import', folder, '--prefix', 'payments/', '--skip-existing', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).map((item: { outcome: string }) => item.outcome)).toEqual([
      'skipped',
      'imported',
      'skipped',
      'skipped',
    ]);
  });
});

describe('import --from a vault, and connections', () => {
  const credentials = { accessKeyId: 'AKIDSECRETMCLI', secretAccessKey: `aws-${randomUUID()}` };

  it('lists and tests a connection, discovers a vault secret and adopts it', async () => {
    const created = await cli.api.request('POST', '/v1/connections', {
      body: {
        name: 'aws-cli',
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
        credentials,
      },
    });
    expect(created.status, created.text).toBe(201);
    const outside = `made-outside-${randomUUID().slice(0, 8)}`;
    await new SecretsManagerClient({
      endpoint: inject('motoEndpoint'),
      region: 'us-east-1',
      credentials: { ...credentials },
    }).send(
      new CreateSecretCommand({
        Name: outside,
        SecretString: JSON.stringify({ user: 'app', password: 'pw-outside' }),
      }),
    );

    const listed = await cli.run(['connections', 'ls']);
    expect(listed.stdout.split('\n').map((line) => line.split('\t').slice(0, 2))).toEqual(
      expect.arrayContaining([
        ['aws-cli', 'aws-secrets-manager'],
        ['local', 'local'],
      ]),
    );
    expect(listed.stdout).not.toContain(credentials.secretAccessKey);
    const tested = await cli.run(['connections', 'test', 'aws-cli']);
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/\tok\t/);
    const discovered = await cli.run(['connections', 'discover', 'aws-cli']);
    expect(discovered.stdout.split('\n').map((line) => line.split('\t')[0])).toContain(outside);

    const adopted = await cli.run([
      'import',
      '--from',
      'aws-cli',
      '--ref',
      outside,
      '--name',
      'adopted/db',
      '--json',
    ]);
    expect(adopted.code).toBe(0);
    expect(JSON.parse(adopted.stdout)).toMatchObject({ name: 'adopted/db', keys: ['password', 'user'] });
    expect((await cli.run(['get', 'adopted/db', '--key', 'password'])).stdout).toBe('pw-outside');
    const half = await cli.run(['import', '--from', 'aws-cli']);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain('--from CONNECTION and --ref REF go together');
    const absent = await cli.run(['connections', 'test', 'nope']);
    expect(absent.code).toBe(2);
  });

  it('says a connection that cannot reach its vault does not work (exit 5)', async () => {
    const created = await cli.api.request('POST', '/v1/connections', {
      body: {
        name: 'aws-down',
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: await closedEndpoint() },
        credentials,
      },
    });
    expect(created.status, created.text).toBe(201);
    const tested = await cli.run(['connections', 'test', 'aws-down']);
    expect(tested.code).toBe(5);
    expect(tested.stdout).toContain('failed');
    expect(tested.stderr).toContain('aws-down does not work');
  });
});
