/** Local mode's rotation schedule: each run hands the due secrets to the worker, in-process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRotationSchedule } from '../../local/rotation-schedule.ts';
import { contextFor, type RotationRig, rotationRig } from '../rotation/rotation-fixtures.ts';

let rig: RotationRig;
beforeAll(async () => {
  rig = await rotationRig();
});
afterAll(async () => {
  await rig.dispose();
});

describe('the local rotation schedule', () => {
  it('rotates the secrets that are due on each run, and leaves the others', async () => {
    const ctx = contextFor('default');
    const body = {
      strategy: 'random' as const,
      options: {
        keys: ['TOKEN'],
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
    };
    for (const name of ['daily', 'monthly'])
      await rig.secrets.create(ctx, { name, type: 'env', data: { TOKEN: 'first' } });
    await rig.rotation.configure(ctx, 'daily', { ...body, schedule: 'rate(1 day)' });
    await rig.rotation.configure(ctx, 'monthly', { ...body, schedule: 'rate(30 days)' });
    const schedule = startRotationSchedule(rig, 3_600_000);

    try {
      rig.clock.advance(2 * 86_400_000);
      const results = await schedule.runOnce();

      expect(results.map((result) => [result.name, result.outcome])).toEqual([['daily', 'rotated']]);
      expect((await rig.store.get('default', 'daily'))?.version).toBe(2);
      expect((await rig.store.get('default', 'monthly'))?.version).toBe(1);
    } finally {
      await schedule.stop();
    }
  });
});
