/**
 * When a request of one tenant names a ref in another tenant's namespace of a built-in vault, the
 * refusal is answered as an absent ref, and the attempt is written into the owner's audit: who asked
 * (the caller's tenant and actor), from where, in which request, and which of the owner's refs. The
 * event is written with access to the owner's audit only (table-access.ts `auditOnlyTableRules`).
 */

import type { Clock } from '../clock.ts';
import type { AuditStore } from '../store/store-types.ts';
import type { RefusedRef } from './confined-provider.ts';
import { currentRequest } from './request-scope.ts';

export interface RefusalRecorderDeps {
  /** The tenant whose request was refused. */
  tenant: string;
  /** An audit store that can write into `owner`'s audit only. */
  auditFor: (owner: string) => AuditStore;
  clock: Clock;
}

export function createRefusalRecorder(deps: RefusalRecorderDeps): (refused: RefusedRef) => Promise<void> {
  return async ({ canonical, owner }) => {
    const ctx = currentRequest();
    if (owner === 'system') {
      console.warn(
        JSON.stringify({
          level: 'warn',
          message: "a request named one of secretm's own vault refs; refused as absent",
          tenant: deps.tenant,
          requestId: ctx?.requestId,
        }),
      );
      return;
    }
    if (!owner || owner.tenant === deps.tenant || canonical === undefined) return;
    try {
      await deps.auditFor(owner.tenant).record({
        tenant: owner.tenant,
        actor: `${ctx?.principal.actor ?? 'unknown'}@${deps.tenant}`,
        action: 'vault-ref.refused',
        target: `vault-ref:${canonical}`,
        outcome: 'failure',
        reason: 'other_tenant',
        requestId: ctx?.requestId ?? 'none',
        sourceIp: ctx?.sourceIp ?? 'unknown',
        at: deps.clock.now().toISOString(),
      });
    } catch {
      // The refusal stands either way; only its record in the owner's audit is missing.
      console.error(
        JSON.stringify({
          level: 'error',
          message: "a refused attempt on another tenant's vault ref could not be written to its audit",
          requestId: ctx?.requestId,
        }),
      );
    }
  };
}
