/**
 * What secretm's EventBridge Scheduler schedules share: the target's input, and how often Scheduler
 * retries a start that failed (throttling, a service error) before it gives up until the next run.
 * What happens after a successful start belongs to the target (the rotation state machine's catch,
 * Lambda's own retries of an asynchronous invocation).
 */
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';

export const scheduleRetryAttempts = 2;

export function scheduleTargetProps(input: Record<string, unknown> = {}): ScheduleTargetBaseProps {
  return { input: scheduler.ScheduleTargetInput.fromObject(input), retryAttempts: scheduleRetryAttempts };
}
