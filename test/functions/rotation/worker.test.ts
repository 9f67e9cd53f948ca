/**
 * The rotation worker: one due secret per invocation; a failed rotation is an outcome recorded on the
 * secret, not an error that would stop the rest of the run.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotationFailedMarker } from '../../../functions/rotation/failure-log.ts';
import { handler, rotateDue, rotationActor } from '../../../functions/rotation/worker.ts';
import { ProviderUnavailableError, ValidationError } from '../../../shared/errors.ts';
import type { DatabaseDriver } from '../../../shared/rotation/postgres.ts';
import { contextFor, type RotationRig, rotationRig } from '../../rotation/rotation-fixtures.ts';

let rig: RotationRig;

beforeAll(async () => {
  rig = await rotationRig();
});
afterAll(async () => {
  await rig.dispose();
});

/** A database that cannot be reached: a fault forced without a server. */
const unreachable: DatabaseDriver = {
  connect: async () => {
    throw new ProviderUnavailableError('could not reach the database to log in (ECONNREFUSED)');
  },
};

describe('the rotation worker', () => {
  it('answers a failed rotation as an outcome, audited as done by the rotation actor', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = contextFor(tenant);
    const data = {
      engine: 'postgres',
      host: '127.0.0.1',
      port: '1',
      username: 'app',
      password: 'pw',
      dbname: 'app',
    };
    await rig.secrets.create(ctx, { name: 'db', type: 'env', data });
    await rig.rotation.configure(ctx, 'db', {
      schedule: 'rate(1 day)',
      strategy: 'database',
      options: {
        mode: 'single-user',
        tls: 'disable',
        policy: {
          length: 20,
          lowercase: true,
          uppercase: true,
          digits: true,
          symbols: false,
          exclude: '',
          requireEachClass: true,
        },
      },
    });
    rig.clock.advance(2 * 86_400_000);

    const lines: string[] = [];
    const result = await rotateDue(
      rig.rotationWith({ databases: unreachable }),
      { tenant, name: 'db' },
      'invocation-1',
      (line) => lines.push(line),
    );

    expect(result).toMatchObject({
      tenant,
      name: 'db',
      outcome: 'failed',
      error: { code: 'provider_unavailable' },
    });
    const audit = await rig.audit.list(tenant, { limit: 10 });
    expect(audit.items[0]).toMatchObject({
      action: 'secret.rotate',
      outcome: 'failure',
      actor: rotationActor,
      requestId: 'invocation-1',
    });
    expect((await rig.store.get(tenant, 'db'))?.rotationState?.lastError?.step).toBe('setSecret');
    // One line for the rotation-failure alarm: who and what, the code, never the message or a value.
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'warn',
        event: rotationFailedMarker,
        requestId: 'invocation-1',
        tenant,
        name: 'db',
        code: 'provider_unavailable',
      },
    ]);
    expect(lines[0]).not.toContain('pw');
  });

  it('skips a secret that is not due', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = contextFor(tenant);
    await rig.secrets.create(ctx, { name: 'later', type: 'env', data: { K: 'v' } });
    await rig.rotation.configure(ctx, 'later', {
      schedule: 'rate(1 day)',
      strategy: 'random',
      options: {
        keys: ['K'],
        policy: {
          length: 12,
          lowercase: true,
          uppercase: true,
          digits: true,
          symbols: false,
          exclude: '',
          requireEachClass: true,
        },
      },
    });

    const result = await rotateDue(rig.rotation, { tenant, name: 'later' });

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/not due/) });
    expect((await rig.store.get(tenant, 'later'))?.version).toBe(1);
  });

  it('refuses an event that does not name a tenant and a secret', async () => {
    await expect(handler({ tenant: 'Not A Tenant', name: 'x' }, {} as Context)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
