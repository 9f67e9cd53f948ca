/**
 * The session policy of a tenant's AWS credentials: the API and rotation functions assume the
 * tenant-access role with it for each tenant (tenant-sessions.ts), so the credentials a request runs
 * on reach that tenant's items in the table (table-access.ts) and its own secrets in Secrets Manager,
 * nothing else, whatever the code asks. The role's own policy (infra/constructs/grants.ts) covers every
 * tenant of the stage; a session is the intersection of the two.
 *
 * Secrets Manager: `secretm/<stage>/<tenant>/*` (its secrets), `secretm/<stage>/_system/tenants/<tenant>/*`
 * (its connections' credentials and held rotation credentials), and the existing secrets the deployment
 * lets this tenant adopt. ListSecrets has no resource scope in AWS, so discover is confined by secretm's
 * port (confined-provider.ts), not by IAM.
 *
 * STS accepts at most 2,048 characters of session policy, so the policy states what is the tenant's,
 * and leaves what every tenant of the stage shares to the role: a session can never do more than the
 * role, so restating the role's own limits would only take room. The role allows its secrets in the home
 * and replica regions only (the session names them in any region), the table key, the customer-managed
 * keys through Secrets Manager only and the configured roles (the session names the actions on any
 * resource). The size then grows with the tenant's id and its own importable names only, never with the
 * number of regions, keys or roles (infra checks it at synth: sessionPolicyMaxLength).
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

/** What DynamoDB needs of the caller on the table's customer-managed key. */
export const tableKeyActions = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

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
      ? [{ Effect: 'Allow' as const, Action: [...tableKeyActions], Resource: [scope.tableKeyArn] }]
      : []),
  ];
}

/**
 * Denials of table actions (a deny wins over any allow): on items of which ANY leading key matches,
 * so a batch or transaction that touches one denied item is refused as a whole.
 */
export function tableDenyStatements(
  scope: Pick<TenantAccessScope, 'tableArn'>,
  denials: readonly LeadingKeyRule[],
): PolicyStatement[] {
  return denials.map((denial) => ({
    Effect: 'Deny',
    Action: denial.actions.map((action) => `dynamodb:${action}`),
    Resource: [scope.tableArn],
    Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [...denial.leadingKeys] } },
  }));
}

/** What STS accepts as an inline session policy: 2,048 characters of JSON without whitespace. */
export const sessionPolicyMaxLength = 2048;

export function tenantSessionPolicy(tenant: string, scope: TenantAccessScope): PolicyDocument {
  const parts = arnParts(scope.tableArn);
  const namespace = vaultNamespace(scope.stage);
  // Any region here; the role's policy names the home and replica regions.
  const ownSecrets = [namespace.tenantPrefix(tenant), namespace.tenantSystemPrefix(tenant)].map((prefix) =>
    secretArnPattern(parts, '*', `${prefix}*`),
  );
  const importable = (scope.importable?.[tenant] ?? []).map((name) => importableArnPattern(parts, name));
  const usesKeys = scope.tableKeyArn !== undefined || (scope.secretKeyArns ?? []).length > 0;
  const assumesRoles = (scope.assumeRoleArns ?? []).length > 0;
  // Not the tenant's: the role's policy names the keys (the customer-managed ones through Secrets
  // Manager only) and the roles; ListSecrets has no resource scope.
  const shared = [
    ...(usesKeys ? tableKeyActions : []),
    ...(assumesRoles ? ['sts:AssumeRole'] : []),
    'secretsmanager:ListSecrets',
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      ...tableStatements({ tableArn: scope.tableArn }, tenantTableRules(tenant)),
      { Effect: 'Allow', Action: secretActions, Resource: [...ownSecrets, ...importable] },
      { Effect: 'Allow', Action: shared, Resource: ['*'] },
    ],
  };
}

/** The table's ARN from its name and the deployment's partition, region and account. */
export function tableArnOf(parts: ArnParts, tableName: string): string {
  return `arn:${parts.partition}:dynamodb:${parts.region}:${parts.account}:table/${tableName}`;
}

/**
 * A session that can write one tenant's audit events and read its audit key (to HMAC them), nothing
 * else: how another tenant's request records a refused attempt on this tenant's refs.
 */
export function auditOnlySessionPolicy(tenant: string, scope: TenantAccessScope): PolicyDocument {
  const parts = arnParts(scope.tableArn);
  const auditKey = secretArnPattern(parts, '*', `${vaultNamespace(scope.stage).auditKeyRef(tenant)}-??????`);
  return {
    Version: '2012-10-17',
    Statement: [
      ...tableStatements(scope, auditOnlyTableRules(tenant)),
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [auditKey] },
    ],
  };
}
