/**
 * `POST /v1/connections/test`: a connection described in the body (the create body) is checked as a
 * saved one would be — validation, the address guard, then the vault's own steps — and nothing is
 * stored: no record, no credentials, only the audit event. Live OpenBao with AppRole; the address
 * guard through the injected resolver, so no address other than this machine's is ever dialled.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';
import { appRoleWithPolicy, enableKvV2, kvPolicy } from '../../providers/hashicorp-vault-fixtures.ts';
import { loopbackResolver, rebindingResolver, vaultConnection, withGuardedApi } from './guarded-network.ts';

let api: LocalApi;
let kvMount: string;
let approle: { roleId: string; secretId: string };

beforeAll(async () => {
  api = await startLocalApi();
  kvMount = await enableKvV2();
  approle = await appRoleWithPolicy(kvPolicy(kvMount));
});
afterAll(async () => {
  await api?.stop();
});

function vaultBody(
  name: string,
  credentials: Record<string, string> = { roleId: approle.roleId, secretId: approle.secretId },
) {
  return {
    name,
    kind: 'hashicorp-vault',
    config: { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount: kvMount } },
    credentials,
    cacheTtlSeconds: 120,
  };
}

async function auditOf(requestId: string | null) {
  const deps = await api.dependencies.forTenant('default');
  return (await deps.audit.list('default', { limit: 1000 })).items.filter(
    (event) => event.requestId === requestId,
  );
}

describe('testing a connection before it is saved', () => {
  it('runs every step against OpenBao with AppRole, and stores neither the connection nor its credentials', async () => {
    const checked = await api.request('POST', '/v1/connections/test', { body: vaultBody('bao-unsaved') });

    expect(checked.status, checked.text).toBe(200);
    expect(checked.json.ok).toBe(true);
    expect(checked.json.steps.length).toBeGreaterThan(1);
    expect(checked.json.steps.every((step: { ok: boolean }) => step.ok)).toBe(true);
    expect(checked.text).not.toContain(approle.secretId);
    expect((await api.request('GET', '/v1/connections/bao-unsaved')).status).toBe(404);
    const { Items = [] } = await api.documentClient.send(new ScanCommand({ TableName: api.tableName }));
    expect(JSON.stringify(Items)).not.toContain(approle.secretId);
    expect(Items.filter((item) => JSON.stringify(item).includes('"bao-unsaved"'))).toEqual([]);
    // Saving afterwards is a first save: nothing of the same name was left behind.
    const saved = await api.request('POST', '/v1/connections', { body: vaultBody('bao-unsaved') });
    expect(saved.status, saved.text).toBe(201);
  });

  it('answers a vault that refuses the credentials as a failed step in words, and audits the attempt without them', async () => {
    const wrong = { roleId: approle.roleId, secretId: 'not-the-secret-id' };

    const checked = await api.request('POST', '/v1/connections/test', {
      body: vaultBody('bao-wrong', wrong),
    });

    expect(checked.status).toBe(200);
    expect(checked.json.ok).toBe(false);
    expect(checked.json.steps.find((step: { ok: boolean }) => !step.ok).message).toMatch(
      /credentials|secret_id|refused/i,
    );
    const events = await auditOf(checked.headers.get('x-request-id'));
    expect(events).toEqual([
      expect.objectContaining({
        action: 'connection.test-unsaved',
        target: 'connection:bao-wrong',
        outcome: 'failure',
        reason: 'check_failed',
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('not-the-secret-id');
  });

  it('refuses what create refuses: missing credentials, unknown fields, a URL with user:pass', async () => {
    const { credentials: _none, ...noCredentials } = vaultBody('bao-bare');
    const unknownField = { ...vaultBody('bao-odd'), colour: 'red' };
    const userinfo = {
      ...vaultBody('bao-userinfo'),
      config: { url: 'https://admin:hunter2@vault.example.com', engine: { type: 'kv-v2', mount: 'kv' } },
    };

    const answers = await Promise.all(
      [noCredentials, unknownField, userinfo].map((body) =>
        api.request('POST', '/v1/connections/test', { body }),
      ),
    );

    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400]);
    expect(answers[2]!.text).not.toContain('hunter2');
    for (const answer of answers) expect(answer.json.error.requestId).toBeTruthy();
  });

  it('is refused to a key without the admin scope', async () => {
    const writer = await api.request('POST', '/v1/api-keys', {
      body: { name: 'writer', scopes: ['read', 'reveal', 'write'] },
    });

    const refused = await api.request('POST', '/v1/connections/test', {
      key: writer.json.key,
      body: vaultBody('bao-writer'),
    });

    expect(refused.status).toBe(403);
  });
});

describe('the address guard on an unsaved connection', () => {
  it('refuses metadata and link-local addresses written as IP literals, before any request', async () => {
    for (const url of ['http://169.254.169.254/', 'http://0xA9FEA9FE/', 'http://[fd00:ec2::254]/']) {
      const answer = await api.request('POST', '/v1/connections/test', {
        body: { ...vaultBody('ssrf'), config: { url, engine: { type: 'kv-v2', mount: 'kv' } } },
      });
      expect(answer.status, url).toBe(400);
    }
  });

  it('refuses, at connect time, a hostname whose DNS answer is a metadata address, without dialling it', async () => {
    await withGuardedApi({ localMode: true, resolve: rebindingResolver }, async (guarded) => {
      const check = await guarded.request('POST', '/v1/connections/test', {
        body: vaultConnection('rebinding', 'https://vault.rebinding.test:8200'),
      });

      expect(check.status).toBe(200);
      expect(check.json.ok).toBe(false);
      expect(JSON.stringify(check.json.steps)).toMatch(/metadata|link-local/);
    });
  });

  it('outside local mode refuses a name that resolves to loopback: the refusal is the only step', async () => {
    // The guard refuses 127.0.0.1 outside local mode: were it to fail, the only address dialled would
    // still be this machine's.
    await withGuardedApi({ localMode: false, resolve: loopbackResolver }, async (guarded) => {
      const check = await guarded.request('POST', '/v1/connections/test', {
        body: vaultConnection('refused-vault', 'https://vault.refused.test:8200'),
      });

      expect(check.json.ok).toBe(false);
      expect(check.json.steps).toHaveLength(1);
      expect(check.json.steps[0].step).toMatch(/^reach/);
      expect(check.json.steps[0].message).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);
    });
  });
});
