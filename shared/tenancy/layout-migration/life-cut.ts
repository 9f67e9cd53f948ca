/**
 * When a moved secret's cost life passes from its old vault ref to its new one. Secret-hours count each
 * interval in hours started from its start (or from the month's first hour, shared/costs/secret-hours.ts),
 * so ending one interval at an arbitrary time and starting the next there would count the hour in
 * which the move happened twice. Cutting at the last whole hour of the open interval's count (≤ now)
 * keeps every month's secret-hours exactly what they were without the move.
 */
const hourMs = 3_600_000;

export function lifeCut(openedAt: Date, now: Date): Date {
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const from = Math.max(openedAt.getTime(), monthStart);
  if (from >= now.getTime()) return now;
  return new Date(from + Math.floor((now.getTime() - from) / hourMs) * hourMs);
}
