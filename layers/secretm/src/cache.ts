/**
 * The layer's in-process cache: one entry per cache key, whatever the value is.
 *
 * Life of an entry, on the cache's clock (`now()` in epoch milliseconds):
 * - fresh until `freshUntil` = fetch time + TTL (the connection's, or the call's), brought forward to a
 *   scheduled rotation (`refreshBy`) and to a margin before a lease ends (`leaseExpiresAt`): a read
 *   answers from memory.
 * - then stale-while-revalidate until `staleUntil` (fresh end + the SWR window, never past a lease's
 *   end, and none at all when a rotation ended freshness): a read answers the cached value at once and
 *   starts one background refresh.
 * - after that a read waits for the refresh. When the vault is unreachable (the loader throws an error
 *   `isUnavailable` accepts), the cached value is served instead (serve-stale) until `usableUntil` =
 *   fresh end + the serve-stale window (never past a lease's end); after it, the read fails with a
 *   ProviderUnavailableError that says so. After a failed refresh no new vault call is made for a
 *   back-off (1 s, doubling up to 30 s), so an outage costs a bounded number of calls.
 * - any other error (the secret was deleted, access was revoked) drops the entry and reaches the caller.
 *
 * Coalescing: an entry holds at most one load in flight; every caller of that key waits for it.
 * Size: at most `maxEntries`; inserting past it evicts the least recently used entry.
 */
import { ProviderUnavailableError, TooManyRequestsError } from '../../../shared/errors.ts';
import type { SecretCounters } from './metrics.ts';
import { createTurnClock } from './turn-clock.ts';

/** Milliseconds since the epoch; the layer's only notion of time, so tests can use a fake clock. */
export interface LayerClock {
  now(): number;
  /**
   * `now()`, or a reading of it from earlier in the same event-loop turn (turn-clock.ts): what a warm
   * read's freshness check uses. A clock without it is read exactly every time.
   */
  recent?(): number;
}

const turnClock = createTurnClock();

export const systemLayerClock: LayerClock = { now: Date.now, recent: turnClock.recent };

/** What a loader answers: the value and what bounds its freshness. */
export interface Loaded<V> {
  value: V;
  /** How long the value is fresh, in ms (the connection's TTL unless the caller set one). */
  ttlMs: number;
  /** The end of the value's lease (Vault dynamic credentials), epoch ms: never served after it. */
  leaseExpiresAt?: number;
  /** The secret's next scheduled rotation, epoch ms: the value is refreshed then. */
  refreshBy?: number;
}

export interface CacheOptions {
  clock?: LayerClock;
  maxEntries?: number;
  staleWhileRevalidateMs?: number;
  serveStaleMs?: number;
  /** Errors that mean "the vault cannot be reached now" (serve-stale applies); others drop the entry. */
  isUnavailable?: (error: unknown) => boolean;
  /** The counters of a tag (a secret's name): every entry of that tag counts its events there. */
  countersFor?: (tag: string) => SecretCounters;
  /** Called after anything was counted (arms the metrics flush). */
  onActivity?: () => void;
}

export interface CacheEntry<V> {
  readonly key: string;
  /** Whatever the caller attaches to group entries (the secret's name, for `invalidate`). */
  readonly tag: string;
  readonly counters: SecretCounters;
  value: V | undefined;
  loaded: boolean;
  fetchedAt: number;
  freshUntil: number;
  /** Freshness never lasts past this, whatever TTL a call asks for (rotation, lease margin). */
  capUntil: number;
  staleUntil: number;
  usableUntil: number;
  /** A lease's end: never served after it. */
  hardUntil: number;
  inflight: Promise<V> | undefined;
  retryAt: number;
  failures: number;
  lastUsed: number;
  /** Increments with every value loaded, so views derived from an older value can be told apart. */
  generation: number;
}

export const cacheDefaults = {
  maxEntries: 1_000,
  staleWhileRevalidateMs: 60_000,
  serveStaleMs: 15 * 60_000,
} as const;

const minBackoffMs = 1_000;
const maxBackoffMs = 30_000;
/** A lease is refreshed this share of its length before it ends… */
const leaseMarginShare = 0.1;
/** …and at least this long before. */
const minLeaseMarginMs = 5_000;

function zeroCounters(): SecretCounters {
  return { hits: 0, misses: 0, vaultCalls: 0, errors: 0, staleServed: 0, revalidations: 0 };
}

export function isUnavailableError(error: unknown): boolean {
  return error instanceof ProviderUnavailableError || error instanceof TooManyRequestsError;
}

export interface SecretCache<V> {
  readonly entries: ReadonlyMap<string, CacheEntry<V>>;
  readonly clock: LayerClock;
  /**
   * The entry's value when fresh for a call asking for `ttlMs` (default: the entry's own TTL), counting
   * a hit; undefined when absent or not fresh (nothing is counted then).
   */
  fresh(key: string, ttlMs?: number): CacheEntry<V> | undefined;
  /** The value for `key`: from memory, or loaded once however many callers ask at the same time. */
  get(key: string, tag: string, load: () => Promise<Loaded<V>>, options?: GetOptions): Promise<CacheEntry<V>>;
  /**
   * Starts a background refresh of a loaded entry, unless one is in flight or the entry backs off after
   * a failure; answers whether it started one. Callers use it to refresh values that will expire soon in
   * the same batch as values that expired already.
   */
  refresh(key: string, load: () => Promise<Loaded<V>>): boolean;
  /** Drops every entry whose tag is `tag` (all entries without one); the next read loads again. */
  invalidate(tag?: string): number;
}

export interface GetOptions {
  /** A TTL for this call, in ms: the entry counts as fresh for it only so long after its fetch. */
  ttlMs?: number;
  /** Skips the cache (still one load in flight per key). */
  forceFetch?: boolean;
}

export function createCache<V>(options: CacheOptions = {}): SecretCache<V> {
  const clock = options.clock ?? systemLayerClock;
  const maxEntries = options.maxEntries ?? cacheDefaults.maxEntries;
  const swrMs = options.staleWhileRevalidateMs ?? cacheDefaults.staleWhileRevalidateMs;
  const serveStaleMs = options.serveStaleMs ?? cacheDefaults.serveStaleMs;
  const isUnavailable = options.isUnavailable ?? isUnavailableError;
  const countersFor = options.countersFor ?? (() => zeroCounters());
  const onActivity = options.onActivity;
  const recent = clock.recent === undefined ? () => clock.now() : () => clock.recent!();
  const entries = new Map<string, CacheEntry<V>>();
  let tick = 0;

  const freshFor = (entry: CacheEntry<V>, ttlMs: number | undefined): number =>
    ttlMs === undefined ? entry.freshUntil : Math.min(entry.fetchedAt + ttlMs, entry.capUntil);

  const apply = (entry: CacheEntry<V>, loaded: Loaded<V>) => {
    const now = clock.now();
    let cap = Number.POSITIVE_INFINITY;
    let hard = Number.POSITIVE_INFINITY;
    let rotationEndsFreshness = false;
    if (loaded.leaseExpiresAt !== undefined) {
      const lease = loaded.leaseExpiresAt - now;
      const margin = Math.min(Math.max(lease * leaseMarginShare, minLeaseMarginMs), lease / 2);
      cap = now + lease - margin;
      hard = loaded.leaseExpiresAt;
    }
    // A rotation time already passed (a rotation running late) says nothing about the future.
    if (loaded.refreshBy !== undefined && loaded.refreshBy > now && loaded.refreshBy < cap) {
      cap = loaded.refreshBy;
      rotationEndsFreshness = true;
    }
    const freshUntil = Math.min(now + loaded.ttlMs, cap);
    entry.value = loaded.value;
    entry.loaded = true;
    entry.generation++;
    entry.fetchedAt = now;
    entry.freshUntil = freshUntil;
    entry.capUntil = cap;
    entry.hardUntil = hard;
    entry.staleUntil =
      rotationEndsFreshness && freshUntil === cap ? freshUntil : Math.min(freshUntil + swrMs, hard);
    entry.usableUntil = Math.min(freshUntil + serveStaleMs, hard);
    entry.failures = 0;
    entry.retryAt = 0;
  };

  const drop = (entry: CacheEntry<V>) => {
    if (entries.get(entry.key) === entry) entries.delete(entry.key);
  };

  /** Starts the entry's one load; the promise settles with the new value or the loader's error. */
  const start = (entry: CacheEntry<V>, load: () => Promise<Loaded<V>>): Promise<V> => {
    const running = (async () => {
      try {
        const loaded = await load();
        apply(entry, loaded);
        return loaded.value;
      } catch (error) {
        if (entry.loaded && isUnavailable(error)) {
          entry.failures++;
          entry.retryAt = clock.now() + Math.min(minBackoffMs * 2 ** (entry.failures - 1), maxBackoffMs);
        } else {
          drop(entry);
        }
        throw error;
      } finally {
        entry.inflight = undefined;
      }
    })();
    entry.inflight = running;
    return running;
  };

  const insert = (key: string, tag: string): CacheEntry<V> => {
    if (entries.size >= maxEntries) evictLeastRecentlyUsed();
    const entry: CacheEntry<V> = {
      key,
      tag,
      counters: countersFor(tag),
      value: undefined,
      loaded: false,
      fetchedAt: 0,
      freshUntil: 0,
      capUntil: 0,
      staleUntil: 0,
      usableUntil: 0,
      hardUntil: 0,
      inflight: undefined,
      retryAt: 0,
      failures: 0,
      lastUsed: 0,
      generation: 0,
    };
    entries.set(key, entry);
    return entry;
  };

  const evictLeastRecentlyUsed = () => {
    let oldest: CacheEntry<V> | undefined;
    for (const entry of entries.values()) {
      if (oldest === undefined || entry.lastUsed < oldest.lastUsed) oldest = entry;
    }
    if (oldest) entries.delete(oldest.key);
  };

  const outage = (entry: CacheEntry<V>, cause: unknown) =>
    new ProviderUnavailableError(
      `the vault holding "${entry.tag}" has been unreachable for longer than the ${Math.round(serveStaleMs / 1000)} s the layer serves a stale value; the cached value is no longer used`,
      { cause },
    );

  /** Waits for the entry's load; when the vault is unreachable, serves the cached value within its window. */
  const settle = async (entry: CacheEntry<V>, running: Promise<V>): Promise<CacheEntry<V>> => {
    try {
      await running;
      return entry;
    } catch (error) {
      if (entry.loaded && isUnavailable(error)) {
        if (clock.now() < entry.usableUntil) {
          entry.counters.staleServed++;
          return entry;
        }
        drop(entry);
        entry.counters.errors++;
        throw outage(entry, error);
      }
      entry.counters.errors++;
      throw error;
    }
  };

  return {
    entries,
    clock,

    fresh(key, ttlMs) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      // Freshness is 0 until a value is loaded, and ends before a lease does (capUntil < hardUntil).
      const freshUntil =
        ttlMs === undefined ? entry.freshUntil : Math.min(entry.fetchedAt + ttlMs, entry.capUntil);
      // The turn's reading of the clock (turn-clock.ts): a warm read costs no clock call of its own.
      if (recent() >= freshUntil) return undefined;
      entry.lastUsed = ++tick;
      entry.counters.hits++;
      if (onActivity !== undefined) onActivity();
      return entry;
    },

    async get(key, tag, load, getOptions = {}) {
      const now = clock.now();
      let entry = entries.get(key);
      if (entry === undefined) entry = insert(key, tag);
      entry.lastUsed = ++tick;
      if (onActivity !== undefined) onActivity();
      if (!entry.loaded) {
        entry.counters.misses++;
        const running = entry.inflight ?? start(entry, load);
        try {
          await running;
          return entry;
        } catch (error) {
          entry.counters.errors++;
          throw error;
        }
      }
      if (!getOptions.forceFetch && now < entry.hardUntil) {
        const freshUntil = freshFor(entry, getOptions.ttlMs);
        if (now < freshUntil) {
          entry.counters.hits++;
          return entry;
        }
        // A call with a shorter TTL gets its own stale window, never a longer one than the entry's.
        if (now < Math.min(entry.staleUntil, freshUntil + swrMs)) {
          if (entry.inflight === undefined && now >= entry.retryAt) {
            start(entry, load).catch(() => {
              // The next read after the window sees the outcome; nobody waits for this one.
            });
            entry.counters.revalidations++;
            entry.counters.hits++;
          } else {
            entry.counters.hits++;
          }
          return entry;
        }
        if (entry.inflight === undefined && now < entry.retryAt) {
          // Backing off after a failed refresh: serve-stale without asking the vault again.
          if (now < entry.usableUntil) {
            entry.counters.staleServed++;
            return entry;
          }
          drop(entry);
          entry.counters.errors++;
          throw outage(entry, undefined);
        }
      }
      entry.counters.misses++;
      return settle(entry, entry.inflight ?? start(entry, load));
    },

    refresh(key, load) {
      const entry = entries.get(key);
      if (
        entry === undefined ||
        !entry.loaded ||
        entry.inflight !== undefined ||
        clock.now() < entry.retryAt
      ) {
        return false;
      }
      start(entry, load).catch(() => {
        // Nobody waits for a refresh ahead of time; the next read sees its outcome.
      });
      entry.counters.revalidations++;
      return true;
    },

    invalidate(tag) {
      let dropped = 0;
      for (const entry of [...entries.values()]) {
        if (tag === undefined || entry.tag === tag) {
          entries.delete(entry.key);
          dropped++;
        }
      }
      return dropped;
    },
  };
}
