/**
 * What the layer counts, per secret: cache hits, misses, vault calls, errors, serve-stale events and
 * background revalidations; and, per vault operation, the requests it sent. `stats()` answers the
 * totals since start (for cost tracking); `flush()` writes what changed since the last flush as ONE
 * CloudWatch embedded-metric-format (EMF) log line, never a value.
 *
 * The EMF document carries the totals as CloudWatch metrics (namespace `secretm`, dimension
 * `Service`), and the per-secret figures as the `secrets` property: an EMF document holds one value per
 * dimension, so one line cannot hold a metric per secret; the per-secret figures are there for Logs
 * Insights and for the cost records.
 *
 * Flushing is off the caller's path: counting is a field increment; the first count after a flush arms
 * one unref'd timer (`flushIntervalMs`), and the line is written when it fires. In Lambda a frozen
 * sandbox fires it on its next invocation. `flush()` may be called directly (tests, shutdown hooks).
 */

export interface SecretCounters {
  hits: number;
  misses: number;
  vaultCalls: number;
  errors: number;
  staleServed: number;
  revalidations: number;
}

export interface LayerStats {
  /** Per secret, by the name the caller used (a secretm name or a vault reference). */
  secrets: Record<string, SecretCounters>;
  totals: SecretCounters;
  /** Vault requests by operation (`GetSecretValue`, `BatchGetSecretValue`, `vault:read`, …). */
  requests: Record<string, number>;
}

export interface MetricsOptions {
  /** Write EMF lines at all (counting and `stats()` are always on). Default false. */
  enabled?: boolean;
  namespace?: string;
  /** The `Service` dimension. Default: the Lambda function's name, else `secretm`. */
  service?: string;
  flushIntervalMs?: number;
  /** Where a line goes. Default: stdout, which Lambda sends to CloudWatch Logs. */
  write?: (line: string) => void;
  now?: () => number;
}

export interface Metrics {
  counters(label: string): SecretCounters;
  /** Counts one request by operation; a second argument (reader.ts's vault reference) is ignored. */
  request(operation: string): void;
  /** Arms the flush timer when lines are enabled and none is armed. Cheap enough for every read. */
  touch(): void;
  stats(): LayerStats;
  /** Writes the changes since the last flush as one EMF line and answers it; undefined when nothing changed. */
  flush(): string | undefined;
}

const counterNames = ['hits', 'misses', 'vaultCalls', 'errors', 'staleServed', 'revalidations'] as const;
const metricNames: Record<(typeof counterNames)[number], string> = {
  hits: 'CacheHits',
  misses: 'CacheMisses',
  vaultCalls: 'VaultCalls',
  errors: 'Errors',
  staleServed: 'StaleServed',
  revalidations: 'Revalidations',
};

export const defaultFlushIntervalMs = 60_000;

function zero(): SecretCounters {
  return { hits: 0, misses: 0, vaultCalls: 0, errors: 0, staleServed: 0, revalidations: 0 };
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const enabled = options.enabled ?? false;
  const namespace = options.namespace ?? 'secretm';
  const service = options.service ?? 'secretm';
  const flushIntervalMs = options.flushIntervalMs ?? defaultFlushIntervalMs;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const bySecret = new Map<string, SecretCounters>();
  const flushedBySecret = new Map<string, SecretCounters>();
  const requests: Record<string, number> = {};
  const flushedRequests: Record<string, number> = {};
  let timer: ReturnType<typeof setTimeout> | undefined;

  const flush = (): string | undefined => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    const totals = zero();
    const secrets: Record<string, Partial<SecretCounters>> = {};
    for (const [label, counters] of bySecret) {
      const before = flushedBySecret.get(label) ?? zero();
      const delta: Partial<SecretCounters> = {};
      let changed = false;
      for (const name of counterNames) {
        const change = counters[name] - before[name];
        if (change !== 0) {
          delta[name] = change;
          totals[name] += change;
          changed = true;
        }
      }
      if (changed) {
        secrets[label] = delta;
        flushedBySecret.set(label, { ...counters });
      }
    }
    const requestDelta: Record<string, number> = {};
    for (const [operation, count] of Object.entries(requests)) {
      const change = count - (flushedRequests[operation] ?? 0);
      if (change !== 0) requestDelta[operation] = change;
      flushedRequests[operation] = count;
    }
    if (Object.keys(secrets).length === 0 && Object.keys(requestDelta).length === 0) return undefined;
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: now(),
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [['Service']],
            Metrics: [
              ...counterNames.map((name) => ({ Name: metricNames[name], Unit: 'Count' })),
              { Name: 'VaultRequests', Unit: 'Count' },
            ],
          },
        ],
      },
      Service: service,
      ...Object.fromEntries(counterNames.map((name) => [metricNames[name], totals[name]])),
      VaultRequests: Object.values(requestDelta).reduce((sum, count) => sum + count, 0),
      secrets,
      requests: requestDelta,
    };
    const line = JSON.stringify(document);
    if (enabled) write(line);
    return line;
  };

  return {
    counters(label) {
      let counters = bySecret.get(label);
      if (counters === undefined) {
        counters = zero();
        bySecret.set(label, counters);
      }
      return counters;
    },

    request(operation) {
      requests[operation] = (requests[operation] ?? 0) + 1;
    },

    touch() {
      if (!enabled || timer !== undefined) return;
      timer = setTimeout(flush, flushIntervalMs);
      timer.unref();
    },

    stats() {
      const totals = zero();
      const secrets: Record<string, SecretCounters> = {};
      for (const [label, counters] of bySecret) {
        secrets[label] = { ...counters };
        for (const name of counterNames) totals[name] += counters[name];
      }
      return { secrets, totals, requests: { ...requests } };
    },

    flush,
  };
}
