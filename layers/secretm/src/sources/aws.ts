/**
 * AWS Secrets Manager for the layer, in the function's own account: batched reads, and fail-over to
 * replica regions.
 *
 * Two ways to read, per region: the layer's own signed requests (aws-signed.ts), wherever they apply
 * (static credentials, given or the function's from the environment; a region of the aws or aws-cn
 * partition; no FIPS or dual-stack endpoint asked for), else the shared SDK adapter
 * (shared/providers/aws-secrets-manager.ts), imported only then: a function whose reads are signed here
 * never loads the AWS SDK. Both read and fail alike.
 *
 * Fail-over: the regions are tried in order (the primary first, then each replica) when a region is
 * unreachable, throttles or fails on its side; a region that failed is skipped for 30 s unless it is
 * the last one left, so an outage costs one timeout, not one per read. A "not found" or "access denied"
 * answer is final: replicas lag, and a refusal must not be bypassed. An ARN is rewritten to the replica's
 * region (a replica keeps the primary's name and ARN suffix).
 *
 * Loaded only when an AWS secret is first read.
 */

import { awsBatchReadLimit } from '../../../../shared/providers/aws-secret-payload.ts';
import type {
  AwsCredentials,
  createAwsSecretsManagerProvider,
} from '../../../../shared/providers/aws-secrets-manager.ts';
import { defaultVaultTimeoutMs, type ReadValue } from '../../../../shared/providers/provider.ts';
import { isUnavailableError, type LayerClock } from '../cache.ts';
import { createSignedReader, signedEndpoint, signingCredentials } from './aws-signed.ts';
import {
  type BatchOutcome,
  type ReadableProvider,
  type ReadOptions,
  type RequestCounter,
  readerFor,
  type SecretReader,
} from './reader.ts';

export interface AwsRegionTarget {
  region: string;
  /** A private or test endpoint for this region. */
  endpoint?: string;
}

export interface AwsSourceOptions extends AwsRegionTarget {
  /** Regions to fall back to, in order, when the primary cannot be reached. */
  replicas?: AwsRegionTarget[];
  /** Static credentials (tests, local mode); else the environment's, else the SDK's default chain. */
  credentials?: AwsCredentials;
  /** Reads through the AWS SDK even where the layer's signed requests apply. */
  useSdk?: boolean;
  /** Where the function's credentials and the SDK's endpoint settings are read from, once. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Loads the SDK adapter, when a region needs it. */
  loadSdk?: () => Promise<{ createAwsSecretsManagerProvider: typeof createAwsSecretsManagerProvider }>;
  timeoutMs?: number;
  clock?: LayerClock;
  schedule?: (flush: () => void) => void;
}

const regionDownMs = 30_000;
const loadSdkAdapter = () => import('../../../../shared/providers/aws-secrets-manager.ts');

export function createAwsReader(options: AwsSourceOptions, count: RequestCounter): SecretReader {
  const clock = options.clock ?? { now: Date.now };
  const env = options.env ?? process.env;
  const credentials = options.useSdk ? undefined : signingCredentials(options.credentials, env);
  const targets = [{ region: options.region, endpoint: options.endpoint }, ...(options.replicas ?? [])];
  const regions = targets.map((target) => {
    const endpoint =
      credentials === undefined ? undefined : signedEndpoint(target.region, target.endpoint, env);
    return {
      region: target.region,
      downUntil: 0,
      provider:
        credentials !== undefined && endpoint !== undefined
          ? createSignedReader(
              {
                region: target.region,
                endpoint,
                credentials,
                timeoutMs: options.timeoutMs ?? defaultVaultTimeoutMs,
              },
              count,
            )
          : sdkReader(target, options, count),
    };
  });

  /** Runs `call` on the first region that answers; unreachable regions are marked down for a while. */
  const failover = async <T>(
    call: (provider: ReadableProvider, region: string) => Promise<T>,
  ): Promise<T> => {
    const now = clock.now();
    const up = regions.filter((region) => region.downUntil <= now);
    const order = up.length > 0 ? up : regions;
    let lastError: unknown;
    for (const [i, region] of order.entries()) {
      try {
        const answer = await call(region.provider, region.region);
        region.downUntil = 0;
        return answer;
      } catch (error) {
        if (!isUnavailableError(error) || i === order.length - 1) throw error;
        region.downUntil = clock.now() + regionDownMs;
        lastError = error;
      }
    }
    throw lastError;
  };

  const provider: ReadableProvider = {
    get(ref: string, readOptions?: ReadOptions): Promise<ReadValue> {
      return failover((regional, region) => regional.get(inRegion(ref, region), readOptions));
    },
    getBatch(refs): Promise<BatchOutcome[]> {
      return failover(async (regional, region) => {
        const outcomes = await regional.getBatch!(
          refs.map((item) =>
            item.kind === undefined
              ? { ref: inRegion(item.ref, region) }
              : { ref: inRegion(item.ref, region), kind: item.kind },
          ),
        );
        return outcomes.map((outcome, i) => ({ ...outcome, ref: refs[i]!.ref }));
      });
    },
  };

  return readerFor(provider, {
    maxBatch: awsBatchReadLimit,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
  });
}

/** The same secret's ARN in another region; a name is the same everywhere. */
export function inRegion(ref: string, region: string): string {
  if (!ref.startsWith('arn:')) return ref;
  const parts = ref.split(':');
  parts[3] = region;
  return parts.join(':');
}

/**
 * The SDK adapter for one region, imported on its first read. Every request it sends, each retry
 * too, is counted by the adapter's own request meter (shared/costs/request-meter.ts), under AWS's
 * operation names, as the signed reader counts its own.
 */
function sdkReader(
  target: AwsRegionTarget,
  options: AwsSourceOptions,
  count: RequestCounter,
): Required<ReadableProvider> {
  type Made = {
    adapter: Awaited<ReturnType<typeof createAwsSecretsManagerProvider>>;
    meter: typeof import('../../../../shared/costs/request-meter.ts').requestMeter;
  };
  let made: Promise<Made> | undefined;
  const load = () => {
    made ??= Promise.all([
      (options.loadSdk ?? loadSdkAdapter)(),
      import('../../../../shared/costs/request-meter.ts'),
    ]).then(([{ createAwsSecretsManagerProvider }, { requestMeter }]) => ({
      adapter: createAwsSecretsManagerProvider(
        {
          region: target.region,
          ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
          ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        },
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      ),
      meter: requestMeter,
    }));
    made.catch(() => {
      made = undefined;
    });
    return made;
  };
  const counter = (operation: string, ref: string | undefined) => count(operation, ref);
  return {
    get: async (ref, readOptions) => {
      const { adapter, meter } = await load();
      return meter.run(counter, () => adapter.get(ref, readOptions));
    },
    getBatch: async (refs) => {
      const { adapter, meter } = await load();
      return meter.run(counter, () => adapter.getBatch(refs));
    },
  };
}
