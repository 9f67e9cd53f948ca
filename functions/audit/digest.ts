/**
 * The hourly audit digests, run by a schedule: for every tenant of the registry, each hour of its
 * audit that has closed (20 minutes after its end) and has no digest yet gets one, chained to the
 * digest before (shared/audit/audit-digests.ts). A run stops a minute before the function's time
 * limit; the next run goes on from each tenant's latest digest, so nothing is skipped.
 */
import type { DigestRunSummary } from '../../shared/audit/audit-digests.ts';
import { type Dependencies, lazyDependencies } from '../dependencies.ts';

/** Time kept back at the end of a run, so it stops between two digests rather than in one. */
export const stopMarginMs = 60_000;

export async function digestAudits(
  deps: Pick<Dependencies, 'auditDigests'>,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<DigestRunSummary> {
  const remaining = context?.getRemainingTimeInMillis;
  return deps.auditDigests(remaining ? { timeLeft: () => remaining() - stopMarginMs } : {}).digestAll();
}

const dependencies = lazyDependencies();

export async function handler(
  _event: unknown,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<DigestRunSummary> {
  return digestAudits(await dependencies(), context);
}
