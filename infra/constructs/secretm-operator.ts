/**
 * The operator key and the narrow role that reaches it. The key (the first admin API key, generated at
 * deploy) lives in the stage's system namespace, `secretm/<stage>/_system/operator-key`, where no
 * tenant path reaches; its hash lives in the table's `OPERATOR` item. Only the operator role may read
 * or replace either: the API functions assume it for the operator bootstrap (a cold start) and for
 * `POST /v1/api-keys/operator/rotate`, and nothing else.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { grantOperatorAccess } from './grants.ts';
import { acknowledge } from './nag.ts';
import type { SecretmData } from './secretm-data.ts';
import { tenantSessionDuration } from './secretm-tenant-access.ts';

export interface SecretmOperatorProps {
  stage: string;
  data: SecretmData;
  /** The roles that assume it: the API functions that touch the table. */
  trustedBy: iam.IRole[];
  removalPolicy: RemovalPolicy;
}

export class SecretmOperator extends Construct {
  /** The operator API key; every API function installs its hash on a cold start. */
  readonly key: secretsmanager.Secret;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SecretmOperatorProps) {
    super(scope, id);
    this.key = new secretsmanager.Secret(this, 'Key', {
      secretName: vaultNamespace(props.stage).operatorKeyRef,
      description: `secretm ${props.stage}: the operator API key (admin of every tenant's keys)`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.key,
      'AwsSolutions-SMG4',
      'The operator key is a bootstrap credential: rotate it with POST /v1/api-keys/operator/rotate or by putting a new value; functions install it on their next cold start, and the old key stops working then.',
    );
    this.role = new iam.Role(this, 'Role', {
      description: `secretm ${props.stage}: the operator key's secret and table item, nothing else`,
      assumedBy: new iam.CompositePrincipal(
        ...props.trustedBy.map((role) => new iam.ArnPrincipal(role.roleArn)),
      ),
      maxSessionDuration: tenantSessionDuration,
    });
    grantOperatorAccess(this.role, props.data, this.key);
  }
}
