/**
 * Counts vault calls in memory and writes them to the usage counters. The API and the rotation
 * functions flush at the end of every request or invocation, so a Lambda instance that is frozen or
 * ended afterwards holds nothing unwritten; a flush that fails keeps its counts for the next one.
 */
import type { UsageStore } from '../store/usage-store.ts';
import { createUsageTally, type UsageTally } from './usage.ts';

export interface UsageRecorder {
  readonly tally: UsageTally;
  /** Writes what was counted since the last flush. Never throws: what fails is kept for the next. */
  flush(): Promise<void>;
}

export function createUsageRecorder(store: UsageStore, now?: () => Date | number): UsageRecorder {
  const tally = createUsageTally(now);
  let running: Promise<void> = Promise.resolve();
  const flushOnce = async () => {
    const lines = tally.drain();
    if (lines.length === 0) return;
    let failed = lines;
    try {
      failed = await store.add(lines);
    } catch {
      // store.add reports failures per line; anything thrown means nothing is known to be written.
    }
    if (failed.length > 0) {
      tally.restore(failed);
      console.warn(
        JSON.stringify({
          level: 'warn',
          message: 'usage counters could not be written; they are kept for the next flush',
          lines: failed.length,
        }),
      );
    }
  };
  return {
    tally,
    flush() {
      running = running.then(flushOnce);
      return running;
    },
  };
}
