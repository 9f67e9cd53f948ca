import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, tableDefinition } from '../../../shared/store/table-definition.ts';
import { fixtureLayerPath, logicalId, resourcesOf, type Synthesized, synthesize } from '../synthesize.ts';

describe('SecretmData in a dev stage', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ stage: 'dev', layer: { assetPath: fixtureLayerPath } });
  });
  afterAll(() => synth?.dispose());

  it('builds the table the single table definition describes: keys, types, index and projection', () => {
    const shape = createTableInput('any');
    const [table] = Object.values(resourcesOf(synth.template, 'AWS::DynamoDB::Table'));

    expect(table?.Properties).toMatchObject({
      KeySchema: shape.KeySchema,
      GlobalSecondaryIndexes: shape.GlobalSecondaryIndexes,
      BillingMode: 'PAY_PER_REQUEST',
    });
    expect(table?.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining(shape.AttributeDefinitions!),
    );
    expect(table?.Properties.AttributeDefinitions).toHaveLength(shape.AttributeDefinitions!.length);
  });

  it('turns on point-in-time recovery, TTL on the definition’s attribute, and encryption with its own key', () => {
    const key = logicalId(synth.stack, synth.stack.secretm.data.key);

    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
    });
  });

  it('rotates its two customer-managed keys: the table’s, and the operations key', () => {
    const keys = resourcesOf(synth.template, 'AWS::KMS::Key');
    expect(Object.keys(keys).sort()).toEqual(
      [
        logicalId(synth.stack, synth.stack.secretm.data.key),
        logicalId(synth.stack, synth.stack.secretm.data.operationsKey),
      ].sort(),
    );
    for (const key of Object.values(keys)) expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  it('lets CloudWatch Logs use the operations key for this account’s log groups in this region only', () => {
    const operationsKey = logicalId(synth.stack, synth.stack.secretm.data.operationsKey);
    const policy = resourcesOf(synth.template, 'AWS::KMS::Key')[operationsKey]!.Properties.KeyPolicy as {
      Statement: { Sid?: string; Principal: unknown; Action: string[]; Condition?: unknown }[];
    };
    const logs = policy.Statement.filter((statement) =>
      JSON.stringify(statement.Principal).includes('logs.'),
    );

    expect(logs).toHaveLength(1);
    expect(synth.stack.resolve(logs[0])).toEqual({
      Sid: 'CloudWatchLogsOfThisAccountAndRegion',
      Effect: 'Allow',
      Principal: {
        Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':logs:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':log-group:*',
              ],
            ],
          },
        },
      },
    });
    // The table's key names no service principal.
    const tableKey = resourcesOf(synth.template, 'AWS::KMS::Key')[
      logicalId(synth.stack, synth.stack.secretm.data.key)
    ]!;
    expect(JSON.stringify(tableKey.Properties.KeyPolicy)).not.toContain('logs.');
  });

  it('encrypts every log group with the operations key', () => {
    const operationsKey = logicalId(synth.stack, synth.stack.secretm.data.operationsKey);
    const groups = Object.entries(resourcesOf(synth.template, 'AWS::Logs::LogGroup'));

    expect(groups.length).toBeGreaterThanOrEqual(12);
    for (const [id, group] of groups) {
      expect(group.Properties.KmsKeyId, id).toEqual({ 'Fn::GetAtt': [operationsKey, 'Arn'] });
    }
  });

  it('keeps the table and key when the stack goes, without deletion protection outside prod', () => {
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: { DeletionProtectionEnabled: false },
    });
    synth.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    expect(synth.stack.terminationProtection).toBe(false);
  });
});

describe('SecretmData in the prod stage', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ stage: 'prod', layer: { assetPath: fixtureLayerPath } });
  });
  afterAll(() => synth?.dispose());

  it('protects the table from deletion and the stack from termination', () => {
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    expect(synth.stack.terminationProtection).toBe(true);
    expect(synth.stack.stackName).toBe('Secretm-prod');
  });
});

describe('SecretmData with removalPolicy destroy', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      stage: 'sandbox',
      removalPolicy: 'destroy',
      layer: { assetPath: fixtureLayerPath },
    });
  });
  afterAll(() => synth?.dispose());

  it('deletes the table, the key, the layer and the log groups with the stack', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::Lambda::LayerVersion',
      'AWS::Logs::LogGroup',
    ]) {
      const resources = Object.values(resourcesOf(synth.template, type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy, type).toBe('Delete');
    }
  });
});
