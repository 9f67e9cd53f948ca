/** Who is calling, for which tenant, with which scopes. Built once per request by auth/authenticate.ts. */
import type { AccessRule, CompiledRules } from '../access/rules.ts';

export const scopes = ['read', 'reveal', 'write', 'admin'] as const;
/** `read` = metadata, `reveal` = values, `write` = changes, `admin` = connections, bindings, keys, audit, costs. */
export type Scope = (typeof scopes)[number];

export interface Principal {
  tenant: string;
  /** `apikey:<id>`, `jwt:<sub>`, or `operator` for the bootstrap key. */
  actor: string;
  scopes: ReadonlySet<Scope>;
  /** The operator key (bootstrap key in local mode) may act for another tenant when creating API keys. */
  operator: boolean;
  /** Access rules below the scopes (shared/access/rules.ts); none: the scopes alone decide. */
  rules?: { list: readonly AccessRule[]; compiled: CompiledRules };
}

/** Everything a domain call needs to know about the request it serves, for scoping and audit. */
export interface RequestContext {
  principal: Principal;
  requestId: string;
  sourceIp: string;
  /** The caller's User-Agent, as sent (audit only). */
  userAgent?: string;
}
