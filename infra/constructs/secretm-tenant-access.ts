/**
 * The tenant-access role: the only way the API functions and the rotation worker reach tenant data.
 * Each request assumes it for one tenant with that tenant's session policy
 * (shared/tenancy/session-policy.ts, through tenant-sessions.ts), so its credentials reach that
 * tenant's items and secrets and nothing else, whatever the code asks. The role's own policy is the
 * union over every tenant of the stage (grants.ts, `grantTenantAccess`); it never reaches the operator
 * key, another stage, the rotation index, or a scan.
 *
 * Trusted by the roles it is given, by ARN (not the whole account); each of them is granted
 * `sts:AssumeRole` on it where it is wired (secretm.ts). Sessions last one hour at most.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  sessionPolicyMaxLength,
  type TenantAccessScope,
  tenantSessionPolicy,
} from '../../shared/tenancy/session-policy.ts';
import { SecretmConfigError } from '../config.ts';
import { grantTenantAccess, type TenantAccess } from './grants.ts';
import type { SecretmData } from './secretm-data.ts';

export interface SecretmTenantAccessProps {
  data: SecretmData;
  access: TenantAccess;
  /** Secrets Manager is an allowed vault: the role reaches the stage's secrets too. */
  secretsManager: boolean;
  /** The roles that assume it: the API functions that touch the table, and the rotation worker. */
  trustedBy: iam.IRole[];
}

/** The longest a tenant session lasts: tenant-sessions.ts asks for an hour and renews before it ends. */
export const tenantSessionDuration = Duration.hours(1);

export class SecretmTenantAccess extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SecretmTenantAccessProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      description: `secretm ${props.access.stage}: a tenant's requests, each session confined to one tenant by its session policy`,
      assumedBy: new iam.CompositePrincipal(
        ...props.trustedBy.map((role) => new iam.ArnPrincipal(role.roleArn)),
      ),
      maxSessionDuration: tenantSessionDuration,
    });
    grantTenantAccess(this.role, props.data, props.access, props.secretsManager);
    checkSessionPolicies(props.data.table, props.access);
  }
}

/** The longest tenant id (shared/validation/names.ts). */
const longestTenant = 'a'.repeat(63);

/**
 * STS refuses a session policy over 2,048 characters, and then every request of that tenant would
 * fail (503). The policy grows with the tenant's id and its importable names: checked at synth for each
 * tenant that has some, and for the longest tenant id, with the table ARN as long as this deployment's
 * can be (the partition and region are known only at deploy; CloudFormation names the table
 * `<stack>-<logical id>-<13 characters>`).
 */
export function checkSessionPolicies(table: dynamodb.Table, access: TenantAccess): void {
  const stack = Stack.of(table);
  const tableName = `${stack.stackName}-${stack.getLogicalId(table.node.defaultChild as dynamodb.CfnTable)}-${'X'.repeat(13)}`;
  const scope: TenantAccessScope = {
    tableArn: `arn:aws-us-gov:dynamodb:ap-southeast-4:123456789012:table/${tableName}`,
    tableKeyArn: 'arn:aws-us-gov:kms:ap-southeast-4:123456789012:key/00000000-0000-0000-0000-000000000000',
    stage: access.stage,
    replicaRegions: access.replicaRegions,
    secretKeyArns: access.kmsKeyArns,
    importable: access.importable,
    assumeRoleArns: access.assumeRoleArns,
  };
  const problems: string[] = [];
  for (const tenant of [...Object.keys(access.importable), longestTenant]) {
    const length = JSON.stringify(tenantSessionPolicy(tenant, scope)).length;
    if (length <= sessionPolicyMaxLength) continue;
    problems.push(
      tenant === longestTenant
        ? `a tenant with a 63-character id would need a ${length}-character session policy (the table's ARN is long): use a shorter stack name`
        : `vaults.awsSecretsManager.importable.${tenant}: the tenant's session policy would be ${length} characters, and STS accepts ${sessionPolicyMaxLength}: list fewer names, or one prefix (name/*) for several`,
    );
  }
  if (problems.length > 0) throw new SecretmConfigError(`tenant sessions:\n  - ${problems.join('\n  - ')}`);
}
