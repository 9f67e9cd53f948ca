import type { RequestContext } from '../auth/principal.ts';
import type { AuditEvent } from './audit-types.ts';

/** The audit event of an action done for `ctx`. Carries names and ids only, never a value. */
export function auditEvent(
  ctx: RequestContext,
  action: string,
  target: string,
  at: Date,
  failure?: { reason: string },
): AuditEvent {
  return {
    tenant: ctx.principal.tenant,
    actor: ctx.principal.actor,
    action,
    target,
    outcome: failure ? 'failure' : 'success',
    ...(failure ? { reason: failure.reason } : {}),
    requestId: ctx.requestId,
    sourceIp: ctx.sourceIp,
    at: at.toISOString(),
  };
}
