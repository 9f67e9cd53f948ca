/** Time, passed in so tests can use a fake clock for recovery windows, locks and expiry. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
