/**
 * Secret-hours of one month, computed from when a secret existed: each interval in which it was
 * active (created or restored, until deleted or purged) is clipped to the month and counted in hours
 * started, as AWS prorates by the hour; every replica region counts as a secret of its own over the
 * same intervals. A secret waiting out its recovery window is not charged, as AWS does not.
 */
export interface ActiveInterval {
  from: Date;
  /** Absent while the secret is still active. */
  to?: Date;
  /** Replica regions during this interval (each is charged as a secret). */
  replicas?: number;
}

const hourMs = 3_600_000;

export function monthBounds(month: string): { start: Date; end: Date; hours: number } {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(year, monthNumber - 1, 1));
  const end = new Date(Date.UTC(year, monthNumber, 1));
  return { start, end, hours: (end.getTime() - start.getTime()) / hourMs };
}

/** Secret-hours in `month` (YYYY-MM), up to `now` for the current month. */
export function secretHours(intervals: readonly ActiveInterval[], month: string, now: Date): number {
  const { start, end } = monthBounds(month);
  const until = Math.min(end.getTime(), now.getTime());
  let hours = 0;
  for (const interval of intervals) {
    const from = Math.max(interval.from.getTime(), start.getTime());
    const to = Math.min(interval.to?.getTime() ?? until, until);
    if (to <= from) continue;
    hours += Math.ceil((to - from) / hourMs) * (1 + (interval.replicas ?? 0));
  }
  return hours;
}
