/** Timing helpers for the bench: per-call times of very short operations, and summaries. */

export interface Summary {
  median: number;
  p99: number;
}

export function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
  return { median: at(0.5), p99: at(0.99) };
}

/** The value below which `share` of `values` fall (nearest rank, as `summarise` takes its figures). */
export function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))]!;
}

export function median(values: number[]): number {
  return summarise(values).median;
}

export interface Variant {
  name: string;
  run: () => unknown;
}

/**
 * Per-call time of each variant, in ns: every sample times `batch` sequential awaited calls and divides
 * by `batch` (a single sub-microsecond call is below the timer's resolution); samples of the variants are
 * interleaved so that drift (frequency scaling, GC) hits them alike. Answers median and p99 of the samples.
 */
export async function perCall(
  variants: Variant[],
  options: { batch: number; samples: number; warmup: number },
): Promise<Record<string, Summary>> {
  for (const variant of variants) {
    for (let i = 0; i < options.warmup; i++) await variant.run();
  }
  const samples: Record<string, number[]> = Object.fromEntries(variants.map((variant) => [variant.name, []]));
  for (let s = 0; s < options.samples; s++) {
    for (const variant of variants) {
      const run = variant.run;
      const start = process.hrtime.bigint();
      for (let i = 0; i < options.batch; i++) await run();
      samples[variant.name]!.push(Number(process.hrtime.bigint() - start) / options.batch);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, summarise(values)]));
}

/** Runs `work` from `workers` concurrent loops for `ms` milliseconds (each loop yields between calls). */
export async function runFor(ms: number, workers: number, work: () => Promise<unknown>): Promise<number> {
  const end = Date.now() + ms;
  let calls = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < end) {
        await work();
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return calls;
}
