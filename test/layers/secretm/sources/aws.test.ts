/**
 * The AWS side of the layer on moto, behind the counting proxy, once per way to read (the layer's own
 * signed requests, and the SDK adapter): batch reads (BatchGetSecretValue), the batching reader over
 * them (and its fall-back when the batch call is refused), versions, errors, outages, fail-over to a
 * replica region, request counting; then which way the reader chooses, the signed requests' retries,
 * and ARN rewriting for replica regions.
 */
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  type AwsSourceOptions,
  createAwsReader,
  inRegion,
} from '../../../../layers/secretm/src/sources/aws.ts';
import { createSignedReader, signedEndpoint } from '../../../../layers/secretm/src/sources/aws-signed.ts';
import {
  ForbiddenError,
  NotFoundError,
  ProviderUnavailableError,
  TooManyRequestsError,
  ValidationError,
} from '../../../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../../../shared/providers/aws-secrets-manager.ts';
import type { ReadValue } from '../../../../shared/providers/provider.ts';
import {
  awsReadPaths,
  type CountingProxy,
  countingProxy,
  createAwsSecret,
  credentials,
  motoSdk,
  region,
  rejectionOf,
  uniqueSecretName,
} from '../layer-fixtures.ts';

let proxy: CountingProxy;

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
});

afterAll(async () => {
  await proxy.close();
});

beforeEach(() => {
  proxy.down = false;
  proxy.denied.clear();
  proxy.reset();
});

function textOf(read: ReadValue): string {
  return read.payload.kind === 'text' ? read.payload.text : `(${read.payload.kind})`;
}

/** The requests a reader told its counter of: operation and reference. */
function counter() {
  const counted: { operation: string; ref: string | undefined }[] = [];
  return {
    counted,
    count: (operation: string, ref?: string) => {
      counted.push({ operation, ref });
    },
    of: (operation: string) => counted.filter((request) => request.operation === operation).length,
  };
}

describe.each(awsReadPaths)('through $path', ({ useSdk, userAgent }) => {
  function reader(count = counter().count, extra: Partial<AwsSourceOptions> = {}) {
    return createAwsReader(
      { region, endpoint: proxy.endpoint, credentials, useSdk, timeoutMs: 2_000, ...extra },
      count,
    );
  }

  afterEach(() => {
    // Every request the proxy saw came from the client this block is about.
    expect(proxy.userAgents().filter((agent) => !userAgent.test(agent))).toEqual([]);
  });

  it('counts every request it sends, a retry too, under the secret it reads: as the server received them', async () => {
    const { name } = await createAwsSecret('counted retry');
    const { count, counted } = counter();
    proxy.fail('GetSecretValue', { status: 503, code: 'ServiceUnavailableException' }, 1);

    const read = await reader(count).read(name);

    expect(textOf(read)).toBe('counted retry');
    expect(proxy.count('GetSecretValue')).toBe(2);
    expect(counted).toEqual([
      { operation: 'GetSecretValue', ref: name },
      { operation: 'GetSecretValue', ref: name },
    ]);
  });

  describe('batch reads', () => {
    function batchReader() {
      return useSdk
        ? createAwsSecretsManagerProvider({ region, endpoint: proxy.endpoint, credentials })
        : createSignedReader({ region, endpoint: proxy.endpoint, credentials, timeoutMs: 2_000 }, () => {});
    }

    it('answers one outcome per ref, in order, by name, ARN and ARN without suffix, in one call', async () => {
      const text = await createAwsSecret('text');
      const map = await createAwsSecret('{"K":"v"}');
      const binary = await createAwsSecret(new Uint8Array([9, 8, 7]));
      const absent = uniqueSecretName();
      proxy.reset();

      const outcomes = await batchReader().getBatch([
        { ref: text.name },
        { ref: map.arn, kind: 'map' },
        { ref: binary.arn.slice(0, -7) },
        { ref: absent },
      ]);

      expect(outcomes.map((outcome) => outcome.ref)).toEqual([
        text.name,
        map.arn,
        binary.arn.slice(0, -7),
        absent,
      ]);
      expect(outcomes[0]).toMatchObject({ value: { payload: { kind: 'text', text: 'text' } } });
      expect(outcomes[1]).toMatchObject({ value: { payload: { kind: 'map', data: { K: 'v' } } } });
      expect(outcomes[2]).toMatchObject({
        value: { payload: { kind: 'binary', bytes: new Uint8Array([9, 8, 7]) } },
      });
      expect('error' in outcomes[3]! && outcomes[3].error).toBeInstanceOf(NotFoundError);
      expect(proxy.count('BatchGetSecretValue')).toBe(1);
    });

    it('gives a secret pending deletion the error a single read gives', async () => {
      const doomed = await createAwsSecret('doomed');
      await motoSdk().send(new DeleteSecretCommand({ SecretId: doomed.name, RecoveryWindowInDays: 7 }));
      const live = await createAwsSecret('live');

      const outcomes = await batchReader().getBatch([{ ref: doomed.name }, { ref: live.name }]);
      const alone = await rejectionOf(batchReader().get(doomed.name));

      expect('error' in outcomes[0]! && outcomes[0].error).toBeInstanceOf(NotFoundError);
      expect(alone).toBeInstanceOf(NotFoundError);
      expect(outcomes[1]).toMatchObject({ value: { payload: { text: 'live' } } });
    });

    it('refuses more than 20 refs before any call', async () => {
      const refs = Array.from({ length: 21 }, () => ({ ref: uniqueSecretName() }));

      await expect(batchReader().getBatch(refs)).rejects.toThrow(ValidationError);
      expect(proxy.count()).toBe(0);
    });
  });

  describe('the reader', () => {
    it('reads text, JSON and binary secrets, by name and by ARN', async () => {
      const text = await createAwsSecret('plain text');
      const json = await createAwsSecret('{"user":"app","password":"pw"}');
      const binary = await createAwsSecret(new Uint8Array([0, 1, 2, 255]));
      const secrets = reader();

      const [byName, byArn, bytes] = await Promise.all([
        secrets.read(text.name),
        secrets.read(json.arn),
        secrets.read(binary.name),
      ]);
      const asText = await secrets.read(json.name, { kind: 'text' });

      expect(byName.payload).toEqual({ kind: 'text', text: 'plain text' });
      expect(byArn.payload).toEqual({ kind: 'map', data: { user: 'app', password: 'pw' } });
      expect(bytes.payload).toEqual({ kind: 'binary', bytes: new Uint8Array([0, 1, 2, 255]) });
      expect(asText.payload).toEqual({ kind: 'text', text: '{"user":"app","password":"pw"}' });
      expect(byName.versionId).toBe(text.versionId);
    });

    it('reads a pinned version on its own, outside any batch, and refuses a version that does not exist', async () => {
      const { name, versionId } = await createAwsSecret('pinned');
      const secrets = reader();

      const read = await secrets.read(name, { versionId });
      const missing = await rejectionOf(
        secrets.read(name, { versionId: 'f7b5c0e4-0000-4000-8000-000000000000' }),
      );

      expect(read.versionId).toBe(versionId);
      expect(textOf(read)).toBe('pinned');
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(proxy.count('GetSecretValue')).toBe(2);
      expect(proxy.count('BatchGetSecretValue')).toBe(0);
    });

    it('reads 45 secrets read in one tick with ⌈45/20⌉ = 3 batch calls, a missing one failing alone', async () => {
      const secrets = await Promise.all(Array.from({ length: 44 }, (_, i) => createAwsSecret(`value-${i}`)));
      const absent = uniqueSecretName();
      proxy.reset();
      const secretsReader = reader();

      const outcomes = await Promise.allSettled([
        ...secrets.map((secret) => secretsReader.read(secret.name)),
        secretsReader.read(absent),
      ]);

      expect(
        outcomes.slice(0, 44).map((outcome) => outcome.status === 'fulfilled' && textOf(outcome.value)),
      ).toEqual(secrets.map((_, i) => `value-${i}`));
      expect(outcomes[44]?.status === 'rejected' && outcomes[44].reason).toBeInstanceOf(NotFoundError);
      expect(proxy.count('BatchGetSecretValue')).toBe(3);
      expect(proxy.count('GetSecretValue')).toBe(0);
    });

    it('answers NotFoundError for a secret that does not exist, naming it', async () => {
      const name = uniqueSecretName();

      const error = await rejectionOf(reader().read(name));

      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toContain(name);
    });

    it('reads one at a time from then on when the batch call itself is refused', async () => {
      const a = await createAwsSecret('a');
      const b = await createAwsSecret('b');
      proxy.denied.add('BatchGetSecretValue');
      proxy.reset();
      const secrets = reader();

      const first = await Promise.all([secrets.read(a.name), secrets.read(b.name)]);
      const second = await Promise.all([secrets.read(a.name), secrets.read(b.name)]);

      expect([...first, ...second].map(textOf)).toEqual(['a', 'b', 'a', 'b']);
      expect(proxy.count('BatchGetSecretValue')).toBe(1);
      expect(proxy.count('GetSecretValue')).toBe(4);
    });

    it('answers ForbiddenError when a single read is refused, without a value in the message', async () => {
      const { name } = await createAwsSecret('refused-value');
      proxy.denied.add('GetSecretValue');

      const error = await rejectionOf(reader().read(name));

      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as Error).message).not.toContain('refused-value');
    });

    it('answers ProviderUnavailableError when AWS cannot be reached', async () => {
      const { name } = await createAwsSecret('unreachable');
      proxy.down = true;

      const error = await rejectionOf(reader().read(name));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
    });

    it('answers TooManyRequestsError while AWS throttles, and ProviderUnavailableError while it fails on its side', async () => {
      const { name } = await createAwsSecret('busy');
      const secrets = reader();

      proxy.fail('GetSecretValue', { status: 400, code: 'ThrottlingException' });
      const throttled = await rejectionOf(secrets.read(name));
      proxy.fail('GetSecretValue', { status: 503, code: 'ServiceUnavailableException' });
      const failing = await rejectionOf(secrets.read(name));

      expect(throttled).toBeInstanceOf(TooManyRequestsError);
      expect(failing).toBeInstanceOf(ProviderUnavailableError);
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
      const secrets = reader(undefined, {
        replicas: [{ region: 'us-west-2', endpoint: inject('motoEndpoint') }],
      });

      const byName = await secrets.read(name);
      const byArn = await secrets.read(created.ARN!);

      expect([textOf(byName), textOf(byArn)]).toEqual(['replicated', 'replicated']);
    });

    it('does not fall back to a replica when the primary answers that the secret does not exist', async () => {
      const { name } = await createAwsSecret('only in the replica region', { region: 'us-west-2' });
      const secrets = reader(undefined, {
        replicas: [{ region: 'us-west-2', endpoint: inject('motoEndpoint') }],
      });

      const error = await rejectionOf(secrets.read(name));

      expect(error).toBeInstanceOf(NotFoundError);
    });

    it('counts every request it sends by AWS operation name, as AWS received them', async () => {
      const a = await createAwsSecret('a');
      const b = await createAwsSecret('b');
      const absent = uniqueSecretName();
      proxy.reset();
      const { counted, count, of } = counter();
      const secrets = reader(count);

      await Promise.allSettled([secrets.read(a.name), secrets.read(b.name), secrets.read(absent)]);
      await secrets.read(a.name, { versionId: a.versionId });
      await rejectionOf(secrets.read(absent));

      expect(of('BatchGetSecretValue')).toBe(proxy.count('BatchGetSecretValue'));
      expect(of('GetSecretValue')).toBe(proxy.count('GetSecretValue'));
      expect(counted).toEqual([
        { operation: 'BatchGetSecretValue', ref: undefined },
        { operation: 'GetSecretValue', ref: a.name },
        { operation: 'GetSecretValue', ref: absent },
      ]);
    });
  });
});

describe('which way the reader reads', () => {
  /** The SDK adapter's loader, recording each load. */
  function sdkLoader(options: { credentials?: typeof credentials } = {}) {
    const loads: string[] = [];
    const load = async () => {
      loads.push('aws-secrets-manager.ts');
      const adapter = await import('../../../../shared/providers/aws-secrets-manager.ts');
      return {
        createAwsSecretsManagerProvider: ((config, network) =>
          adapter.createAwsSecretsManagerProvider(
            // Without credentials of its own, the SDK finds the function's role through its default
            // chain; here moto's keys stand for what it would find.
            { ...config, ...(options.credentials === undefined ? {} : { credentials: options.credentials }) },
            network,
          )) as typeof adapter.createAwsSecretsManagerProvider,
      };
    };
    return { loads, load };
  }

  async function readWith(options: Partial<AwsSourceOptions>): Promise<{ value: string; agents: string[] }> {
    const secretRegion = options.region ?? region;
    const { name } = await createAwsSecret('which way', { region: secretRegion });
    proxy.reset();
    const read = await createAwsReader(
      { region: secretRegion, endpoint: proxy.endpoint, timeoutMs: 2_000, ...options },
      () => {},
    ).read(name);
    return { value: textOf(read), agents: proxy.userAgents() };
  }

  it('signs its own requests with the function’s credentials from the environment, never loading the SDK', async () => {
    const sdk = sdkLoader();

    const { value, agents } = await readWith({
      env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SESSION_TOKEN: 'token' },
      loadSdk: sdk.load,
    });

    expect(value).toBe('which way');
    expect(agents).toEqual([expect.stringMatching(awsReadPaths[0].userAgent)]);
    expect(sdk.loads).toEqual([]);
  });

  it('signs its own requests with credentials given in code', async () => {
    const sdk = sdkLoader();

    const { agents } = await readWith({ credentials, env: {}, loadSdk: sdk.load });

    expect(agents).toEqual([expect.stringMatching(awsReadPaths[0].userAgent)]);
    expect(sdk.loads).toEqual([]);
  });

  it('reads through the SDK when neither the options nor the environment hold credentials', async () => {
    const sdk = sdkLoader({ credentials });

    const { value, agents } = await readWith({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/credentials' },
      loadSdk: sdk.load,
    });

    expect(value).toBe('which way');
    expect(agents).toEqual([expect.stringMatching(awsReadPaths[1].userAgent)]);
    expect(sdk.loads).toEqual(['aws-secrets-manager.ts']);
  });

  it.each([
    ['a FIPS endpoint', { AWS_USE_FIPS_ENDPOINT: 'true' }],
    ['a dual-stack endpoint', { AWS_USE_DUALSTACK_ENDPOINT: 'true' }],
  ])('reads through the SDK when the environment asks for %s', async (_, env) => {
    const sdk = sdkLoader();

    const { agents } = await readWith({
      credentials,
      env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env },
      loadSdk: sdk.load,
    });

    expect(agents).toEqual([expect.stringMatching(awsReadPaths[1].userAgent)]);
    expect(sdk.loads).toEqual(['aws-secrets-manager.ts']);
  });

  it('reads through the SDK in a region outside the aws and aws-cn partitions', async () => {
    const sdk = sdkLoader();

    const { value, agents } = await readWith({
      region: 'us-gov-west-1',
      credentials,
      env: {},
      loadSdk: sdk.load,
    });

    expect(value).toBe('which way');
    expect(agents).toEqual([expect.stringMatching(awsReadPaths[1].userAgent)]);
    expect(sdk.loads).toEqual(['aws-secrets-manager.ts']);
  });

  it('takes the endpoint the environment sets for every client when none is given, as the SDK does', async () => {
    const sdk = sdkLoader();
    const { name } = await createAwsSecret('from the environment’s endpoint');
    proxy.reset();

    const read = await createAwsReader(
      {
        region,
        env: {
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint,
        },
        loadSdk: sdk.load,
        timeoutMs: 2_000,
      },
      () => {},
    ).read(name);

    expect(textOf(read)).toBe('from the environment’s endpoint');
    expect(proxy.userAgents()).toEqual([expect.stringMatching(awsReadPaths[0].userAgent)]);
    expect(sdk.loads).toEqual([]);
  });

  it('sends signed requests to the public endpoint of the region’s partition, and to none outside aws and aws-cn', () => {
    expect(signedEndpoint('eu-west-1', undefined)).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
    expect(signedEndpoint('ap-southeast-7', undefined)).toBe(
      'https://secretsmanager.ap-southeast-7.amazonaws.com',
    );
    expect(signedEndpoint('cn-north-1', undefined)).toBe(
      'https://secretsmanager.cn-north-1.amazonaws.com.cn',
    );
    expect(signedEndpoint('eu-west-1', 'http://127.0.0.1:4566')).toBe('http://127.0.0.1:4566');
    expect(signedEndpoint('eu-west-1', undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' })).toBe(
      'http://127.0.0.1:1',
    );
    expect(
      signedEndpoint('eu-west-1', undefined, {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      }),
    ).toBe('https://secretsmanager.eu-west-1.amazonaws.com');
    for (const region of ['us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1']) {
      expect(signedEndpoint(region, 'http://127.0.0.1:4566')).toBeUndefined();
    }
  });

  it('reads through the SDK when told to', async () => {
    const sdk = sdkLoader();

    const { agents } = await readWith({ credentials, env: {}, useSdk: true, loadSdk: sdk.load });

    expect(agents).toEqual([expect.stringMatching(awsReadPaths[1].userAgent)]);
    expect(sdk.loads).toEqual(['aws-secrets-manager.ts']);
  });
});

describe('the signed requests', () => {
  function signedReader(count = counter().count) {
    return createSignedReader({ region, endpoint: proxy.endpoint, credentials, timeoutMs: 5_000 }, count);
  }

  it('retries a throttled read and a read that failed on AWS’s side, counting every attempt', async () => {
    const { name } = await createAwsSecret('retried');
    const { count, of } = counter();
    const secrets = signedReader(count);

    proxy.fail('GetSecretValue', { status: 400, code: 'ThrottlingException' }, 1);
    const afterThrottling = await secrets.get(name);
    proxy.fail('GetSecretValue', { status: 503, code: 'ServiceUnavailableException' }, 2);
    const afterFailures = await secrets.get(name);

    expect([textOf(afterThrottling), textOf(afterFailures)]).toEqual(['retried', 'retried']);
    expect(proxy.count('GetSecretValue')).toBe(5);
    expect(of('GetSecretValue')).toBe(5);
  });

  it('gives up after 3 attempts, and never retries a refusal', async () => {
    const { name } = await createAwsSecret('given up');
    const secrets = signedReader();

    proxy.fail('GetSecretValue', { status: 500, code: 'InternalFailure' });
    const failed = await rejectionOf(secrets.get(name));
    const attempts = proxy.count('GetSecretValue');
    proxy.reset();
    proxy.denied.add('GetSecretValue');
    const refused = await rejectionOf(secrets.get(name));

    expect(failed).toBeInstanceOf(ProviderUnavailableError);
    expect(attempts).toBe(3);
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(proxy.count('GetSecretValue')).toBe(1);
  });

  it('refuses a reference that is neither an AWS secret name nor an ARN before any call', async () => {
    const error = await rejectionOf(signedReader().get('not a name!'));

    expect(error).toBeInstanceOf(ValidationError);
    expect(proxy.count()).toBe(0);
  });
});

describe('inRegion', () => {
  it('rewrites an ARN to another region and leaves a name alone', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';

    expect(inRegion(arn, 'eu-west-1')).toBe(
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf',
    );
    expect(inRegion('app/db', 'eu-west-1')).toBe('app/db');
  });
});
