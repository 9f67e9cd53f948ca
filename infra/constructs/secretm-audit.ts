/**
 * The hourly audit digests: an EventBridge Scheduler schedule invokes the digest function
 * (functions/audit/digest.ts) every hour at 25 past, five minutes after the hour before has closed
 * (shared/audit/audit-seal.ts, digestGraceMs). The function writes, for every tenant, the digest of
 * each closed hour not digested yet, chained to the one before; `GET /v1/audit/verify` checks them.
 *
 * Least privilege: the function reads the tenant registry, every tenant's audit and digests, and every
 * tenant's audit key, and writes digests only — never an event (grants.ts, grantAuditDigests); no
 * tenant session, no operator key. The schedule's role may only invoke that function; a run that
 * fails for good lands in its failure queue (FunctionSchedule).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { FailureQueue } from './failure-queue.ts';
import { FunctionSchedule } from './function-schedule.ts';
import { grantAuditDigests, type TenantAccess } from './grants.ts';
import type { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';

export interface SecretmAuditProps {
  stage: string;
  data: SecretmData;
  /** The functions' environment (table name, audit retention). */
  environment: Record<string, string>;
  access: Pick<TenantAccess, 'stage' | 'replicaRegions' | 'kmsKeyArns'>;
  logRetention: RetentionDays;
  /** Encrypts the log group and the failure queue (SecretmData.operationsKey). */
  operationsKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/** Every hour at 25 past (UTC): an hour's digest can be written 20 minutes after it ends. */
export const auditDigestSchedule = 'cron(25 * * * ? *)';

/**
 * Lambda's longest: a run catching up (after an outage, or many tenants) stops a minute before it and
 * the next run goes on; it runs with no caller waiting.
 */
export const auditDigestTimeout = Duration.minutes(15);

export class SecretmAudit extends Construct {
  readonly digester: SecretmFunction;
  /** The hourly schedule, its role and the failure queue of runs that failed for good. */
  readonly run: FunctionSchedule;
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the digest function with. */
  readonly scheduleRole: iam.Role;
  readonly failures: FailureQueue;

  constructor(scope: Construct, id: string, props: SecretmAuditProps) {
    super(scope, id);
    this.digester = new SecretmFunction(this, 'Digester', {
      entry: 'functions/audit/digest.ts',
      description: `secretm ${props.stage}: writes the hourly audit digest of every tenant, chained to the one before`,
      environment: { ...props.environment, SECRETM_STAGE: props.stage },
      logRetention: props.logRetention,
      logEncryptionKey: props.operationsKey,
      removalPolicy: props.removalPolicy,
      timeout: auditDigestTimeout,
    });
    grantAuditDigests(this.digester.role, props.data, props.access);

    this.run = new FunctionSchedule(this, 'Hourly', {
      target: this.digester,
      expression: auditDigestSchedule,
      description: `secretm ${props.stage}: writes the hourly audit digests`,
      encryptionKey: props.operationsKey,
    });
    this.schedule = this.run.schedule;
    this.scheduleRole = this.run.role;
    this.failures = this.run.failures;
  }
}
