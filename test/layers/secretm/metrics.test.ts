import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../layers/secretm/src/metrics.ts';

describe('createMetrics', () => {
  it('flushes what changed since the last flush as one EMF line, on a timer off the caller’s path', async () => {
    const lines: string[] = [];
    let written: () => void = () => {};
    const flushed = new Promise<void>((resolve) => {
      written = resolve;
    });
    const metrics = createMetrics({
      enabled: true,
      flushIntervalMs: 20,
      write: (line) => {
        lines.push(line);
        written();
      },
      service: 'fn',
      now: () => 1_700_000_000_000,
    });
    metrics.counters('db').hits += 3;
    metrics.counters('db').misses += 1;
    metrics.counters('api').vaultCalls += 2;
    metrics.request('GetSecretValue');
    metrics.request('GetSecretValue');

    metrics.touch();
    const writtenAtOnce = lines.length;
    await flushed;

    expect(writtenAtOnce).toBe(0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'secretm',
            Dimensions: [['Service']],
            Metrics: [
              { Name: 'CacheHits', Unit: 'Count' },
              { Name: 'CacheMisses', Unit: 'Count' },
              { Name: 'VaultCalls', Unit: 'Count' },
              { Name: 'Errors', Unit: 'Count' },
              { Name: 'StaleServed', Unit: 'Count' },
              { Name: 'Revalidations', Unit: 'Count' },
              { Name: 'VaultRequests', Unit: 'Count' },
            ],
          },
        ],
      },
      Service: 'fn',
      CacheHits: 3,
      CacheMisses: 1,
      VaultCalls: 2,
      Errors: 0,
      StaleServed: 0,
      Revalidations: 0,
      VaultRequests: 2,
      secrets: { db: { hits: 3, misses: 1 }, api: { vaultCalls: 2 } },
      requests: { GetSecretValue: 2 },
    });
  });

  it('writes only the changes of the next flush, nothing when nothing changed, and keeps totals in stats', () => {
    const lines: string[] = [];
    const metrics = createMetrics({ enabled: true, write: (line) => lines.push(line) });
    metrics.counters('db').hits += 2;
    metrics.flush();
    metrics.counters('db').hits += 5;

    const second = JSON.parse(metrics.flush()!);
    const third = metrics.flush();

    expect(second.secrets).toEqual({ db: { hits: 5 } });
    expect(third).toBeUndefined();
    expect(lines).toHaveLength(2);
    expect(metrics.stats().secrets.db?.hits).toBe(7);
  });

  it('counts but writes no line when lines are off', () => {
    const lines: string[] = [];
    const metrics = createMetrics({ write: (line) => lines.push(line) });
    metrics.counters('db').errors++;

    metrics.touch();
    metrics.flush();

    expect(lines).toEqual([]);
    expect(metrics.stats().totals.errors).toBe(1);
  });
});
