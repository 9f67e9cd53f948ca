/** An AWS deployment's operator key: generated into Secrets Manager by the stack, installed at cold start. */

import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createAuthenticator } from '../../shared/auth/authenticate.ts';
import { bootstrapOperatorKey } from '../../shared/auth/operator-bootstrap.ts';
import { systemClock } from '../../shared/clock.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createApiKeyStore } from '../../shared/store/api-key-store.ts';
import { createTestTable } from '../servers/dynamodb.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let apiKeys: ReturnType<typeof createApiKeyStore>;

beforeAll(async () => {
  const table = await createTestTable();
  apiKeys = createApiKeyStore({ client: table.documentClient, tableName: table.tableName });
});

describe('the operator key of an AWS deployment', () => {
  it('is installed from its secret, and replaced when the secret gets a new value', async () => {
    const sdk = new SecretsManagerClient({
      endpoint: inject('motoEndpoint'),
      region: 'us-east-1',
      credentials: { ...credentials },
    });
    const name = `secretm/_operator/${randomUUID().slice(0, 8)}`;
    const first = `generated-${randomUUID()}`;
    await sdk.send(new CreateSecretCommand({ Name: name, SecretString: first }));
    const vault = createAwsSecretsManagerProvider({
      region: 'us-east-1',
      endpoint: inject('motoEndpoint'),
      credentials: { ...credentials },
    });
    const authenticate = createAuthenticator({ apiKeys, clock: systemClock, jwt: { tenantClaim: 'tenant' } });
    const install = () =>
      bootstrapOperatorKey({ vault, ref: name, apiKeys, tenant: 'default', clock: systemClock });

    await install();
    const principal = await authenticate({ authorization: `Bearer ${first}` });
    expect(principal).toMatchObject({ tenant: 'default', actor: 'operator', operator: true });
    expect([...principal.scopes].sort()).toEqual(['admin', 'read', 'reveal', 'write']);

    const second = `rotated-${randomUUID()}`;
    await sdk.send(new PutSecretValueCommand({ SecretId: name, SecretString: second }));
    await install();
    await expect(authenticate({ authorization: `Bearer ${first}` })).rejects.toThrow(/invalid credentials/);
    expect((await authenticate({ authorization: `Bearer ${second}` })).operator).toBe(true);
  });
});
