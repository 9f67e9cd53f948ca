/**
 * The `random` rotation on the local vault and DynamoDB Local, on a fake clock: new values under the
 * policy, history and audit, the pending value kept out of the secret until promoted, failures that
 * leave the current value current and back off exponentially.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ProviderUnavailableError, UnprocessableError } from '../../shared/errors.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { retryBaseMs } from '../../shared/rotation/rotation-service.ts';
import { pendingRef } from '../../shared/rotation/vault-refs.ts';
import { contextFor, type RotationRig, rotationRig } from './rotation-fixtures.ts';

let rig: RotationRig;
/** A vault whose writes of pending values fail on demand: a fault the local vault cannot produce. */
let failPendingWrites = false;

beforeAll(async () => {
  let local: SecretProvider | undefined;
  const flaky: SecretProvider = {
    kind: 'local',
    refFor: (tenant, name) => local!.refFor(tenant, name),
    create: (ref, ...rest) =>
      failPendingWrites && ref.includes('_rotation.')
        ? Promise.reject(new ProviderUnavailableError('vault down'))
        : local!.create(ref, ...rest),
    put: (ref, ...rest) =>
      failPendingWrites && ref.includes('_rotation.')
        ? Promise.reject(new ProviderUnavailableError('vault down'))
        : local!.put(ref, ...rest),
    get: (...args) => local!.get(...args),
    delete: (...args) => local!.delete(...args),
    restore: (...args) => local!.restore(...args),
    test: () => local!.test(),
    discover: (...args) => local!.discover(...args),
  };
  rig = await rotationRig({ connections: { flaky } });
  local = rig.vault;
});
afterAll(async () => {
  await rig.dispose();
});

const policy = {
  length: 40,
  lowercase: true,
  uppercase: true,
  digits: true,
  symbols: false,
  exclude: 'lI1O0',
  requireEachClass: true,
};

async function secretWithRandomRotation(tenant: string, connection = 'local') {
  const ctx = contextFor(tenant);
  const name = `api-${randomUUID().slice(0, 8)}`;
  await rig.secrets.create(ctx, {
    name,
    type: 'env',
    connection,
    data: { API_KEY: 'initial-key', REGION: 'eu-west-1' },
  });
  await rig.rotation.configure(ctx, name, {
    schedule: 'rate(30 days)',
    strategy: 'random',
    options: { keys: ['API_KEY', 'API_SECRET'], policy },
  });
  return { ctx, name };
}

describe('random rotation', () => {
  it('gives the chosen keys new values under the policy, as a new version, leaving the other keys', async () => {
    const { ctx, name } = await secretWithRandomRotation(`t-${randomUUID().slice(0, 8)}`);

    const outcome = await rig.rotation.rotate(ctx, name);

    expect(outcome).toMatchObject({ name, outcome: 'rotated', version: 2 });
    const { value } = await rig.secrets.getValue(ctx, name);
    const data = value.type === 'env' ? value.data : {};
    expect(data.REGION).toBe('eu-west-1');
    for (const key of ['API_KEY', 'API_SECRET']) {
      expect(data[key]).toMatch(/^[A-Za-z0-9]{40}$/);
      expect(data[key]).not.toMatch(/[lI1O0]/);
      expect(data[key]).toMatch(/[a-z]/);
      expect(data[key]).toMatch(/[A-Z]/);
      expect(data[key]).toMatch(/[0-9]/);
    }
    expect(data.API_KEY).not.toBe(data.API_SECRET);
    const versions = await rig.secrets.listVersions(ctx, name, { limit: 10 });
    expect(versions.page.items.map((v) => [v.version, v.action])).toEqual([
      [2, 'rotate'],
      [1, 'create'],
    ]);
    const old = await rig.secrets.getValue(ctx, name, { version: 1 });
    expect(old.value).toEqual({ type: 'env', data: { API_KEY: 'initial-key', REGION: 'eu-west-1' } });
  });

  it('schedules the next rotation from the schedule, records success, and leaves no pending value in the vault', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant);
    const started = rig.clock.now();

    await rig.rotation.rotate(ctx, name);

    const record = await rig.store.get(tenant, name);
    expect(record?.nextRotationAt).toBe(new Date(started.getTime() + 30 * 86_400_000).toISOString());
    expect(record?.rotationState).toEqual({
      lastRotatedAt: started.toISOString(),
      lastAttemptAt: started.toISOString(),
      consecutiveFailures: 0,
    });
    expect(record?.rotationLock).toBeUndefined();
    await expect(rig.vault.get(pendingRef(rig.vault, tenant, name))).rejects.toThrow(/not found|no secret/i);
  });

  it('keeps the rotated keys out of every record and audit event, which hold names only', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant);
    await rig.rotation.rotate(ctx, name);
    const { value } = await rig.secrets.getValue(ctx, name);
    const secretValue = value.type === 'env' ? value.data.API_KEY! : '';

    const record = await rig.store.get(tenant, name);
    const versions = await rig.store.listVersions(tenant, name, { limit: 10 });
    const audit = await rig.audit.list(tenant, { limit: 50 });

    const stored = JSON.stringify([record, versions, audit]);
    expect(stored).not.toContain(secretValue);
    expect(stored).not.toContain('initial-key');
    expect(audit.items.map((event) => event.action)).toContain('secret.rotate');
  });

  it('refuses to rotate a secret without rotation settings', async () => {
    const ctx = contextFor(`t-${randomUUID().slice(0, 8)}`);
    await rig.secrets.create(ctx, { name: 'plain', type: 'env', data: { K: 'v' } });

    await expect(rig.rotation.rotate(ctx, 'plain')).rejects.toBeInstanceOf(UnprocessableError);
  });
});

describe('a failed random rotation', () => {
  it('leaves the current value current, records the failure without a value, and backs off exponentially', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant, 'flaky');
    const failures: (string | undefined)[] = [];

    failPendingWrites = true;
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        await expect(rig.rotation.rotate(ctx, name)).rejects.toBeInstanceOf(ProviderUnavailableError);
        failures.push((await rig.store.get(tenant, name))?.nextRotationAt);
      }
    } finally {
      failPendingWrites = false;
    }

    const now = rig.clock.now().getTime();
    expect(failures).toEqual([1, 2, 4].map((factor) => new Date(now + factor * retryBaseMs).toISOString()));
    const record = await rig.store.get(tenant, name);
    expect(record?.version).toBe(1);
    expect(record?.rotationState).toMatchObject({
      consecutiveFailures: 3,
      lastAttemptAt: rig.clock.now().toISOString(),
      lastError: { code: 'provider_unavailable', step: 'createSecret' },
    });
    expect(record?.rotationState?.pending).toBeUndefined();
    expect((await rig.secrets.getValue(ctx, name)).value).toEqual({
      type: 'env',
      data: { API_KEY: 'initial-key', REGION: 'eu-west-1' },
    });
    const audit = await rig.audit.list(tenant, { limit: 50 });
    const rotations = audit.items.filter((event) => event.action === 'secret.rotate');
    expect(rotations.map((event) => [event.outcome, event.reason])).toEqual([
      ['failure', 'provider_unavailable'],
      ['failure', 'provider_unavailable'],
      ['failure', 'provider_unavailable'],
    ]);

    const next = await rig.rotation.rotate(ctx, name);
    expect(next.version).toBe(2);
    expect((await rig.store.get(tenant, name))?.rotationState?.consecutiveFailures).toBe(0);
  });

  it('caps the back-off at a day', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant, 'flaky');

    failPendingWrites = true;
    try {
      for (let attempt = 1; attempt <= 12; attempt++) {
        await expect(rig.rotation.rotate(ctx, name)).rejects.toBeInstanceOf(ProviderUnavailableError);
      }
    } finally {
      failPendingWrites = false;
    }

    const record = await rig.store.get(tenant, name);
    expect(record?.nextRotationAt).toBe(new Date(rig.clock.now().getTime() + 86_400_000).toISOString());
  });
});

describe('the rotation lock', () => {
  it('refuses a second rotation and value writes while one holds the lock, and lets a rotation take over an expired lock', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant);
    const now = rig.clock.now().getTime();
    await rig.store.claimRotation(tenant, name, { id: 'crashed-worker', expiresAt: now + 60_000 }, { now });

    await expect(rig.rotation.rotate(ctx, name)).rejects.toBeInstanceOf(ConflictError);
    await expect(rig.secrets.replace(ctx, name, { data: { API_KEY: 'x' } })).rejects.toThrow(/being rotated/);

    rig.clock.advance(61_000);
    const outcome = await rig.rotation.rotate(ctx, name);
    expect(outcome.version).toBe(2);
  });
});

describe('a pending rotation', () => {
  it('holds value writes, deletion and settings changes until it is finished or discarded', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant);
    let reached: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const stopping = rig.rotationWith({
      afterStep: async () => {
        reached();
        await new Promise<never>(() => undefined);
      },
    });
    void stopping.rotate(ctx, name).catch(() => undefined);
    await stopped;
    rig.clock.advance(6 * 60_000);

    const refusals = await Promise.all([
      rig.secrets.replace(ctx, name, { data: { API_KEY: 'mine' } }).catch((error: unknown) => error),
      rig.secrets.remove(ctx, name).catch((error: unknown) => error),
      rig.rotation.configure(ctx, name, { enabled: false }).catch((error: unknown) => error),
    ]);
    const discarded = await rig.rotation.discardPending(ctx, name);
    const written = await rig.secrets.replace(ctx, name, { data: { API_KEY: 'mine' } });

    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(ConflictError);
      expect((refusal as Error).message).toMatch(/pending/);
    }
    expect(discarded.rotation).toBeUndefined();
    expect(discarded.rotationState?.pending).toBeUndefined();
    expect(written.version).toBe(2);
    await expect(rig.vault.get(pendingRef(rig.vault, tenant, name))).rejects.toThrow();
    const audit = await rig.audit.list(tenant, { limit: 20 });
    expect(audit.items.map((event) => event.action)).toContain('secret.rotation.disable');
  });

  it('names both ways out in every 409 it causes: POST …/rotate, and DELETE …/rotation?discardPending=true', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const { ctx, name } = await secretWithRandomRotation(tenant);
    let reached: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const stopping = rig.rotationWith({
      afterStep: async () => {
        reached();
        await new Promise<never>(() => undefined);
      },
    });
    void stopping.rotate(ctx, name).catch(() => undefined);
    await stopped;
    rig.clock.advance(6 * 60_000);

    const refusals = await Promise.all([
      rig.secrets.replace(ctx, name, { data: { API_KEY: 'mine' } }).catch((error: unknown) => error),
      rig.secrets.patch(ctx, name, { set: { API_KEY: 'mine' } }).catch((error: unknown) => error),
      rig.secrets.rollback(ctx, name, 1).catch((error: unknown) => error),
      rig.secrets.remove(ctx, name).catch((error: unknown) => error),
      rig.rotation
        .configure(ctx, name, {
          schedule: 'rate(1 day)',
          strategy: 'random',
          options: { keys: ['API_KEY'], policy },
        })
        .catch((error: unknown) => error),
      rig.rotation.configure(ctx, name, { enabled: false }).catch((error: unknown) => error),
    ]);

    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(ConflictError);
      expect((refusal as Error).message).toContain(`POST /v1/secrets/${name}/rotate`);
      expect((refusal as Error).message).toContain(`DELETE /v1/secrets/${name}/rotation?discardPending=true`);
    }
  });
});
