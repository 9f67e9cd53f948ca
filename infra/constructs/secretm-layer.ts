/**
 * The `secretm` Lambda layer (`nodejs/node_modules/secretm`), shared with the accounts and the
 * organisation the configuration names.
 *
 * What it publishes is built at synth, from the sources the rest of the stack is synthesized from:
 * CDK bundles the asset by running the layer's own build (layers/secretm/build.ts, the same as
 * `npm run build:layer`) with the local Node.js, as it bundles the functions with the local esbuild; it
 * never falls back to Docker, and a build that fails fails the synth. `assetPath` publishes a folder
 * built elsewhere instead; a folder that does not hold a built layer fails the synth too. There is no
 * way to synthesize the stack without its layer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, type ILocalBundling, type RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SecretmConfigError } from '../config.ts';
import { repoRoot } from './paths.ts';
import { functionRuntime } from './secretm-function.ts';

export interface SecretmLayerProps {
  /**
   * A folder built elsewhere to publish as it is (it holds `nodejs/node_modules/secretm`); by default
   * the layer is built from `layers/secretm` at synth.
   */
  assetPath?: string;
  layerVersionName: string;
  shareWith: { accountIds: string[]; organizationId?: string };
  removalPolicy: RemovalPolicy;
}

/** The layer's sources and its build script (`npm run build:layer` runs the same file). */
export const layerSourceDir = path.join(repoRoot, 'layers', 'secretm');
export const layerBuildScript = path.join(layerSourceDir, 'build.ts');

/** What a layer folder must hold: the package `import … from 'secretm'` resolves in Lambda. */
export const layerManifest = path.join('nodejs', 'node_modules', 'secretm', 'package.json');

export class SecretmLayer extends Construct {
  readonly layerVersion: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: SecretmLayerProps) {
    super(scope, id);
    this.layerVersion = new lambda.LayerVersion(this, 'Layer', {
      layerVersionName: props.layerVersionName,
      description: 'secretm: getSecret, getSecrets, getBinding and render with an in-process cache',
      code: props.assetPath === undefined ? builtAtSynth() : prebuilt(props.assetPath),
      compatibleRuntimes: [functionRuntime],
      // Plain JavaScript: usable by functions on either architecture.
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      license: 'Apache-2.0',
      // Consumers pin a version ARN: with `retain` (the default) every published version outlives the
      // update that publishes the next one, and the stack.
      removalPolicy: props.removalPolicy,
    });
    for (const accountId of props.shareWith.accountIds) {
      this.layerVersion.addPermission(`Account${accountId}`, { accountId });
    }
    if (props.shareWith.organizationId) {
      this.layerVersion.addPermission('Organization', {
        accountId: '*',
        organizationId: props.shareWith.organizationId,
      });
    }
  }
}

/** A folder built elsewhere (`layer.assetPath`): published as it is, once it is shown to hold the layer. */
function prebuilt(assetPath: string): lambda.Code {
  const folder = path.resolve(assetPath);
  if (!existsSync(path.join(folder, layerManifest))) {
    throw new SecretmConfigError(
      `layer.assetPath: ${folder} does not hold a built secretm layer (no ${layerManifest}). ` +
        'Leave layer.assetPath out to build the layer at synth, or point it at the folder ' +
        '`npm run build:layer` writes (layers/secretm/dist).',
    );
  }
  return lambda.Code.fromAsset(folder);
}

/**
 * The layer built from its sources at synth. The asset is hashed by its output, as the functions'
 * bundles are, so a change anywhere in what the layer bundles (layers/secretm/src, shared/) publishes a
 * new version, and nothing else does.
 */
function builtAtSynth(): lambda.Code {
  return lambda.Code.fromAsset(layerSourceDir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: the local build either succeeds or fails the synth.
      image: DockerImage.fromRegistry('secretm-layer-builds-locally'),
      local: new LocalLayerBuild(),
    },
  });
}

/** Runs layers/secretm/build.ts with this Node.js into CDK's bundling folder. */
export class LocalLayerBuild implements ILocalBundling {
  tryBundle(outputDir: string): boolean {
    const result = spawnSync(process.execPath, [layerBuildScript, '--out', outputDir], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.error || result.status !== 0) {
      const detail = (result.error?.message ?? result.stderr ?? '').trim().split('\n').slice(-20).join('\n');
      // Thrown, not `return false`: false would make CDK try Docker, which secretm never uses.
      throw new Error(
        `the secretm layer did not build (${path.basename(process.execPath)} ${path.relative(repoRoot, layerBuildScript)} ` +
          `--out …, Node.js ${process.version}; the build needs Node.js 24, which npm scripts and npx use here): ` +
          `${detail || `exit status ${result.status}`}`,
      );
    }
    return true;
  }
}
