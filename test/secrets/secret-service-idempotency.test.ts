/**
 * A create whose vault write succeeded but whose metadata write failed is completed by a retry with
 * the same idempotency key — one secret, one vault version — on AWS Secrets Manager (moto). The
 * store fault is forced with a wrapper: DynamoDB Local cannot be made to fail one write on demand.
 */

import { randomUUID } from 'node:crypto';
import { ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { ProviderUnavailableError } from '../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import { createTestTable } from '../servers/dynamodb.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const tenant = `t${randomUUID().slice(0, 8)}`;
const ctx: RequestContext = {
  principal: { tenant, actor: 'apikey:test', scopes: new Set(['write', 'reveal']), operator: false },
  requestId: 'req',
  sourceIp: '127.0.0.1',
};

let service: ReturnType<typeof createSecretService>;
let failNextCreate = false;

beforeAll(async () => {
  const table = await createTestTable();
  const deps = { client: table.documentClient, tableName: table.tableName };
  const real = createSecretStore(deps);
  const faulty: SecretStore = {
    ...real,
    create: async (...args) => {
      if (failNextCreate) {
        failNextCreate = false;
        throw new ProviderUnavailableError('the metadata store is unavailable; retry later');
      }
      return real.create(...args);
    },
  };
  const aws = createAwsSecretsManagerProvider({
    region: 'us-east-1',
    endpoint: inject('motoEndpoint'),
    credentials: { ...credentials },
  });
  service = createSecretService({
    store: faulty,
    audit: createAuditStore(deps),
    providers: async () => aws,
    defaultConnection: 'aws',
  });
});

describe('a create retried after its metadata write failed', () => {
  it('completes with the same idempotency key and leaves one vault version', async () => {
    const input = { name: 'half-written', type: 'env' as const, data: { TOKEN: 'v1' } };
    failNextCreate = true;

    await expect(service.create(ctx, input, { idempotencyKey: 'retry-me' })).rejects.toBeInstanceOf(
      ProviderUnavailableError,
    );
    const created = await service.create(ctx, input, { idempotencyKey: 'retry-me' });

    expect(created.version).toBe(1);
    expect((await service.getValue(ctx, 'half-written')).value).toEqual({
      type: 'env',
      data: { TOKEN: 'v1' },
    });
    const sdk = new SecretsManagerClient({
      endpoint: inject('motoEndpoint'),
      region: 'us-east-1',
      credentials: { ...credentials },
    });
    const versions = await sdk.send(new ListSecretVersionIdsCommand({ SecretId: created.vaultRef }));
    expect(versions.Versions).toHaveLength(1);
  });

  it('takes the vault write back when there is no idempotency key to finish it with', async () => {
    const input = { name: 'taken-back', type: 'env' as const, data: { TOKEN: 'v1' } };
    failNextCreate = true;

    await expect(service.create(ctx, input)).rejects.toBeInstanceOf(ProviderUnavailableError);
    const again = await service.create(ctx, input);

    expect(again.version).toBe(1);
  });
});
