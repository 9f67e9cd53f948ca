/**
 * What a principal's scopes and rules allow on one secret, action by action, and what decided each.
 * One function for `GET /v1/api-keys/{id}/effective` (any key of the tenant, for an admin) and
 * `GET /v1/me?secret=` (the caller itself), so the two cannot disagree with each other or with
 * authorize.ts, which enforces the same scopes-then-rules order.
 */
import type { Scope } from '../auth/principal.ts';
import { scopeOfAction } from './authorize.ts';
import { type AccessAction, accessActions, type CompiledRules, decide } from './rules.ts';

export interface EffectiveAction {
  action: AccessAction;
  allowed: boolean;
  /** `scopes` (no rules: the scopes alone), `scope` (missing), `rule` (one of the rules), `no-rule`. */
  decidedBy: 'scopes' | 'scope' | 'rule' | 'no-rule';
  rule?: number;
  effect?: 'allow' | 'deny';
}

export function effectiveActions(
  scopes: ReadonlySet<Scope>,
  rules: CompiledRules | undefined,
  target: { secret: string; connection: string },
): EffectiveAction[] {
  return accessActions.map((action): EffectiveAction => {
    if (!scopes.has(scopeOfAction[action])) return { action, allowed: false, decidedBy: 'scope' };
    if (!rules) return { action, allowed: true, decidedBy: 'scopes' };
    const decision = decide(rules, action, target);
    return decision.rule === undefined
      ? { action, allowed: false, decidedBy: 'no-rule' }
      : {
          action,
          allowed: decision.allowed,
          decidedBy: 'rule',
          rule: decision.rule,
          effect: decision.effect!,
        };
  });
}
