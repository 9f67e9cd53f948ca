/**
 * Scheduled rotation in local mode: what EventBridge Scheduler and the state machine do in AWS, done
 * in-process. Every interval, one run of the dispatcher hands the due secrets to the worker; a run
 * never overlaps the previous one. Failures are recorded on each secret; the log says nothing of them
 * but their count (and never a value).
 */
import { type DueSource, dispatch } from '../functions/rotation/dispatcher.ts';
import { rotateFor, type TenantRotations, type WorkerResult } from '../functions/rotation/worker.ts';

export interface RotationSchedule {
  /** One run now (what each tick does); resolves when its rotations are done. */
  runOnce(): Promise<WorkerResult[]>;
  stop(): Promise<void>;
}

export function startRotationSchedule(deps: DueSource & TenantRotations, everyMs: number): RotationSchedule {
  let running: Promise<WorkerResult[]> | undefined;
  const runOnce = () => {
    running ??= dispatch(deps, (event) => rotateFor(deps, event)).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (running) return;
    runOnce().then(
      (results) => {
        const failed = results.filter((result) => result.outcome === 'failed').length;
        if (failed > 0)
          console.warn(
            `rotation: ${failed} of ${results.length} due secrets failed; see their rotation status`,
          );
      },
      (error: unknown) => console.error(`rotation: the run failed (${(error as Error)?.name ?? 'error'})`),
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
