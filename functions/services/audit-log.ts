/** The audit family: reading a tenant's audit, and verifying its HMACs and digests. */
import { type AuditLog, createAuditLog } from '../../shared/audit/audit-log.ts';
import { createAuditDigestStore } from '../../shared/store/audit-digest-store.ts';
import type { ApiServices, ServiceFactory, TenantContext } from './tenant-context.ts';

export function auditLogOf(context: TenantContext): AuditLog {
  return createAuditLog({
    tenant: context.tenant,
    store: context.audit,
    digests: createAuditDigestStore(context.store),
    keys: context.store.auditKeys,
    clock: context.clock,
  });
}

export const auditFamilyServices: ServiceFactory<Pick<ApiServices, 'auditLog'>> = (context) => ({
  auditLog: auditLogOf(context),
});
