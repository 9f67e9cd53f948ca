/**
 * The AWS side of the layer on moto: the adapter's batch read (BatchGetSecretValue), the layer's
 * batching reader over it (and its fall-back when the batch call is refused), and ARN rewriting for
 * replica regions.
 */
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createAwsReader, inRegion } from '../../../../layers/secretm/src/sources/aws.ts';
import { NotFoundError, ValidationError } from '../../../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../../../shared/providers/aws-secrets-manager.ts';
import {
  type CountingProxy,
  countingProxy,
  createAwsSecret,
  credentials,
  motoSdk,
  region,
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
  proxy.denied.clear();
  proxy.reset();
});

function adapter() {
  return createAwsSecretsManagerProvider({ region, endpoint: proxy.endpoint, credentials });
}

describe('getBatch (the adapter)', () => {
  it('answers one outcome per ref, in order, by name, ARN and ARN without suffix, in one call', async () => {
    const text = await createAwsSecret('text');
    const map = await createAwsSecret('{"K":"v"}');
    const binary = await createAwsSecret(new Uint8Array([9, 8, 7]));
    const absent = uniqueSecretName();
    proxy.reset();

    const outcomes = await adapter().getBatch([
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

    const outcomes = await adapter().getBatch([{ ref: doomed.name }, { ref: live.name }]);

    expect('error' in outcomes[0]! && outcomes[0].error).toBeInstanceOf(NotFoundError);
    expect(outcomes[1]).toMatchObject({ value: { payload: { text: 'live' } } });
  });

  it('refuses more than 20 refs before any call', async () => {
    const refs = Array.from({ length: 21 }, () => ({ ref: uniqueSecretName() }));

    await expect(adapter().getBatch(refs)).rejects.toThrow(ValidationError);
    expect(proxy.count()).toBe(0);
  });
});

describe('the batching reader', () => {
  it('reads one at a time from then on when the batch call itself is refused', async () => {
    const a = await createAwsSecret('a');
    const b = await createAwsSecret('b');
    proxy.denied.add('BatchGetSecretValue');
    proxy.reset();
    const reader = createAwsReader({ region, endpoint: proxy.endpoint, credentials }, () => {});

    const first = await Promise.all([reader.read(a.name), reader.read(b.name)]);
    const second = await Promise.all([reader.read(a.name), reader.read(b.name)]);

    expect(
      [...first, ...second].map((read) => (read.payload.kind === 'text' ? read.payload.text : '')),
    ).toEqual(['a', 'b', 'a', 'b']);
    expect(proxy.count('BatchGetSecretValue')).toBe(1);
    expect(proxy.count('GetSecretValue')).toBe(4);
  });

  it('reads a pinned version on its own, outside any batch', async () => {
    const { name, versionId } = await createAwsSecret('pinned');
    const reader = createAwsReader({ region, endpoint: proxy.endpoint, credentials }, () => {});

    const read = await reader.read(name, { versionId });

    expect(read.versionId).toBe(versionId);
    expect(proxy.count('GetSecretValue')).toBe(1);
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
