/**
 * A reader turns a vault adapter into what the cache loads from: one `read(ref)` per secret, where
 * reads of the current version that arrive in the same tick go out as batches when the adapter can
 * batch (`getBatch`, AWS's BatchGetSecretValue: up to 20 secrets per call). An adapter that refuses the
 * batch call itself (no permission for it) is read one secret at a time from then on.
 */
import { ForbiddenError } from '../../../../shared/errors.ts';
import type { ReadValue, SecretPayload } from '../../../../shared/providers/provider.ts';
import { createTickBatcher } from '../batcher.ts';

export interface ReadOptions {
  versionId?: string;
  kind?: SecretPayload['kind'];
}

export interface SecretReader {
  read(ref: string, options?: ReadOptions): Promise<ReadValue>;
}

export type BatchOutcome = { ref: string; value: ReadValue } | { ref: string; error: unknown };

/** The part of a vault adapter (shared/providers) the layer uses. */
export interface ReadableProvider {
  get(ref: string, options?: ReadOptions): Promise<ReadValue>;
  getBatch?(refs: readonly { ref: string; kind?: SecretPayload['kind'] }[]): Promise<BatchOutcome[]>;
}

/**
 * Told of each request the layer sends: `operation` is its name for `stats().requests`
 * (`GetSecretValue`, `dynamodb:BatchGetItem`, …); `ref` the vault reference of the secret a read asked
 * for, absent for a request on several secrets at once (a batch read), which the cost records count for
 * the connection as a whole.
 */
export type RequestCounter = (operation: string, ref?: string) => void;

/** Wraps an adapter so every call is counted as a vault request (a single read with its reference). */
export function countedProvider(
  provider: ReadableProvider,
  count: RequestCounter,
  operations: { get: string; batch?: string },
): ReadableProvider {
  const getBatch = provider.getBatch?.bind(provider);
  return {
    get(ref, options) {
      count(operations.get, ref);
      return provider.get(ref, options);
    },
    ...(getBatch === undefined
      ? {}
      : {
          getBatch(refs) {
            count(operations.batch ?? `${operations.get}:batch`);
            return getBatch(refs);
          },
        }),
  };
}

export interface ReaderOptions {
  /** Most secrets in one batch call. */
  maxBatch?: number;
  schedule?: (flush: () => void) => void;
}

export function readerFor(provider: ReadableProvider, options: ReaderOptions = {}): SecretReader {
  const getBatch = provider.getBatch?.bind(provider);
  if (getBatch === undefined) return { read: (ref, readOptions) => provider.get(ref, readOptions) };
  let batchRefused = false;

  const one = async (item: { ref: string; kind?: SecretPayload['kind'] }) => {
    try {
      return { value: await provider.get(item.ref, item.kind === undefined ? {} : { kind: item.kind }) };
    } catch (error) {
      return { error };
    }
  };

  const batcher = createTickBatcher<{ ref: string; kind?: SecretPayload['kind'] }, ReadValue>({
    maxBatch: options.maxBatch ?? 20,
    keyOf: (item) => `${item.kind ?? ''}\u0000${item.ref}`,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    run: async (items) => {
      if (items.length === 1 || batchRefused) return Promise.all(items.map(one));
      let outcomes: BatchOutcome[];
      try {
        outcomes = await getBatch(items);
      } catch (error) {
        if (!(error instanceof ForbiddenError)) throw error;
        batchRefused = true;
        return Promise.all(items.map(one));
      }
      return outcomes.map((outcome) =>
        'value' in outcome ? { value: outcome.value } : { error: outcome.error },
      );
    },
  });

  return {
    read(ref, readOptions = {}) {
      if (readOptions.versionId !== undefined) return provider.get(ref, readOptions);
      return batcher.load(readOptions.kind === undefined ? { ref } : { ref, kind: readOptions.kind });
    },
  };
}
