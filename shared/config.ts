/** Configuration, read from the environment once at cold start, validated, and frozen. */
import { z } from 'zod';
import { type VaultKind, vaultKinds } from './providers/provider.ts';
import { parseInput } from './validation/parse.ts';

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
  SECRETM_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  SECRETM_JWT_TENANT_CLAIM: z.string().default('tenant'),
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
  operatorKeySecret?: string;
  operatorTenant?: string;
  /** SECRETM_PRICES as given; validated when the price table is built. */
  prices?: string;
  /** Replica regions of the built-in `aws` connection's secrets. */
  replicaRegions?: string[];
  /** The vault kinds connections may be of; all when absent. */
  allowedVaults?: VaultKind[];
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw = parseInput(configSchema, env, 'env');
  return Object.freeze({
    mode: raw.SECRETM_MODE,
    tableName: raw.SECRETM_TABLE_NAME,
    region: raw.AWS_REGION,
    ...(raw.SECRETM_DYNAMODB_ENDPOINT ? { dynamodbEndpoint: raw.SECRETM_DYNAMODB_ENDPOINT } : {}),
    ...(raw.SECRETM_LOCAL_VAULT_DIR ? { localVaultDir: raw.SECRETM_LOCAL_VAULT_DIR } : {}),
    defaultConnection: raw.SECRETM_DEFAULT_CONNECTION ?? (raw.SECRETM_MODE === 'local' ? 'local' : 'aws'),
    auditRetentionDays: raw.SECRETM_AUDIT_RETENTION_DAYS,
    jwtTenantClaim: raw.SECRETM_JWT_TENANT_CLAIM,
    ...(raw.SECRETM_OPERATOR_KEY_SECRET ? { operatorKeySecret: raw.SECRETM_OPERATOR_KEY_SECRET } : {}),
    operatorTenant: raw.SECRETM_OPERATOR_TENANT,
    ...(raw.SECRETM_PRICES ? { prices: raw.SECRETM_PRICES } : {}),
    ...(raw.SECRETM_REPLICA_REGIONS ? { replicaRegions: raw.SECRETM_REPLICA_REGIONS.split(',') } : {}),
    ...(raw.SECRETM_ALLOWED_VAULTS ? { allowedVaults: raw.SECRETM_ALLOWED_VAULTS } : {}),
  });
}
