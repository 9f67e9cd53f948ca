/**
 * The built-in vaults' names before stages and the system prefix (the layout being migrated from):
 *
 *   <legacy prefix><tenant>/<name>                  a tenant's secret
 *   <legacy prefix><tenant>/_connections.<id>       a connection's own credentials
 *   <legacy prefix><tenant>/_held.<name>            Vault credentials rotation holds
 *   <legacy prefix><tenant>/_rotation.<name>        a pending rotation's value (vaults without staging labels)
 *
 * with the legacy prefix `''` in the local vault and `secretm/` in AWS Secrets Manager. A legacy name
 * has exactly two segments after the prefix (secret names and connection ids hold no `/`), so it never
 * reads as a new one (`secretm/<stage>/<tenant>/…`, three or more).
 */
import { tenantPattern } from '../../validation/names.ts';

export interface LegacyRef {
  /** The tenant the name was made for: the owner. */
  tenant: string;
  /** What follows the tenant: a secret name, or `_connections.<id>`, `_held.<name>`, `_rotation.<name>`. */
  leaf: string;
}

export interface LegacyLayout {
  parse(ref: string): LegacyRef | undefined;
  secretRef(tenant: string, name: string): string;
  credentialsRef(tenant: string, connectionId: string): string;
  heldRef(tenant: string, name: string): string;
  pendingRef(tenant: string, name: string): string;
}

export function legacyLayout(prefix: string): LegacyLayout {
  const name = (tenant: string, leaf: string) => `${prefix}${tenant}/${leaf}`;
  return {
    parse(ref) {
      if (!ref.startsWith(prefix)) return undefined;
      const segments = ref.slice(prefix.length).split('/');
      if (segments.length !== 2) return undefined;
      const [tenant, leaf] = segments as [string, string];
      return tenantPattern.test(tenant) && leaf.length > 0 ? { tenant, leaf } : undefined;
    },
    secretRef: name,
    credentialsRef: (tenant, id) => name(tenant, `_connections.${id}`),
    heldRef: (tenant, secret) => name(tenant, `_held.${secret}`),
    pendingRef: (tenant, secret) => name(tenant, `_rotation.${secret}`),
  };
}
