/**
 * The session policy of a tenant's AWS credentials: the API and rotation functions assume the
 * tenant-access role with it for each tenant (tenant-sessions.ts), so the credentials a request runs
 * on reach that tenant's items in the table (table-access.ts) and its own secrets in Secrets Manager,
 * nothing else, whatever the code asks. The role's own policy (infra/constructs/grants.ts) covers every
 * tenant of the stage; a session is the intersection of the two.
 *
 * Secrets Manager: `secretm/<stage>/<tenant>/*` (its secrets), `secretm/<stage>/_system/tenants/<tenant>/*`
 * (its connections' credentials and held rotation credentials), in the home region and every replica
 * region, and the existing secrets the deployment lets this tenant adopt. ListSecrets has no resource
 * scope in AWS, so discover is confined by secretm's port (confined-provider.ts), not by IAM.
 */
import { auditOnlyTableRules, type LeadingKeyRule, tenantTableRules } from './table-access.ts';
import { vaultNamespace } from './vault-namespace.ts';

export interface TenantAccessScope {
  /** The table's ARN; its partition, region and account are the deployment's. */
  tableArn: string;
  /** The table's customer-managed key, which DynamoDB uses with the caller's permissions. */
  tableKeyArn?: string;
  stage: string;
  replicaRegions?: readonly string[];
  /** Customer-managed keys secrets are encrypted with (used only through Secrets Manager). */
  secretKeyArns?: readonly string[];
  /** Existing secrets each tenant may adopt: exact names, or prefixes ending in `*`. */
  importable?: Readonly<Record<string, readonly string[]>>;
  /** Roles stored AWS connections may assume (other accounts). */
  assumeRoleArns?: readonly string[];
}

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** Every Secrets Manager action secretm's vault adapter sends for one secret (ListSecrets apart). */
export const secretActions = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:GetSecretValue',
  'secretsmanager:DescribeSecret',
  'secretsmanager:UpdateSecret',
  'secretsmanager:TagResource',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RemoveRegionsFromReplication',
];

export interface ArnParts {
  partition: string;
  region: string;
  account: string;
}

export function arnParts(arn: string): ArnParts {
  const match = /^arn:([a-z-]+):[a-z0-9-]+:([a-z0-9-]*):(\d{12}):/.exec(arn);
  if (!match) throw new Error(`not an ARN: ${arn}`);
  return { partition: match[1]!, region: match[2]!, account: match[3]! };
}

/** The ARN pattern of secrets whose names start with `namePattern` (an IAM pattern) in `region`. */
export function secretArnPattern(parts: ArnParts, region: string, namePattern: string): string {
  return `arn:${parts.partition}:secretsmanager:${region}:${parts.account}:secret:${namePattern}`;
}

/** Secrets Manager adds `-` and six random characters to each secret's ARN. */
export function importableArnPattern(parts: ArnParts, name: string): string {
  return secretArnPattern(parts, parts.region, name.endsWith('*') ? name : `${name}-??????`);
}

export function tableStatements(
  scope: Pick<TenantAccessScope, 'tableArn' | 'tableKeyArn'>,
  rules: readonly LeadingKeyRule[],
): PolicyStatement[] {
  return [
    ...rules.map(
      (rule): PolicyStatement => ({
        Effect: 'Allow',
        Action: rule.actions.map((action) => `dynamodb:${action}`),
        Resource: [scope.tableArn],
        Condition: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...rule.leadingKeys] },
          // ForAllValues holds for a request without leading keys (a scan): require them.
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    ),
    ...(scope.tableKeyArn
      ? [
          {
            Effect: 'Allow' as const,
            Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            Resource: [scope.tableKeyArn],
          },
        ]
      : []),
  ];
}

export function tenantSessionPolicy(tenant: string, scope: TenantAccessScope): PolicyDocument {
  const parts = arnParts(scope.tableArn);
  const namespace = vaultNamespace(scope.stage);
  const regions = [parts.region, ...(scope.replicaRegions ?? [])];
  const ownSecrets = regions.flatMap((region) => [
    secretArnPattern(parts, region, `${namespace.tenantPrefix(tenant)}*`),
    secretArnPattern(parts, region, `${namespace.tenantSystemPrefix(tenant)}*`),
  ]);
  const importable = (scope.importable?.[tenant] ?? []).map((name) => importableArnPattern(parts, name));
  const statements: PolicyStatement[] = [
    ...tableStatements(scope, tenantTableRules(tenant)),
    { Effect: 'Allow', Action: secretActions, Resource: [...ownSecrets, ...importable] },
    { Effect: 'Allow', Action: ['secretsmanager:ListSecrets'], Resource: ['*'] },
  ];
  if (scope.secretKeyArns && scope.secretKeyArns.length > 0) {
    statements.push({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [...scope.secretKeyArns],
      Condition: {
        StringEquals: {
          'kms:ViaService': regions.map(
            (region) =>
              `secretsmanager.${region}.${parts.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}`,
          ),
        },
      },
    });
  }
  if (scope.assumeRoleArns && scope.assumeRoleArns.length > 0) {
    statements.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [...scope.assumeRoleArns] });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The table's ARN from its name and the deployment's partition, region and account. */
export function tableArnOf(parts: ArnParts, tableName: string): string {
  return `arn:${parts.partition}:dynamodb:${parts.region}:${parts.account}:table/${tableName}`;
}

/** A session that can write one tenant's audit events and nothing else. */
export function auditOnlySessionPolicy(tenant: string, scope: TenantAccessScope): PolicyDocument {
  return { Version: '2012-10-17', Statement: tableStatements(scope, auditOnlyTableRules(tenant)) };
}
