/**
 * The layer's share of secretm's cost records (shared/costs): every vault request a client sends, and
 * every read its cache answered instead, counted into the usage counters of the function's tenant
 * (`T#<tenant>#U#<month>`, one item per connection and vault reference), the same items the API counts
 * into, so the cost report joins them to secrets by (connection, vault reference).
 *
 * - A vault request is counted when it is sent (reader.ts's RequestCounter): a read of one secret under
 *   its reference, a batch read (one BatchGetSecretValue for up to 20 secrets, billed once) for the
 *   connection as a whole. AWS requests go by AWS's operation names (`GetSecretValue`,
 *   `BatchGetSecretValue`), as the API counts them; other vaults' by the adapter's (`get`, `getBatch`).
 * - Cache hits cost the warm read nothing: the cache already counts them per secret (metrics.ts); the
 *   loader says which connection and reference each secret's name stands for (`label`), and each flush
 *   counts the hits each name gained since the last one.
 *
 * Flushing never runs on a read's path, and one write runs at a time (shared/costs/usage-recorder.ts):
 * an unref'd timer every `flushSeconds`, armed by the first vault request and kept armed while there was
 * anything to count or a cached value is still fresh (a hit needs one); at once when 100 vault requests
 * were counted since the last flush; on SIGTERM (best effort, see `onSigterm`); and on `flush()`. A write
 * that fails keeps its counts for the next flush.
 */
import { createUsageRecorder } from '../../../shared/costs/usage-recorder.ts';
import { ValidationError } from '../../../shared/errors.ts';
import type { LayerClock } from './cache.ts';
import type { SecretCounters } from './metrics.ts';
import type { RequestCounter } from './sources/reader.ts';
import type { TableReader } from './table.ts';

export interface LayerUsageOptions {
  tenant: string;
  clock: LayerClock;
  /** Seconds between flushes. Default 60. */
  flushSeconds?: number;
  /** The table module (table.ts), which writes the counts; loaded on the first flush if not before. */
  table: () => Promise<Pick<TableReader, 'addUsage'>>;
  /** The client's own request counter (`stats().requests`), told of every vault request as well. */
  request: RequestCounter;
  /** The cache's counters of a secret's name. */
  counters: (label: string) => SecretCounters;
  /** The client's cache entries: while one is fresh, a hit may come without a vault request. */
  entries: ReadonlyMap<string, { readonly freshUntil: number }>;
}

export interface LayerUsage {
  /** The request counter for the readers of a connection: counts for `stats()` and for the cost records. */
  counter(connection: string): RequestCounter;
  /** What the cache hits of a secret's name are counted under; the loader says so before each vault read. */
  label(label: string, connection: string, ref: string): void;
  /** Writes what was counted since the last flush. Never rejects: what cannot be written is kept. */
  flush(): Promise<void>;
}

export const defaultUsageFlushSeconds = 60;
/** Vault requests counted since the last flush that start one at once. */
export const earlyFlushRequests = 100;
/** How long SIGTERM waits for the flush before the process goes on ending (Lambda allows 300–500 ms). */
const sigtermFlushMs = 250;
const maxFlushSeconds = 86_400;

interface Labelled {
  connection: string;
  ref: string;
  counters: SecretCounters;
  /** `counters.hits` when they were last counted. */
  flushedHits: number;
}

/** Clients with a flush timer armed: what SIGTERM flushes. */
const armed = new Set<LayerUsage>();
let sigtermListening = false;

export function createLayerUsage(options: LayerUsageOptions): LayerUsage {
  const { tenant, clock } = options;
  const flushSeconds = options.flushSeconds ?? defaultUsageFlushSeconds;
  if (!Number.isSafeInteger(flushSeconds) || flushSeconds < 1 || flushSeconds > maxFlushSeconds) {
    throw new ValidationError(
      `usageFlushSeconds (SECRETM_USAGE_FLUSH_SECONDS) must be a whole number of seconds from 1 to ${maxFlushSeconds}`,
    );
  }
  // The recorder only ever adds; nothing here reads the counters back.
  const recorder = createUsageRecorder(
    { add: async (lines) => (await options.table()).addUsage(lines), list: () => Promise.resolve([]) },
    () => clock.now(),
  );
  const { tally } = recorder;
  const labels = new Map<string, Labelled>();
  let requestsSinceFlush = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const countHits = (labelled: Labelled) => {
    const hits = labelled.counters.hits - labelled.flushedHits;
    if (hits > 0) tally.hit(tenant, labelled.connection, labelled.ref, hits);
    labelled.flushedHits = labelled.counters.hits;
  };

  /** Counts the hits of every name since the last flush, and starts the write of everything counted. */
  const flush = (): Promise<void> => {
    requestsSinceFlush = 0;
    for (const labelled of labels.values()) countHits(labelled);
    return recorder.flush();
  };

  const anyFresh = () => {
    const now = clock.now();
    for (const entry of options.entries.values()) if (now < entry.freshUntil) return true;
    return false;
  };

  const tick = () => {
    timer = undefined;
    for (const labelled of labels.values()) countHits(labelled);
    // Idle (nothing counted, no cached value a hit could come from): the timer rests until the next
    // vault request arms it again.
    const active = tally.pending > 0 || anyFresh();
    void flush();
    if (active) arm();
    else armed.delete(usage);
  };

  const arm = () => {
    if (timer !== undefined) return;
    timer = setTimeout(tick, flushSeconds * 1000);
    timer.unref();
    armed.add(usage);
  };

  const usage: LayerUsage = {
    counter(connection) {
      return (operation, ref) => {
        options.request(operation);
        tally.call(tenant, connection, ref, usageOperation(operation, ref));
        arm();
        if (++requestsSinceFlush >= earlyFlushRequests) void flush();
      };
    },

    label(label, connection, ref) {
      const known = labels.get(label);
      if (known !== undefined && known.connection === connection && known.ref === ref) return;
      // A name that now stands for another secret: its hits so far were the old one's.
      if (known !== undefined) countHits(known);
      const counters = options.counters(label);
      labels.set(label, { connection, ref, counters, flushedHits: counters.hits });
    },

    flush,
  };

  if (!sigtermListening) {
    sigtermListening = true;
    process.on('SIGTERM', onSigterm);
  }
  return usage;
}

/**
 * Lambda sends SIGTERM to the runtime before it ends an instance, when an extension is registered,
 * and allows a few hundred milliseconds. Every armed client flushes; then, unless another listener
 * took charge of ending the process, the signal is raised again with Node's own handling (the process
 * ends as it would have without this listener).
 */
function onSigterm(): void {
  const flushed = Promise.all([...armed].map((usage) => usage.flush()));
  const deadline = new Promise((resolve) => setTimeout(resolve, sigtermFlushMs));
  void Promise.race([flushed, deadline]).then(() => {
    if (process.listenerCount('SIGTERM') > 1) return;
    process.removeListener('SIGTERM', onSigterm);
    sigtermListening = false;
    process.kill(process.pid, 'SIGTERM');
  });
}

const awsOperations = new Set(['GetSecretValue', 'BatchGetSecretValue']);

/** The operation name a request is counted under in the cost records. */
export function usageOperation(operation: string, ref: string | undefined): string {
  if (awsOperations.has(operation)) return operation;
  return ref === undefined ? 'getBatch' : 'get';
}
