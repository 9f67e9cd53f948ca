/**
 * Ends a lease of Vault dynamic credentials that secretm no longer holds: the one a `vault-dynamic`
 * rotation replaced (once its successor is current), or the one a purged secret held. Revoking drops
 * the credentials in the database at once, rather than leaving them working until the lease's TTL.
 *
 * It never fails the action that called it (the successor is already current, the secret already
 * gone): a refusal (the connection's policy lacks `sys/leases/revoke`, the vault is down) is audited as
 * `secret.lease.revoke` with its error code, and the lease then ends on its own at its TTL.
 */
import { auditEvent } from '../audit/audit-event.ts';
import type { RequestContext } from '../auth/principal.ts';
import { NotFoundError, SecretmError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import type { AuditStore } from '../store/store-types.ts';
import type { HeldLease } from './rotation-types.ts';

export interface LeaseRevocation {
  ctx: RequestContext;
  /** The secretm secret the lease belonged to. */
  name: string;
  /** The connection's vault, which issued the lease. */
  provider: SecretProvider;
  audit: AuditStore;
  now: Date;
}

/** Revokes `lease` unless it has ended already; answers whether the vault no longer holds it. */
export async function revokeLease(lease: HeldLease | undefined, context: LeaseRevocation): Promise<boolean> {
  const { ctx, name, provider, audit, now } = context;
  if (!lease || Date.parse(lease.expiresAt) <= now.getTime()) return true;
  let failure: { reason: string } | undefined;
  if (!provider.leases) {
    // The connection no longer issues leases (changed since): the lease ends at its TTL.
    failure = { reason: 'revoke_unsupported' };
  } else {
    try {
      await provider.leases.revoke(lease.id);
    } catch (error) {
      // Already gone (expired, or revoked in Vault): what was asked for holds.
      if (!(error instanceof NotFoundError)) {
        failure = { reason: error instanceof SecretmError ? error.code : 'internal_error' };
      }
    }
  }
  await audit
    .record(auditEvent(ctx, 'secret.lease.revoke', `secret:${name}`, now, failure))
    .catch(() => undefined);
  return failure === undefined;
}
