/**
 * Secret-hours of one month, computed from when a secret existed: each interval in which it was
 * active (created or restored, until deleted or purged), as AWS prorates by the hour; every replica
 * region counts as a secret of its own over the same intervals. A secret waiting out its recovery
 * window is not charged, as AWS does not.
 *
 * An hour is charged when it starts: the first when the secret comes into existence, then one every
 * hour while it exists. An hour already charged is not charged again, so a secret deleted and restored
 * within an hour it paid for goes on in that hour, and its next hour starts when that one ends. An
 * hour belongs to the month it started in, so one that runs over a month's end is charged once.
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
  const window = { from: start.getTime(), until: Math.min(end.getTime(), now.getTime()) };
  const sorted = [...intervals].sort((a, b) => a.from.getTime() - b.from.getTime());
  const copies = Math.max(0, ...sorted.map((interval) => 1 + (interval.replicas ?? 0)));
  let hours = 0;
  // The primary is copy 0, replica i is copy i: each is billed over the intervals it existed in.
  for (let copy = 0; copy < copies; copy++) {
    hours += hoursOfOneCopy(
      sorted.filter((interval) => copy <= (interval.replicas ?? 0)),
      window,
    );
  }
  return hours;
}

/** Hours started in [from, until) by one copy of a secret, over its intervals in order of start. */
function hoursOfOneCopy(
  intervals: readonly ActiveInterval[],
  window: { from: number; until: number },
): number {
  let hours = 0;
  let paidUntil = Number.NEGATIVE_INFINITY;
  for (const interval of intervals) {
    // Its hours start at `first`, `first` + 1 h, … while it exists: after the hours already paid for.
    const first = Math.max(interval.from.getTime(), paidUntil);
    const to = interval.to?.getTime() ?? Number.POSITIVE_INFINITY;
    if (to <= first) continue;
    const started = Math.ceil((to - first) / hourMs);
    const fromIndex = Math.max(0, Math.ceil((window.from - first) / hourMs));
    const toIndex = Math.min(started, Math.max(0, Math.ceil((window.until - first) / hourMs)));
    hours += Math.max(0, toIndex - fromIndex);
    paidUntil = first + started * hourMs;
  }
  return hours;
}
