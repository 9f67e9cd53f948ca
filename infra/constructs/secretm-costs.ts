/**
 * The monthly cost roll-up: an EventBridge Scheduler schedule invokes the roll-up function
 * (functions/costs/rollup.ts) once a month, by default at 03:00 UTC on the 2nd, so usage counters an
 * instance flushes late still land in the month they belong to. The function keeps last month's cost
 * report of every tenant, and `GET /v1/costs` answers a finished month from it.
 *
 * Least privilege: the function reads the table and writes roll-up items only (no vault, no operator
 * key: it serves no API request); the schedule's role may only invoke that function.
 */
import { Duration, type RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { grantCostRollupTable } from './grants.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { scheduleTargetProps } from './schedules.ts';
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
  removalPolicy: RemovalPolicy;
}

/**
 * Lambda's longest: the roll-up visits every tenant in turn, with no caller waiting. A run cut short
 * is safe to repeat (a month's roll-up replaces the previous one), and Lambda retries it.
 */
export const costRollupTimeout = Duration.minutes(15);

export class SecretmCosts extends Construct {
  readonly rollup: SecretmFunction;
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the roll-up with. */
  readonly scheduleRole: iam.Role;

  constructor(scope: Construct, id: string, props: SecretmCostsProps) {
    super(scope, id);
    this.rollup = new SecretmFunction(this, 'Rollup', {
      entry: 'functions/costs/rollup.ts',
      description: `secretm ${props.stage}: rolls up last month's cost report of every tenant`,
      environment: props.environment,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      timeout: costRollupTimeout,
    });
    grantCostRollupTable(this.rollup.function, props.data);

    // Scheduler may assume the role only for this account's schedules (as CDK's own target roles).
    const stack = Stack.of(this);
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: `secretm ${props.stage}: lets the cost roll-up schedule invoke the roll-up function`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: {
          'aws:SourceAccount': stack.account,
          'aws:SourceArn': stack.formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      }),
    });
    // The target grants lambda:InvokeFunction on the function (and on its versions, `<arn>:*`).
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `secretm ${props.stage}: rolls up last month's cost reports`,
      schedule: scheduler.ScheduleExpression.expression(props.rollupSchedule, TimeZone.ETC_UTC),
      target: new schedulerTargets.LambdaInvoke(this.rollup.function, {
        ...scheduleTargetProps(),
        role: this.scheduleRole,
      }),
    });
    acknowledgeWildcardResource(
      this.scheduleRole,
      `${this.rollup.function.functionArn}:*`,
      'the schedule invokes this one function; the :* suffix covers its versions and aliases, which CDK grants with the function itself',
    );
  }
}
