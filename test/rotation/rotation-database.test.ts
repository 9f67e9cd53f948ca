/**
 * The `database` rotation against the live PostgreSQL of the test set-up (secrets on the local vault,
 * metadata on DynamoDB Local, a fake clock): passwords changed on the real database, single-user and
 * alternating users, failures that leave the current login working, and rotations stopped after each
 * of the four steps and run again.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { ForbiddenError, ProviderUnavailableError, UnauthorizedError } from '../../shared/errors.ts';
import type { RotationStep } from '../../shared/rotation/rotation-types.ts';
import { pendingRef } from '../../shared/rotation/vault-refs.ts';
import {
  asSuperuser,
  canLogIn,
  databaseSecret,
  newRole,
  recordingDriver,
  superuserSecret,
  type TestRole,
} from './postgres-fixtures.ts';
import { contextFor, type RotationRig, rotationRig, testDatabases } from './rotation-fixtures.ts';

let rig: RotationRig;
const drivers: ReturnType<typeof recordingDriver>[] = [];

beforeAll(async () => {
  rig = await rotationRig();
});
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.closeAll()));
});
afterAll(async () => {
  await rig.dispose();
});

function driver(refuse?: Parameters<typeof recordingDriver>[1]) {
  const made = recordingDriver(testDatabases(), refuse);
  drivers.push(made);
  return made;
}

interface Setup {
  tenant: string;
  ctx: ReturnType<typeof contextFor>;
  name: string;
  role: TestRole;
}

async function databaseSecretWithRotation(
  mode: 'single-user' | 'alternating-users',
  options: {
    master?: Record<string, string>;
    role?: TestRole;
    tls?: 'verify-full' | 'require' | 'disable';
  } = {},
): Promise<Setup> {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  const ctx = contextFor(tenant);
  const role = options.role ?? (await newRole());
  const name = 'prod-db';
  await rig.secrets.create(ctx, { name, type: 'env', data: databaseSecret(role) });
  if (options.master) await rig.secrets.create(ctx, { name: 'db-admin', type: 'env', data: options.master });
  await rig.rotation.configure(ctx, name, {
    schedule: 'rate(30 days)',
    strategy: 'database',
    options: {
      mode,
      tls: options.tls ?? 'disable',
      ...(options.master ? { masterSecret: 'db-admin' } : {}),
      policy: {
        length: 32,
        lowercase: true,
        uppercase: true,
        digits: true,
        symbols: true,
        exclude: ' /@"\'\\',
        requireEachClass: true,
      },
    },
  });
  return { tenant, ctx, name, role };
}

async function currentLogin(setup: Setup): Promise<{ username: string; password: string }> {
  const { value } = await rig.secrets.getValue(setup.ctx, setup.name);
  const data = value.type === 'env' ? value.data : {};
  return { username: data.username!, password: data.password! };
}

describe('single-user database rotation', () => {
  it('changes the password on the database: the new one logs in, the old one no longer does', async () => {
    const setup = await databaseSecretWithRotation('single-user');

    const outcome = await rig.rotation.rotate(setup.ctx, setup.name);

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 2 });
    const now = await currentLogin(setup);
    expect(now.username).toBe(setup.role.username);
    expect(now.password).not.toBe(setup.role.password);
    expect(await canLogIn(now, setup.role.table)).toBe(true);
    expect(await canLogIn(setup.role, setup.role.table)).toBe(false);
  });

  it('uses the master secret’s login to change the password when one is named', async () => {
    const setup = await databaseSecretWithRotation('single-user', { master: superuserSecret() });

    await rig.rotation.rotate(setup.ctx, setup.name);
    await rig.rotation.rotate(setup.ctx, setup.name);

    const now = await currentLogin(setup);
    expect(await canLogIn(now, setup.role.table)).toBe(true);
    expect((await rig.store.get(setup.tenant, setup.name))?.version).toBe(3);
  });

  it('leaves the old password current and working when the database refuses the new one at the test step', async () => {
    const setup = await databaseSecretWithRotation('single-user');
    // The database accepts the new password, but refuses to log in with it.
    const faulty = rig.rotationWith({
      databases: driver(
        (login) => login.username === setup.role.username && login.password !== setup.role.password,
      ),
    });

    const error = await faulty.rotate(setup.ctx, setup.name).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(
      /rotation of prod-db failed at testSecret: .*version 1 stays current/,
    );
    const record = await rig.store.get(setup.tenant, setup.name);
    expect(record?.version).toBe(1);
    expect(record?.rotationState).toMatchObject({
      consecutiveFailures: 1,
      lastError: { code: 'unauthorized', step: 'testSecret' },
    });
    expect(record?.rotationState?.pending).toBeUndefined();
    expect(await currentLogin(setup)).toEqual({
      username: setup.role.username,
      password: setup.role.password,
    });
    expect(await canLogIn(setup.role, setup.role.table)).toBe(true);
    await expect(rig.vault.get(pendingRef(rig.vault, setup.tenant, setup.name))).rejects.toThrow();
    const audit = await rig.audit.list(setup.tenant, { limit: 20 });
    const failure = audit.items.find((event) => event.action === 'secret.rotate');
    expect(failure).toMatchObject({ outcome: 'failure', reason: 'unauthorized' });
    expect(JSON.stringify([record, audit])).not.toContain(setup.role.password);
  });
});

describe('alternating-users database rotation', () => {
  it('keeps one working login at every moment while a client keeps querying with the current value', async () => {
    const setup = await databaseSecretWithRotation('alternating-users', { master: superuserSecret() });
    const failures: string[] = [];
    const usersSeen = new Set<string>();
    let reads = 0;
    let stop = false;
    const client = (async () => {
      while (!stop) {
        const login = await currentLogin(setup);
        const db = new pg.Client({
          host: inject('postgresHost'),
          port: inject('postgresPort'),
          database: inject('postgresDatabase'),
          user: login.username,
          password: login.password,
        });
        db.on('error', () => undefined);
        try {
          await db.connect();
          const result = await db.query(`SELECT count(*)::int AS n FROM "${setup.role.table}"`);
          if (result.rows[0]?.n !== 1) failures.push(`${login.username}: wrong answer`);
          usersSeen.add(login.username);
        } catch (error) {
          failures.push(
            `${login.username}: ${(error as { code?: string }).code ?? (error as Error).message}`,
          );
        } finally {
          await db.end().catch(() => undefined);
        }
        reads++;
      }
    })();
    const afterMoreReads = async (count: number) => {
      const target = reads + count;
      while (reads < target) await new Promise((resolve) => setTimeout(resolve, 5));
    };

    try {
      for (let rotation = 0; rotation < 4; rotation++) {
        await afterMoreReads(3);
        await rig.rotation.rotate(setup.ctx, setup.name);
      }
      await afterMoreReads(3);
    } finally {
      stop = true;
      await client;
    }

    expect(failures).toEqual([]);
    expect(usersSeen).toEqual(new Set([setup.role.username, `${setup.role.username}_clone`]));
    expect((await rig.store.get(setup.tenant, setup.name))?.version).toBe(5);
  });

  it('creates the clone as a member of the user, and leaves the previous login working until the rotation after', async () => {
    const setup = await databaseSecretWithRotation('alternating-users', { master: superuserSecret() });

    await rig.rotation.rotate(setup.ctx, setup.name);
    const first = await currentLogin(setup);
    await rig.rotation.rotate(setup.ctx, setup.name);
    const second = await currentLogin(setup);

    expect(first.username).toBe(`${setup.role.username}_clone`);
    expect(second.username).toBe(setup.role.username);
    expect(await canLogIn(first, setup.role.table)).toBe(true);
    expect(await canLogIn(second, setup.role.table)).toBe(true);
    expect(await canLogIn(setup.role, setup.role.table)).toBe(false);
    const membership = await asSuperuser((client) =>
      client.query(
        'SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = $1 AND u.rolname = $2',
        [setup.role.username, first.username],
      ),
    );
    expect(membership.rowCount).toBe(1);
  });

  it('leaves the current login current when the database refuses to change the other user (no privilege)', async () => {
    const weakAdmin = await newRole('weak');
    const setup = await databaseSecretWithRotation('alternating-users', {
      master: databaseSecret(weakAdmin),
    });

    const error = await rig.rotation.rotate(setup.ctx, setup.name).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ForbiddenError);
    const record = await rig.store.get(setup.tenant, setup.name);
    expect(record?.version).toBe(1);
    expect(record?.rotationState?.lastError).toMatchObject({ code: 'forbidden', step: 'setSecret' });
    expect(record?.rotationState?.pending).toBeUndefined();
    expect(await canLogIn(setup.role, setup.role.table)).toBe(true);
  });
});

describe('TLS to the database (the test server presents a self-signed certificate)', () => {
  it('says a certificate verify-full does not trust is a TLS failure, names the tls option, and changes nothing', async () => {
    const setup = await databaseSecretWithRotation('single-user', { tls: 'verify-full' });

    const error = await rig.rotation.rotate(setup.ctx, setup.name).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderUnavailableError);
    const message = (error as Error).message;
    expect(message).toMatch(/TLS/);
    expect(message).toMatch(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(message).toContain('tls option is "verify-full"');
    expect(message).toContain('options.tls to "require"');
    expect(message).not.toMatch(/could not reach/);
    const record = await rig.store.get(setup.tenant, setup.name);
    expect(record?.version).toBe(1);
    expect(record?.rotationState?.lastError?.message).toMatch(/TLS/);
    expect(await canLogIn(setup.role, setup.role.table)).toBe(true);
  });

  it('rotates over TLS without checking the certificate when tls is require', async () => {
    const setup = await databaseSecretWithRotation('single-user', { tls: 'require' });

    const outcome = await rig.rotation.rotate(setup.ctx, setup.name);

    expect(outcome).toMatchObject({ outcome: 'rotated', version: 2 });
    expect(await canLogIn(await currentLogin(setup), setup.role.table)).toBe(true);
  });
});

describe.each(['single-user', 'alternating-users'] as const)('a %s rotation stopped after a step', (mode) => {
  const steps: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

  it.each(steps)(
    'converges to exactly one current value that works when run again after %s',
    async (stopAt) => {
      const setup = await databaseSecretWithRotation(
        mode,
        mode === 'alternating-users' ? { master: superuserSecret() } : {},
      );
      rig.clock.advance(31 * 86_400_000);
      let reached: () => void = () => undefined;
      const stopped = new Promise<string>((resolve) => {
        reached = () => resolve('stopped');
      });
      // The worker stops dead after the step: no clean-up, its lock left to expire.
      const stopping = rig.rotationWith({
        databases: driver(),
        afterStep: async (step) => {
          if (step !== stopAt) return;
          reached();
          await new Promise<never>(() => undefined);
        },
      });
      const first = stopping
        .rotate(contextFor(setup.tenant, 'secretm:rotation'), setup.name, { scheduled: true })
        .then(
          (outcome) => `ended: ${outcome.outcome}`,
          (error: unknown) => `failed: ${(error as Error).message}`,
        );
      expect(await Promise.race([stopped, first])).toBe('stopped');

      rig.clock.advance(6 * 60_000);
      const again = await rig.rotation.rotate(contextFor(setup.tenant, 'secretm:rotation'), setup.name, {
        scheduled: true,
      });

      expect(again.outcome).toBe(stopAt === 'finishSecret' ? 'skipped' : 'rotated');
      const record = await rig.store.get(setup.tenant, setup.name);
      expect(record?.version).toBe(2);
      expect(record?.rotationState?.pending).toBeUndefined();
      expect(record?.rotationLock).toBeUndefined();
      await expect(rig.vault.get(pendingRef(rig.vault, setup.tenant, setup.name))).rejects.toThrow();
      const now = await currentLogin(setup);
      expect(now).not.toEqual({ username: setup.role.username, password: setup.role.password });
      expect(await canLogIn(now, setup.role.table)).toBe(true);
      if (mode === 'single-user') expect(await canLogIn(setup.role, setup.role.table)).toBe(false);
    },
  );
});
