/**
 * vault:// references through the layer, on OpenBao behind a counting proxy: KV v2 secrets, and
 * database dynamic credentials (PostgreSQL) whose cache life follows their lease, on a fake clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../../layers/secretm/src/index.ts';
import type { SecretmOptions } from '../../../../layers/secretm/src/secretm.ts';
import { NotFoundError, ProviderUnavailableError, ValidationError } from '../../../../shared/errors.ts';
import {
  type AppRoleCredentials,
  appRoleWithPolicy,
  baoOk,
  databaseMount as createDatabaseMount,
  enableKvV2,
  kvPolicy,
  uniqueName,
} from '../../../providers/hashicorp-vault-fixtures.ts';
import {
  type CountingProxy,
  countingProxy,
  type FakeClock,
  fakeClock,
  rejectionOf,
} from '../layer-fixtures.ts';

const minute = 60_000;

let proxy: CountingProxy;
let kvMount: string;
let databaseMount: string;
let role: string;
let identity: AppRoleCredentials;

beforeAll(async () => {
  proxy = await countingProxy(inject('openbaoAddress'));
  kvMount = await enableKvV2();
  ({ mount: databaseMount, role } = await createDatabaseMount());
  identity = await appRoleWithPolicy(`${kvPolicy(kvMount)}
path "${databaseMount}/creds/*" { capabilities = ["read"] }
`);
});

afterAll(async () => {
  await proxy.close();
});

beforeEach(() => {
  proxy.down = false;
  proxy.reset();
});

function layer(clock: FakeClock, options: SecretmOptions = {}) {
  return createSecretm({
    vault: { address: proxy.endpoint, credentials: { roleId: identity.roleId, secretId: identity.secretId } },
    timeoutMs: 2_000,
    clock,
    ...options,
  });
}

const credsPath = () => `GET /v1/${databaseMount}/creds/${role}`;

describe('KV v2', () => {
  it('reads a KV secret, one key of it, and an older version', async () => {
    const path = `app/${uniqueName('config')}`;
    await baoOk(`${kvMount}/data/${path}`, { body: { data: { host: 'db-1', port: '5432' } } });
    await baoOk(`${kvMount}/data/${path}`, { body: { data: { host: 'db-2', port: '5432' } } });
    const secretm = layer(fakeClock());

    const host = await secretm.getSecret(`vault://${kvMount}/${path}`, { key: 'host' });
    const all = await secretm.getSecret(`vault://${kvMount}/${path}`, { transform: 'json' });
    const first = await secretm.getSecret(`vault://${kvMount}/${path}`, { key: 'host', version: 1 });

    expect(host).toBe('db-2');
    expect(all).toEqual({ host: 'db-2', port: '5432' });
    expect(first).toBe('db-1');
  });

  it('answers NotFoundError for an absent path, and says what to set when Vault is not configured', async () => {
    const absent = await rejectionOf(layer(fakeClock()).getSecret(`vault://${kvMount}/nothing/here`));
    const unconfigured = await rejectionOf(createSecretm().getSecret(`vault://${kvMount}/x`));

    expect(absent).toBeInstanceOf(NotFoundError);
    expect(unconfigured).toBeInstanceOf(ValidationError);
    expect((unconfigured as Error).message).toContain('VAULT_ADDR');
  });
});

describe('database credentials under a lease', () => {
  it('keeps credentials until shortly before their lease ends, whatever the TTL, then issues new ones', async () => {
    const clock = fakeClock();
    const secretm = layer(clock, { ttlSeconds: 4 * 3600, staleWhileRevalidateSeconds: 0 });
    const ref = `vault://${databaseMount}/creds/${role}`;

    const first = await secretm.getSecret(ref, { key: 'username' });
    clock.advance(53 * minute);
    const stillCached = await secretm.getSecret(ref, { key: 'username' });
    clock.advance(2 * minute);
    const renewed = await secretm.getSecret(ref, { key: 'username' });

    expect(stillCached).toBe(first);
    expect(renewed).not.toBe(first);
    expect(proxy.count(credsPath())).toBe(2);
  });

  it('issues new credentials after invalidate, for a caller whose credentials the database refused', async () => {
    const secretm = layer(fakeClock());
    const ref = `vault://${databaseMount}/creds/${role}`;
    const first = await secretm.getSecret(ref, { key: 'password' });

    secretm.invalidate(ref);
    const second = await secretm.getSecret(ref, { key: 'password' });

    expect(second).not.toBe(first);
  });

  it('serves credentials through an outage only while their lease lasts', async () => {
    const clock = fakeClock();
    const secretm = layer(clock, { staleWhileRevalidateSeconds: 0, serveStaleSeconds: 4 * 3600 });
    const ref = `vault://${databaseMount}/creds/${role}`;
    const first = await secretm.getSecret(ref, { key: 'username' });
    proxy.down = true;

    clock.advance(30 * minute);
    const during = await secretm.getSecret(ref, { key: 'username' });
    clock.advance(31 * minute);
    const afterLease = await rejectionOf(secretm.getSecret(ref, { key: 'username' }));

    expect(during).toBe(first);
    expect(afterLease).toBeInstanceOf(ProviderUnavailableError);
  });
});
