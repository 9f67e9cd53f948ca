/**
 * Moves a deployment written before tenant isolation to the per-tenant layout (vault-namespace.ts).
 * Tenant requests reach only refs inside their own namespace, so whatever the old layout holds is
 * unreachable until it has moved:
 *
 *   built-in vault (old → new)                               table
 *   <p><tenant>/<name>             → secretm/<stage>/<tenant>/<name>          secret's vaultRef, version ids, ref claim, cost life
 *   <p><tenant>/_connections.<id>  → …/_system/tenants/<tenant>/connections/<id>   connection's credentialsRef
 *   <p><tenant>/_held.<name>       → …/_system/tenants/<tenant>/held/<name>   held version's vaultVersionId
 *   K#<id> holding the hash        → T#<tenant>/K#<id> holds it; K#<id> keeps { tenant }
 *   K#operator (+ listing copies)  → OPERATOR
 *
 * (`<p>`: `''` in the local vault, `secretm/` in AWS.) Every move is copy → verify → switch the
 * stored ref (conditional, in one transaction with its audit event) → delete the old entry, and
 * every step looks at the state first, so a run can stop anywhere and the next one goes on from
 * there; a finished migration run again changes nothing. Secrets of other tenants that point at an
 * owner's old entry (imports made before isolation) are left on it: it is deleted when the owner's
 * secret moves, so they read as absent, as the isolation means them to.
 *
 * Not a request path: it scans the table, on the deployment's own (unguarded) client.
 */
import { moveApiKeys, moveOperatorKey } from './layout-migration/api-keys.ts';
import { moveConnectionCredentials } from './layout-migration/credentials.ts';
import { moveHeldCredentials } from './layout-migration/held.ts';
import { takeInventory } from './layout-migration/inventory.ts';
import { finishPurge } from './layout-migration/purges.ts';
import {
  LeaseHeldError,
  type MigrationRun,
  reasonOf,
  releaseLease,
  startRun,
} from './layout-migration/run.ts';
import { moveSecrets } from './layout-migration/secrets.ts';
import type { LayoutMigrationDeps, LayoutMigrationSummary } from './layout-migration/types.ts';

export type {
  LayoutMigrationDeps,
  LayoutMigrationSummary,
  MigrationItem,
} from './layout-migration/types.ts';

export async function migrateToTenantLayout(deps: LayoutMigrationDeps): Promise<LayoutMigrationSummary> {
  const run = startRun(deps);
  let leaseHeldElsewhere = false;
  try {
    if (!(await run.next())) return run.summary;
    const inventory = await takeInventory(run);
    await finishPurges(run, inventory.purges);
    await moveApiKeys(run, inventory);
    await moveOperatorKey(run, inventory);
    await moveConnectionCredentials(run, inventory);
    await moveSecrets(run, inventory);
    await moveHeldCredentials(run, inventory);
    return run.summary;
  } catch (error) {
    if (!(error instanceof LeaseHeldError)) throw error;
    leaseHeldElsewhere = true;
    run.summary.done = false;
    run.summary.busy = error.message;
    return run.summary;
  } finally {
    if (!leaseHeldElsewhere) await releaseLease(run).catch(() => undefined);
  }
}

/** Old entries left by runs that stopped after a switch. */
async function finishPurges(run: MigrationRun, purges: Awaited<ReturnType<typeof takeInventory>>['purges']) {
  for (const entry of purges) {
    if (!(await run.next())) return;
    try {
      await finishPurge(run, entry);
    } catch (error) {
      run.skip({
        kind: entry.kind,
        tenant: entry.tenant,
        name: entry.name,
        reason: `moved; its old entry is still to delete: ${reasonOf(error)}`,
      });
    }
  }
}

/** One line for people: what moved, and how many were skipped or left unreachable. */
export function describeMigration(summary: LayoutMigrationSummary): string {
  const { moved } = summary;
  const parts = [
    `${moved.secrets} secret${moved.secrets === 1 ? '' : 's'}`,
    `${moved.credentials} connection credential${moved.credentials === 1 ? '' : 's'}`,
    `${moved.held} held credential${moved.held === 1 ? '' : 's'}`,
    `${moved.keys} API key${moved.keys === 1 ? '' : 's'}${moved.operatorKey ? ' and the operator key' : ''}`,
  ];
  const left = [
    ...(summary.skipped.length > 0
      ? [
          `skipped ${summary.skipped.map((item) => `${item.tenant}/${item.name} (${item.reason})`).join(', ')}`,
        ]
      : []),
    ...(summary.unreachable.length > 0
      ? [
          `left unreachable on purpose: ${summary.unreachable.map((item) => `${item.tenant}/${item.name}`).join(', ')} (imports of another tenant's secret made before isolation)`,
        ]
      : []),
  ];
  return `moved to the per-tenant layout: ${parts.join(', ')}${left.length > 0 ? `; ${left.join('; ')}` : ''}`;
}
