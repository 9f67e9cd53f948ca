/**
 * The hourly audit digests: an EventBridge Scheduler schedule invokes the digest function
 * (functions/audit/digest.ts) every hour at 25 past, five minutes after the hour before has closed
 * (shared/audit/audit-seal.ts, digestGraceMs). The function writes, for every tenant, the digest of
 * each closed hour not digested yet, chained to the one before; `GET /v1/audit/verify` checks them.
 *
 * Least privilege: the function reads the tenant registry, every tenant's audit and digests, and every
 * tenant's audit key, and writes digests only — never an event (grants.ts, grantAuditDigests); no
 * tenant session, no operator key. The schedule's role may only invoke that function.
 */
import { Duration, type RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { grantAuditDigests, type TenantAccess } from './grants.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { scheduleTargetProps } from './schedules.ts';
import type { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';

export interface SecretmAuditProps {
  stage: string;
  data: SecretmData;
  /** The functions' environment (table name, audit retention). */
  environment: Record<string, string>;
  access: Pick<TenantAccess, 'stage' | 'replicaRegions' | 'kmsKeyArns'>;
  logRetention: RetentionDays;
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
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the digest function with. */
  readonly scheduleRole: iam.Role;

  constructor(scope: Construct, id: string, props: SecretmAuditProps) {
    super(scope, id);
    this.digester = new SecretmFunction(this, 'Digester', {
      entry: 'functions/audit/digest.ts',
      description: `secretm ${props.stage}: writes the hourly audit digest of every tenant, chained to the one before`,
      environment: { ...props.environment, SECRETM_STAGE: props.stage },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      timeout: auditDigestTimeout,
    });
    grantAuditDigests(this.digester.role, props.data, props.access);

    // Scheduler may assume the role only for this account's schedules (as CDK's own target roles).
    const stack = Stack.of(this);
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: `secretm ${props.stage}: lets the audit digest schedule invoke the digest function`,
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
      description: `secretm ${props.stage}: writes the hourly audit digests`,
      schedule: scheduler.ScheduleExpression.expression(auditDigestSchedule, TimeZone.ETC_UTC),
      target: new schedulerTargets.LambdaInvoke(this.digester.function, {
        ...scheduleTargetProps(),
        role: this.scheduleRole,
      }),
    });
    acknowledgeWildcardResource(
      this.scheduleRole,
      `${this.digester.function.functionArn}:*`,
      'the schedule invokes this one function; the :* suffix covers its versions and aliases, which CDK grants with the function itself',
    );
  }
}
