import { describe, expect, it } from 'vitest';
import { createTickBatcher } from '../../../layers/secretm/src/batcher.ts';
import { NotFoundError, ProviderUnavailableError } from '../../../shared/errors.ts';

function batcher(fail?: (items: string[]) => Error | undefined) {
  const batches: string[][] = [];
  const load = createTickBatcher<string, string>({
    maxBatch: 3,
    keyOf: (item) => item,
    run: async (items) => {
      batches.push(items);
      const failure = fail?.(items);
      if (failure) throw failure;
      return items.map((item) =>
        item.startsWith('absent') ? { error: new NotFoundError(item) } : { value: item.toUpperCase() },
      );
    },
  });
  return { load, batches };
}

describe('createTickBatcher', () => {
  it('runs the loads of one tick together, in batches of at most maxBatch, asking each key once', async () => {
    const { load, batches } = batcher();

    const values = await Promise.all(['a', 'b', 'a', 'c', 'd'].map((item) => load.load(item)));

    expect(values).toEqual(['A', 'B', 'A', 'C', 'D']);
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('gives each item its own error, and every item the error of a failed batch', async () => {
    const { load } = batcher((items) =>
      items.includes('down') ? new ProviderUnavailableError('down') : undefined,
    );

    const mixed = await Promise.allSettled([load.load('ok'), load.load('absent-1')]);
    const failed = await Promise.allSettled([load.load('down'), load.load('x')]);

    expect(mixed[0]).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(mixed[1]?.status === 'rejected' && mixed[1].reason).toBeInstanceOf(NotFoundError);
    expect(
      failed.map(
        (outcome) => outcome.status === 'rejected' && outcome.reason instanceof ProviderUnavailableError,
      ),
    ).toEqual([true, true]);
  });

  it('starts a new batch for loads after the flush', async () => {
    const { load, batches } = batcher();

    await load.load('a');
    await load.load('b');

    expect(batches).toEqual([['a'], ['b']]);
  });
});
