import type { RequestContext } from '../auth/principal.ts';
import { markAudited } from '../tenancy/request-scope.ts';
import type { AuditEvent } from './audit-types.ts';

/**
 * The audit event of an action done for `ctx`. Carries names and ids only, never a value. Making one
 * marks the request as audited, so the API handler adds no event of its own for it.
 */
export function auditEvent(
  ctx: RequestContext,
  action: string,
  target: string,
  at: Date,
  failure?: { reason: string },
): AuditEvent {
  markAudited(ctx.requestId);
  return {
    tenant: ctx.principal.tenant,
    actor: ctx.principal.actor,
    action,
    target,
    outcome: failure ? 'failure' : 'success',
    ...(failure ? { reason: failure.reason } : {}),
    requestId: ctx.requestId,
    sourceIp: ctx.sourceIp,
    ...(ctx.userAgent ? { userAgent: ctx.userAgent.slice(0, 512) } : {}),
    at: at.toISOString(),
  };
}
