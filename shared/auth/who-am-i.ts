/**
 * `GET /v1/me`: the caller's own identity and what it may do — tenant, scopes, rules, whether it is the
 * operator, its key's name and expiry — and, for one secret, what it may do to that secret, computed by
 * the same function as an admin's `GET /v1/api-keys/{id}/effective`. It speaks of the caller only: no
 * other key, no other tenant. A secret the caller may not read is answered as an absent one (judged on
 * the default connection), so the answer never tells whether a hidden secret exists or where it lives.
 */
import { can } from '../access/authorize.ts';
import { type EffectiveAction, effectiveActions } from '../access/effective.ts';
import type { AccessAction, AccessRule } from '../access/rules.ts';
import type { ApiKeyRecord } from '../store/store-types.ts';
import type { RequestContext, Scope } from './principal.ts';
import { scopes as knownScopes } from './principal.ts';

export interface WhoAmI {
  /** `apikey:<id>`, `jwt:<sub>`, or `operator`. */
  principal: string;
  tenant: string;
  scopes: Scope[];
  operator: boolean;
  /** Whether it may administer what spans the tenant (API keys, costs, the audit): the admin scope, and rules over every secret if it has rules. */
  tenantAdmin: boolean;
  rules?: AccessRule[];
  keyName?: string;
  expiresAt?: string;
  /** With `?secret=`: each action on that secret, allowed or not. */
  effective?: Record<AccessAction, boolean> & { secret: string; actions: EffectiveAction[] };
}

export interface WhoAmIDeps {
  /** The caller's own key record (API keys only). */
  ownKey: (id: string) => Promise<ApiKeyRecord | undefined>;
  connectionOf?: (name: string) => Promise<string | undefined>;
  defaultConnection?: string;
}

export async function whoAmI(ctx: RequestContext, deps: WhoAmIDeps, secret?: string): Promise<WhoAmI> {
  const { principal } = ctx;
  const keyId = principal.actor.startsWith('apikey:') ? principal.actor.slice('apikey:'.length) : undefined;
  const key = keyId ? await deps.ownKey(keyId) : undefined;
  const answer: WhoAmI = {
    principal: principal.actor,
    tenant: principal.tenant,
    scopes: knownScopes.filter((scope) => principal.scopes.has(scope)),
    operator: principal.operator,
    tenantAdmin: can(principal, 'admin', { tenant: true }),
    ...(principal.rules ? { rules: [...principal.rules.list] } : {}),
    ...(key ? { keyName: key.name } : {}),
    ...(key?.expiresAt ? { expiresAt: key.expiresAt } : {}),
  };
  if (secret === undefined) return answer;
  const fallback = deps.defaultConnection ?? 'default';
  const stored = await deps.connectionOf?.(secret);
  const on = stored && can(principal, 'read', { secret, connection: stored }) ? stored : fallback;
  const actions = effectiveActions(principal.scopes, principal.rules?.compiled, { secret, connection: on });
  const allowed = Object.fromEntries(actions.map((item) => [item.action, item.allowed])) as Record<
    AccessAction,
    boolean
  >;
  return { ...answer, effective: { secret, ...allowed, actions } };
}
