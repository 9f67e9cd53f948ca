/**
 * The rotation dispatcher: finds the secrets due for rotation (a paginated query of the index by next
 * rotation time, at most `limit` per run, never a scan) and hands each to the worker. In AWS the
 * schedule's state machine runs the workers (a Map over the answer, with bounded concurrency); local
 * mode and the tests run them in-process with `dispatch`. Claims are the worker's: two dispatchers
 * running at once hand out the same secrets, and each is rotated once.
 */
import { type Dependencies, lazyDependencies } from '../dependencies.ts';
import type { WorkerEvent, WorkerResult } from './worker.ts';

/** Secrets handed out per run by default; the rest wait for the next run. */
export const defaultDispatchLimit = 500;

export interface DispatchResult {
  due: WorkerEvent[];
}

/** Where due secrets are listed: the rotation index, across tenants. */
export type DueSource = Pick<Dependencies, 'dueRotations'>;

export async function findDue(
  source: DueSource,
  limit: number = defaultDispatchLimit,
): Promise<DispatchResult> {
  const due = await source.dueRotations({ limit });
  return { due: due.map(({ tenant, name }) => ({ tenant, name })) };
}

/** One run in-process: finds the due secrets and runs `invoke` on each, `concurrency` at a time. */
export async function dispatch(
  source: DueSource,
  invoke: (event: WorkerEvent) => Promise<WorkerResult>,
  options: { limit?: number; concurrency?: number } = {},
): Promise<WorkerResult[]> {
  const { due } = await findDue(source, options.limit);
  const results: WorkerResult[] = new Array(due.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(options.concurrency ?? 8, due.length) }, async () => {
    while (next < due.length) {
      const index = next++;
      results[index] = await invoke(due[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

const dependencies = lazyDependencies();

/** The state machine's first step: the due secrets, for its Map state to hand to the worker. */
export async function handler(event: { limit?: unknown } | undefined): Promise<DispatchResult> {
  const limit =
    typeof event?.limit === 'number' &&
    Number.isInteger(event.limit) &&
    event.limit > 0 &&
    event.limit <= 5000
      ? event.limit
      : defaultDispatchLimit;
  return findDue(await dependencies(), limit);
}
