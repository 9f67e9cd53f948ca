/**
 * The principals of API keys this instance has checked lately, so a warm instance does not read the
 * key's pointer and record again on every request. An entry lives `apiKeyCacheSeconds` at most (and
 * never past the key's own expiry), so a key revoked on another instance stops working here within
 * that bound; a revocation made through this instance forgets the key at once. Entries are found by the
 * SHA-256 of the presented key (the key itself is not kept), and there are at most `maxEntries`, the
 * oldest dropped first. Only what was accepted is cached: a refused key is checked again every time.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Principal } from './principal.ts';

/** How long a checked API key is trusted without reading it again, in seconds. */
export const apiKeyCacheSeconds = 10;

export interface KeyCache {
  /** The principal of `presented` while its entry lives. */
  get(presented: string): Principal | undefined;
  /** Keeps `principal` for `presented` (key `id`) until the bound, or `expiresAt` (ms) when sooner. */
  set(presented: string, id: string, principal: Principal, expiresAt?: number): void;
  /** Drops every entry of key `id` (it was revoked). */
  forget(id: string): void;
}

interface Entry {
  id: string;
  principal: Principal;
  until: number;
}

export function createKeyCache(options: { clock: Clock; seconds?: number; maxEntries?: number }): KeyCache {
  const lifetimeMs = (options.seconds ?? apiKeyCacheSeconds) * 1000;
  const maxEntries = options.maxEntries ?? 1_000;
  const entries = new Map<string, Entry>();
  const digest = (presented: string) => createHash('sha256').update(presented).digest('base64');
  const now = () => options.clock.now().getTime();
  return {
    get(presented) {
      const at = digest(presented);
      const entry = entries.get(at);
      if (entry === undefined) return undefined;
      if (entry.until <= now()) {
        entries.delete(at);
        return undefined;
      }
      return entry.principal;
    },
    set(presented, id, principal, expiresAt) {
      if (lifetimeMs <= 0) return;
      const until = Math.min(now() + lifetimeMs, expiresAt ?? Number.POSITIVE_INFINITY);
      const at = digest(presented);
      entries.delete(at);
      entries.set(at, { id, principal, until });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    forget(id) {
      for (const [at, entry] of entries) if (entry.id === id) entries.delete(at);
    },
  };
}
