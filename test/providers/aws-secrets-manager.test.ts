import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.ts';
import {
  awsSecretMaxBytes,
  clientRequestToken,
  createAwsSecretsManagerProvider,
} from '../../shared/providers/aws-secrets-manager.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { type MotoTls, startMotoTls } from '../servers/moto.ts';
import { describeProviderContract } from './provider-contract.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** moto's default account: secrets written with the plain test credentials live there. */
const defaultAccount = '123456789012';
const otherAccount = '111111111111';

function endpoint(): string {
  return inject('motoEndpoint');
}

function sdk(): SecretsManagerClient {
  return new SecretsManagerClient({ region, endpoint: endpoint(), credentials });
}

function newRef(): string {
  return `secretm-test/${randomUUID()}`;
}

function awsProvider(overrides: Partial<Parameters<typeof createAwsSecretsManagerProvider>[0]> = {}) {
  return createAwsSecretsManagerProvider({ region, endpoint: endpoint(), credentials, ...overrides });
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

/** A loopback HTTP server that answers every request with `respond` (or never, when it returns false). */
interface StubServer {
  endpoint: string;
  requests: number;
  close(): Promise<void>;
}

async function stubServer(
  respond: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<StubServer> {
  const server: Server = createServer((req, res) => {
    stub.requests++;
    req.resume();
    req.on('end', () => {
      respond(req, res);
    });
  });
  const stub: StubServer = {
    endpoint: '',
    requests: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the stub server has no port');
  stub.endpoint = `http://127.0.0.1:${address.port}`;
  return stub;
}

/** Answers as AWS's JSON protocol does for a service error. */
function awsError(status: number, code: string, message: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code });
    res.end(JSON.stringify({ __type: code, message }));
    return true;
  };
}

describeProviderContract('aws-secrets-manager on moto', async () => {
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  return {
    provider: awsProvider(),
    newRef,
    metadataOf: async (ref) => {
      const described = await sdk().send(new DescribeSecretCommand({ SecretId: ref }));
      const tags = Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key!, tag.Value!]));
      return { ...(described.Description ? { description: described.Description } : {}), tags };
    },
    maxValueBytes: awsSecretMaxBytes,
    unreachable: () =>
      createAwsSecretsManagerProvider({ region, endpoint: nowhere, credentials }, { timeoutMs: 2_000 }),
    serverDeviations: {
      // AWS clears a description set to "" (DescribeSecret omits it afterwards); moto 5.2.5's
      // update_secret keeps the old one (`description or secret.description`).
      keepsClearedDescription: 'moto ignores UpdateSecret with an empty Description',
    },
  };
});

describe('aws-secrets-manager adapter on moto', () => {
  let provider: SecretProvider;
  let client: SecretsManagerClient;

  beforeAll(() => {
    provider = awsProvider();
    client = sdk();
  });

  describe('names', () => {
    it('refFor puts secretm secrets under the name prefix, scoped by tenant', () => {
      const custom = awsProvider({ namePrefix: 'team-a/' });

      const defaultRef = provider.refFor('acme', 'prod-db');
      const customRef = custom.refFor('acme', 'prod-db');

      expect(defaultRef).toBe('secretm/acme/prod-db');
      expect(customRef).toBe('team-a/acme/prod-db');
    });

    it('refuses to create a secret whose name AWS would reject, before any call', async () => {
      const error = await rejectionOf(provider.create('bad name with spaces', { kind: 'text', text: 'x' }));

      expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('versions and staging labels', () => {
    it('after put, AWSCURRENT is the new version and AWSPREVIOUS the old one', async () => {
      const ref = newRef();
      const first = await provider.create(ref, { kind: 'text', text: 'one' });

      const second = await provider.put(ref, { kind: 'text', text: 'two' });

      const current = await client.send(
        new GetSecretValueCommand({ SecretId: ref, VersionStage: 'AWSCURRENT' }),
      );
      const previous = await client.send(
        new GetSecretValueCommand({ SecretId: ref, VersionStage: 'AWSPREVIOUS' }),
      );
      expect(current.VersionId).toBe(second.versionId);
      expect(current.SecretString).toBe('two');
      expect(previous.VersionId).toBe(first.versionId);
      expect(previous.SecretString).toBe('one');
    });

    it('a put retried with the same short idempotency token makes one version', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'initial' });
      const idempotencyToken = 'retry-42';

      const first = await provider.put(ref, { kind: 'text', text: 'updated' }, { idempotencyToken });
      const again = await provider.put(ref, { kind: 'text', text: 'updated' }, { idempotencyToken });

      expect(again.versionId).toBe(first.versionId);
      expect(first.versionId).toBe(clientRequestToken({ idempotencyToken }));
      const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: ref }));
      expect(versions.Versions?.map((version) => version.VersionId).sort()).toHaveLength(2);
    });

    it('a token AWS accepts as is becomes the version id, and a short one a UUID derived from it', () => {
      const uuid = randomUUID();

      const kept = clientRequestToken({ idempotencyToken: uuid });
      const derived = clientRequestToken({ idempotencyToken: 'short' });

      expect(kept).toBe(uuid);
      expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(clientRequestToken({ idempotencyToken: 'short' })).toBe(derived);
      expect(clientRequestToken({ idempotencyToken: 'shorT' })).not.toBe(derived);
    });

    it('a create retried with the same token answers the first version; with another value it is a ConflictError', async () => {
      const ref = newRef();
      const idempotencyToken = 'create-once';

      const first = await provider.create(ref, { kind: 'text', text: 'v1' }, { idempotencyToken });
      const again = await provider.create(ref, { kind: 'text', text: 'v1' }, { idempotencyToken });
      const changed = await rejectionOf(
        provider.create(ref, { kind: 'text', text: 'other' }, { idempotencyToken }),
      );

      expect(again.versionId).toBe(first.versionId);
      expect(changed).toBeInstanceOf(ConflictError);
      const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: ref }));
      expect(versions.Versions).toHaveLength(1);
    });
  });

  describe('metadata', () => {
    it('create sets the description, tags and KMS key that DescribeSecret shows', async () => {
      const kmsKeyId = 'alias/secretm-test';
      const withKey = awsProvider({ kmsKeyId });
      const ref = newRef();

      await withKey.create(
        ref,
        { kind: 'map', data: { A: '1' } },
        { description: 'database of the shop', tags: { team: 'payments', env: 'prod' } },
      );

      const described = await client.send(new DescribeSecretCommand({ SecretId: ref }));
      expect(described.Description).toBe('database of the shop');
      expect(described.KmsKeyId).toBe(kmsKeyId);
      expect(described.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'team', Value: 'payments' },
          { Key: 'env', Value: 'prod' },
        ]),
      );
    });

    it('put with a description and tags updates them on the secret', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'one' }, { description: 'before', tags: { a: '1' } });

      await provider.put(ref, { kind: 'text', text: 'two' }, { description: 'after', tags: { b: '2' } });

      const described = await client.send(new DescribeSecretCommand({ SecretId: ref }));
      expect(described.Description).toBe('after');
      expect(described.Tags).toEqual(expect.arrayContaining([{ Key: 'b', Value: '2' }]));
    });
  });

  describe('deletion', () => {
    it('soft delete schedules the deletion at the end of the recovery window', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'short-lived' });
      const before = Date.now();

      await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 9 });

      const described = await client.send(new DescribeSecretCommand({ SecretId: ref }));
      // moto reports the end of the window as DeletedDate (real AWS documents it so for DescribeSecret).
      const expected = before + 9 * 24 * 60 * 60 * 1000;
      expect(described.DeletedDate).toBeInstanceOf(Date);
      expect(Math.abs(described.DeletedDate!.getTime() - expected)).toBeLessThan(60 * 60 * 1000);
    });

    it('refuses a recovery window outside 7–30 days before any call', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'kept' });

      const error = await rejectionOf(provider.delete(ref, { mode: 'soft', recoveryWindowDays: 3 }));

      expect(error).toBeInstanceOf(ValidationError);
      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'kept' });
    });

    it('create on a name pending deletion is a ConflictError', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'old' });
      await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });

      const error = await rejectionOf(provider.create(ref, { kind: 'text', text: 'new' }));

      expect(error).toBeInstanceOf(ConflictError);
    });

    it('replicates what it creates, removes the replicas before a delete and makes them again on restore', async () => {
      const replicaRegion = 'eu-west-1';
      const replicated = awsProvider({ replicaRegions: [replicaRegion] });
      const replicaSdk = new SecretsManagerClient({
        region: replicaRegion,
        endpoint: endpoint(),
        credentials,
      });
      const ref = newRef();
      const replicaValue = async () => {
        try {
          return (await replicaSdk.send(new GetSecretValueCommand({ SecretId: ref }))).SecretString;
        } catch (error) {
          return (error as Error).name;
        }
      };

      await replicated.create(ref, { kind: 'text', text: 'everywhere' });
      const afterCreate = await replicaValue();
      await replicated.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
      const afterDelete = await replicaValue();
      const pending = await client.send(new DescribeSecretCommand({ SecretId: ref }));
      await replicated.restore(ref);
      const afterRestore = await replicaValue();
      await replicated.delete(ref, { mode: 'purge' });

      expect(replicated.replicas).toBe(1);
      expect([afterCreate, afterDelete, afterRestore]).toEqual([
        'everywhere',
        'ResourceNotFoundException',
        'everywhere',
      ]);
      expect(pending.DeletedDate).toBeInstanceOf(Date);
      expect(await replicaValue()).toBe('ResourceNotFoundException');
      expect(() => awsProvider({ replicaRegions: [region] })).toThrow(ValidationError);
    });

    it('restore of a secret that is not pending deletion is a NotFoundError', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'alive' });

      const error = await rejectionOf(provider.restore(ref));

      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('secrets written outside secretm', () => {
    it('detects a flat JSON object of strings as a map, other JSON and plain strings as text, bytes as binary', async () => {
      const names = { map: newRef(), numbers: newRef(), text: newRef(), binary: newRef() };
      await client.send(
        new CreateSecretCommand({ Name: names.map, SecretString: '{"user":"app","pass":"s3"}' }),
      );
      await client.send(
        new CreateSecretCommand({ Name: names.numbers, SecretString: '{"host":"db","port":5432}' }),
      );
      await client.send(new CreateSecretCommand({ Name: names.text, SecretString: 'just a token' }));
      await client.send(
        new CreateSecretCommand({ Name: names.binary, SecretBinary: Uint8Array.of(0, 255, 7) }),
      );

      const map = await provider.get(names.map);
      const numbers = await provider.get(names.numbers);
      const text = await provider.get(names.text);
      const binary = await provider.get(names.binary);

      expect(map.payload).toEqual({ kind: 'map', data: { user: 'app', pass: 's3' } });
      expect(numbers.payload).toEqual({ kind: 'text', text: '{"host":"db","port":5432}' });
      expect(text.payload).toEqual({ kind: 'text', text: 'just a token' });
      expect(binary.payload.kind).toBe('binary');
      expect(binary.payload.kind === 'binary' && Buffer.from(binary.payload.bytes).toString('hex')).toBe(
        '00ff07',
      );
    });

    it('decodes by the kind hint: JSON stays text when written as text, and a map edited with numbers reads as strings', async () => {
      const jsonText = newRef();
      const edited = newRef();
      await provider.create(jsonText, { kind: 'text', text: '{"looks":"like a map"}' });
      await client.send(new CreateSecretCommand({ Name: edited, SecretString: '{"host":"db","port":5432}' }));

      const asText = await provider.get(jsonText, { kind: 'text' });
      const asMap = await provider.get(edited, { kind: 'map' });

      expect(asText.payload).toEqual({ kind: 'text', text: '{"looks":"like a map"}' });
      expect(asMap.payload).toEqual({ kind: 'map', data: { host: 'db', port: '5432' } });
    });

    it('a map hint on a value that is no map any more is an UnprocessableError', async () => {
      const ref = newRef();
      await client.send(new CreateSecretCommand({ Name: ref, SecretString: '["a","b"]' }));

      const error = await rejectionOf(provider.get(ref, { kind: 'map' }));

      expect(error).toBeInstanceOf(UnprocessableError);
    });

    it('reads a secret by its ARN (imported secrets)', async () => {
      const ref = newRef();
      const created = await client.send(new CreateSecretCommand({ Name: ref, SecretString: 'by arn' }));

      const read = await provider.get(created.ARN!);

      expect(created.ARN).toContain(`:${defaultAccount}:secret:`);
      expect(read.payload).toEqual({ kind: 'text', text: 'by arn' });
      expect(read.versionId).toBe(created.VersionId);
    });
  });

  describe('payload limit', () => {
    it('stores a value of exactly 65,536 bytes', async () => {
      const ref = newRef();
      const text = 'x'.repeat(awsSecretMaxBytes);

      await provider.create(ref, { kind: 'text', text });

      const read = await provider.get(ref);
      expect(read.payload).toEqual({ kind: 'text', text });
    });

    it('refuses a value over 65,536 bytes with a PayloadTooLargeError, before any call', async () => {
      const stub = await stubServer(awsError(500, 'InternalServiceError', 'should not be called'));
      try {
        const counted = createAwsSecretsManagerProvider({ region, endpoint: stub.endpoint, credentials });
        const tooBig = { kind: 'text', text: 'é'.repeat(awsSecretMaxBytes / 2 + 1) } as const;

        const onCreate = await rejectionOf(counted.create(newRef(), tooBig));
        const onPut = await rejectionOf(
          counted.put(newRef(), { kind: 'binary', bytes: new Uint8Array(awsSecretMaxBytes + 1) }),
        );

        expect(onCreate).toBeInstanceOf(PayloadTooLargeError);
        expect(onPut).toBeInstanceOf(PayloadTooLargeError);
        expect(stub.requests).toBe(0);
      } finally {
        await stub.close();
      }
    });
  });

  describe('assume role', () => {
    it('writes and reads through the assumed role, in the role’s account', async () => {
      const roleArn = `arn:aws:iam::${otherAccount}:role/secretm-access`;
      const crossAccount = awsProvider({ roleArn, externalId: 'secretm-external-id' });
      const ref = newRef();

      const written = await crossAccount.create(ref, { kind: 'map', data: { TOKEN: 'cross-account' } });
      const read = await crossAccount.get(ref);

      expect(read.payload).toEqual({ kind: 'map', data: { TOKEN: 'cross-account' } });
      expect(read.versionId).toBe(written.versionId);
      const sts = new STSClient({ region, endpoint: endpoint(), credentials });
      const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'test' }));
      const asRole = new SecretsManagerClient({
        region,
        endpoint: endpoint(),
        credentials: {
          accessKeyId: assumed.Credentials!.AccessKeyId!,
          secretAccessKey: assumed.Credentials!.SecretAccessKey!,
          sessionToken: assumed.Credentials!.SessionToken!,
        },
      });
      const described = await asRole.send(new DescribeSecretCommand({ SecretId: ref }));
      expect(described.ARN).toContain(`:${otherAccount}:secret:`);
      await expect(provider.get(ref)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('test() reports the role it assumed', async () => {
      const roleArn = `arn:aws:iam::${otherAccount}:role/secretm-access`;

      const check = await awsProvider({ roleArn }).test();

      expect(check.ok).toBe(true);
      expect(check.steps.map((step) => step.step)).toContain(`assume the role ${roleArn}`);
    });
  });

  describe('network', () => {
    it('resolves the endpoint’s host with the connection’s lookup', async () => {
      const port = new URL(endpoint()).port;
      const looked: string[] = [];
      const lookup: LookupFunction = (hostname, options, callback) => {
        looked.push(hostname);
        if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      };
      const pinned = createAwsSecretsManagerProvider(
        { region, endpoint: `http://moto.secretm.test:${port}`, credentials },
        { lookup },
      );
      const ref = newRef();

      await pinned.create(ref, { kind: 'text', text: 'pinned' });
      const read = await provider.get(ref);

      expect(read.payload).toEqual({ kind: 'text', text: 'pinned' });
      expect(looked).toContain('moto.secretm.test');
    });

    it('a port with nothing listening is a ProviderUnavailableError', async () => {
      const port = await freePort();
      const nowhere = createAwsSecretsManagerProvider(
        { region, endpoint: `http://127.0.0.1:${port}`, credentials },
        { timeoutMs: 2_000 },
      );

      const error = await rejectionOf(nowhere.get(newRef()));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    });

    it('a server that never answers is a ProviderUnavailableError once the timeout passes', async () => {
      const silent = await stubServer(() => false);
      try {
        const stalled = createAwsSecretsManagerProvider(
          { region, endpoint: silent.endpoint, credentials },
          { timeoutMs: 300 },
        );

        const error = await rejectionOf(stalled.get(newRef()));

        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect((error as Error).message).toContain('did not answer within 300 ms');
      } finally {
        await silent.close();
      }
    });

    it('a 5xx answer is a ProviderUnavailableError, after at most two attempts', async () => {
      const failing = await stubServer(awsError(503, 'ServiceUnavailable', 'down for maintenance'));
      try {
        const down = createAwsSecretsManagerProvider({ region, endpoint: failing.endpoint, credentials });

        const error = await rejectionOf(down.get(newRef()));

        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(failing.requests).toBe(2);
      } finally {
        await failing.close();
      }
    });

    it('test() says the endpoint could not be reached, and reports no step after it', async () => {
      const port = await freePort();
      const nowhere = createAwsSecretsManagerProvider(
        { region, endpoint: `http://127.0.0.1:${port}`, credentials },
        { timeoutMs: 2_000 },
      );

      const check = await nowhere.test();

      expect(check.ok).toBe(false);
      expect(check.steps[0]).toMatchObject({ ok: false });
      expect(check.steps[0]!.message).toContain('nothing answered');
      expect(check.steps).toHaveLength(1);
    });
  });

  describe('TLS with a private CA', () => {
    let tls: MotoTls;

    beforeAll(async () => {
      tls = await startMotoTls();
    });

    afterAll(async () => {
      await tls?.stop();
    });

    it('reaches an HTTPS endpoint whose certificate the connection’s caCert signed', async () => {
      const trusted = createAwsSecretsManagerProvider(
        { region, endpoint: tls.endpoint, credentials },
        { caCert: tls.caCert },
      );
      const ref = newRef();

      await trusted.create(ref, { kind: 'text', text: 'over tls' });
      const read = await trusted.get(ref);

      expect(read.payload).toEqual({ kind: 'text', text: 'over tls' });
    });

    it('without the caCert the certificate is not trusted, even after another client was given it', async () => {
      const trusted = createAwsSecretsManagerProvider(
        { region, endpoint: tls.endpoint, credentials },
        { caCert: tls.caCert },
      );
      await trusted.test();
      const untrusted = createAwsSecretsManagerProvider({ region, endpoint: tls.endpoint, credentials });

      const error = await rejectionOf(untrusted.get(newRef()));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toContain('not trusted');
    });
  });

  describe('credentials the vault refuses (forced by a stub: moto accepts any credentials)', () => {
    let stubs: StubServer[] = [];

    afterAll(async () => {
      await Promise.all(stubs.map((stub) => stub.close()));
      stubs = [];
    });

    it('an unrecognised access key is an UnauthorizedError, and test() fails at authenticate', async () => {
      const stub = await stubServer(
        awsError(
          400,
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        ),
      );
      stubs.push(stub);
      const refused = createAwsSecretsManagerProvider({ region, endpoint: stub.endpoint, credentials });

      const error = await rejectionOf(refused.get(newRef()));
      const check = await refused.test();

      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as Error).message).toContain("the vault refused the connection's credentials");
      expect(check.ok).toBe(false);
      expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
        [`reach ${stub.endpoint}`, true],
        ['authenticate', false],
      ]);
    });

    it('an identity without the permission is a ForbiddenError, and test() fails at the permission step', async () => {
      const stub = await stubServer(
        awsError(
          400,
          'AccessDeniedException',
          'User is not authorized to perform secretsmanager:ListSecrets',
        ),
      );
      stubs.push(stub);
      const denied = createAwsSecretsManagerProvider({ region, endpoint: stub.endpoint, credentials });

      const error = await rejectionOf(denied.get(newRef()));
      const check = await denied.test();

      expect(error).toBeInstanceOf(ForbiddenError);
      expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
        [`reach ${stub.endpoint}`, true],
        ['authenticate', true],
        ['list secrets (secretsmanager:ListSecrets)', false],
      ]);
    });
  });
});
