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
import { appRoleWithPolicy, baoApi, baoOk, databaseEngine } from '../providers/hashicorp-vault-fixtures.ts';
import { asSuperuser } from './postgres-fixtures.ts';
import { contextFor, type RotationRig, rotationRig } from './rotation-fixtures.ts';

let rig: RotationRig;
let mount: string;
let role: string;

/** The policy secretm documents for a vault-dynamic connection; `revoke: false` leaves out sys/leases/revoke. */
function dynamicPolicy(at: string, options: { revoke: boolean }) {
  return `
path "${at}/creds/*" { capabilities = ["read"] }
path "${at}/roles/*" { capabilities = ["read"] }
path "sys/leases/renew" { capabilities = ["update"] }
${options.revoke ? 'path "sys/leases/revoke" { capabilities = ["update"] }' : ''}
`;
}

beforeAll(async () => {
  const engine = await databaseEngine({
    maxTtl: '24h',
    policy: (at) => dynamicPolicy(at, { revoke: true }),
  });
  mount = engine.mount;
  role = engine.role;
  const vaultDb = createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'database', mount, role } },
    { roleId: engine.credentials.roleId, secretId: engine.credentials.secretId },
  );
  const withoutRevoke = await appRoleWithPolicy(dynamicPolicy(mount, { revoke: false }));
  const vaultDbNoRevoke = createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'database', mount, role } },
    { roleId: withoutRevoke.roleId, secretId: withoutRevoke.secretId },
  );
  rig = await rotationRig({ connections: { 'vault-db': vaultDb, 'vault-db-no-revoke': vaultDbNoRevoke } });
});
afterAll(async () => {
  await rig.dispose();
});

async function importedDynamicSecret(connection = 'vault-db') {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  const ctx = contextFor(tenant);
  await rig.secrets.import(ctx, { connection, ref: role, name: 'app-db', type: 'env' });
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

/** Whether Vault still knows the lease (a revoked or expired one fails the lookup). */
async function leaseExists(id: string): Promise<boolean> {
  return (await baoApi('sys/leases/lookup', { method: 'PUT', body: { lease_id: id } })).status === 200;
}

async function roleExists(username: string): Promise<boolean> {
  return asSuperuser(
    async (client) =>
      (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount === 1,
  );
}

async function heldLease(tenant: string) {
  return (await rig.store.get(tenant, 'app-db'))!.rotationState!.lease!;
}

async function revocations(tenant: string) {
  const audit = await rig.audit.list(tenant, { limit: 50 });
  return audit.items.filter((event) => event.action === 'secret.lease.revoke');
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

  it('revokes the lease its new credentials replace: Vault forgets it and its database user is dropped', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const first = await heldLogin(ctx);
    const firstLease = await heldLease(tenant);

    const outcome = await rig.rotation.rotate(ctx, 'app-db');

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 3 });
    const second = await heldLogin(ctx);
    expect(second.username).not.toBe(first.username);
    expect(await logsIn(second)).toBe(true);
    expect(await leaseExists((await heldLease(tenant)).id)).toBe(true);
    expect(await leaseExists(firstLease.id)).toBe(false);
    expect(await logsIn(first)).toBe(false);
    expect(await roleExists(first.username)).toBe(false);
    expect((await revocations(tenant)).map((event) => event.outcome)).toEqual(['success']);
  });

  it('counts a replaced lease that Vault no longer has as revoked, not as a failure', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const first = await heldLogin(ctx);
    const firstLease = await heldLease(tenant);
    await baoOk('sys/leases/revoke', { method: 'PUT', body: { lease_id: firstLease.id } });

    rig.clock.set((await rig.store.get(tenant, 'app-db'))!.nextRotationAt!);
    await rig.rotation.rotate(ctx, 'app-db', { scheduled: true });

    expect((await heldLogin(ctx)).username).not.toBe(first.username);
    // Already gone in Vault: nothing is left to revoke, and that is no failure.
    expect((await revocations(tenant)).map((event) => event.outcome)).toEqual(['success']);
  });

  it('revokes the held lease when the secret is deleted for good, after a soft delete and restore that keep it', async () => {
    const { tenant, ctx } = await importedDynamicSecret();
    await rig.rotation.rotate(ctx, 'app-db');
    const held = await heldLogin(ctx);
    const heldId = (await heldLease(tenant)).id;

    await rig.secrets.remove(ctx, 'app-db');
    await rig.secrets.restore(ctx, 'app-db');
    expect(await leaseExists(heldId)).toBe(true);
    await rig.secrets.remove(ctx, 'app-db', { force: true });

    expect(await leaseExists(heldId)).toBe(false);
    expect(await logsIn(held)).toBe(false);
    expect(await roleExists(held.username)).toBe(false);
    expect(await rig.store.get(tenant, 'app-db')).toBeUndefined();
    // The role itself is Vault's: deleting the secret leaves it issuing credentials.
    expect((await baoOk(`${mount}/creds/${role}`)).data?.username).toBeTruthy();
  });

  it('stays rotated when the policy refuses the revoke, audits the refusal, and leaves the old lease to its TTL', async () => {
    const { tenant, ctx } = await importedDynamicSecret('vault-db-no-revoke');
    await rig.rotation.rotate(ctx, 'app-db');
    const first = await heldLogin(ctx);
    const firstLease = await heldLease(tenant);

    const outcome = await rig.rotation.rotate(ctx, 'app-db');

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 3 });
    expect(await leaseExists(firstLease.id)).toBe(true);
    expect(await logsIn(first)).toBe(true);
    expect(await revocations(tenant)).toMatchObject([{ outcome: 'failure', reason: 'forbidden' }]);
    await baoOk('sys/leases/revoke', { method: 'PUT', body: { lease_id: firstLease.id } });
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
