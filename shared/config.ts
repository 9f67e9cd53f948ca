/** Configuration, read from the environment once at cold start, validated, and frozen. */
import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { type VaultKind, vaultKinds } from './providers/provider.ts';
import { stagePattern } from './tenancy/vault-namespace.ts';
import { tenantPattern } from './validation/names.ts';
import { parseInput } from './validation/parse.ts';

const arn = (service: string) =>
  z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ARN of ${service}`);
const commaSeparated = (item: z.ZodType<string, string>) =>
  z
    .string()
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(item));

const configSchema = z.object({
  /** `aws` in Lambda; `local` for npm start (loopback vaults allowed, the local vault built in). */
  SECRETM_MODE: z.enum(['aws', 'local']).default('aws'),
  SECRETM_TABLE_NAME: z.string().min(3).max(255),
  AWS_REGION: z.string().default('us-east-1'),
  /** DynamoDB Local in local mode and tests; absent in AWS. */
  SECRETM_DYNAMODB_ENDPOINT: z.url().optional(),
  /** Folder of the `local` vault; local mode only. */
  SECRETM_LOCAL_VAULT_DIR: z.string().optional(),
  SECRETM_DEFAULT_CONNECTION: z.string().optional(),
  /** Days audit events live (DynamoDB TTL); their digests live at least as long. */
  SECRETM_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  SECRETM_JWT_TENANT_CLAIM: z.string().default('tenant'),
  /** The JWT claim holding a principal's access rules (JSON); empty turns rules from tokens off. */
  SECRETM_JWT_RULES_CLAIM: z.string().default('secretm_rules'),
  /** AWS: the Secrets Manager secret holding the operator key, installed at cold start. */
  SECRETM_OPERATOR_KEY_SECRET: z.string().min(1).optional(),
  /** Regions the built-in `aws` connection replicates every secret it creates to (comma-separated). */
  SECRETM_REPLICA_REGIONS: z
    .string()
    .regex(/^([a-z]{2}(-[a-z]+)+-\d)(,[a-z]{2}(-[a-z]+)+-\d)*$/, 'must be AWS regions, comma-separated')
    .optional(),
  /** The vault kinds connections may be of (`vaults.allowed`, comma-separated); all when absent. */
  SECRETM_ALLOWED_VAULTS: z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(vaultKinds)).min(1))
    .optional(),
  /** Changes to the default price table (JSON; shared/costs/prices.ts). */
  SECRETM_PRICES: z.string().optional(),
  SECRETM_OPERATOR_TENANT: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('default'),
  /** The deployment stage: the built-in vaults keep secrets under `secretm/<stage>/`. */
  SECRETM_STAGE: z
    .string()
    .regex(stagePattern, 'must be 1–20 of a–z 0–9 - and start with a letter')
    .optional(),
  /** AWS: the role each tenant's requests run on, assumed with the tenant's session policy. */
  SECRETM_TENANT_ROLE_ARN: arn('iam').optional(),
  /** AWS: the role of the operator key's bootstrap and rotation. */
  SECRETM_OPERATOR_ROLE_ARN: arn('iam').optional(),
  SECRETM_TABLE_ARN: arn('dynamodb').optional(),
  SECRETM_TABLE_KEY_ARN: arn('kms').optional(),
  SECRETM_SECRET_KEY_ARNS: commaSeparated(arn('kms')).optional(),
  SECRETM_ASSUME_ROLE_ARNS: commaSeparated(arn('iam')).optional(),
  /** Existing secrets each tenant may adopt from the built-in Secrets Manager (JSON: tenant → names). */
  SECRETM_IMPORTABLE: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(tenantPattern), z.array(z.string().min(1).max(512))))
    .optional(),
  /** Endpoint of STS and Secrets Manager (tests, private endpoints); the region's by default. */
  SECRETM_AWS_ENDPOINT: z.url().optional(),
});

export interface Config {
  mode: 'aws' | 'local';
  tableName: string;
  region: string;
  dynamodbEndpoint?: string;
  localVaultDir?: string;
  defaultConnection: string;
  auditRetentionDays: number;
  jwtTenantClaim: string;
  /** The JWT claim holding access rules; absent: tokens carry none. */
  jwtRulesClaim?: string;
  operatorKeySecret?: string;
  operatorTenant?: string;
  /** SECRETM_PRICES as given; validated when the price table is built. */
  prices?: string;
  /** Replica regions of the built-in `aws` connection's secrets. */
  replicaRegions?: string[];
  /** The vault kinds connections may be of; all when absent. */
  allowedVaults?: VaultKind[];
  /** The built-in vaults keep secrets under `secretm/<stage>/`. */
  stage: string;
  /** AWS: how tenant requests get their own credentials (required in AWS). */
  tenantAccess?: TenantAccessConfig;
  /** AWS: the role that writes the operator key. */
  operatorRoleArn?: string;
  /** Existing secrets each tenant may adopt from the built-in Secrets Manager. */
  importable?: Record<string, string[]>;
  /** Endpoint of STS and Secrets Manager (tests, private endpoints). */
  awsEndpoint?: string;
}

export interface TenantAccessConfig {
  roleArn: string;
  tableArn: string;
  tableKeyArn?: string;
  secretKeyArns?: string[];
  assumeRoleArns?: string[];
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw = parseInput(configSchema, env, 'env');
  if (raw.SECRETM_TENANT_ROLE_ARN && !(raw.SECRETM_STAGE && raw.SECRETM_TABLE_ARN)) {
    throw new ValidationError(
      'SECRETM_TENANT_ROLE_ARN needs SECRETM_STAGE and SECRETM_TABLE_ARN beside it (the CDK stack sets all three)',
    );
  }
  const tenantAccess: TenantAccessConfig | undefined =
    raw.SECRETM_TENANT_ROLE_ARN && raw.SECRETM_TABLE_ARN
      ? {
          roleArn: raw.SECRETM_TENANT_ROLE_ARN,
          tableArn: raw.SECRETM_TABLE_ARN,
          ...(raw.SECRETM_TABLE_KEY_ARN ? { tableKeyArn: raw.SECRETM_TABLE_KEY_ARN } : {}),
          ...(raw.SECRETM_SECRET_KEY_ARNS ? { secretKeyArns: raw.SECRETM_SECRET_KEY_ARNS } : {}),
          ...(raw.SECRETM_ASSUME_ROLE_ARNS ? { assumeRoleArns: raw.SECRETM_ASSUME_ROLE_ARNS } : {}),
        }
      : undefined;
  return Object.freeze({
    stage: raw.SECRETM_STAGE ?? 'local',
    ...(tenantAccess ? { tenantAccess } : {}),
    ...(raw.SECRETM_OPERATOR_ROLE_ARN ? { operatorRoleArn: raw.SECRETM_OPERATOR_ROLE_ARN } : {}),
    ...(raw.SECRETM_IMPORTABLE ? { importable: raw.SECRETM_IMPORTABLE } : {}),
    ...(raw.SECRETM_AWS_ENDPOINT ? { awsEndpoint: raw.SECRETM_AWS_ENDPOINT } : {}),
    mode: raw.SECRETM_MODE,
    tableName: raw.SECRETM_TABLE_NAME,
    region: raw.AWS_REGION,
    ...(raw.SECRETM_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: raw.SECRETM_DYNAMODB_ENDPOINT } : {}),
    ...(raw.SECRETM_LOCAL_VAULT_DIR ? { localVaultDir: raw.SECRETM_LOCAL_VAULT_DIR } : {}),
    defaultConnection: raw.SECRETM_DEFAULT_CONNECTION ?? (raw.SECRETM_MODE === 'local' ? 'local' : 'aws'),
    auditRetentionDays: raw.SECRETM_AUDIT_RETENTION_DAYS,
    jwtTenantClaim: raw.SECRETM_JWT_TENANT_CLAIM,
    ...(raw.SECRETM_JWT_RULES_CLAIM ? { jwtRulesClaim: raw.SECRETM_JWT_RULES_CLAIM } : {}),
    ...(raw.SECRETM_OPERATOR_KEY_SECRET ? { operatorKeySecret: raw.SECRETM_OPERATOR_KEY_SECRET } : {}),
    operatorTenant: raw.SECRETM_OPERATOR_TENANT,
    ...(raw.SECRETM_PRICES ? { prices: raw.SECRETM_PRICES } : {}),
    ...(raw.SECRETM_REPLICA_REGIONS ? { replicaRegions: raw.SECRETM_REPLICA_REGIONS.split(',') } : {}),
    ...(raw.SECRETM_ALLOWED_VAULTS ? { allowedVaults: raw.SECRETM_ALLOWED_VAULTS } : {}),
  });
}
