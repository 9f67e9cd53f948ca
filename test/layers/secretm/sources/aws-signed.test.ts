/**
 * The layer's signed requests against a server that checks them: a moto of its own with IAM
 * authentication on (`/moto-api/reset-auth`), which recomputes every request's SigV4 signature and
 * refuses one that does not match, and checks the caller's IAM policy. The shared moto of the other
 * tests accepts any signature, so only here is the signing itself proven.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsReader } from '../../../../layers/secretm/src/sources/aws.ts';
import { createSignedReader } from '../../../../layers/secretm/src/sources/aws-signed.ts';
import { ForbiddenError, UnauthorizedError } from '../../../../shared/errors.ts';
import type { ReadValue } from '../../../../shared/providers/provider.ts';
import { startMoto } from '../../../servers/moto.ts';
import type { StartedServer } from '../../../servers/started-server.ts';
import { credentials, region, rejectionOf, uniqueSecretName } from '../layer-fixtures.ts';

let moto: StartedServer;
let endpoint: string;
/** An IAM user of that moto, allowed to read secrets and nothing else. */
let reader: { accessKeyId: string; secretAccessKey: string };
/** An IAM user of that moto with no policy at all. */
let nobody: { accessKeyId: string; secretAccessKey: string };
/** Temporary credentials of a role allowed to read secrets, as Lambda gives a function. */
let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
const secrets = { text: uniqueSecretName(), json: uniqueSecretName(), other: uniqueSecretName() };

/** An IAM or STS call (query protocol), made while authentication is still off. */
async function iam(params: Record<string, string>, version = '2010-05-08'): Promise<string> {
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes a query-protocol call by the service its credential scope names.
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/${region}/${version === '2011-06-15' ? 'sts' : 'iam'}/aws4_request`,
    },
    body: new URLSearchParams({ ...params, Version: version }).toString(),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`IAM ${params.Action} failed: ${answer.status}`);
  return text;
}

async function iamUser(
  name: string,
  policy?: object,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  await iam({ Action: 'CreateUser', UserName: name });
  if (policy !== undefined) {
    await iam({
      Action: 'PutUserPolicy',
      UserName: name,
      PolicyName: 'read-secrets',
      PolicyDocument: JSON.stringify(policy),
    });
  }
  const key = await iam({ Action: 'CreateAccessKey', UserName: name });
  return {
    accessKeyId: tag(key, 'AccessKeyId'),
    secretAccessKey: tag(key, 'SecretAccessKey'),
  };
}

const readPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'],
      Resource: '*',
    },
  ],
};

function tag(xml: string, name: string): string {
  return new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)![1]!;
}

beforeAll(async () => {
  moto = await startMoto();
  endpoint = moto.provided.motoEndpoint!;
  reader = await iamUser('layer-reader', readPolicy);
  nobody = await iamUser('layer-nobody');
  await iam({
    Action: 'CreateRole',
    RoleName: 'layer-function',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
    }),
  });
  await iam({
    Action: 'PutRolePolicy',
    RoleName: 'layer-function',
    PolicyName: 'read-secrets',
    PolicyDocument: JSON.stringify(readPolicy),
  });
  const assumed = await iam(
    {
      Action: 'AssumeRole',
      RoleArn: 'arn:aws:iam::123456789012:role/layer-function',
      RoleSessionName: 'layer-test',
    },
    '2011-06-15',
  );
  session = {
    accessKeyId: tag(assumed, 'AccessKeyId'),
    secretAccessKey: tag(assumed, 'SecretAccessKey'),
    sessionToken: tag(assumed, 'SessionToken'),
  };
  const sdk = new SecretsManagerClient({ region, endpoint, credentials });
  await sdk.send(new CreateSecretCommand({ Name: secrets.text, SecretString: 'signed text' }));
  await sdk.send(new CreateSecretCommand({ Name: secrets.json, SecretString: '{"user":"signed"}' }));
  await sdk.send(new CreateSecretCommand({ Name: secrets.other, SecretString: 'other' }));
  sdk.destroy();
  // From here on, every request must carry a valid signature of a known access key.
  const reset = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
  expect(reset.ok).toBe(true);
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

function textOf(read: ReadValue): string {
  return read.payload.kind === 'text' ? read.payload.text : JSON.stringify(read.payload);
}

describe('signed requests, checked by the server', () => {
  it.each([
    ['an access key', () => reader],
    ['temporary credentials with a session token', () => session],
  ])('reads one secret and a batch, signed with %s', async (_, keys) => {
    const signed = createSignedReader({ region, endpoint, credentials: keys(), timeoutMs: 5_000 }, () => {});

    const one = await signed.get(secrets.text);
    const batch = await signed.getBatch([{ ref: secrets.json }, { ref: secrets.other }]);

    expect(textOf(one)).toBe('signed text');
    expect(batch.map((outcome) => ('value' in outcome ? textOf(outcome.value) : 'error'))).toEqual([
      '{"kind":"map","data":{"user":"signed"}}',
      'other',
    ]);
  });

  it('is refused with UnauthorizedError when the session token is not the one of the keys', async () => {
    const signed = createSignedReader(
      {
        region,
        endpoint,
        credentials: { ...session, sessionToken: `${session.sessionToken}x` },
        timeoutMs: 5_000,
      },
      () => {},
    );

    const error = await rejectionOf(signed.get(secrets.text));

    expect(error).toBeInstanceOf(UnauthorizedError);
  });

  it('is refused with UnauthorizedError when the signature does not match', async () => {
    const forged = createSignedReader(
      {
        region,
        endpoint,
        credentials: { accessKeyId: reader.accessKeyId, secretAccessKey: `${reader.secretAccessKey}x` },
        timeoutMs: 5_000,
      },
      () => {},
    );

    const error = await rejectionOf(forged.get(secrets.text));

    expect(error).toBeInstanceOf(UnauthorizedError);
  });

  it('is refused with ForbiddenError without the permission, and the batching reader then reads alone', async () => {
    const count: string[] = [];
    const signed = createAwsReader(
      { region, endpoint, credentials: nobody, env: {}, timeoutMs: 5_000 },
      (operation) => count.push(operation),
    );

    const outcomes = await Promise.allSettled([signed.read(secrets.text), signed.read(secrets.other)]);

    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason)).toEqual([
      expect.any(ForbiddenError),
      expect.any(ForbiddenError),
    ]);
    expect(count).toEqual(['BatchGetSecretValue', 'GetSecretValue', 'GetSecretValue']);
  });
});
