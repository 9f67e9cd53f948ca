/**
 * Where secretm keeps things in its built-in vaults (the deployment's own Secrets Manager, the local
 * vault), per deployment stage:
 *
 *   secretm/<stage>/<tenant>/<name>                               a tenant's secrets
 *   secretm/<stage>/_system/tenants/<tenant>/connections/<id>     a connection's own credentials
 *   secretm/<stage>/_system/tenants/<tenant>/held/<name>          Vault credentials rotation holds
 *   secretm/<stage>/_system/tenants/<tenant>/audit-key            the key the tenant's audit events are HMAC'd with
 *   secretm/<stage>/_system/operator-key                          the operator API key
 *
 * A tenant id and a stage both start with a letter or digit, so `_system` is neither: no tenant's
 * namespace contains a system ref, and no stage's contains another stage's. Tenant-facing code reaches
 * the built-in vaults only through a view confined to its own namespace (confined-provider.ts); the
 * system refs are used by secretm itself (credential vault, holding vault, operator bootstrap).
 */
import { tenantPattern } from '../validation/names.ts';

export const stagePattern = /^[a-z][a-z0-9-]{0,19}$/;
export const systemSegment = '_system';

export interface VaultNamespace {
  readonly stage: string;
  /** `secretm/<stage>/`: the prefix the built-in vaults' `refFor` names secrets under. */
  readonly stagePrefix: string;
  /** `secretm/<stage>/<tenant>/`. */
  tenantPrefix(tenant: string): string;
  /** `secretm/<stage>/_system/tenants/<tenant>/`: secretm's own refs about one tenant. */
  tenantSystemPrefix(tenant: string): string;
  connectionCredentialsRef(tenant: string, connectionId: string): string;
  heldRef(tenant: string, name: string): string;
  /** The HMAC key of the tenant's audit (shared/audit/audit-keys.ts). */
  auditKeyRef(tenant: string): string;
  readonly operatorKeyRef: string;
  /**
   * Whose a canonical ref is: a tenant's (its secrets, or secretm's refs about it), the system's (the
   * operator key), or nobody's (outside this stage).
   */
  ownerOf(canonicalRef: string): { tenant: string } | 'system' | undefined;
}

export function vaultNamespace(stage: string): VaultNamespace {
  if (!stagePattern.test(stage)) throw new Error(`invalid stage "${stage}"`);
  const stagePrefix = `secretm/${stage}/`;
  const systemPrefix = `${stagePrefix}${systemSegment}/`;
  const checkTenant = (tenant: string) => {
    if (!tenantPattern.test(tenant)) throw new Error(`invalid tenant "${tenant}"`);
    return tenant;
  };
  const tenantSystemPrefix = (tenant: string) => `${systemPrefix}tenants/${checkTenant(tenant)}/`;
  return {
    stage,
    stagePrefix,
    tenantPrefix: (tenant) => `${stagePrefix}${checkTenant(tenant)}/`,
    tenantSystemPrefix,
    connectionCredentialsRef: (tenant, id) => `${tenantSystemPrefix(tenant)}connections/${id}`,
    heldRef: (tenant, name) => `${tenantSystemPrefix(tenant)}held/${name}`,
    auditKeyRef: (tenant) => `${tenantSystemPrefix(tenant)}audit-key`,
    operatorKeyRef: `${systemPrefix}operator-key`,
    ownerOf(ref) {
      if (!ref.startsWith(stagePrefix)) return undefined;
      const [first, ...rest] = ref.slice(stagePrefix.length).split('/');
      if (first === systemSegment) {
        const [kind, tenant, ...more] = rest;
        return kind === 'tenants' && tenant && more.length > 0 && tenantPattern.test(tenant)
          ? { tenant }
          : 'system';
      }
      return first && rest.length > 0 && tenantPattern.test(first) ? { tenant: first } : undefined;
    },
  };
}
