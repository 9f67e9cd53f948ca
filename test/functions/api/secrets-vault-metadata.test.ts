/**
 * A PATCH of tags through the HTTP API reaches the vault of the secret's connection (AWS Secrets
 * Manager on moto): the whole request path, decorators included (the cost meter wraps every adapter,
 * the tenant confinement the built-in vaults, and both pass `updateMetadata` on).
 */
import { randomUUID } from 'node:crypto';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
const credentials = { accessKeyId: 'AKIDSECRETMTEST', secretAccessKey: `aws-${randomUUID()}` };

beforeAll(async () => {
  api = await startLocalApi();
  await api.request('POST', '/v1/connections', {
    body: {
      name: 'aws-tags',
      kind: 'aws-secrets-manager',
      config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
      credentials,
    },
  });
});
afterAll(async () => {
  await api.stop();
});

describe('tags changed through the API', () => {
  it('are written to AWS Secrets Manager, removed tags included', async () => {
    const created = await api.request('POST', '/v1/secrets', {
      body: {
        name: 'tagged',
        type: 'env',
        connection: 'aws-tags',
        data: { K: 'v' },
        tags: { team: 'a', env: 'prod' },
      },
    });
    await api.request('PATCH', '/v1/secrets/tagged', { body: { tags: { env: null, owner: 'alice' } } });

    const sdk = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: inject('motoEndpoint'),
      credentials,
    });
    const described = await sdk.send(new DescribeSecretCommand({ SecretId: created.json.vaultRef }));
    expect(Object.fromEntries((described.Tags ?? []).map((tag) => [tag.Key, tag.Value]))).toEqual({
      team: 'a',
      owner: 'alice',
    });
  });
});
