/**
 * The `vault-dynamic` rotation against OpenBao's database engine on the live PostgreSQL: secretm holds
 * one lease's credentials (in its holding vault, the local vault here), renews that lease when due,
 * and issues new credentials when asked to or when the lease cannot be renewed.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { createHashicorpVaultProvider } from '../../shared/providers/hashicorp-vault.ts';
import { baoOk, databaseEngine } from '../providers/hashicorp-vault-fixtures.ts';
import { contextFor, type RotationRig, rotationRig } from './rotation-fixtures.ts';

let rig: RotationRig;
let mount: string;
let role: string;

beforeAll(async () => {
  const engine = await databaseEngine({
    maxTtl: '24h',
    policy: (at) => `
path "${at}/creds/*" { capabilities = ["read"] }
path "${at}/roles/*" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
`,
  });
  mount = engine.mount;
  role = engine.role;
  const { credentials } = engine;
  const vaultDb = createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'database', mount, role } },
    { roleId: credentials.roleId, secretId: credentials.secretId },
  );
  rig = await rotationRig({ connections: { 'vault-db': vaultDb } });
});
afterAll(async () => {
  await rig.dispose();
});

async function importedDynamicSecret() {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  const ctx = contextFor(tenant);
  await rig.secrets.import(ctx, { connection: 'vault-db', ref: role, name: 'app-db', type: 'env' });
  await rig.rotation.configure(ctx, 'app-db', {
    schedule: 'rate(1 day)',
    strategy: 'vault-dynamic',
    options: { renewAtFraction: 0.5 },
  });
  return { tenant, ctx };
}

async function heldLogin(ctx: ReturnType<typeof contextFor>) {
  const { value } = await rig.secrets.getValue(ctx, 'app-db');
  const data = value.type === 'env' ? value.data : {};
  return { username: data.username!, password: data.password! };
}

async function logsIn(login: { username: string; password: string }): Promise<boolean> {
  const client = new pg.Client({
    host: inject('postgresHost'),
    port: inject('postgresPort'),
    database: inject('postgresDatabase'),
    user: login.username,
    password: login.password,
  });
  try {
    await client.connect();
    const result = await client.query<{ current_user: string }>('SELECT current_user');
    return result.rows[0]?.current_user === login.username;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function lease(id: string) {
  return (await baoOk('sys/leases/lookup', { method: 'PUT', body: { lease_id: id } })).data ?? {};
}

describe('vault-dynamic rotation', () => {
  it('is due at once when turned on, and its first rotation holds one lease whose credentials every read answers', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    expect((await rig.store.get(tenant, 'app-db'))?.nextRotationAt).toBe(rig.clock.now().toISOString());

    const outcome = await rig.rotation.rotate(ctx, 'app-db', { scheduled: true });

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 2 });
    const first = await heldLogin(ctx);
    expect(await heldLogin(ctx)).toEqual(first);
    expect(await logsIn(first)).toBe(true);
    const record = await rig.store.get(tenant, 'app-db');
    const held = record?.rotationState?.lease;
    expect(held?.id.startsWith(`${mount}/creds/${role}/`)).toBe(true);
    expect(Number((await lease(held!.id)).ttl)).toBeGreaterThan(0);
    // Renewal is due half-way through the lease, before the daily schedule.
    const half = (Date.parse(held!.expiresAt) - rig.clock.now().getTime()) / 2;
    expect(record?.nextRotationAt).toBe(new Date(rig.clock.now().getTime() + half).toISOString());
    const versions = await rig.store.listVersions(tenant, 'app-db', { limit: 5 });
    expect(versions.items[0]).toMatchObject({ version: 2, action: 'rotate', held: true });
    expect(JSON.stringify([record, versions])).not.toContain(first.password);
  });

  it('renews the held lease when due, keeping the same credentials and version', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const before = await heldLogin(ctx);
    const held = (await rig.store.get(tenant, 'app-db'))?.rotationState?.lease;
    expect((await lease(held!.id)).last_renewal).toBeFalsy();

    rig.clock.set((await rig.store.get(tenant, 'app-db'))!.nextRotationAt!);
    const outcome = await rig.rotation.rotate(ctx, 'app-db', { scheduled: true });

    expect(outcome).toMatchObject({ outcome: 'renewed', version: 2 });
    expect(await heldLogin(ctx)).toEqual(before);
    expect(await logsIn(before)).toBe(true);
    expect((await lease(held!.id)).last_renewal).toBeTruthy();
    const record = await rig.store.get(tenant, 'app-db');
    expect(Date.parse(record!.nextRotationAt!)).toBeGreaterThan(rig.clock.now().getTime());
    expect(record?.rotationState?.lease?.id).toBe(held!.id);
  });

  it('issues new credentials when the held lease is gone (revoked in Vault)', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const before = await heldLogin(ctx);
    const held = (await rig.store.get(tenant, 'app-db'))?.rotationState?.lease;
    await baoOk('sys/leases/revoke', { method: 'PUT', body: { lease_id: held!.id } });

    rig.clock.set((await rig.store.get(tenant, 'app-db'))!.nextRotationAt!);
    const outcome = await rig.rotation.rotate(ctx, 'app-db', { scheduled: true });

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 3 });
    const after = await heldLogin(ctx);
    expect(after.username).not.toBe(before.username);
    expect(await logsIn(after)).toBe(true);
    expect((await rig.store.get(tenant, 'app-db'))?.rotationState?.lease?.id).not.toBe(held!.id);
  });

  it('issues new credentials on demand, and reads fresh ones from Vault once the held lease has ended', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const first = await heldLogin(ctx);

    await rig.rotation.rotate(ctx, 'app-db');
    const second = await heldLogin(ctx);
    expect(second.username).not.toBe(first.username);

    rig.clock.set((await rig.store.get(tenant, 'app-db'))!.rotationState!.lease!.expiresAt);
    rig.clock.advance(1_000);
    const fresh = await heldLogin(ctx);
    expect(fresh.username).not.toBe(second.username);
    expect(await logsIn(fresh)).toBe(true);
  });

  it('is refused for a secret that Vault does not issue', async () => {
    const ctx = contextFor(`t-${randomUUID().slice(0, 8)}`);
    await rig.secrets.create(ctx, { name: 'static', type: 'env', data: { username: 'u', password: 'p' } });

    await expect(
      rig.rotation.configure(ctx, 'static', {
        schedule: 'rate(1 day)',
        strategy: 'vault-dynamic',
        options: { renewAtFraction: 0.5 },
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
