/**
 * Connections end to end over HTTP: a connection of each kind whose server runs here (AWS Secrets
 * Manager on moto, HashiCorp Vault KV v2 and database credentials on OpenBao and PostgreSQL), tested,
 * used, discovered, imported from and cloned across.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import {
  appRoleWithPolicy,
  baoOk,
  databaseEngine,
  enableKvV2,
  kvPolicy,
  uniqueName,
} from '../../providers/hashicorp-vault-fixtures.ts';
import { loopbackResolver, rebindingResolver, vaultConnection, withGuardedApi } from './guarded-network.ts';

let api: LocalApi;
const awsCredentials = { accessKeyId: 'AKIDSECRETMTEST', secretAccessKey: `aws-${randomUUID()}` };
let kvMount: string;
let approle: { roleId: string; secretId: string };

beforeAll(async () => {
  api = await startLocalApi();
  kvMount = await enableKvV2();
  approle = await appRoleWithPolicy(kvPolicy(kvMount));
});
afterAll(async () => {
  await api.stop();
});

function sdk(): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: inject('motoEndpoint'),
    region: 'us-east-1',
    credentials: { ...awsCredentials },
  });
}

async function addAws(name: string) {
  return api.request('POST', '/v1/connections', {
    body: {
      name,
      kind: 'aws-secrets-manager',
      config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
      credentials: awsCredentials,
    },
  });
}

async function addVault(name: string) {
  return api.request('POST', '/v1/connections', {
    body: {
      name,
      kind: 'hashicorp-vault',
      config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount: kvMount } },
      credentials: { roleId: approle.roleId, secretId: approle.secretId },
      cacheTtlSeconds: 60,
    },
  });
}

describe('an AWS Secrets Manager connection', () => {
  it('is created without echoing credentials, tests green, holds secrets, discovers and imports', async () => {
    const created = await addAws('aws-main');
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: 'aws-main', kind: 'aws-secrets-manager', hasCredentials: true });
    expect(created.text).not.toContain(awsCredentials.secretAccessKey);

    const check = await api.request('POST', '/v1/connections/aws-main/test');
    expect(check.json.ok).toBe(true);

    const secret = await api.request('POST', '/v1/secrets', {
      body: { name: 'aws-held', type: 'env', connection: 'aws-main', data: { TOKEN: 'in-aws' } },
    });
    expect(secret.status).toBe(201);
    const stored = await sdk().send(new GetSecretValueCommand({ SecretId: secret.json.vaultRef }));
    expect(JSON.parse(stored.SecretString!)).toEqual({ TOKEN: 'in-aws' });

    const outside = `made-outside-${randomUUID().slice(0, 8)}`;
    await sdk().send(
      new CreateSecretCommand({
        Name: outside,
        SecretString: JSON.stringify({ user: 'app', password: 'pw' }),
      }),
    );
    const refs: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.request(
        'GET',
        `/v1/connections/aws-main/discover?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      refs.push(...page.json.items.map((item: { ref: string }) => item.ref));
      cursor = page.json.cursor;
    } while (cursor);
    expect(refs).toContain(outside);

    const imported = await api.request('POST', '/v1/secrets/import', {
      body: { connection: 'aws-main', ref: outside },
    });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.json).toMatchObject({
      name: outside,
      type: 'env',
      keys: ['password', 'user'],
      imported: true,
    });
    expect((await api.request('GET', `/v1/secrets/${outside}/value`)).json.data).toEqual({
      user: 'app',
      password: 'pw',
    });
    const twice = await api.request('POST', '/v1/secrets/import', {
      body: { connection: 'aws-main', ref: outside, name: 'again' },
    });
    expect(twice.status).toBe(409);
  });
});

describe('a HashiCorp Vault connection', () => {
  it('holds secrets in KV v2 with AppRole, imports one written directly, and clones it to AWS', async () => {
    const vaultConnection = await addVault('vault-kv');
    expect(vaultConnection.status, vaultConnection.text).toBe(201);
    expect((await api.request('POST', '/v1/connections/vault-kv/test')).json.ok).toBe(true);

    const made = await api.request('POST', '/v1/secrets', {
      body: { name: 'vault-held', type: 'env', connection: 'vault-kv', dotenv: 'A=1\nB="two words"\n' },
    });
    expect(made.status, made.text).toBe(201);
    await api.request('PATCH', '/v1/secrets/vault-held', { body: { set: { A: '2' } } });
    expect((await api.request('GET', '/v1/secrets/vault-held/value?version=1')).json.data).toEqual({
      A: '1',
      B: 'two words',
    });

    const path = uniqueName('direct');
    await baoOk(`${kvMount}/data/${path}`, { body: { data: { API_KEY: 'written-directly' } } });
    const discovered = await api.request('GET', '/v1/connections/vault-kv/discover?limit=100');
    expect(discovered.json.items.map((item: { ref: string }) => item.ref)).toContain(path);
    const imported = await api.request('POST', '/v1/secrets/import', {
      body: { connection: 'vault-kv', ref: path },
    });
    expect(imported.status, imported.text).toBe(201);

    const target = await addAws('aws-target');
    expect(target.status, target.text).toBe(201);
    const cloned = await api.request('POST', `/v1/secrets/${path}/clone`, {
      body: { name: 'migrated', connection: 'aws-target' },
    });
    expect(cloned.status, cloned.text).toBe(201);
    expect(cloned.json.connection).toBe('aws-target');
    const inAws = await sdk().send(new GetSecretValueCommand({ SecretId: cloned.json.vaultRef }));
    expect(JSON.parse(inAws.SecretString!)).toEqual({ API_KEY: 'written-directly' });
  });

  it('imports database credentials from the database engine: each read is a fresh login that works', async () => {
    const { mount, role, credentials: dbRole } = await databaseEngine();
    const connection = await api.request('POST', '/v1/connections', {
      body: {
        name: 'vault-db',
        kind: 'hashicorp-vault',
        config: { url: inject('openbaoAddress'), engine: { type: 'database', mount, role } },
        credentials: { roleId: dbRole.roleId, secretId: dbRole.secretId },
      },
    });
    expect(connection.status).toBe(201);

    const imported = await api.request('POST', '/v1/secrets/import', {
      body: { connection: 'vault-db', ref: role, name: 'app-db' },
    });
    expect(imported.status, imported.text).toBe(201);
    const first = (await api.request('GET', '/v1/secrets/app-db/value')).json.data;
    const second = (await api.request('GET', '/v1/secrets/app-db/value')).json.data;

    expect(first.username).not.toBe(second.username);
    const client = new pg.Client({
      host: inject('postgresHost'),
      port: inject('postgresPort'),
      database: inject('postgresDatabase'),
      user: second.username,
      password: second.password,
    });
    await client.connect();
    expect((await client.query('select current_user as me')).rows[0].me).toBe(second.username);
    await client.end();
    const write = await api.request('PUT', '/v1/secrets/app-db', {
      body: { data: { username: 'x', password: 'y' } },
    });
    expect(write.status).toBe(400);
  });
});

describe('connection management', () => {
  it('refuses to remove a connection secrets use unless forced, and changes it under If-Match', async () => {
    await addVault('vault-busy');
    await api.request('POST', '/v1/secrets', {
      body: { name: 'busy', type: 'env', connection: 'vault-busy', data: { K: 'v' } },
    });

    const refused = await api.request('DELETE', '/v1/connections/vault-busy');
    const stale = await api.request('PUT', '/v1/connections/vault-busy', {
      body: { cacheTtlSeconds: 30 },
      headers: { 'if-match': '"7"' },
    });
    const changed = await api.request('PUT', '/v1/connections/vault-busy', {
      body: { cacheTtlSeconds: 30 },
      headers: { 'if-match': '"1"' },
    });
    const forced = await api.request('DELETE', '/v1/connections/vault-busy?force=true');

    expect(refused.status).toBe(409);
    expect(stale.status).toBe(412);
    expect(changed.json).toMatchObject({ cacheTtlSeconds: 30, version: 2 });
    expect(forced.status).toBe(204);
    expect((await api.request('GET', '/v1/connections/vault-busy')).status).toBe(404);
  });

  it('lists the built-in local connection first and reports a vault that refuses its credentials in words', async () => {
    await api.request('POST', '/v1/connections', {
      body: {
        name: 'vault-wrong',
        kind: 'hashicorp-vault',
        config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount: kvMount } },
        credentials: { roleId: approle.roleId, secretId: 'not-the-secret-id' },
      },
    });

    const listed = await api.request('GET', '/v1/connections');
    const check = await api.request('POST', '/v1/connections/vault-wrong/test');

    expect(listed.json.items[0]).toMatchObject({ id: 'local', builtIn: true });
    expect(check.status).toBe(200);
    expect(check.json.ok).toBe(false);
    expect(check.json.steps.find((step: { ok: boolean }) => !step.ok).message).toMatch(
      /credentials|secret_id|refused/i,
    );
  });

  it('refuses bad settings: missing credentials, unknown fields, a built-in name, a URL with user:pass', async () => {
    const noCredentials = await api.request('POST', '/v1/connections', {
      body: {
        name: 'v1',
        kind: 'hashicorp-vault',
        config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount: 'kv' } },
      },
    });
    const unknownField = await api.request('POST', '/v1/connections', {
      body: { name: 'v2', kind: 'aws-secrets-manager', config: { region: 'us-east-1', colour: 'red' } },
    });
    const builtIn = await api.request('POST', '/v1/connections', {
      body: { name: 'local', kind: 'local', config: {} },
    });
    const userinfo = await api.request('POST', '/v1/connections', {
      body: {
        name: 'v3',
        kind: 'hashicorp-vault',
        config: { url: 'https://admin:hunter2@vault.example.com', engine: { type: 'kv-v2', mount: 'kv' } },
        credentials: { token: 't' },
      },
    });

    expect(noCredentials.status).toBe(400);
    expect(unknownField.status).toBe(400);
    expect(builtIn.status).toBe(409);
    expect(userinfo.status).toBe(400);
    expect(userinfo.text).not.toContain('hunter2');
  });

  it('keeps connection credentials out of every DynamoDB item', async () => {
    const { Items = [] } = await api.documentClient.send(new ScanCommand({ TableName: api.tableName }));

    const everything = JSON.stringify(Items);
    expect(everything).toContain('aws-main');
    expect(everything).not.toContain(awsCredentials.secretAccessKey);
    expect(everything).not.toContain(approle.secretId);
  });
});

describe('SSRF guards', () => {
  it('refuses metadata and link-local addresses written as IP literals in any encoding, before any request', async () => {
    for (const url of [
      'http://169.254.169.254/',
      'http://2852039166/',
      'http://0xA9FEA9FE/',
      'http://[fd00:ec2::254]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      const answer = await api.request('POST', '/v1/connections', {
        body: {
          name: 'ssrf',
          kind: 'hashicorp-vault',
          config: { url, engine: { type: 'kv-v2', mount: 'kv' } },
          credentials: { token: 't' },
        },
      });
      expect(answer.status, url).toBe(400);
    }
  });

  it('refuses, at connect time, a hostname whose DNS answer is a metadata address, without dialling it', async () => {
    await withGuardedApi({ localMode: true, resolve: rebindingResolver }, async (guarded) => {
      const created = await guarded.request('POST', '/v1/connections', {
        body: vaultConnection('rebinding', 'https://vault.rebinding.test:8200'),
      });
      const check = await guarded.request('POST', '/v1/connections/rebinding/test');

      expect(created.status).toBe(201);
      expect(check.json.ok).toBe(false);
      expect(JSON.stringify(check.json.steps)).toMatch(/metadata|link-local/);
    });
  });

  it('reports only the steps that ran when the guard refuses the address: the refusal is the first and only step', async () => {
    // The guard refuses 127.0.0.1 outside local mode: were it to fail, the only address dialled would
    // still be this machine's.
    await withGuardedApi({ localMode: false, resolve: loopbackResolver }, async (guarded) => {
      const bodies = [
        {
          name: 'refused-aws',
          kind: 'aws-secrets-manager',
          config: { region: 'us-east-1', endpoint: 'https://secretsmanager.refused.test' },
          credentials: awsCredentials,
        },
        vaultConnection('refused-vault', 'https://vault.refused.test:8200'),
      ];
      for (const body of bodies) {
        const created = await guarded.request('POST', '/v1/connections', { body });
        expect(created.status, created.text).toBe(201);

        const check = await guarded.request('POST', `/v1/connections/${body.name}/test`);

        expect(check.json.ok).toBe(false);
        expect(check.json.steps, body.kind).toHaveLength(1);
        expect(check.json.steps[0].ok).toBe(false);
        expect(check.json.steps[0].step).toMatch(/^reach/);
        expect(check.json.steps[0].message).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);
      }
    });
  });
});
