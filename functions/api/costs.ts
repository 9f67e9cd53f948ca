/** What each secret cost in a month: storage, vault calls, and what the cache saved. */
import type * as z from 'zod';
import { requireTenantWide } from '../../shared/access/authorize.ts';
import { costReportCsv } from '../../shared/costs/cost-csv.ts';
import { costQuery, costReportSchema } from '../../shared/costs/cost-schemas.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'costs' as const;
/** What the costs family's handlers get (functions/handlers/costs.ts builds it). */
export type CostsDependencies = FamilyDependencies<'costs'>;
const route = routesOf<CostsDependencies>();

export const costRoutes: Route<unknown, unknown, unknown, CostsDependencies>[] = [
  route<undefined, z.output<typeof costQuery>>({
    method: 'GET',
    path: '/v1/costs',
    scope: 'admin',
    auditAction: 'cost.report',
    family,
    operationId: 'getCosts',
    summary: 'The month’s costs per secret and per connection, with the current month projected to its end',
    query: costQuery,
    responses: {
      200: { description: 'The cost report (JSON, or CSV with ?format=csv)', schema: costReportSchema },
    },
    handler: async ({ query, ctx }, { costs }) => {
      // A report names every secret of the tenant: a principal with access rules needs them tenant-wide.
      requireTenantWide(ctx.principal, 'admin');
      const report = await costs.report(ctx.principal.tenant, query.month);
      if (query.format === 'csv') {
        return {
          statusCode: 200,
          headers: {
            'content-type': 'text/csv; charset=utf-8',
            'content-disposition': `attachment; filename="secretm-costs-${report.month}.csv"`,
          },
          text: costReportCsv(report),
        };
      }
      return json(200, report);
    },
  }),
];
