/**
 * The operator key: installed from its secret in AWS (moto), set or generated in local mode, and
 * replaced only by an explicit rotation that writes the operator's secret before it takes effect.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-types.ts';
import { createAuthenticator } from '../../shared/auth/authenticate.ts';
import {
  bootstrapOperatorKey,
  ensureOperatorKey,
  type OperatorKeyDeps,
  rotateOperatorKey,
} from '../../shared/auth/operator-key.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { systemClock } from '../../shared/clock.ts';
import { ValidationError } from '../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createApiKeyDirectory } from '../../shared/store/api-key-store.ts';
import { createOperatorKeyStore } from '../../shared/store/operator-key-store.ts';
import { createTestTable } from '../servers/dynamodb.ts';
import { rejectionOf } from '../store/store-fixtures.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let deps: OperatorKeyDeps;
let audited: AuditEvent[];
let authenticate: ReturnType<typeof createAuthenticator>;

beforeEach(async () => {
  const table = await createTestTable();
  const storeDeps = { client: table.documentClient, tableName: table.tableName };
  audited = [];
  deps = {
    store: createOperatorKeyStore(storeDeps),
    tenant: 'default',
    clock: systemClock,
    audit: async (event) => {
      audited.push(event);
    },
  };
  authenticate = createAuthenticator({
    directory: createApiKeyDirectory(storeDeps),
    tenantKey: async () => undefined,
    operatorKeys: deps.store,
    clock: systemClock,
    jwt: { tenantClaim: 'tenant' },
  });
});

const operatorRequest = (requestId: string, sourceIp: string): RequestContext => ({
  principal: { tenant: 'default', actor: 'operator', scopes: new Set(['admin']), operator: true },
  requestId,
  sourceIp,
});

function secretsManager() {
  const endpoint = inject('motoEndpoint');
  return {
    sdk: new SecretsManagerClient({ endpoint, region: 'us-east-1', credentials: { ...credentials } }),
    vault: createAwsSecretsManagerProvider({
      region: 'us-east-1',
      endpoint,
      credentials: { ...credentials },
    }),
  };
}

describe('the operator key of an AWS deployment', () => {
  it('is installed from its secret by the first cold start that finds none, and left alone after', async () => {
    const { sdk, vault } = secretsManager();
    const ref = `secretm/test/_system/operator-key-${randomUUID().slice(0, 8)}`;
    const first = `generated-${randomUUID()}`;
    await sdk.send(new CreateSecretCommand({ Name: ref, SecretString: first }));

    await bootstrapOperatorKey(deps, { vault, ref });
    await vault.put(ref, { kind: 'text', text: `out-of-band-${randomUUID()}` });
    await bootstrapOperatorKey(deps, { vault, ref });

    const principal = await authenticate({ authorization: `Bearer ${first}` });
    expect(principal).toMatchObject({ tenant: 'default', actor: 'operator', operator: true });
    expect([...principal.scopes].sort()).toEqual(['admin', 'read', 'reveal', 'write']);
    expect(audited.map((event) => event.action)).toEqual(['api-key.bootstrap']);
  });

  it('is rotated at the operator’s request: the secret holds the new key, the old key stops working', async () => {
    const { sdk, vault } = secretsManager();
    const ref = `secretm/test/_system/operator-key-${randomUUID().slice(0, 8)}`;
    const first = `generated-${randomUUID()}`;
    await sdk.send(new CreateSecretCommand({ Name: ref, SecretString: first }));
    await bootstrapOperatorKey(deps, { vault, ref });

    const { key } = await rotateOperatorKey(deps, operatorRequest('req-1', '203.0.113.9'), { vault, ref });

    expect(key).toMatch(/^smo_[A-Za-z0-9_-]{43}$/);
    expect((await sdk.send(new GetSecretValueCommand({ SecretId: ref }))).SecretString).toBe(key);
    await expect(rejectionOf(authenticate({ authorization: `Bearer ${first}` }))).resolves.toMatchObject({
      code: 'unauthorized',
    });
    expect((await authenticate({ authorization: `Bearer ${key}` })).operator).toBe(true);
    expect(audited.at(-1)).toMatchObject({ action: 'api-key.rotate', requestId: 'req-1', actor: 'operator' });
    expect(JSON.stringify(audited)).not.toContain(key);
  });

  it('keeps the old key working when the new one cannot be written to the secret', async () => {
    const { vault } = secretsManager();
    await ensureOperatorKey(deps, 'the-first-operator-key-0123456789');

    const failed = await rejectionOf(
      rotateOperatorKey(deps, operatorRequest('req-2', '::1'), { vault, ref: `absent-${randomUUID()}` }),
    );

    expect(failed).toMatchObject({ code: 'not_found' });
    expect((await authenticate({ authorization: 'Bearer the-first-operator-key-0123456789' })).operator).toBe(
      true,
    );
  });
});

describe('the operator key in local mode', () => {
  it('is generated once and printed once, then kept', async () => {
    const { key } = await ensureOperatorKey(deps);
    expect(key).toMatch(/^smo_/);
    expect(await ensureOperatorKey(deps)).toEqual({});
    expect((await authenticate({ authorization: `Bearer ${key}` })).operator).toBe(true);
  });

  it('follows SECRETM_BOOTSTRAP_API_KEY, and refuses one shorter than 20 characters', async () => {
    await ensureOperatorKey(deps, 'first-preset-key-0123456789');
    await ensureOperatorKey(deps, 'second-preset-key-0123456789');
    await expect(
      rejectionOf(authenticate({ authorization: 'Bearer first-preset-key-0123456789' })),
    ).resolves.toMatchObject({ code: 'unauthorized' });
    expect((await authenticate({ authorization: 'Bearer second-preset-key-0123456789' })).operator).toBe(
      true,
    );
    expect(await rejectionOf(ensureOperatorKey(deps, 'too-short'))).toBeInstanceOf(ValidationError);
  });
});
