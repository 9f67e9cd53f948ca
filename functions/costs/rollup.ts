/**
 * The monthly cost roll-up, run by a schedule early each month: it computes last month's report for
 * every tenant and keeps it (shared/store/rollup-store.ts), so `GET /v1/costs` answers a finished month
 * from a few items however many secrets a tenant has. `{ "month": "YYYY-MM" }` rolls up another
 * finished month (an operator's re-run); running it twice for a month replaces the first roll-up.
 */
import { z } from 'zod';
import { previousMonth } from '../../shared/costs/cost-service.ts';
import { parseInput } from '../../shared/validation/parse.ts';
import { type ApiDependencies, lazyDependencies } from '../dependencies.ts';

export const rollupEvent = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
    .optional(),
});

export async function rollUp(
  deps: Pick<ApiDependencies, 'costs' | 'clock'>,
  event: unknown,
): Promise<{ month: string; tenants: number }> {
  const input = parseInput(rollupEvent, event ?? {}, 'event');
  const month = input.month ?? previousMonth(deps.clock.now());
  return deps.costs.rollUpAll(month);
}

const dependencies = lazyDependencies();

export async function handler(event: unknown): Promise<{ month: string; tenants: number }> {
  return rollUp(await dependencies(), event);
}
