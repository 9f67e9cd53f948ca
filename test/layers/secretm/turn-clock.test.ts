/**
 * The warm read's clock: one reading of the wall clock per event-loop turn, never kept past the turn
 * or past `maxReuse` checks; and the cache's freshness check uses it, so a value still expires.
 */
import { describe, expect, it } from 'vitest';
import { createCache, systemLayerClock } from '../../../layers/secretm/src/cache.ts';
import { createTurnClock, maxReuse } from '../../../layers/secretm/src/turn-clock.ts';

/** A clock that moves one millisecond at every reading, and counts its readings. */
function countingClock() {
  let readings = 0;
  return {
    now: () => ++readings,
    get readings() {
      return readings;
    },
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('the turn clock', () => {
  it('reads the wall clock once for the checks of one turn', () => {
    const clock = countingClock();
    const turn = createTurnClock(clock.now);

    const seen = [turn.recent(), turn.recent(), turn.recent()];

    expect(seen).toEqual([1, 1, 1]);
    expect(clock.readings).toBe(1);
  });

  it('reads it again in the next turn', async () => {
    const clock = countingClock();
    const turn = createTurnClock(clock.now);

    const first = turn.recent();
    await nextTurn();
    const second = turn.recent();

    expect(first).toBe(1);
    expect(second).toBe(2);
  });

  it('keeps reading the clock across awaited reads of one turn, every maxReuse checks', async () => {
    const clock = countingClock();
    const turn = createTurnClock(clock.now);

    const seen: number[] = [];
    for (let i = 0; i < maxReuse * 3; i++) seen.push(await Promise.resolve(turn.recent()));

    expect(new Set(seen)).toEqual(new Set([1, 2, 3]));
    expect(seen.filter((time) => time === 1)).toHaveLength(maxReuse);
  });
});

describe('the cache on the system clock', () => {
  it('stops answering a value as fresh once its TTL has passed, in a later turn', async () => {
    const cache = createCache<string>({ clock: systemLayerClock });
    await cache.get('db', 'db', async () => ({ value: 'v1', ttlMs: 20 }));

    const whileFresh = cache.fresh('db');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const afterTtl = cache.fresh('db');

    expect(whileFresh?.value).toBe('v1');
    expect(afterTtl).toBeUndefined();
  });

  it('uses the clock’s turn reading for freshness, and the exact clock without one', async () => {
    let exact = 1_000;
    let turn = 1_000;
    const withTurn = createCache<string>({ clock: { now: () => exact, recent: () => turn } });
    const exactOnly = createCache<string>({ clock: { now: () => exact } });
    for (const cache of [withTurn, exactOnly]) {
      await cache.get('db', 'db', async () => ({ value: 'v1', ttlMs: 100 }));
    }

    exact = 1_200;
    turn = 1_050;

    expect(withTurn.fresh('db')?.value).toBe('v1');
    expect(exactOnly.fresh('db')).toBeUndefined();
  });
});
