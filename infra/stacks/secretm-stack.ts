/** The stack `npx cdk deploy` creates: the Secretm construct and the outputs a customer needs. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseSecretmConfig, productionStage } from '../config.ts';
import { Secretm, type SecretmProps } from '../constructs/secretm.ts';

export interface SecretmStackProps extends StackProps {
  secretm?: SecretmProps;
}

export class SecretmStack extends Stack {
  readonly secretm: Secretm;

  constructor(scope: Construct, id: string, props: SecretmStackProps = {}) {
    super(scope, id, {
      ...props,
      terminationProtection:
        props.terminationProtection ?? parseSecretmConfig(props.secretm).stage === productionStage,
    });
    this.secretm = new Secretm(this, 'Secretm', props.secretm);

    new CfnOutput(this, 'ApiUrl', {
      description: this.secretm.apiKeyApi ? 'secretm API (JWT)' : 'secretm API',
      value: this.secretm.api.url,
    });
    if (this.secretm.apiKeyApi) {
      new CfnOutput(this, 'ApiKeyApiUrl', {
        description: 'secretm API for API keys',
        value: this.secretm.apiKeyApi.url,
      });
    }
    if (this.secretm.console) {
      new CfnOutput(this, 'ConsoleUrl', {
        description: 'The web console: open it and sign in with an API key',
        value: this.secretm.console.api.url,
      });
    }
    new CfnOutput(this, 'LayerVersionArn', {
      description: 'The secretm layer: add it to a function (see docs/deployment.md)',
      value: this.secretm.layer.layerVersion.layerVersionArn,
    });
    new CfnOutput(this, 'OperatorKeySecretArn', {
      description:
        'The first admin API key: aws secretsmanager get-secret-value --secret-id <this> --query SecretString',
      value: this.secretm.operatorKey.secretArn,
    });
    new CfnOutput(this, 'CostRollupFunctionName', {
      description: 'The monthly cost roll-up: invoke it with {"month":"YYYY-MM"} to roll up a month again',
      value: this.secretm.costs.rollup.function.functionName,
    });
    new CfnOutput(this, 'RotationFailureQueueUrl', {
      description:
        'Rotation workers that stopped, and runs that could not start (see docs/deployment.md, "Failure queues")',
      value: this.secretm.rotation.failures.queue.queueUrl,
    });
    new CfnOutput(this, 'CostRollupFailureQueueUrl', {
      description: 'Roll-up runs that failed for good (see docs/deployment.md, "Failure queues")',
      value: this.secretm.costs.failures.queue.queueUrl,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'The CloudWatch dashboard of this stage',
      value: this.secretm.monitoring.dashboard.dashboardName,
    });
    new CfnOutput(this, 'AuditDigestFailureQueueUrl', {
      description: 'Audit digest runs that failed for good (see docs/deployment.md, "Failure queues")',
      value: this.secretm.audit.failures.queue.queueUrl,
    });
    new CfnOutput(this, 'AuditDigestFunctionName', {
      description: 'The hourly audit digests: invoke it (no input) to catch up now',
      value: this.secretm.audit.digester.function.functionName,
    });
    new CfnOutput(this, 'LayoutMigrationFunctionName', {
      description:
        'Moves data written before tenant isolation to the per-tenant layout: invoke it after deploying, again while it answers "done": false',
      value: this.secretm.layoutMigration.migrator.function.functionName,
    });
    new CfnOutput(this, 'TableName', {
      description: 'secretm metadata table',
      value: this.secretm.data.table.tableName,
    });
  }
}
