/**
 * The CDK app: one stack, `Secretm-<stage>`, configured by the `secretm` context (cdk.json, or
 * `-c secretm='{"stage":"prod"}'`), and checked by cdk-nag's AWS Solutions rules at every synth.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext } from './config.ts';
import { SecretmStack } from './stacks/secretm-stack.ts';

export function buildSecretmApp(app: App): SecretmStack {
  const config = configFromContext(app.node.tryGetContext('secretm'));
  const stack = new SecretmStack(app, `Secretm-${config.stage}`, {
    description: `secretm (${config.stage}): secrets API, functions, layer and table`,
    secretm: config,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
