/**
 * What secretm's EventBridge Scheduler schedules share: the target's input, how often Scheduler
 * retries a start that failed (throttling, a service error) before it sends the start to the target's
 * failure queue, and who may assume a schedule's role. What happens after a successful start belongs
 * to the target (the rotation state machine's catch, Lambda's own retries of an asynchronous invocation).
 */
import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';

export const scheduleRetryAttempts = 2;

export function scheduleTargetProps(input: Record<string, unknown> = {}): ScheduleTargetBaseProps {
  return { input: scheduler.ScheduleTargetInput.fromObject(input), retryAttempts: scheduleRetryAttempts };
}

/** Scheduler, for this account's schedules in the default group only (as CDK's own target roles). */
export function schedulerPrincipal(stack: Stack): iam.IPrincipal {
  return new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
    StringEquals: {
      'aws:SourceAccount': stack.account,
      'aws:SourceArn': stack.formatArn({
        service: 'scheduler',
        resource: 'schedule-group',
        resourceName: 'default',
      }),
    },
  });
}
