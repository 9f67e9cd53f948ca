/**
 * The layout migration in AWS: one function (functions/migrations/tenant-layout.ts) that moves data
 * written before tenant isolation to the per-tenant layout, on its own narrow role (grants.ts,
 * grantLayoutMigration): the whole table, and secretm's secrets in both layouts. It is cross-tenant by
 * nature, so nothing invokes it but the operator, after a deploy (`aws lambda invoke`, see
 * docs/deployment.md): no schedule, no API route, no resource policy.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantLayoutMigration, type TenantAccess } from './grants.ts';
import type { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';

export interface SecretmLayoutMigrationProps {
  stage: string;
  data: SecretmData;
  /** The functions' environment (table name, audit retention, replica regions). */
  environment: Record<string, string>;
  access: Pick<TenantAccess, 'stage' | 'replicaRegions' | 'kmsKeyArns'>;
  /** Whether Secrets Manager is an allowed vault (without it the migration moves table items only). */
  secretsManager: boolean;
  logRetention: RetentionDays;
  /** Encrypts the log group (SecretmData.operationsKey). */
  operationsKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/** Lambda's longest: a run stops starting work a minute before it (reserveMs) and says it is not done. */
export const layoutMigrationTimeout = Duration.minutes(15);

export class SecretmLayoutMigration extends Construct {
  readonly migrator: SecretmFunction;

  constructor(scope: Construct, id: string, props: SecretmLayoutMigrationProps) {
    super(scope, id);
    this.migrator = new SecretmFunction(this, 'Migrator', {
      entry: 'functions/migrations/tenant-layout.ts',
      description: `secretm ${props.stage}: moves data written before tenant isolation to the per-tenant layout (invoked by the operator only)`,
      environment: { ...props.environment, SECRETM_STAGE: props.stage },
      logRetention: props.logRetention,
      logEncryptionKey: props.operationsKey,
      removalPolicy: props.removalPolicy,
      timeout: layoutMigrationTimeout,
    });
    grantLayoutMigration(this.migrator.role, props.data, props.access, props.secretsManager);
  }
}
