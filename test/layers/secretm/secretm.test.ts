/**
 * The layer's client on AWS references (names and ARNs, as Powertools' getSecret reads them), against
 * moto behind a counting proxy, on a fake clock: once through the layer's signed requests, once
 * through the AWS SDK.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/index.ts';
import type { SecretmOptions } from '../../../layers/secretm/src/secretm.ts';
import {
  NotFoundError,
  ProviderUnavailableError,
  UnprocessableError,
  ValidationError,
} from '../../../shared/errors.ts';
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
  uniqueSecretName,
} from './layer-fixtures.ts';

let proxy: CountingProxy;

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
});

afterAll(async () => {
  await proxy.close();
});

beforeEach(() => {
  proxy.down = false;
  proxy.reset();
});

describe.each(awsReadPaths)('through $path', ({ useSdk, userAgent }) => {
  function client(clock: FakeClock = fakeClock(), options: SecretmOptions = {}) {
    return createSecretm({
      timeoutMs: 2_000,
      clock,
      ...options,
      aws: { region, endpoint: proxy.endpoint, credentials, ...options.aws, useSdk },
    });
  }

  afterEach(() => {
    // Every request the proxy saw came from the client this block is about.
    expect(proxy.userAgents().filter((agent) => !userAgent.test(agent))).toEqual([]);
  });

  describe('reading AWS secrets', () => {
    it('reads a secret by name and by ARN, as Powertools answers them', async () => {
      const text = await createAwsSecret('plain text');
      const json = await createAwsSecret('{"user":"app","password":"pw"}');
      const binary = await createAwsSecret(new Uint8Array([0, 1, 2, 255]));
      const secretm = client();

      const values = await Promise.all([
        secretm.getSecret(text.name),
        secretm.getSecret(json.arn),
        secretm.getSecret(binary.name),
      ]);

      expect(values[0]).toBe('plain text');
      expect(JSON.parse(values[1] as string)).toEqual({ user: 'app', password: 'pw' });
      expect(values[2]).toEqual(new Uint8Array([0, 1, 2, 255]));
    });

    it('answers one key, the parsed JSON (frozen) and base64-decoded text', async () => {
      const json = await createAwsSecret('{"user":"app","nested":{"port":5432}}');
      const encoded = await createAwsSecret(Buffer.from('decoded text').toString('base64'));
      const secretm = client();

      const user = await secretm.getSecret(json.name, { key: 'user' });
      const nested = await secretm.getSecret(json.name, { key: 'nested' });
      const parsed = (await secretm.getSecret(json.name, { transform: 'json' })) as Record<string, unknown>;
      const decoded = await secretm.getSecret(encoded.name, { transform: 'binary' });

      expect(user).toBe('app');
      expect(nested).toBe('{"port":5432}');
      expect(parsed).toEqual({ user: 'app', nested: { port: 5432 } });
      expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.nested)).toBe(true);
      expect(decoded).toBe('decoded text');
    });

    it('refuses a missing key, a value that is not JSON, and a malformed reference, naming no value', async () => {
      const json = await createAwsSecret('{"user":"app"}');
      const text = await createAwsSecret('not-json-value');
      const secretm = client();

      const missingKey = await rejectionOf(secretm.getSecret(json.name, { key: 'password' }));
      const notJson = await rejectionOf(secretm.getSecret(text.name, { transform: 'json' }));
      const malformed = await rejectionOf(secretm.getSecret('ftp://nowhere/x'));

      expect(missingKey).toBeInstanceOf(NotFoundError);
      expect(notJson).toBeInstanceOf(UnprocessableError);
      expect((notJson as Error).message).not.toContain('not-json-value');
      expect(malformed).toBeInstanceOf(ValidationError);
    });

    it('answers NotFoundError for a secret that does not exist', async () => {
      const error = await rejectionOf(client().getSecret(uniqueSecretName()));

      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('the cache key', () => {
    it('reads a secret once for every key and transform of it, but answers each its own value', async () => {
      const { name } = await createAwsSecret('{"user":"app","password":"pw"}');
      const secretm = client();

      const [user, password, whole, parsed] = await Promise.all([
        secretm.getSecret(name, { key: 'user' }),
        secretm.getSecret(name, { key: 'password' }),
        secretm.getSecret(name),
        secretm.getSecret(name, { transform: 'json' }),
      ]);

      expect([user, password]).toEqual(['app', 'pw']);
      expect(typeof whole).toBe('string');
      expect(parsed).toEqual({ user: 'app', password: 'pw' });
      expect(proxy.count('GetSecretValue') + proxy.count('BatchGetSecretValue')).toBe(1);
    });

    it('keeps a pinned version apart from the current one', async () => {
      const { name, versionId } = await createAwsSecret('first');
      await putAwsSecret(name, 'second');
      const secretm = client();

      const current = await secretm.getSecret(name);
      const pinned = await secretm.getSecret(name, { version: versionId });

      expect([current, pinned]).toEqual(['second', 'first']);
    });

    it('answers a warm read from memory, with no vault request', async () => {
      const { name } = await createAwsSecret('warm');
      const secretm = client();
      await secretm.getSecret(name);
      proxy.reset();

      const values = await Promise.all(Array.from({ length: 1_000 }, () => secretm.getSecret(name)));

      expect(new Set(values)).toEqual(new Set(['warm']));
      expect(proxy.count()).toBe(0);
      expect(secretm.stats().secrets[name]).toMatchObject({ hits: 1_000, misses: 1, vaultCalls: 1 });
    });
  });

  describe('coalescing and batching', () => {
    it('makes one vault request for 100 concurrent first reads of one secret', async () => {
      const { name } = await createAwsSecret('once');
      const secretm = client();

      const values = await Promise.all(Array.from({ length: 100 }, () => secretm.getSecret(name)));

      expect(new Set(values)).toEqual(new Set(['once']));
      expect(proxy.count()).toBe(1);
    });

    it('reads 25 secrets with two BatchGetSecretValue calls (20 + 5)', async () => {
      const secrets = await Promise.all(Array.from({ length: 25 }, (_, i) => createAwsSecret(`value-${i}`)));
      proxy.reset();
      const secretm = client();

      const values = await secretm.getSecrets(secrets.map((secret) => secret.name));

      expect(values).toEqual(secrets.map((_, i) => `value-${i}`));
      expect(proxy.count('BatchGetSecretValue')).toBe(2);
      expect(proxy.count('GetSecretValue')).toBe(0);
    });

    it('batches misses that arrive in the same tick, and gives a missing secret its own error', async () => {
      const a = await createAwsSecret('a');
      const b = await createAwsSecret('b');
      const absent = uniqueSecretName();
      proxy.reset();
      const secretm = client();

      const outcomes = await Promise.allSettled([
        secretm.getSecret(a.name),
        secretm.getSecret(b.arn),
        secretm.getSecret(absent),
      ]);

      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 'a' });
      expect(outcomes[1]).toEqual({ status: 'fulfilled', value: 'b' });
      expect(outcomes[2]?.status === 'rejected' && outcomes[2].reason).toBeInstanceOf(NotFoundError);
      expect(proxy.count('BatchGetSecretValue')).toBe(1);
      expect(proxy.count('GetSecretValue')).toBe(0);
    });

    it('refreshes secrets read together in one batch, bringing those past half their TTL along', async () => {
      const a = await createAwsSecret('a');
      const b = await createAwsSecret('b');
      const clock = fakeClock();
      const secretm = client(clock, { ttlSeconds: 60, staleWhileRevalidateSeconds: 0 });
      await secretm.getSecrets([a.name]);
      clock.advance(10_000);
      await secretm.getSecrets([a.name, b.name]);
      proxy.reset();

      clock.advance(50_000);
      const refreshed = await secretm.getSecrets([a.name, b.name]);
      const requestsAtFirstExpiry = proxy.count();
      clock.advance(10_000);
      await secretm.getSecrets([a.name, b.name]);

      expect(refreshed).toEqual(['a', 'b']);
      expect(requestsAtFirstExpiry).toBe(1);
      expect(proxy.count('BatchGetSecretValue')).toBe(1);
      expect(proxy.count()).toBe(1);
    });

    it('reads one secret per TTL however many calls ask, over a long run', async () => {
      const secrets = await Promise.all(Array.from({ length: 21 }, (_, i) => createAwsSecret(`long-${i}`)));
      const names = secrets.map((secret) => secret.name);
      proxy.reset();
      const clock = fakeClock();
      const secretm = client(clock, { ttlSeconds: 60, staleWhileRevalidateSeconds: 0 });

      for (let second = 0; second < 600; second += 5) {
        await secretm.getSecrets(names);
        await Promise.all(names.map((name) => secretm.getSecret(name)));
        clock.advance(5_000);
        await new Promise((resolve) => setImmediate(resolve));
      }

      // 10 TTLs × ⌈21 / 20⌉ requests: a batch of 20, and the 21st alone (a batch of one is a plain read).
      expect(proxy.count('BatchGetSecretValue')).toBe(10);
      expect(proxy.count('GetSecretValue')).toBe(10);
    });
  });

  describe('invalidate', () => {
    it('forgets one secret, every key of it, so a caller whose credentials were refused reads again', async () => {
      const { name } = await createAwsSecret('{"password":"old"}');
      const other = await createAwsSecret('other');
      const secretm = client();
      await secretm.getSecret(name, { key: 'password' });
      await secretm.getSecret(other.name);
      await putAwsSecret(name, '{"password":"new"}');
      proxy.reset();

      secretm.invalidate(name);
      const password = await secretm.getSecret(name, { key: 'password' });
      await secretm.getSecret(other.name);

      expect(password).toBe('new');
      expect(proxy.count()).toBe(1);
    });
  });

  describe('outages and replicas', () => {
    it('serves the cached value while AWS is unreachable, then fails clearly after the window', async () => {
      const { name } = await createAwsSecret('cached');
      const clock = fakeClock();
      const secretm = client(clock, {
        ttlSeconds: 300,
        staleWhileRevalidateSeconds: 60,
        serveStaleSeconds: 900,
      });
      await secretm.getSecret(name);
      proxy.down = true;
      clock.advance(400_000);

      const stale = await secretm.getSecret(name);
      clock.advance(900_000);
      const error = await rejectionOf(secretm.getSecret(name));

      expect(stale).toBe('cached');
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(secretm.stats().secrets[name]?.staleServed).toBe(1);
    });

    it('reads from a replica region when the primary region is unreachable, by name and by ARN', async () => {
      const name = uniqueSecretName();
      const created = await motoSdk().send(
        new CreateSecretCommand({
          Name: name,
          SecretString: 'replicated',
          AddReplicaRegions: [{ Region: 'us-west-2' }],
        }),
      );
      proxy.down = true;
      const secretm = client(fakeClock(), {
        aws: {
          region,
          endpoint: proxy.endpoint,
          credentials,
          replicas: [{ region: 'us-west-2', endpoint: inject('motoEndpoint') }],
        },
      });

      const byName = await secretm.getSecret(name);
      const byArn = await secretm.getSecret(created.ARN!);

      expect([byName, byArn]).toEqual(['replicated', 'replicated']);
    });

    it('does not fall back to a replica when the primary answers that the secret does not exist', async () => {
      const { name } = await createAwsSecret('only in the replica region', { region: 'us-west-2' });
      const secretm = client(fakeClock(), {
        aws: {
          region,
          endpoint: proxy.endpoint,
          credentials,
          replicas: [{ region: 'us-west-2', endpoint: inject('motoEndpoint') }],
        },
      });

      const error = await rejectionOf(secretm.getSecret(name));

      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('metrics', () => {
    it('counts per secret and flushes one EMF line that holds no value', async () => {
      const { name } = await createAwsSecret('never-in-a-log-line');
      const lines: string[] = [];
      const secretm = client(fakeClock(), {
        metrics: { enabled: true, write: (line) => lines.push(line), service: 'fn' },
      });
      await secretm.getSecret(name);
      await secretm.getSecret(name);
      await rejectionOf(secretm.getSecret(uniqueSecretName()));

      const line = secretm.flushMetrics();
      const again = secretm.flushMetrics();

      expect(lines).toEqual([line]);
      expect(again).toBeUndefined();
      expect(line).not.toContain('never-in-a-log-line');
      const document = JSON.parse(line!);
      expect(document._aws.CloudWatchMetrics[0].Namespace).toBe('secretm');
      expect(document).toMatchObject({
        Service: 'fn',
        CacheHits: 1,
        CacheMisses: 2,
        VaultCalls: 2,
        Errors: 1,
      });
      expect(document.secrets[name]).toEqual({ hits: 1, misses: 1, vaultCalls: 1 });
    });
  });
});
