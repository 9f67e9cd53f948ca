/**
 * Vault calls and cache hits, counted in memory and written to the cost records in batches. One line
 * per tenant, month, connection and vault reference (no reference: calls that concern the connection
 * as a whole, such as a batch read, a test or a discover); the month is the one the event happened in.
 *
 * Counting is a map update, never a round trip. `drain()` hands the pending lines to a writer and
 * forgets them; a writer that fails gives them back with `restore()`, so a failed write loses nothing.
 */
import type { VaultKind } from '../providers/provider.ts';

/**
 * The connections the layer counts under when it reads a vault reference by itself (no secretm name):
 * `aws` is also the built-in connection of an AWS deployment, `local` that of local mode.
 */
export const standaloneConnectionKinds: Readonly<Record<string, VaultKind>> = {
  aws: 'aws-secrets-manager',
  vault: 'hashicorp-vault',
  azure: 'azure-key-vault',
  local: 'local',
};

export interface UsageLine {
  tenant: string;
  /** YYYY-MM, UTC. */
  month: string;
  connection: string;
  /** The vault's own reference of the secret; absent for calls on the connection as a whole. */
  ref?: string;
  /** Vault calls by operation. */
  calls: Record<string, number>;
  /** Reads answered from a cache instead of the vault. */
  hits: number;
}

export interface UsageTally {
  call(tenant: string, connection: string, ref: string | undefined, operation: string, count?: number): void;
  hit(tenant: string, connection: string, ref: string | undefined, count?: number): void;
  /** Calls and hits counted and not yet drained. */
  readonly pending: number;
  drain(): UsageLine[];
  /** Puts lines back (a write that failed), adding to whatever was counted since. */
  restore(lines: readonly UsageLine[]): void;
}

export function monthOf(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 7);
}

export function createUsageTally(now: () => Date | number = Date.now): UsageTally {
  let lines = new Map<string, UsageLine>();
  let pending = 0;

  const line = (tenant: string, month: string, connection: string, ref: string | undefined): UsageLine => {
    const key = `${tenant}\u0000${month}\u0000${connection}\u0000${ref ?? ''}`;
    let found = lines.get(key);
    if (found === undefined) {
      found = { tenant, month, connection, ...(ref === undefined ? {} : { ref }), calls: {}, hits: 0 };
      lines.set(key, found);
    }
    return found;
  };

  const tally: UsageTally = {
    call(tenant, connection, ref, operation, count = 1) {
      const counted = line(tenant, monthOf(now()), connection, ref);
      counted.calls[operation] = (counted.calls[operation] ?? 0) + count;
      pending += count;
    },
    hit(tenant, connection, ref, count = 1) {
      line(tenant, monthOf(now()), connection, ref).hits += count;
      pending += count;
    },
    get pending() {
      return pending;
    },
    drain() {
      const drained = [...lines.values()];
      lines = new Map();
      pending = 0;
      return drained;
    },
    restore(restored) {
      for (const item of restored) {
        const counted = line(item.tenant, item.month, item.connection, item.ref);
        for (const [operation, count] of Object.entries(item.calls)) {
          counted.calls[operation] = (counted.calls[operation] ?? 0) + count;
          pending += count;
        }
        counted.hits += item.hits;
        pending += item.hits;
      }
    },
  };
  return tally;
}
