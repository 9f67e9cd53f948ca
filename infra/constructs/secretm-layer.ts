/**
 * The `secretm` Lambda layer (`nodejs/node_modules/secretm`), published from its build output, and
 * shared with the accounts and the organisation the configuration names.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { functionRuntime } from './secretm-function.ts';

export interface SecretmLayerProps {
  /** The folder to publish: it holds `nodejs/node_modules/secretm`. */
  assetPath: string;
  layerVersionName: string;
  shareWith: { accountIds: string[]; organizationId?: string };
  removalPolicy: RemovalPolicy;
}

export class SecretmLayer extends Construct {
  readonly layerVersion: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: SecretmLayerProps) {
    super(scope, id);
    this.layerVersion = new lambda.LayerVersion(this, 'Layer', {
      layerVersionName: props.layerVersionName,
      description: 'secretm: getSecret, getSecrets, getBinding and render with an in-process cache',
      code: lambda.Code.fromAsset(props.assetPath),
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
