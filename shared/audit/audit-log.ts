/**
 * Reading a tenant's audit: its events, filtered and a page at a time, and the verification of its
 * tamper evidence. Both need `admin` over the whole tenant (a key whose rules cover less may not read
 * what every other key did), and both are audited themselves, into the audit that was read (the
 * operator reading a tenant's audit shows in that tenant's audit). A tenant with no audit at all — no
 * audit key and no event, e.g. a mistyped `?tenant=` of the operator — is not found, and its read is
 * recorded nowhere of its own: recording it would start an audit (and make a key) for a tenant that
 * does not exist.
 */
import { requireTenantWide } from '../access/authorize.ts';
import type { RequestContext } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import { NotFoundError } from '../errors.ts';
import type { AuditDigestStore } from '../store/audit-digest-store.ts';
import type { AuditStore, Page } from '../store/store-types.ts';
import { auditEvent } from './audit-event.ts';
import type { AuditKeys } from './audit-keys.ts';
import type { AuditQuery, AuditRecord } from './audit-types.ts';
import { type AuditVerification, verifyAudit } from './audit-verify.ts';

export interface AuditLogDeps {
  /** The tenant whose audit this is. */
  tenant: string;
  store: AuditStore;
  digests: AuditDigestStore;
  keys: Pick<AuditKeys, 'find'>;
  clock: Clock;
  /** Bounds of one verify answer (tests make them small). */
  verifyLimits?: { maxItems?: number; maxHours?: number };
}

export interface AuditLog {
  events(ctx: RequestContext, query: AuditQuery): Promise<Page<AuditRecord>>;
  verify(
    ctx: RequestContext,
    query: { from?: string; to?: string; cursor?: string },
  ): Promise<AuditVerification>;
}

export function createAuditLog(deps: AuditLogDeps): AuditLog {
  const { tenant } = deps;
  /** The read itself, in the audit that was read (fail closed: no answer without it). */
  const audited = (ctx: RequestContext, action: string) =>
    deps.store.record({ ...auditEvent(ctx, action, 'audit', deps.clock.now()), tenant });

  /** Another tenant's audit (the operator's read) must exist: a key, or at least one event. */
  const requireAudit = async (ctx: RequestContext) => {
    if (ctx.principal.tenant === tenant || (await deps.keys.find(tenant)) !== undefined) return;
    const any = await deps.store.list(tenant, { limit: 1 });
    if (any.items.length === 0) throw new NotFoundError(`tenant ${tenant} has no audit`);
  };

  return {
    async events(ctx, query) {
      requireTenantWide(ctx.principal, 'admin');
      await requireAudit(ctx);
      const page = await deps.store.list(tenant, query);
      await audited(ctx, 'audit.read');
      return page;
    },

    async verify(ctx, query) {
      requireTenantWide(ctx.principal, 'admin');
      await requireAudit(ctx);
      const report = await verifyAudit(
        {
          tenant,
          events: deps.store,
          digests: deps.digests,
          keys: deps.keys,
          now: deps.clock.now(),
          ...deps.verifyLimits,
        },
        query,
      );
      await audited(ctx, 'audit.verify');
      return report;
    },
  };
}
