/**
 * The hourly audit digests in local mode: what the EventBridge schedule and the digest function do in
 * AWS, done in-process. Every interval, one run digests each tenant's closed hours not digested yet
 * (functions/audit/digest.ts); a run never overlaps the previous one, and a run that finds nothing to
 * do writes nothing. The log says only that a run failed, or which tenants it could not digest.
 */

import { digestAudits } from '../functions/audit/digest.ts';
import type { Dependencies } from '../functions/dependencies.ts';
import type { DigestRunSummary } from '../shared/audit/audit-digests.ts';

export interface AuditDigestSchedule {
  /** One run now (what each tick does). */
  runOnce(): Promise<DigestRunSummary>;
  stop(): Promise<void>;
}

export function startAuditDigestSchedule(
  deps: Pick<Dependencies, 'auditDigests'>,
  everyMs: number,
): AuditDigestSchedule {
  let running: Promise<DigestRunSummary> | undefined;
  const runOnce = () => {
    running ??= digestAudits(deps).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (running) return;
    runOnce().then(
      (summary) => {
        if (summary.failed.length > 0) {
          console.warn(`audit digests: ${summary.failed.length} tenant(s) could not be digested this run`);
        }
      },
      (error: unknown) =>
        console.error(`audit digests: the run failed (${(error as Error)?.name ?? 'error'})`),
    );
  }, everyMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
