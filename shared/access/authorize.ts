/**
 * What a principal may do to a target: its scopes first (as before rules existed), then its rules when
 * it has any. A secret or connection outside the rules answers exactly as an absent one; a new secret
 * outside them, or the whole tenant, is refused (403) — that says nothing about what exists.
 */
import type { Principal, Scope } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { type AccessAction, type AccessTarget, decide } from './rules.ts';

/** The scope each action needs: rotating and deleting are writes. */
export const scopeOfAction: Record<AccessAction, Scope> = {
  read: 'read',
  reveal: 'reveal',
  write: 'write',
  rotate: 'write',
  delete: 'write',
  admin: 'admin',
};

export function can(principal: Principal, action: AccessAction, target: AccessTarget): boolean {
  if (!principal.scopes.has(scopeOfAction[action])) return false;
  return principal.rules === undefined || decide(principal.rules.compiled, action, target).allowed;
}

/** An existing secret, as its absence when the principal may not `action` it. */
export function requireSecret(
  principal: Principal,
  action: AccessAction,
  secret: { name: string; connection: string },
): void {
  if (!can(principal, action, { secret: secret.name, connection: secret.connection })) {
    throw new NotFoundError(`secret ${secret.name} not found`);
  }
}

/** A secret about to be made (create, clone target, import). */
export function requireNewSecret(principal: Principal, name: string, connection: string): void {
  if (!can(principal, 'write', { secret: name, connection })) {
    throw new ForbiddenError(
      `this key's rules do not allow write on secret ${name} (connection ${connection})`,
    );
  }
}

/** An existing connection, as its absence when the principal may not administer it. */
export function requireConnection(principal: Principal, id: string): void {
  if (!can(principal, 'admin', { connection: id })) throw new NotFoundError(`connection ${id} not found`);
}

/** What spans the tenant: API keys, costs, the audit. */
export function requireTenantWide(principal: Principal, action: AccessAction): void {
  if (!can(principal, action, { tenant: true })) {
    throw new ForbiddenError(
      `this key's rules do not allow ${action} on the whole tenant (a rule over every secret, "**", does)`,
    );
  }
}
