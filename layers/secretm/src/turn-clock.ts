/**
 * The wall clock, read at most once per event-loop turn for the cache's freshness checks.
 *
 * A warm read is a map lookup and a clock read, and `Date.now()` is its costliest part (about 30 ns of
 * an 85 ns read, where an awaited Map.get takes 52 ns). Within one turn of the event loop, though, time moves only by the CPU work of that turn:
 * no I/O, no timer and no other invocation can run in it. So the time read by the first check of a turn
 * serves the checks after it in the same turn, and is dropped when the turn ends (`setImmediate`, which
 * runs before the loop waits for I/O again, so before a Lambda sandbox can be frozen), or after
 * `maxReuse` checks, whichever comes first: a turn that loops over reads with CPU work between them
 * still sees time move.
 *
 * What it allows: a value is at most one turn's CPU time (capped by `maxReuse` reads) older than its
 * TTL when last served fresh. Leases end a margin (at least 5 s) after freshness does, so a lease is
 * overrun only if one turn runs more than that margin of CPU work across the reads sharing a reading;
 * a rotation's time is not exact to the millisecond either. Loads, expiry bookkeeping and every other
 * clock read use the exact clock.
 */

/** Checks that may reuse one reading of the clock within a turn. */
export const maxReuse = 64;

export interface TurnClock {
  /** `now()`'s reading from earlier in this event-loop turn, or a new one. */
  recent(): number;
}

export function createTurnClock(now: () => number = Date.now): TurnClock {
  let reading = 0;
  let uses = 0;
  let held = false;
  const release = () => {
    held = false;
  };
  return {
    recent() {
      if (held && ++uses < maxReuse) return reading;
      reading = now();
      uses = 0;
      if (!held) {
        held = true;
        setImmediate(release);
      }
      return reading;
    },
  };
}
