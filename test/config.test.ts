import { describe, expect, it } from 'vitest';
import { readConfig } from '../shared/config.ts';
import { ValidationError } from '../shared/errors.ts';

const aws = {
  SECRETM_TABLE_NAME: 'secretm-dev',
  SECRETM_STAGE: 'dev',
  SECRETM_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/secretm-dev-tenant-access',
  SECRETM_TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/secretm-dev',
};

describe('configuration', () => {
  it('reads how tenant requests get their own credentials in AWS', () => {
    const config = readConfig({
      ...aws,
      SECRETM_SECRET_KEY_ARNS: 'arn:aws:kms:eu-west-1:123456789012:key/k1',
      SECRETM_IMPORTABLE: '{"payments":["legacy/payments/*"]}',
    });
    expect(config).toMatchObject({
      stage: 'dev',
      tenantAccess: {
        roleArn: aws.SECRETM_TENANT_ROLE_ARN,
        tableArn: aws.SECRETM_TABLE_ARN,
        secretKeyArns: ['arn:aws:kms:eu-west-1:123456789012:key/k1'],
      },
      importable: { payments: ['legacy/payments/*'] },
    });
  });

  it.each([['SECRETM_STAGE'], ['SECRETM_TABLE_ARN']])(
    'refuses a tenant role without %s, which its session policy is made of',
    (missing) => {
      const env: Record<string, string> = { ...aws };
      delete env[missing];
      expect(() => readConfig(env)).toThrow(ValidationError);
    },
  );

  it('reads a function without tenant access (the dispatcher, the roll-up) as having none', () => {
    expect(readConfig({ SECRETM_TABLE_NAME: 'secretm-dev' }).tenantAccess).toBeUndefined();
  });

  it('refuses a stage that could not name a namespace, and importable names that are not JSON', () => {
    expect(() => readConfig({ ...aws, SECRETM_STAGE: '_system' })).toThrow(ValidationError);
    expect(() => readConfig({ ...aws, SECRETM_IMPORTABLE: '{payments' })).toThrow(ValidationError);
    expect(() => readConfig({ ...aws, SECRETM_IMPORTABLE: '{"Not A Tenant":[]}' })).toThrow(ValidationError);
  });

  it('runs local mode in the stage `local` unless told otherwise', () => {
    expect(readConfig({ SECRETM_MODE: 'local', SECRETM_TABLE_NAME: 'secretm' }).stage).toBe('local');
  });
});
