/** The audit API: a tenant's events, filtered and exported a page at a time, and their verification. */
import type * as z from 'zod';
import { auditCsv, auditJsonLines, auditView } from '../../shared/audit/audit-csv.ts';
import {
  auditListQuery,
  auditPageSchema,
  auditVerificationSchema,
  auditVerifyQuery,
} from '../../shared/audit/audit-schemas.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { ForbiddenError } from '../../shared/errors.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'audit' as const;
/** What the audit family's handlers get (functions/handlers/audit.ts builds it). */
export type AuditDependencies = FamilyDependencies<'auditLog'>;
const route = routesOf<AuditDependencies>();

/** The tenant whose audit is read: the caller's, or (the operator only) the one it names, on that tenant's access. */
async function auditOf(tenant: string | undefined, ctx: RequestContext, deps: AuditDependencies) {
  if (tenant === undefined || tenant === deps.tenant) return deps;
  if (!ctx.principal.operator)
    throw new ForbiddenError('only the operator key may read another tenant’s audit');
  return deps.forTenant(tenant);
}

export const auditRoutes: Route<unknown, unknown, unknown, AuditDependencies>[] = [
  route<undefined, z.output<typeof auditListQuery>>({
    method: 'GET',
    path: '/v1/audit',
    scope: 'admin',
    family,
    operationId: 'listAuditEvents',
    summary: 'The tenant’s audit events, newest first, filtered, a page at a time (JSON, CSV or JSON Lines)',
    auditAction: 'audit.read',
    query: auditListQuery,
    responses: {
      200: {
        description:
          'A page of events; with ?format=csv or jsonl the page as text, and the next cursor in the x-next-cursor header',
        schema: auditPageSchema,
      },
    },
    handler: async ({ query, ctx }, deps) => {
      const { tenant, format, secret, ...filters } = query;
      const target = await auditOf(tenant, ctx, deps);
      const page = await target.auditLog.events(ctx, {
        ...filters,
        ...(secret === undefined ? {} : { target: `secret:${secret}` }),
      });
      if (format === 'json') {
        return json(200, {
          tenant: target.tenant,
          items: page.items.map(auditView),
          ...(page.cursor ? { cursor: page.cursor } : {}),
        });
      }
      return {
        statusCode: 200,
        headers: {
          'content-type':
            format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="secretm-audit-${target.tenant}.${format}"`,
          ...(page.cursor ? { 'x-next-cursor': page.cursor } : {}),
        },
        text: format === 'csv' ? auditCsv(page.items) : auditJsonLines(page.items),
      };
    },
  }),
  route<undefined, z.output<typeof auditVerifyQuery>>({
    method: 'GET',
    path: '/v1/audit/verify',
    scope: 'admin',
    family,
    operationId: 'verifyAudit',
    summary:
      'Recompute the audit’s HMACs, digests and digest chain over a time range, and name the first event altered, removed or inserted',
    auditAction: 'audit.verify',
    query: auditVerifyQuery,
    responses: {
      200: { description: 'What was checked, and what was found', schema: auditVerificationSchema },
    },
    handler: async ({ query, ctx }, deps) => {
      const { tenant, ...range } = query;
      const target = await auditOf(tenant, ctx, deps);
      return json(200, await target.auditLog.verify(ctx, range));
    },
  }),
];
