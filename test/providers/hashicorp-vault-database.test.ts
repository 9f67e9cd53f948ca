/**
 * The hashicorp-vault adapter on OpenBao's database secrets engine: dynamic PostgreSQL credentials,
 * issued by OpenBao's postgresql plugin against the live PostgreSQL of the test set-up, read-only.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { createHashicorpVaultProvider } from '../../shared/providers/hashicorp-vault.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { baoOk, type DatabaseEngine, databaseEngine, uniqueName } from './hashicorp-vault-fixtures.ts';
import { describeReadOnlyProviderContract } from './provider-contract.ts';

function providerFor(engine: DatabaseEngine, role = engine.role): SecretProvider {
  return createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'database', mount: engine.mount, role } },
    { roleId: engine.credentials.roleId, secretId: engine.credentials.secretId },
  );
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

describeReadOnlyProviderContract('hashicorp-vault database engine on OpenBao and PostgreSQL', async () => {
  const engine = await databaseEngine();
  return {
    provider: providerFor(engine),
    newRef: () => `absent-role-${randomUUID()}`,
    lacks: { write: true },
    readableRef: engine.role,
  };
});

describe('hashicorp-vault database engine', () => {
  let engine: DatabaseEngine;
  let provider: SecretProvider;

  beforeAll(async () => {
    engine = await databaseEngine();
    provider = providerFor(engine);
  });

  it('issues credentials that log in to PostgreSQL, under a lease the vault knows', async () => {
    const before = Date.now();

    const read = await provider.get(provider.refFor('tenant-a', 'prod-db'));

    expect(read.payload.kind).toBe('map');
    const { username, password } = read.payload.kind === 'map' ? read.payload.data : {};
    const client = new pg.Client({
      host: inject('postgresHost'),
      port: inject('postgresPort'),
      database: inject('postgresDatabase'),
      user: username,
      password,
    });
    await client.connect();
    try {
      const result = await client.query<{ current_user: string }>('SELECT current_user');
      expect(result.rows[0]?.current_user).toBe(username);
    } finally {
      await client.end();
    }
    expect(read.leaseExpiresAt?.getTime()).toBeGreaterThan(before + 59 * 60_000);
    expect(read.leaseExpiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
    const lease = await baoOk('sys/leases/lookup', { method: 'PUT', body: { lease_id: read.versionId } });
    expect(lease.data?.id).toBe(read.versionId);
    expect(Number(lease.data?.ttl)).toBeGreaterThan(0);
  });

  it('issues new credentials on each read', async () => {
    const first = await provider.get(engine.role);
    const second = await provider.get(engine.role);

    expect(second.versionId).not.toBe(first.versionId);
    expect(first.payload).not.toEqual(second.payload);
  });

  it('refuses every write with a ValidationError that says Vault issues these values', async () => {
    const payload = { kind: 'map', data: { username: 'u', password: 'never-stored-password' } } as const;

    const refusals = [
      await rejectionOf(provider.create(engine.role, payload)),
      await rejectionOf(provider.put(engine.role, payload)),
      await rejectionOf(provider.delete(engine.role, { mode: 'purge' })),
      await rejectionOf(provider.restore(engine.role)),
    ];

    for (const error of refusals) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(
        /dynamic credentials are issued by Vault; they cannot be written/,
      );
      expect((error as Error).message).not.toContain('never-stored-password');
    }
  });

  it('answers NotFoundError to a read of an earlier lease, since each read issues new credentials', async () => {
    const issued = await provider.get(engine.role);

    const error = await rejectionOf(provider.get(engine.role, { versionId: issued.versionId }));

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('test names the missing role when the connection points at a role that does not exist', async () => {
    const missing = uniqueName('no-such-role');
    const broken = providerFor(engine, missing);

    const check = await broken.test();

    expect(check.ok).toBe(false);
    expect(check.steps.at(-1)).toMatchObject({ step: expect.stringMatching(/role|permissions/), ok: false });
    expect(check.steps.at(-1)?.message).toContain(missing);
  });
});
