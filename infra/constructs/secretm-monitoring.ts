/**
 * What an operator watches: CloudWatch alarms on what must not happen unnoticed (the API answering
 * 5xx, functions throttled, rotations failing, scheduled runs failing, anything in a failure queue),
 * each notifying the configured SNS topic (config `alarms.topicArn`) when it goes into ALARM and back
 * to OK, and one dashboard. docs/deployment.md ("Alarms") lists them; `alarms` here is that list.
 *
 * A scheduled function (FunctionSchedule) is watched with `watchScheduled`: its errors and its failure
 * queue, on the dashboard and as alarms.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { rotationFailedMarker } from '../../functions/rotation/failure-log.ts';
import type { FailureQueue } from './failure-queue.ts';
import type { FunctionSchedule } from './function-schedule.ts';
import type { SecretmApi } from './secretm-api.ts';
import type { SecretmFunction } from './secretm-function.ts';
import type { SecretmRotation } from './secretm-rotation.ts';

export interface SecretmMonitoringProps {
  stage: string;
  /** The HTTP APIs (two in `jwt` mode with the API-key endpoint). */
  apis: SecretmApi[];
  /** The functions behind the API, by family. */
  apiFunctions: Record<string, SecretmFunction>;
  rotation: SecretmRotation;
  /** Every alarm notifies it, into ALARM and back to OK. */
  topicArn?: string;
}

/** Alarm thresholds, in one place (docs/deployment.md states them). */
export const alarmThresholds = {
  /** Percent of an API's requests answered 5xx in five minutes, in two of three periods. */
  api5xxPercent: 5,
  /** Throttled invocations of the API functions in five minutes. */
  apiThrottles: 1,
  /** Failed rotations (outcomes logged by the worker) in five minutes. */
  rotationFailures: 1,
  /** Rotation runs failed, timed out or aborted in five minutes. */
  rotationRunsFailed: 1,
  /** Errors of a scheduled function in five minutes (each attempt; Lambda retries twice). */
  scheduledErrors: 1,
  /** Messages waiting in a failure queue. */
  queuedFailures: 1,
} as const;

const period = Duration.minutes(5);

/** The CloudWatch namespace of the metrics a stage makes from its own logs: one per stage, so stages never add up. */
export const metricNamespace = (stage: string) => `secretm/${stage}`;

export class SecretmMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** Failed scheduled rotations, counted from the worker's log (functions/rotation/failure-log.ts). */
  readonly rotationFailures: cloudwatch.Metric;
  readonly #stage: string;
  readonly #topic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: SecretmMonitoringProps) {
    super(scope, id);
    this.#stage = props.stage;
    if (props.topicArn) this.#topic = sns.Topic.fromTopicArn(this, 'Topic', props.topicArn);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `secretm-${props.stage}`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# secretm ${props.stage}\nAlarms, the API, its functions, rotation and the scheduled runs. See docs/deployment.md, "Alarms".`,
        width: 24,
        height: 2,
      }),
    );

    // The API: the 5xx rate of each API, throttles of the functions behind it.
    const apiAlarms: cloudwatch.Alarm[] = [];
    for (const api of props.apis) {
      const requests = api.httpApi.metricCount({ period, statistic: 'Sum' });
      const errors = api.httpApi.metricServerError({ period, statistic: 'Sum' });
      const rate = new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors },
        period,
        label: `${api.node.id} 5xx %`,
      });
      apiAlarms.push(
        this.#alarm(`${api.node.id}5xxRate`, {
          name: `${api.node.id === 'Api' ? 'api' : 'api-key-api'}-5xx-rate`,
          description: `More than ${alarmThresholds.api5xxPercent}% of the ${api.node.id} requests answered 5xx, in two of three 5-minute periods: look at the functions' logs (errors by request id) and the vaults' health.`,
          metric: rate,
          threshold: alarmThresholds.api5xxPercent,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
        }),
      );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${api.node.id}: requests, 4xx, 5xx`,
          left: [requests, api.httpApi.metricClientError({ period, statistic: 'Sum' }), errors],
          right: [rate],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: `${api.node.id}: latency`,
          left: ['p50', 'p90', 'p99'].map((statistic) => api.httpApi.metricLatency({ period, statistic })),
          width: 12,
        }),
      );
    }

    const families = Object.entries(props.apiFunctions);
    const throttleMetrics = Object.fromEntries(
      families.map(([family, fn], i) => [
        `t${i}`,
        fn.function.metricThrottles({ period, statistic: 'Sum', label: family }),
      ]),
    );
    apiAlarms.push(
      this.#alarm('ApiThrottles', {
        name: 'api-throttles',
        description:
          'API functions were throttled: a family reached its reserved concurrency (api.reservedConcurrency) or the account its concurrency limit; callers got 5xx or waited.',
        metric: new cloudwatch.MathExpression({
          expression: Object.keys(throttleMetrics).join(' + '),
          usingMetrics: throttleMetrics,
          period,
          label: 'API function throttles',
        }),
        threshold: alarmThresholds.apiThrottles,
      }),
    );
    const fnGraph = (title: string, metric: (fn: SecretmFunction, label: string) => cloudwatch.IMetric) =>
      new cloudwatch.GraphWidget({
        title,
        left: families.map(([family, fn]) => metric(fn, family)),
        width: 6,
      });
    this.dashboard.addWidgets(
      fnGraph('API functions: errors', (fn, label) =>
        fn.function.metricErrors({ period, statistic: 'Sum', label }),
      ),
      fnGraph('API functions: throttles', (fn, label) =>
        fn.function.metricThrottles({ period, statistic: 'Sum', label }),
      ),
      fnGraph('API functions: concurrency', (fn, label) =>
        fn.function.metric('ConcurrentExecutions', { period, statistic: 'Maximum', label }),
      ),
      fnGraph('API functions: duration p99', (fn, label) =>
        fn.function.metricDuration({ period, statistic: 'p99', label }),
      ),
    );

    // Rotation: failed rotations (logged by the worker), failed runs, and the failure queue.
    const rotation = props.rotation;
    new logs.MetricFilter(this, 'RotationFailuresFilter', {
      logGroup: rotation.worker.logGroup,
      filterPattern: logs.FilterPattern.literal(`"${rotationFailedMarker}"`),
      metricNamespace: metricNamespace(props.stage),
      metricName: 'RotationFailures',
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
    });
    this.rotationFailures = new cloudwatch.Metric({
      namespace: metricNamespace(props.stage),
      metricName: 'RotationFailures',
      period,
      statistic: 'Sum',
      label: 'failed rotations',
    });
    const runsFailed = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: rotation.stateMachine.metricFailed({ period, statistic: 'Sum' }),
        timedOut: rotation.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
        aborted: rotation.stateMachine.metricAborted({ period, statistic: 'Sum' }),
      },
      period,
      label: 'runs failed, timed out or aborted',
    });
    const rotationAlarms = [
      this.#alarm('RotationFailures', {
        name: 'rotation-failures',
        description:
          'A scheduled rotation failed: the old value stays current. GET /v1/secrets/{name} shows rotationState.lastError; the worker log line "secretm.rotation.failed" names the tenant, the secret and the error code.',
        metric: this.rotationFailures,
        threshold: alarmThresholds.rotationFailures,
      }),
      this.#alarm('RotationRunsFailed', {
        name: 'rotation-runs-failed',
        description:
          'A rotation run (the state machine) failed, timed out or was aborted: the dispatcher could not list due secrets, or a crashed worker could not be recorded. See the state machine execution history.',
        metric: runsFailed,
        threshold: alarmThresholds.rotationRunsFailed,
      }),
      this.#queueAlarm('RotationFailureQueue', 'rotation-failure-queue', rotation.failures, 'rotation'),
    ];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rotation: failed rotations',
        left: [this.rotationFailures],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rotation: runs',
        left: [
          rotation.stateMachine.metricStarted({ period, statistic: 'Sum' }),
          rotation.stateMachine.metricSucceeded({ period, statistic: 'Sum' }),
          runsFailed,
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rotation: worker',
        left: [
          rotation.worker.function.metricInvocations({ period, statistic: 'Sum' }),
          rotation.worker.function.metricErrors({ period, statistic: 'Sum' }),
        ],
        right: [rotation.worker.function.metricDuration({ period, statistic: 'p99' })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Rotation: failure queue',
        left: [
          rotation.failures.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        ],
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'API and rotation alarms',
        alarms: [...apiAlarms, ...rotationAlarms],
        width: 24,
      }),
    );
  }

  /**
   * Watches a scheduled function: an alarm on its errors (each failed attempt) and one on its failure
   * queue (a run that failed for good), a row on the dashboard.
   */
  watchScheduled(id: string, name: string, scheduled: FunctionSchedule): void {
    const fn = scheduled.target.function;
    const errors = fn.metricErrors({ period, statistic: 'Sum' });
    const alarms = [
      this.#alarm(`${id}Errors`, {
        name: `${name}-errors`,
        description: `The ${name} function failed a run (Lambda retries it twice; what still fails lands in its failure queue). See its log group.`,
        metric: errors,
        threshold: alarmThresholds.scheduledErrors,
      }),
      this.#queueAlarm(`${id}FailureQueue`, `${name}-failure-queue`, scheduled.failures, name),
    ];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${name}: runs`,
        left: [fn.metricInvocations({ period, statistic: 'Sum' }), errors],
        right: [fn.metricDuration({ period, statistic: 'Maximum' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: failure queue`,
        left: [
          scheduled.failures.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        ],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: `${name} alarms`, alarms, width: 8 }),
    );
  }

  #queueAlarm(id: string, name: string, failures: FailureQueue, what: string): cloudwatch.Alarm {
    return this.#alarm(id, {
      name,
      description: `A ${what} run failed for good and waits in its failure queue (kept 14 days): read the message for its input and error, fix the cause, then run it again.`,
      metric: failures.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: alarmThresholds.queuedFailures,
    });
  }

  #alarm(
    id: string,
    options: {
      name: string;
      description: string;
      metric: cloudwatch.IMetric;
      threshold: number;
      comparisonOperator?: cloudwatch.ComparisonOperator;
      evaluationPeriods?: number;
      datapointsToAlarm?: number;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `secretm-${this.#stage}-${options.name}`,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      comparisonOperator:
        options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods ?? 1,
      // No data is no failure: no requests, no rotations due, an empty queue that stopped reporting.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (this.#topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.#topic));
      alarm.addOkAction(new actions.SnsAction(this.#topic));
    }
    this.alarms.push(alarm);
    return alarm;
  }
}
