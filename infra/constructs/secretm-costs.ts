/**
 * The monthly cost roll-up: an EventBridge Scheduler schedule invokes the roll-up function
 * (functions/costs/rollup.ts) once a month, by default at 03:00 UTC on the 2nd, so usage counters an
 * instance flushes late still land in the month they belong to. The function keeps last month's cost
 * report of every tenant, and `GET /v1/costs` answers a finished month from it.
 *
 * Least privilege: the function reads the table and writes roll-up items only (no vault, no operator
 * key: it serves no API request); the schedule's role may only invoke that function. A run that fails
 * for good lands in its failure queue (FunctionSchedule).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { FailureQueue } from './failure-queue.ts';
import { FunctionSchedule } from './function-schedule.ts';
import { grantCostRollupTable } from './grants.ts';
import type { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';

export interface SecretmCostsProps {
  stage: string;
  data: SecretmData;
  /** The functions' environment (table name, audit retention, SECRETM_PRICES when configured). */
  environment: Record<string, string>;
  /** An EventBridge Scheduler expression, in UTC (config: `costs.rollupSchedule`). */
  rollupSchedule: string;
  logRetention: RetentionDays;
  /** Encrypts the log group and the failure queue (SecretmData.operationsKey). */
  operationsKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/**
 * Lambda's longest: the roll-up visits every tenant in turn, with no caller waiting. A run cut short
 * is safe to repeat (a month's roll-up replaces the previous one), and Lambda retries it.
 */
export const costRollupTimeout = Duration.minutes(15);

export class SecretmCosts extends Construct {
  readonly rollup: SecretmFunction;
  /** The monthly schedule, its role and the failure queue of runs that failed for good. */
  readonly run: FunctionSchedule;
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the roll-up with. */
  readonly scheduleRole: iam.Role;
  readonly failures: FailureQueue;

  constructor(scope: Construct, id: string, props: SecretmCostsProps) {
    super(scope, id);
    this.rollup = new SecretmFunction(this, 'Rollup', {
      entry: 'functions/costs/rollup.ts',
      description: `secretm ${props.stage}: rolls up last month's cost report of every tenant`,
      environment: props.environment,
      logRetention: props.logRetention,
      logEncryptionKey: props.operationsKey,
      removalPolicy: props.removalPolicy,
      timeout: costRollupTimeout,
    });
    grantCostRollupTable(this.rollup.function, props.data);

    this.run = new FunctionSchedule(this, 'Monthly', {
      target: this.rollup,
      expression: props.rollupSchedule,
      description: `secretm ${props.stage}: rolls up last month's cost reports`,
      encryptionKey: props.operationsKey,
    });
    this.schedule = this.run.schedule;
    this.scheduleRole = this.run.role;
    this.failures = this.run.failures;
  }
}
