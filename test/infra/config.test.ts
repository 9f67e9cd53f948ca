import { describe, expect, it } from 'vitest';
import { configFromContext, parseSecretmConfig, SecretmConfigError } from '../../infra/config.ts';

const failure = (input: unknown): string => {
  try {
    parseSecretmConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SecretmConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('secretm configuration', () => {
  it('fills every default for an empty configuration', () => {
    const config = parseSecretmConfig({});

    expect(config).toMatchObject({
      stage: 'dev',
      auth: { mode: 'none' },
      vaults: {
        allowed: ['aws-secrets-manager'],
        awsSecretsManager: { replicaRegions: [], kmsKeyArns: [], assumeRoleArns: [], importable: {} },
      },
      layer: { shareWith: { accountIds: [] } },
      api: { throttle: { rateLimit: 100, burstLimit: 200 }, reservedConcurrency: 50 },
      alarms: {},
      logRetentionDays: 90,
      auditRetentionDays: 400,
      removalPolicy: 'retain',
      costs: { rollupSchedule: 'cron(0 3 2 * ? *)' },
    });
    expect(config.costs.prices).toBeUndefined();
    expect(config.vpc).toBeUndefined();
    expect(config.alarms.topicArn).toBeUndefined();
  });

  it('fills the JWT defaults: tenant claim, Authorization header, and an API-key endpoint', () => {
    const config = parseSecretmConfig({
      auth: { mode: 'jwt', issuer: 'https://issuer.example.com', audience: ['secretm'] },
    });

    expect(config.auth).toEqual({
      mode: 'jwt',
      issuer: 'https://issuer.example.com',
      audience: ['secretm'],
      tenantClaim: 'tenant',
      identitySource: '$request.header.Authorization',
      apiKeyEndpoint: true,
    });
  });

  it('lists every problem at once, each with the setting it is about', () => {
    const message = failure({ stage: 'Prod!', logRetentionDays: 8, surprise: true });

    expect(message).toContain('stage: must be 1–20 of a–z 0–9 -');
    expect(message).toContain("logRetentionDays: must be one of CloudWatch's retention periods");
    expect(message).toContain('Unrecognized key: "surprise"');
  });

  it('refuses IAM auth, saying why', () => {
    expect(failure({ auth: { mode: 'iam' } })).toMatch(
      /auth\.mode: iam is not supported: SigV4 takes the Authorization header/,
    );
  });

  it('refuses a JWT authorizer without an https issuer or an audience', () => {
    const message = failure({ auth: { mode: 'jwt', issuer: 'http://issuer.example.com', audience: [] } });

    expect(message).toContain('auth.issuer: must be an https URL');
    expect(message).toContain('auth.audience: name at least one audience');
  });

  it('refuses the local vault, which exists only in local mode', () => {
    expect(failure({ vaults: { allowed: ['local', 'hashicorp-vault'] } })).toContain(
      'vaults.allowed: the local vault keeps values on a disk',
    );
  });

  it('refuses Secrets Manager settings when Secrets Manager is not allowed', () => {
    expect(
      failure({
        vaults: { allowed: ['hashicorp-vault'], awsSecretsManager: { replicaRegions: ['eu-west-1'] } },
      }),
    ).toContain('vaults.awsSecretsManager: Secrets Manager settings need "aws-secrets-manager"');
  });

  it('refuses malformed account ids, organisation ids, regions and ARNs', () => {
    const message = failure({
      layer: { shareWith: { accountIds: ['12345'], organizationId: 'org-1' } },
      vaults: {
        awsSecretsManager: {
          replicaRegions: ['Europe'],
          kmsKeyArns: ['alias/mine'],
          assumeRoleArns: ['arn:aws:iam::123456789012:user/someone'],
          importable: { payments: ['*'] },
        },
      },
    });

    expect(message).toContain('layer.shareWith.accountIds.0: must be a 12-digit AWS account id');
    expect(message).toContain('layer.shareWith.organizationId: must be an AWS Organizations id');
    expect(message).toContain('vaults.awsSecretsManager.replicaRegions.0: must be an AWS region');
    expect(message).toContain('vaults.awsSecretsManager.kmsKeyArns.0: must be a KMS key ARN');
    expect(message).toContain('vaults.awsSecretsManager.assumeRoleArns.0: must be an IAM role ARN');
    expect(message).toContain(
      'vaults.awsSecretsManager.importable.payments.0: must be a secret name, or a name prefix',
    );
  });

  it('takes importable secrets by tenant', () => {
    const importable = { payments: ['legacy/payments/*', 'shared-db'], billing: ['billing/ledger'] };

    expect(
      parseSecretmConfig({ vaults: { awsSecretsManager: { importable } } }).vaults.awsSecretsManager
        .importable,
    ).toEqual(importable);
  });

  it('refuses importable secrets as a plain list, or under something that is not a tenant id, saying why', () => {
    expect(failure({ vaults: { awsSecretsManager: { importable: ['legacy/*'] } } })).toContain(
      'vaults.awsSecretsManager.importable: must list the names by tenant: { "<tenant>": ["name", "prefix/*"] }',
    );
    expect(failure({ vaults: { awsSecretsManager: { importable: { 'T#1': ['legacy/*'] } } } })).toContain(
      'vaults.awsSecretsManager.importable.T#1: must be a tenant id',
    );
  });

  it('refuses importable names in secretm’s own namespace, or prefixes that cover it, saying why', () => {
    const message = failure({
      vaults: {
        awsSecretsManager: {
          importable: {
            payments: ['secretm/prod/billing/db', 'secretm/*', 'sec*', 'SecretM/dev/_system/x', 'secretmx'],
          },
        },
      },
    });
    const refused = message
      .split('\n')
      .filter((line) => line.includes('secretm/ is secretm’s own namespace'));

    expect(refused.map((line) => line.split(':')[0]!.trim())).toEqual([
      '- vaults.awsSecretsManager.importable.payments.0',
      '- vaults.awsSecretsManager.importable.payments.1',
      '- vaults.awsSecretsManager.importable.payments.2',
      '- vaults.awsSecretsManager.importable.payments.3',
    ]);
    expect(message).toContain('no tenant may adopt a secret there');
  });

  it('refuses a secret two tenants could import: an importable secret belongs to one tenant', () => {
    expect(
      failure({
        vaults: {
          awsSecretsManager: { importable: { payments: ['legacy/*'], billing: ['legacy/billing/x'] } },
        },
      }),
    ).toContain(
      'vaults.awsSecretsManager.importable.payments: "legacy/*" and tenant billing\'s "legacy/billing/x" can name the same secret',
    );
    expect(
      failure({
        vaults: { awsSecretsManager: { importable: { payments: ['shared-db'], billing: ['shared-db'] } } },
      }),
    ).toContain('an importable secret belongs to one tenant');
    // One tenant may list overlapping entries of its own.
    expect(() =>
      parseSecretmConfig({
        vaults: { awsSecretsManager: { importable: { payments: ['legacy/*', 'legacy/x'] } } },
      }),
    ).not.toThrow();
  });

  it('refuses importable secrets when Secrets Manager is not allowed', () => {
    expect(
      failure({
        vaults: { allowed: ['hashicorp-vault'], awsSecretsManager: { importable: { payments: ['x'] } } },
      }),
    ).toContain('vaults.awsSecretsManager: Secrets Manager settings need "aws-secrets-manager"');
  });

  it('refuses to let the prod stage destroy its data', () => {
    expect(failure({ stage: 'prod', removalPolicy: 'destroy' })).toContain(
      'removalPolicy: stage prod keeps its data',
    );
  });

  it('refuses a burst limit under the rate limit', () => {
    expect(failure({ api: { throttle: { rateLimit: 50, burstLimit: 10 } } })).toContain(
      'api.throttle.burstLimit: must be at least rateLimit',
    );
  });

  it('takes reserved concurrency for the API functions as a number of instances, or false for none', () => {
    expect(parseSecretmConfig({ api: { reservedConcurrency: 20 } }).api.reservedConcurrency).toBe(20);
    expect(parseSecretmConfig({ api: { reservedConcurrency: false } }).api.reservedConcurrency).toBe(false);
    for (const wrong of [0, 2.5, 1001, true, '50']) {
      expect(failure({ api: { reservedConcurrency: wrong } })).toContain(
        'api.reservedConcurrency: must be a whole number of instances (1–1000), or false to reserve none',
      );
    }
  });

  it('takes a VPC as subnet and security group ids, for the rotation worker and optionally the API', () => {
    const config = parseSecretmConfig({
      vpc: {
        subnetIds: ['subnet-0123456789abcdef0', 'subnet-89abcdef'],
        securityGroupIds: ['sg-0123456789abcdef0'],
      },
    });

    expect(config.vpc).toEqual({
      subnetIds: ['subnet-0123456789abcdef0', 'subnet-89abcdef'],
      securityGroupIds: ['sg-0123456789abcdef0'],
      apiFunctions: false,
    });
  });

  it('refuses a VPC without subnets or security groups, with malformed or repeated ids, or unknown keys', () => {
    expect(failure({ vpc: { subnetIds: [], securityGroupIds: [] } })).toMatch(
      /vpc\.subnetIds: name at least one subnet[\s\S]*vpc\.securityGroupIds: name at least one security group/,
    );
    const message = failure({
      vpc: {
        subnetIds: ['subnet-xyz', 'vpc-0123456789abcdef0'],
        securityGroupIds: ['sg-01234567', 'sg-01234567'],
        vpcId: 'vpc-1',
      },
    });
    expect(message).toContain('vpc.subnetIds.0: must be a subnet id (subnet-…)');
    expect(message).toContain('vpc.subnetIds.1: must be a subnet id (subnet-…)');
    expect(message).toContain('Unrecognized key: "vpcId"');
    expect(
      failure({ vpc: { subnetIds: ['subnet-01234567'], securityGroupIds: ['sg-01234567', 'sg-01234567'] } }),
    ).toContain('vpc.securityGroupIds: lists an id twice');
    expect(
      failure({
        vpc: {
          subnetIds: Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(8, '0')}`),
          securityGroupIds: ['sg-01234567'],
        },
      }),
    ).toContain('vpc.subnetIds: Lambda accepts at most 16 subnets');
  });

  it('takes an SNS topic for the alarms, and refuses anything but a standard topic ARN', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:secretm-alarms';
    expect(parseSecretmConfig({ alarms: { topicArn } }).alarms.topicArn).toBe(topicArn);
    for (const wrong of [
      'secretm-alarms',
      'arn:aws:sns:eu-west-1:123456789012:alarms.fifo',
      'arn:aws:sqs:eu-west-1:123456789012:q',
    ]) {
      expect(failure({ alarms: { topicArn: wrong } })).toContain(
        'alarms.topicArn: must be the ARN of a standard SNS topic',
      );
    }
  });

  it('takes price changes per vault kind, in dollars as decimal strings', () => {
    const prices = {
      'hashicorp-vault': { secretMonth: '0.10' },
      'azure-key-vault': { callBlock: '0.15', callsPerBlock: 5000 },
    };

    expect(parseSecretmConfig({ costs: { prices } }).costs.prices).toEqual(prices);
  });

  it('refuses a price that is not a decimal number of dollars, naming the price', () => {
    const message = failure({
      costs: {
        prices: {
          'aws-secrets-manager': { secretMonth: '0,40', callBlock: '-0.05' },
          'azure-key-vault': { callsPerBlock: 0 },
          aws: { secretMonth: '0.40' },
        },
      },
    });

    expect(message).toContain(
      'costs.prices.aws-secrets-manager.secretMonth: must be a decimal number of dollars, such as "0.05"',
    );
    expect(message).toContain(
      'costs.prices.aws-secrets-manager.callBlock: must be a decimal number of dollars',
    );
    expect(message).toContain('costs.prices.azure-key-vault.callsPerBlock: Too small');
    expect(message).toContain('costs.prices: Unrecognized key: "aws"');
  });

  it('takes a roll-up schedule as a cron or rate expression, and refuses anything else', () => {
    expect(parseSecretmConfig({ costs: { rollupSchedule: 'rate(30 days)' } }).costs.rollupSchedule).toBe(
      'rate(30 days)',
    );
    expect(
      parseSecretmConfig({ costs: { rollupSchedule: 'cron(15 4 ? * MON *)' } }).costs.rollupSchedule,
    ).toBe('cron(15 4 ? * MON *)');

    expect(failure({ costs: { rollupSchedule: '0 3 2 * ? *' } })).toContain(
      'costs.rollupSchedule: "0 3 2 * ? *" is not a schedule expression: write cron(',
    );
    expect(failure({ costs: { rollupSchedule: 'cron(0 3 2 * *)' } })).toContain(
      'is not a schedule expression',
    );
    expect(failure({ costs: { rollupSchedule: 'cron(0 3 2 * * *)' } })).toContain(
      'exactly one of day-of-month and day-of-week must be ?',
    );
    expect(failure({ costs: { rollupSchedule: 'rate(1 days)' } })).toContain('"rate(1 days)" is not a rate');
    expect(failure({ costs: { rollupSchedule: 'rate(0 hours)' } })).toContain('is not a rate');
  });

  it('reads the context as an object (cdk.json) or as a JSON string (-c secretm=…)', () => {
    expect(configFromContext({ stage: 'qa' }).stage).toBe('qa');
    expect(configFromContext('{"stage":"staging"}').stage).toBe('staging');
    expect(configFromContext(undefined).stage).toBe('dev');
    expect(() => configFromContext('{stage: prod}')).toThrow(/context "secretm" is not valid JSON/);
  });
});
