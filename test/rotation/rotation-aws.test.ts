/**
 * Rotation of secrets on an AWS Secrets Manager connection, against moto: the pending value is the
 * AWSPENDING version of the secret itself while the rotation runs (AWSCURRENT untouched), and after it
 * AWSCURRENT is the new version and AWSPREVIOUS the old one; a failed rotation drops AWSPENDING.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import type { RotationStep } from '../../shared/rotation/rotation-types.ts';
import { canLogIn, databaseSecret, newRole, recordingDriver } from './postgres-fixtures.ts';
import { contextFor, type RotationRig, rotationRig, testDatabases } from './rotation-fixtures.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let rig: RotationRig;
let sdk: SecretsManagerClient;
const drivers: ReturnType<typeof recordingDriver>[] = [];

beforeAll(async () => {
  const endpoint = inject('motoEndpoint');
  const aws = createAwsSecretsManagerProvider({
    region,
    endpoint,
    credentials,
    namePrefix: `rotation-${randomUUID().slice(0, 8)}/`,
  });
  rig = await rotationRig({ connections: { aws } });
  sdk = new SecretsManagerClient({ region, endpoint, credentials });
});
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.closeAll()));
});
afterAll(async () => {
  await rig.dispose();
});

/** Version id → staging labels, as AWS describes the secret. */
async function stagesOf(ref: string): Promise<Record<string, string[]>> {
  const described = await sdk.send(new DescribeSecretCommand({ SecretId: ref }));
  return Object.fromEntries(
    Object.entries(described.VersionIdsToStages ?? {}).map(([id, stages]) => [id, [...stages].sort()]),
  );
}

async function valueAt(ref: string, stage: string): Promise<Record<string, string>> {
  const answer = await sdk.send(new GetSecretValueCommand({ SecretId: ref, VersionStage: stage }));
  return JSON.parse(answer.SecretString ?? '{}');
}

async function stoppedAfter(
  stopAt: RotationStep,
  run: (rotation: RotationRig['rotation']) => Promise<unknown>,
) {
  let reached: () => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    reached = () => resolve('stopped');
  });
  const stopping = rig.rotationWith({
    afterStep: async (step) => {
      if (step !== stopAt) return;
      reached();
      await new Promise<never>(() => undefined);
    },
  });
  const first = run(stopping).then(
    () => 'ended',
    (error: unknown) => `failed: ${(error as Error).message}`,
  );
  expect(await Promise.race([stopped, first])).toBe('stopped');
}

async function randomSecret() {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  const ctx = contextFor(tenant);
  const created = await rig.secrets.create(ctx, {
    name: 'api',
    type: 'env',
    connection: 'aws',
    data: { TOKEN: 'first-token', MODE: 'live' },
  });
  await rig.rotation.configure(ctx, 'api', {
    schedule: 'rate(7 days)',
    strategy: 'random',
    options: {
      keys: ['TOKEN'],
      policy: {
        length: 24,
        lowercase: true,
        uppercase: true,
        digits: true,
        symbols: false,
        exclude: '',
        requireEachClass: true,
      },
    },
  });
  return { tenant, ctx, ref: created.vaultRef };
}

describe('rotation on AWS Secrets Manager', () => {
  it('keeps the pending value as AWSPENDING during the rotation, AWSCURRENT untouched', async () => {
    const { ctx, ref } = await randomSecret();
    const [firstVersion] = Object.keys(await stagesOf(ref));

    await stoppedAfter('testSecret', (rotation) => rotation.rotate(ctx, 'api'));

    const stages = await stagesOf(ref);
    const pending = Object.keys(stages).find((id) => id !== firstVersion)!;
    expect(stages).toEqual({ [firstVersion!]: ['AWSCURRENT'], [pending]: ['AWSPENDING'] });
    expect(await valueAt(ref, 'AWSCURRENT')).toEqual({ TOKEN: 'first-token', MODE: 'live' });
    expect((await valueAt(ref, 'AWSPENDING')).TOKEN).toMatch(/^[A-Za-z0-9]{24}$/);
    expect((await rig.secrets.getValue(ctx, 'api')).value).toEqual({
      type: 'env',
      data: { TOKEN: 'first-token', MODE: 'live' },
    });
  });

  it('leaves AWSCURRENT on the new version and AWSPREVIOUS on the old one after, with no AWSPENDING', async () => {
    const { ctx, ref } = await randomSecret();
    const [firstVersion] = Object.keys(await stagesOf(ref));

    const outcome = await rig.rotation.rotate(ctx, 'api');

    const stages = await stagesOf(ref);
    const newVersion = Object.keys(stages).find((id) => id !== firstVersion)!;
    expect(stages).toEqual({ [firstVersion!]: ['AWSPREVIOUS'], [newVersion]: ['AWSCURRENT'] });
    expect(outcome.version).toBe(2);
    const current = await valueAt(ref, 'AWSCURRENT');
    expect(current.TOKEN).toMatch(/^[A-Za-z0-9]{24}$/);
    expect((await rig.secrets.getValue(ctx, 'api')).value).toEqual({ type: 'env', data: current });
    const versions = await rig.secrets.listVersions(ctx, 'api', { limit: 5 });
    expect(versions.page.items[0]).toMatchObject({
      version: 2,
      action: 'rotate',
      vaultVersionId: newVersion,
    });
  });

  it('resumes a rotation stopped after AWSPENDING was written, promoting that very version', async () => {
    const { tenant, ctx, ref } = await randomSecret();
    const [firstVersion] = Object.keys(await stagesOf(ref));
    await stoppedAfter('createSecret', (rotation) => rotation.rotate(ctx, 'api'));
    const pending = Object.keys(await stagesOf(ref)).find((id) => id !== firstVersion)!;
    expect((await rig.store.get(tenant, 'api'))?.rotationState?.pending?.vaultVersionId).toBe(pending);

    rig.clock.advance(6 * 60_000);
    await rig.rotation.rotate(ctx, 'api');

    expect(await stagesOf(ref)).toEqual({ [firstVersion!]: ['AWSPREVIOUS'], [pending]: ['AWSCURRENT'] });
  });

  it('drops AWSPENDING and keeps AWSCURRENT when a database rotation fails its test', async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    const ctx = contextFor(tenant);
    const role = await newRole();
    const created = await rig.secrets.create(ctx, {
      name: 'db',
      type: 'env',
      connection: 'aws',
      data: databaseSecret(role),
    });
    await rig.rotation.configure(ctx, 'db', {
      schedule: 'rate(30 days)',
      strategy: 'database',
      options: {
        mode: 'single-user',
        tls: 'disable',
        policy: {
          length: 32,
          lowercase: true,
          uppercase: true,
          digits: true,
          symbols: false,
          exclude: '',
          requireEachClass: true,
        },
      },
    });
    const [firstVersion] = Object.keys(await stagesOf(created.vaultRef));
    const faulty = recordingDriver(
      testDatabases(),
      (login) => login.username === role.username && login.password !== role.password,
    );
    drivers.push(faulty);

    await expect(rig.rotationWith({ databases: faulty }).rotate(ctx, 'db')).rejects.toThrow(
      /failed at testSecret/,
    );

    const stages = await stagesOf(created.vaultRef);
    expect(stages[firstVersion!]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    expect(await valueAt(created.vaultRef, 'AWSCURRENT')).toEqual(databaseSecret(role));
    expect(await canLogIn(role, role.table)).toBe(true);
  });
});
