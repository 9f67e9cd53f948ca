/**
 * Local mode's audit digest schedule: each run writes the digests of the hours closed since the last,
 * in-process, so `GET /v1/audit/verify` in local mode checks digests as it does in AWS; a run with
 * nothing due writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuditDigestSchedule } from '../../local/audit-digest-schedule.ts';
import { type LocalApi, startLocalApi } from './local-fixture.ts';

let now = new Date('2026-06-01T08:10:00.000Z');
let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ clock: { now: () => now } });
});
afterAll(async () => {
  await api?.stop();
});

describe('the local audit digest schedule', () => {
  it('digests the closed hours on each run, and nothing twice', async () => {
    const created = await api.request('POST', '/v1/secrets', {
      body: { name: 'scheduled', type: 'env', data: { K: 'v' } },
    });
    expect(created.status, created.text).toBe(201);
    const schedule = startAuditDigestSchedule(api.dependencies, 3_600_000);

    try {
      now = new Date('2026-06-01T09:25:00.000Z');
      const first = await schedule.runOnce();
      const again = await schedule.runOnce();
      const verified = await api.request('GET', '/v1/audit/verify');

      expect(first).toMatchObject({ done: true, failed: [] });
      expect(first.digests).toBeGreaterThan(0);
      expect(again.digests).toBe(0);
      expect(verified.json).toMatchObject({
        intact: true,
        digestedThrough: '2026-06-01T09:00:00.000Z',
        problems: 0,
      });
      expect(verified.json.checked.digests).toBeGreaterThan(0);
    } finally {
      await schedule.stop();
    }
  });
});
