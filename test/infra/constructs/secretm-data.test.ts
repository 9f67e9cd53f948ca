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

  it('rotates the customer-managed key', () => {
    synth.template.resourceCountIs('AWS::KMS::Key', 1);
    synth.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
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
