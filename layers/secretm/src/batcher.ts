/**
 * Collects the loads that arrive in the same turn of the event loop and runs them as batches: every
 * load queued before the next `setImmediate` (so after all pending promise callbacks) goes into one
 * flush, split into batches of at most `maxBatch` distinct keys. The same key twice in one flush is
 * asked once.
 */
import { ProviderUnavailableError } from '../../../shared/errors.ts';

export interface TickBatcher<K, V> {
  load(item: K): Promise<V>;
}

export interface BatcherOptions<K, V> {
  maxBatch: number;
  keyOf: (item: K) => string;
  /** Answers one outcome per item, in order: a value, or that item's error. A throw fails the whole batch. */
  run: (items: K[]) => Promise<({ value: V } | { error: unknown })[]>;
  /** Replaces `setImmediate` (tests). */
  schedule?: (flush: () => void) => void;
}

interface Waiter<K, V> {
  item: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

export function createTickBatcher<K, V>(options: BatcherOptions<K, V>): TickBatcher<K, V> {
  const schedule = options.schedule ?? ((flush: () => void) => setImmediate(flush));
  let queued = new Map<string, Waiter<K, V>[]>();
  let scheduled = false;

  const runBatch = async (keys: string[], waiting: Map<string, Waiter<K, V>[]>) => {
    const items = keys.map((key) => waiting.get(key)![0]!.item);
    try {
      const outcomes = await options.run(items);
      keys.forEach((key, i) => {
        const outcome = outcomes[i];
        for (const waiter of waiting.get(key)!) {
          if (outcome && 'value' in outcome) waiter.resolve(outcome.value);
          else
            waiter.reject(
              outcome?.error ??
                new ProviderUnavailableError(
                  'the vault answered a batch read without this secret; try again',
                ),
            );
        }
      });
    } catch (error) {
      for (const key of keys) for (const waiter of waiting.get(key)!) waiter.reject(error);
    }
  };

  const flush = () => {
    scheduled = false;
    const waiting = queued;
    queued = new Map();
    const keys = [...waiting.keys()];
    for (let i = 0; i < keys.length; i += options.maxBatch) {
      void runBatch(keys.slice(i, i + options.maxBatch), waiting);
    }
  };

  return {
    load(item) {
      return new Promise<V>((resolve, reject) => {
        const key = options.keyOf(item);
        const waiters = queued.get(key);
        if (waiters) waiters.push({ item, resolve, reject });
        else queued.set(key, [{ item, resolve, reject }]);
        if (!scheduled) {
          scheduled = true;
          schedule(flush);
        }
      });
    },
  };
}
