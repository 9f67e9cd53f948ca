/**
 * The rotation dispatcher over the index of secrets by next rotation time, on DynamoDB Local and the
 * local vault, on a fake clock: due secrets found without a scan and bounded per run, and two
 * dispatchers running at once rotating every secret exactly once.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, findDue } from '../../../functions/rotation/dispatcher.ts';
import { rotateDue, type WorkerResult } from '../../../functions/rotation/worker.ts';
import { contextFor, type RotationRig, rotationRig } from '../../rotation/rotation-fixtures.ts';

let rig: RotationRig;

// A table of its own per test: the index lists due secrets of every tenant.
beforeEach(async () => {
  rig = await rotationRig();
});
afterEach(async () => {
  await rig.dispose();
});

const rotationBody = {
  schedule: 'rate(30 days)',
  strategy: 'random' as const,
  options: {
    keys: ['TOKEN'],
    policy: {
      length: 16,
      lowercase: true,
      uppercase: true,
      digits: true,
      symbols: false,
      exclude: '',
      requireEachClass: true,
    },
  },
};

/** `count` secrets with rotation on, spread over `tenants` tenants, made `parallel` at a time. */
async function secretsWithRotation(
  count: number,
  tenants: number,
): Promise<{ tenant: string; name: string }[]> {
  const tenantIds = Array.from({ length: tenants }, () => `t-${randomUUID().slice(0, 8)}`);
  const made = Array.from({ length: count }, (_, i) => ({ tenant: tenantIds[i % tenants]!, name: `s-${i}` }));
  for (let i = 0; i < made.length; i += 25) {
    await Promise.all(
      made.slice(i, i + 25).map(async ({ tenant, name }) => {
        const ctx = contextFor(tenant);
        await rig.secrets.create(ctx, { name, type: 'env', data: { TOKEN: 'initial' } });
        await rig.rotation.configure(ctx, name, rotationBody);
      }),
    );
  }
  return made;
}

describe('the rotation dispatcher', () => {
  it('rotates each of 200 due secrets exactly once when two dispatchers run at once', async () => {
    const secrets = await secretsWithRotation(200, 4);
    rig.clock.advance(31 * 86_400_000);
    const first = rig.rotationWith({});
    const second = rig.rotationWith({});

    const [a, b] = await Promise.all([
      dispatch(rig, (event) => rotateDue(first, event), { limit: 500, concurrency: 8 }),
      dispatch(rig, (event) => rotateDue(second, event), { limit: 500, concurrency: 8 }),
    ]);

    const results: WorkerResult[] = [...a, ...b];
    for (const { tenant, name } of secrets) {
      const mine = results.filter((result) => result.tenant === tenant && result.name === name);
      expect(
        mine.filter((result) => result.outcome === 'rotated'),
        `${tenant}/${name}`,
      ).toHaveLength(1);
      expect(
        mine.filter((result) => result.outcome === 'failed'),
        `${tenant}/${name}`,
      ).toEqual([]);
    }
    const versions = await Promise.all(secrets.map(({ tenant, name }) => rig.store.get(tenant, name)));
    expect(versions.map((record) => record?.version)).toEqual(secrets.map(() => 2));
    const tenants = [...new Set(secrets.map((secret) => secret.tenant))];
    let audited = 0;
    for (const tenant of tenants) {
      const events = await rig.audit.list(tenant, { limit: 1000 });
      audited += events.items.filter(
        (event) => event.action === 'secret.rotate' && event.outcome === 'success',
      ).length;
    }
    expect(audited).toBe(200);
    expect(await findDue(rig)).toEqual({ due: [] });
  }, 180_000);

  it('hands out at most the limit per run, earliest due first, and only secrets whose rotation is on', async () => {
    const secrets = await secretsWithRotation(12, 1);
    const tenant = secrets[0]!.tenant;
    const ctx = contextFor(tenant);
    // Later due times for the last four; rotation off for s-0.
    rig.clock.advance(86_400_000);
    for (const name of ['s-8', 's-9', 's-10', 's-11']) await rig.rotation.configure(ctx, name, rotationBody);
    await rig.rotation.configure(ctx, 's-0', { enabled: false });
    rig.clock.advance(30 * 86_400_000);

    const { due } = await findDue(rig, 5);

    expect(due).toHaveLength(5);
    expect(due.map((event) => event.name)).not.toContain('s-0');
    expect(due.map((event) => event.name).some((name) => ['s-8', 's-9', 's-10', 's-11'].includes(name))).toBe(
      false,
    );
    const all = (await findDue(rig, 100)).due;
    expect(all.map((event) => event.name).sort()).toEqual(
      secrets
        .map((s) => s.name)
        .filter((n) => n !== 's-0')
        .sort(),
    );
    expect(all.every((event) => event.tenant === tenant)).toBe(true);
  });

  it('skips a secret scheduled for deletion and looks at it again a period later', async () => {
    const [secret] = await secretsWithRotation(1, 1);
    const ctx = contextFor(secret!.tenant);
    await rig.secrets.remove(ctx, secret!.name, { recoveryWindowDays: 7 });
    rig.clock.advance(31 * 86_400_000);

    const result = await rotateDue(rig.rotation, secret!);

    expect(result).toMatchObject({ outcome: 'skipped', reason: 'scheduled for deletion' });
    const record = await rig.store.get(secret!.tenant, secret!.name);
    expect(record?.version).toBe(1);
    expect(record?.nextRotationAt).toBe(new Date(rig.clock.now().getTime() + 30 * 86_400_000).toISOString());
  });
});
