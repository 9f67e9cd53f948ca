/**
 * The layer's cache on a fake clock, loading through the AWS adapter from moto behind a counting proxy:
 * the proxy counts the vault requests, and switched off it is a real outage. The outage cases run
 * through the layer's signed reader too.
 */
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createCache, type Loaded, type SecretCache } from '../../../layers/secretm/src/cache.ts';
import { createMetrics, type Metrics } from '../../../layers/secretm/src/metrics.ts';
import { createSignedReader } from '../../../layers/secretm/src/sources/aws-signed.ts';
import { NotFoundError, ProviderUnavailableError } from '../../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../../shared/providers/aws-secrets-manager.ts';
import type { SecretProvider } from '../../../shared/providers/provider.ts';
import {
  awsReadPaths,
  type CountingProxy,
  countingProxy,
  createAwsSecret,
  credentials,
  type FakeClock,
  fakeClock,
  motoSdk,
  putAwsSecret,
  region,
  rejectionOf,
} from './layer-fixtures.ts';

const ttlMs = 300_000;
const swrMs = 60_000;
const serveStaleMs = 600_000;

let proxy: CountingProxy;
let vault: Pick<SecretProvider, 'get'>;
let signedVault: Pick<SecretProvider, 'get'>;

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
  vault = createAwsSecretsManagerProvider(
    { region, endpoint: proxy.endpoint, credentials },
    { timeoutMs: 2_000 },
  );
  signedVault = createSignedReader(
    { region, endpoint: proxy.endpoint, credentials, timeoutMs: 2_000 },
    () => {},
  );
});

afterAll(async () => {
  await proxy.close();
});

beforeEach(() => {
  proxy.down = false;
});

interface Harness {
  clock: FakeClock;
  cache: SecretCache<string>;
  metrics: Metrics;
  /** Reads `ref` through the cache, loading its text from moto. */
  read(ref: string, options?: { ttlMs?: number; forceFetch?: boolean }): Promise<string>;
}

function harness(
  options: {
    maxEntries?: number;
    swrMs?: number;
    serveStaleMs?: number;
    extra?: (ref: string) => Partial<Loaded<string>>;
    /** The signed reader instead of the SDK adapter. */
    signed?: boolean;
  } = {},
): Harness {
  const clock = fakeClock();
  const metrics = createMetrics();
  const cache = createCache<string>({
    clock,
    staleWhileRevalidateMs: options.swrMs ?? swrMs,
    serveStaleMs: options.serveStaleMs ?? serveStaleMs,
    countersFor: metrics.counters,
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
  });
  const load = (ref: string) => async (): Promise<Loaded<string>> => {
    const read = await (options.signed ? signedVault : vault).get(ref, { kind: 'text' });
    return {
      value: read.payload.kind === 'text' ? read.payload.text : '',
      ttlMs,
      ...options.extra?.(ref),
    };
  };
  return {
    clock,
    cache,
    metrics,
    read: async (ref, getOptions) => (await cache.get(ref, ref, load(ref), getOptions)).value!,
  };
}

/** Waits for the background refresh of `key`, if one runs, whatever its outcome. */
async function refreshed(cache: SecretCache<string>, key: string): Promise<void> {
  await cache.entries.get(key)?.inflight?.catch(() => {});
}

/** A new secret on moto, and the proxy's count reset. */
async function secret(value: string): Promise<string> {
  const { name } = await createAwsSecret(value);
  proxy.reset();
  return name;
}

describe('expiry', () => {
  it('answers from memory until the TTL ends, then reads the vault again', async () => {
    const { clock, read } = harness({ swrMs: 0 });
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');

    clock.advance(ttlMs - 1);
    const before = await read(name);
    clock.advance(1);
    const after = await read(name);

    expect(before).toBe('v1');
    expect(after).toBe('v2');
    expect(proxy.count('GetSecretValue')).toBe(2);
  });

  it('lets a call accept younger values only, with its own TTL', async () => {
    const { clock, read } = harness({ swrMs: 0 });
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');
    clock.advance(10_000);

    const lenient = await read(name);
    const strict = await read(name, { ttlMs: 5_000 });

    expect(lenient).toBe('v1');
    expect(strict).toBe('v2');
  });

  it('reads the vault on forceFetch however fresh the value is', async () => {
    const { read } = harness();
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');

    const forced = await read(name, { forceFetch: true });

    expect(forced).toBe('v2');
    expect(proxy.count('GetSecretValue')).toBe(2);
  });

  it('drops the entry when the secret is gone, instead of serving it stale', async () => {
    const { clock, read, cache } = harness();
    const name = await secret('v1');
    await read(name);
    await motoSdk().send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    clock.advance(ttlMs + swrMs);

    const error = await rejectionOf(read(name));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(cache.entries.has(name)).toBe(false);
  });
});

describe('stale-while-revalidate', () => {
  it('answers the old value at once after the TTL, refreshes once in the background, then answers the new one', async () => {
    const { clock, read, metrics, cache } = harness();
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');
    clock.advance(ttlMs + 1);

    const during = await Promise.all(Array.from({ length: 10 }, () => read(name)));
    await refreshed(cache, name);
    const after = await read(name);

    expect(during).toEqual(Array(10).fill('v1'));
    expect(after).toBe('v2');
    expect(proxy.count('GetSecretValue')).toBe(2);
    expect(metrics.stats().secrets[name]?.revalidations).toBe(1);
  });

  it('waits for the vault once the stale window has passed too', async () => {
    const { clock, read } = harness();
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');
    clock.advance(ttlMs + swrMs);

    const value = await read(name);

    expect(value).toBe('v2');
  });
});

describe('coalescing', () => {
  it('makes one vault request for 100 concurrent first reads', async () => {
    const { read } = harness();
    const name = await secret('v1');

    const values = await Promise.all(Array.from({ length: 100 }, () => read(name)));

    expect(new Set(values)).toEqual(new Set(['v1']));
    expect(proxy.count('GetSecretValue')).toBe(1);
  });

  it('makes one vault request for 100 concurrent reads of an expired value', async () => {
    const { clock, read } = harness({ swrMs: 0 });
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');
    clock.advance(ttlMs);

    const values = await Promise.all(Array.from({ length: 100 }, () => read(name)));

    expect(new Set(values)).toEqual(new Set(['v2']));
    expect(proxy.count('GetSecretValue')).toBe(2);
  });
});

describe('size bound', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const { read, cache } = harness({ maxEntries: 2 });
    const a = await secret('a');
    const b = await secret('b');
    const c = await secret('c');
    await read(a);
    await read(b);
    await read(a);

    await read(c);

    expect([...cache.entries.keys()].sort()).toEqual([a, c].sort());
    proxy.reset();
    await read(b);
    expect(proxy.count('GetSecretValue')).toBe(1);
  });
});

describe.each(awsReadPaths)('serve-stale while the vault is unreachable, through $path', ({ useSdk }) => {
  it('serves the cached value through an outage, then fails clearly after the window, then recovers', async () => {
    const { clock, read, metrics } = harness({ signed: !useSdk });
    const name = await secret('v1');
    await read(name);
    proxy.reset();
    proxy.down = true;
    clock.advance(ttlMs + swrMs);

    const duringOutage = await read(name);
    const requestsAfterFirstFailure = proxy.count();
    const duringBackoff = await read(name);
    clock.advance(serveStaleMs - swrMs);
    const expired = await rejectionOf(read(name));
    proxy.down = false;
    const recovered = await read(name);

    expect(duringOutage).toBe('v1');
    expect(duringBackoff).toBe('v1');
    expect(requestsAfterFirstFailure).toBe(0);
    expect(expired).toBeInstanceOf(ProviderUnavailableError);
    expect((expired as Error).message).toContain('unreachable for longer than the 600 s');
    expect((expired as Error).message).toContain(name);
    expect(recovered).toBe('v1');
    expect(metrics.stats().secrets[name]?.staleServed).toBe(2);
  });

  it('asks the vault again only after a back-off while it stays unreachable', async () => {
    const { clock, read } = harness({ signed: !useSdk });
    const name = await secret('v1');
    await read(name);
    proxy.down = true;
    clock.advance(ttlMs + swrMs);
    await read(name);

    proxy.down = false;
    proxy.reset();
    const inBackoff = await read(name);
    const requestsInBackoff = proxy.count('GetSecretValue');
    clock.advance(1_000);
    await read(name);

    expect(inBackoff).toBe('v1');
    expect(requestsInBackoff).toBe(0);
    expect(proxy.count('GetSecretValue')).toBe(1);
  });

  it('keeps serving during the stale window when the background refresh fails', async () => {
    const { clock, read, cache } = harness({ signed: !useSdk });
    const name = await secret('v1');
    await read(name);
    proxy.down = true;
    clock.advance(ttlMs + 1);

    const first = await read(name);
    await refreshed(cache, name);
    const second = await read(name);

    expect([first, second]).toEqual(['v1', 'v1']);
  });

  it('fails with the vault error when nothing was ever cached', async () => {
    const { read } = harness({ signed: !useSdk });
    const name = await secret('v1');
    proxy.down = true;

    const error = await rejectionOf(read(name));

    expect(error).toBeInstanceOf(ProviderUnavailableError);
  });
});

describe('leases and rotations', () => {
  it('expires a leased value before its lease ends, and never serves it after the lease, even in an outage', async () => {
    let leaseEnd = 0;
    const { clock, read, cache } = harness({ extra: () => ({ leaseExpiresAt: leaseEnd }) });
    leaseEnd = clock.now() + 60_000;
    const name = await secret('creds-1');
    await read(name);
    await putAwsSecret(name, 'creds-2');

    clock.advance(53_000);
    const beforeMargin = await read(name);
    const requestsBeforeMargin = proxy.count('GetSecretValue');
    clock.advance(1_000);
    leaseEnd = clock.now() + 60_000;
    const inMargin = await read(name);
    await refreshed(cache, name);
    proxy.down = true;
    clock.advance(60_000);
    const afterLease = await rejectionOf(read(name));

    expect(beforeMargin).toBe('creds-1');
    expect(requestsBeforeMargin).toBe(1);
    expect(inMargin).toBe('creds-1');
    expect(proxy.count('GetSecretValue')).toBe(2);
    expect(afterLease).toBeInstanceOf(ProviderUnavailableError);
  });

  it('refreshes at the next scheduled rotation, without serving the old value past it', async () => {
    let rotation = 0;
    const { clock, read } = harness({ extra: () => ({ refreshBy: rotation }) });
    rotation = clock.now() + 120_000;
    const name = await secret('before-rotation');
    await read(name);
    await putAwsSecret(name, 'after-rotation');

    clock.advance(119_999);
    const before = await read(name);
    clock.advance(1);
    const after = await read(name);

    expect(before).toBe('before-rotation');
    expect(after).toBe('after-rotation');
  });
});

describe('invalidate', () => {
  it('forgets a secret so the next read asks the vault', async () => {
    const { read, cache } = harness();
    const name = await secret('v1');
    await read(name);
    await putAwsSecret(name, 'v2');

    const dropped = cache.invalidate(name);
    const value = await read(name);

    expect(dropped).toBe(1);
    expect(value).toBe('v2');
    expect(proxy.count('GetSecretValue')).toBe(2);
  });
});
