/** Audit keys for tests that are about what is sealed, not where keys live (audit-keys.test.ts is). */
import { createHash } from 'node:crypto';
import type { AuditKeys } from '../../shared/audit/audit-keys.ts';
import type { AuditKey } from '../../shared/audit/audit-seal.ts';
import { AuditUnavailableError } from '../../shared/errors.ts';

/** One key per tenant, derived from its id, made at `createdAt`. */
export function keyOf(tenant: string, createdAt: string): AuditKey {
  return { tenant, secret: createHash('sha256').update(`test key of ${tenant}`).digest(), createdAt };
}

/** Every tenant has a key made at `createdAt`; `failing` tenants' keys cannot be had. */
export function fixedKeys(createdAt: string, failing: ReadonlySet<string> = new Set()): AuditKeys {
  const key = async (tenant: string) => {
    if (failing.has(tenant)) throw new AuditUnavailableError(`no audit key for ${tenant} in this test`);
    return keyOf(tenant, createdAt);
  };
  return { forWriting: key, find: key };
}

/** A clock the test moves. */
export function movableClock(start: string) {
  let now = new Date(start);
  return {
    now: () => now,
    set(time: string) {
      now = new Date(time);
    },
  };
}
