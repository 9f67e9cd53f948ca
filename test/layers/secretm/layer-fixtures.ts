/**
 * Set-up shared by the layer's tests: a fake clock, secrets written straight into moto, and the
 * counting proxy (counting-proxy.ts) in front of a live server.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { expect, inject } from 'vitest';

export { type CountingProxy, countingProxy } from './counting-proxy.ts';

export const region = 'us-east-1';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * The layer's two ways to read AWS Secrets Manager (layers/secretm/src/sources/aws.ts): its own signed
 * requests, and the AWS SDK adapter. Tests of AWS reads run once per way (`describe.each`), and tell
 * which one sent a request by its user-agent, as the counting proxy saw it.
 */
export const awsReadPaths = [
  { path: 'signed requests', useSdk: false, userAgent: /^secretm-layer / },
  { path: 'the AWS SDK', useSdk: true, userAgent: /^aws-sdk-js\// },
] as const;

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
  set(at: number): void;
}

/** A clock that moves only when told. It starts at the real time, as leases from a server are real dates. */
export function fakeClock(start = Date.now()): FakeClock {
  let at = start;
  return {
    now: () => at,
    advance: (ms) => {
      at += ms;
    },
    set: (time) => {
      at = time;
    },
  };
}

export function motoSdk(endpoint = inject('motoEndpoint'), inRegion = region): SecretsManagerClient {
  return new SecretsManagerClient({ region: inRegion, endpoint, credentials });
}

export function uniqueSecretName(prefix = 'layer-test'): string {
  return `${prefix}/${randomUUID()}`;
}

/** Creates an AWS secret on moto and answers its name and ARN. */
export async function createAwsSecret(
  value: string | Uint8Array,
  options: { name?: string; endpoint?: string; region?: string } = {},
): Promise<{ name: string; arn: string; versionId: string }> {
  const name = options.name ?? uniqueSecretName();
  const created = await motoSdk(options.endpoint, options.region).send(
    new CreateSecretCommand({
      Name: name,
      ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: value }),
    }),
  );
  return { name, arn: created.ARN!, versionId: created.VersionId! };
}

export async function putAwsSecret(name: string, value: string): Promise<string> {
  const written = await motoSdk().send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
  return written.VersionId!;
}

export async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}
