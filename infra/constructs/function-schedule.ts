/**
 * How any scheduled function of secretm is run, so none is left without a failure path: an EventBridge
 * Scheduler schedule invokes the function (asynchronously) with a role that may only invoke it; what
 * Scheduler cannot start after its retries, and what the function still fails after Lambda's two
 * retries, lands in one failure queue, which the monitoring alarms on (SecretmMonitoring.watchScheduled).
 *
 * Used by the cost roll-up (secretm-costs.ts); a new scheduled function makes its SecretmFunction and
 * one FunctionSchedule beside it.
 */
import { Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { FailureQueue } from './failure-queue.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { schedulerPrincipal, scheduleTargetProps } from './schedules.ts';
import type { SecretmFunction } from './secretm-function.ts';

export interface FunctionScheduleProps {
  /** The function the schedule invokes. */
  target: SecretmFunction;
  /** An EventBridge Scheduler expression (`rate(…)` or `cron(…)`), evaluated in UTC. */
  expression: string;
  description: string;
  /** The function's input on each run; `{}` by default. */
  input?: Record<string, unknown>;
  /** Encrypts the failure queue (SecretmData.operationsKey). */
  encryptionKey: kms.IKey;
}

export class FunctionSchedule extends Construct {
  readonly schedule: scheduler.Schedule;
  /** The role the schedule invokes the function with. */
  readonly role: iam.Role;
  /** Runs that failed for good: Scheduler could not start them, or the function failed them three times. */
  readonly failures: FailureQueue;
  /** The function it runs. */
  readonly target: SecretmFunction;

  constructor(scope: Construct, id: string, props: FunctionScheduleProps) {
    super(scope, id);
    this.target = props.target;
    this.failures = new FailureQueue(this, 'Failures', { encryptionKey: props.encryptionKey });
    props.target.sendFailuresTo(this.failures);

    this.role = new iam.Role(this, 'Role', {
      description: `${props.description}: invokes that function only`,
      assumedBy: schedulerPrincipal(Stack.of(this)),
    });
    // The target grants lambda:InvokeFunction on the function (and on its versions, `<arn>:*`), and
    // sqs:SendMessage on the failure queue; the queue's key is granted here.
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: props.description,
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.ETC_UTC),
      target: new schedulerTargets.LambdaInvoke(props.target.function, {
        ...scheduleTargetProps(props.input),
        role: this.role,
        deadLetterQueue: this.failures.queue,
      }),
    });
    this.failures.grantSend(this.role);
    acknowledgeWildcardResource(
      this.role,
      `${props.target.function.functionArn}:*`,
      'the schedule invokes this one function; the :* suffix covers its versions and aliases, which CDK grants with the function itself',
    );
  }
}
