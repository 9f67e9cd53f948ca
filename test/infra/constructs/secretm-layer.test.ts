import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretmConfigError } from '../../../infra/config.ts';
import { SecretmLayer } from '../../../infra/constructs/secretm-layer.ts';
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
    const layer = logicalId(synth.stack, synth.stack.secretm.layer.layerVersion);
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
    const layer = logicalId(synth.stack, synth.stack.secretm.layer.layerVersion);
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

describe('SecretmLayer with no layer.assetPath (what npm run synth and deploy do)', () => {
  let synth: Synthesized;
  beforeAll(() => {
    // Bundling skipped, as in the other tests: the stack still has its layer, whatever is on disk.
    synth = synthesize({});
  });
  afterAll(() => synth?.dispose());

  it('puts the layer in the stack and outputs its version ARN, with no warning', () => {
    synth.template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    synth.template.hasOutput('LayerVersionArn', {
      Value: { Ref: logicalId(synth.stack, synth.stack.secretm.layer.layerVersion) },
    });
    expect(Annotations.fromStack(synth.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('grants a secret read through the layer', () => {
    const consumer = new lambda.Function(synth.stack, 'Consumer', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });

    synth.stack.secretm.grantSecretRead(consumer, 'prod-db', { tenant: 'payments' });

    expect(Stack.of(consumer).resolve((consumer.node.defaultChild as lambda.CfnFunction).layers)).toEqual([
      { Ref: logicalId(synth.stack, synth.stack.secretm.layer.layerVersion) },
    ]);
  });
});

describe('SecretmLayer built at synth', () => {
  let outdir: string;
  let staged: string;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'secretm-layer-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'LayerOnly');
    const layer = new SecretmLayer(stack, 'Layer', {
      layerVersionName: 'secretm-built',
      shareWith: { accountIds: [] },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName('LayerOnly').template);
    const resource = template.toJSON().Resources[logicalId(stack, layer.layerVersion)];
    const s3Key = (resource.Properties.Content as { S3Key: string }).S3Key;
    staged = path.join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
  }, 240_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('builds the layer from its sources into the asset it publishes, as npm run build:layer does', () => {
    const packageDir = path.join(staged, 'nodejs', 'node_modules', 'secretm');
    const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, unknown>;
    };

    expect(readdirSync(staged)).toEqual(['nodejs']);
    expect(manifest.name).toBe('secretm');
    expect(Object.keys(manifest.exports)).toEqual(['.', './aws']);
    for (const file of ['index.js', 'index.d.ts', 'aws.js', 'aws.d.ts']) {
      expect(existsSync(path.join(packageDir, file)), file).toBe(true);
    }
  });
});

describe('SecretmLayer with a layer.assetPath that holds no built layer', () => {
  const refusal = (assetPath: string): string => {
    try {
      synthesize({ layer: { assetPath } }).dispose();
    } catch (error) {
      expect(error).toBeInstanceOf(SecretmConfigError);
      return (error as Error).message;
    }
    throw new Error('expected the synth to fail');
  };

  it('fails the synth, naming the folder and what to do', () => {
    const missing = path.join(fixtureLayerPath, 'not-built');

    expect(refusal(missing)).toBe(
      `layer.assetPath: ${missing} does not hold a built secretm layer (no nodejs/node_modules/secretm/package.json). ` +
        'Leave layer.assetPath out to build the layer at synth, or point it at the folder `npm run build:layer` ' +
        'writes (layers/secretm/dist).',
    );
  });

  it('fails a folder that exists but holds no layer, too', () => {
    expect(refusal(path.join(fixtureLayerPath, 'nodejs'))).toContain('does not hold a built secretm layer');
  });
});
