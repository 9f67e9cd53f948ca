/** The edge shapes of `GET /v1/costs`: its query, and its answer for the OpenAPI document. */
import * as z from 'zod';

export const costQuery = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM')
    .optional()
    .describe('The month, UTC (default: the current month)'),
  format: z.enum(['json', 'csv']).default('json'),
});

const money = z.string().describe('US dollars, rounded to the cent');
const counts = z.record(z.string(), z.number().int());

export const costReportSchema = z.object({
  month: z.string(),
  currency: z.literal('USD'),
  complete: z.boolean().describe('False while the month is still running'),
  generatedAt: z.string(),
  rolledUpAt: z.string().optional().describe('Present when answered from the monthly roll-up'),
  total: money,
  projected: money.optional().describe('The current month only: the total at its end, at the current rate'),
  savedCost: money.describe('What the cache hits would have cost as vault calls'),
  connections: z.array(
    z.object({
      connection: z.string(),
      kind: z.string().nullable(),
      secrets: z.number().int(),
      secretHours: z.number().int(),
      storageCost: money,
      calls: counts,
      connectionCalls: counts.describe('Calls on the connection as a whole (batch reads, tests, discovery)'),
      connectionCallCost: money,
      callCost: money,
      cacheHits: z.number().int(),
      savedCost: money,
      total: money,
      projected: money.optional(),
    }),
  ),
  secrets: z.array(
    z.object({
      name: z
        .string()
        .nullable()
        .describe('Null for a vault secret read by reference that secretm does not manage'),
      connection: z.string(),
      ref: z.string(),
      secretHours: z.number().int(),
      storageCost: money,
      calls: counts,
      callCost: money,
      cacheHits: z.number().int(),
      savedCost: money,
      total: money,
    }),
  ),
});
