import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureLayerPath, logicalId, resourcesOf, type Synthesized, synthesize } from '../synthesize.ts';

describe('SecretmLayer shared with accounts and an organisation', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      stage: 'qa',
      layer: {
        assetPath: fixtureLayerPath,
        shareWith: { accountIds: ['111111111111', '222222222222'], organizationId: 'o-a1b2c3d4e5' },
      },
    });
  });
  afterAll(() => synth?.dispose());

  it('publishes the layer from its asset folder for nodejs24.x', () => {
    const [layer] = Object.values(resourcesOf(synth.template, 'AWS::Lambda::LayerVersion'));
    expect(layer).toBeDefined();
    const s3Key = (layer!.Properties.Content as { S3Key: string }).S3Key;
    const staged = path.join(synth.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);

    expect(layer!.Properties).toMatchObject({ LayerName: 'secretm-qa', CompatibleRuntimes: ['nodejs24.x'] });
    expect(existsSync(path.join(staged, 'nodejs/node_modules/secretm/package.json'))).toBe(true);
  });

  it('grants GetLayerVersion to each configured account and to the organisation, and to no one else', () => {
    const layer = logicalId(synth.stack, synth.stack.secretm.layer!.layerVersion);
    const grants = Object.values(resourcesOf(synth.template, 'AWS::Lambda::LayerVersionPermission')).map(
      (permission) => permission.Properties,
    );

    expect(grants).toHaveLength(3);
    expect(grants).toEqual(
      expect.arrayContaining([
        { Action: 'lambda:GetLayerVersion', LayerVersionArn: { Ref: layer }, Principal: '111111111111' },
        { Action: 'lambda:GetLayerVersion', LayerVersionArn: { Ref: layer }, Principal: '222222222222' },
        {
          Action: 'lambda:GetLayerVersion',
          LayerVersionArn: { Ref: layer },
          Principal: '*',
          OrganizationId: 'o-a1b2c3d4e5',
        },
      ]),
    );
  });

  it('outputs the layer version ARN', () => {
    const layer = logicalId(synth.stack, synth.stack.secretm.layer!.layerVersion);
    synth.template.hasOutput('LayerVersionArn', { Value: { Ref: layer } });
  });
});

describe('SecretmLayer shared with no one', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath } });
  });
  afterAll(() => synth?.dispose());

  it('publishes the layer without any permission for other accounts', () => {
    synth.template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    synth.template.resourceCountIs('AWS::Lambda::LayerVersionPermission', 0);
  });
});

describe('SecretmLayer before the layer is built', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: path.join(fixtureLayerPath, 'not-built') } });
  });
  afterAll(() => synth?.dispose());

  it('leaves the layer out and says so in a synth warning', () => {
    synth.template.resourceCountIs('AWS::Lambda::LayerVersion', 0);
    expect(Object.keys(synth.template.findOutputs('LayerVersionArn'))).toEqual([]);
    Annotations.fromStack(synth.stack).hasWarning(
      '/Secretm-dev/Secretm',
      Match.stringLikeRegexp('the secretm layer is left out: .*not-built'),
    );
  });

  it('refuses to grant a secret read through a layer that is not there', () => {
    const consumer = new lambda.Function(synth.stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });

    expect(() => synth.stack.secretm.grantSecretRead(consumer, 'prod-db', { tenant: 'payments' })).toThrow(
      /the secretm layer is not part of this deployment/,
    );
  });
});
