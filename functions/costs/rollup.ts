/**
 * The monthly cost roll-up, run by a schedule early each month: it computes last month's report for
 * every tenant and keeps it (shared/store/rollup-store.ts), so `GET /v1/costs` answers a finished month
 * from a few items however many secrets a tenant has. The scheduled run (no month given) skips tenants
 * already rolled up, so a run cut short by the function's time limit and retried goes on where it
 * stopped. `{ "month": "YYYY-MM" }` rolls up a finished month again for every tenant (an operator's
 * re-run, e.g. after a price change), replacing the earlier roll-up.
 */
import * as z from 'zod';
import { previousMonth, type RollUpSummary } from '../../shared/costs/cost-service.ts';
import { parseInput } from '../../shared/validation/parse.ts';
import { type Dependencies, lazyDependencies } from '../dependencies.ts';

export const rollupEvent = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
    .optional(),
});

export async function rollUp(
  deps: Pick<Dependencies, 'costs' | 'clock'>,
  event: unknown,
): Promise<RollUpSummary> {
  const input = parseInput(rollupEvent, event ?? {}, 'event');
  if (input.month) return deps.costs.rollUpAll(input.month);
  return deps.costs.rollUpAll(previousMonth(deps.clock.now()), { resume: true });
}

const dependencies = lazyDependencies();

export async function handler(event: unknown): Promise<RollUpSummary> {
  return rollUp(await dependencies(), event);
}
