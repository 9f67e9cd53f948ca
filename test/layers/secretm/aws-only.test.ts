/** `secretm/aws`: the same client for AWS Secrets Manager alone. */
import { describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/aws-only.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { createAwsSecret, credentials, fakeClock, region, rejectionOf } from './layer-fixtures.ts';

describe('secretm/aws', () => {
  it('reads AWS secrets, and plain names as AWS names even when the secretm table is configured', async () => {
    const { name } = await createAwsSecret('aws only');
    const secretm = createSecretm({
      aws: { region, endpoint: inject('motoEndpoint'), credentials },
      tableName: 'secretm',
      tenant: 'acme',
      clock: fakeClock(),
    });

    const value = await secretm.getSecret(name);

    expect(value).toBe('aws only');
  });

  it('refuses other vaults, pointing to the full entry point', async () => {
    const secretm = createSecretm({ aws: { region, endpoint: inject('motoEndpoint'), credentials } });

    const error = await rejectionOf(secretm.getSecret('vault://kv/app'));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain("import from 'secretm'");
  });
});
