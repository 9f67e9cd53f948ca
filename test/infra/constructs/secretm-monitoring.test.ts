/**
 * Alarms and the dashboard: each failure an operator must hear of has an alarm, every alarm notifies
 * the configured SNS topic (into ALARM and back to OK) or nothing, and failed rotations are counted
 * from the line the worker logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotationFailedMarker, rotationFailureLine } from '../../../functions/rotation/failure-log.ts';
import { alarmThresholds, metricNamespace } from '../../../infra/constructs/secretm-monitoring.ts';
import {
  fixtureLayerPath,
  logicalId,
  type Resource,
  resourcesOf,
  type Synthesized,
  synthesize,
} from '../synthesize.ts';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:secretm-alarms';

const alarmsByName = (synth: Synthesized) =>
  Object.fromEntries(
    Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')).map((alarm) => [
      alarm.Properties.AlarmName as string,
      alarm,
    ]),
  );

/** The metrics an alarm reads, by CloudWatch namespace and name, with their dimensions' logical ids. */
const metricsOf = (alarm: Resource) => {
  const single = alarm.Properties.MetricName
    ? [
        {
          Namespace: alarm.Properties.Namespace,
          MetricName: alarm.Properties.MetricName,
          Dimensions: alarm.Properties.Dimensions,
        },
      ]
    : [];
  const many = ((alarm.Properties.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[])
    .filter((query) => query.MetricStat)
    .map((query) => query.MetricStat!.Metric);
  return [...single, ...many] as {
    Namespace: string;
    MetricName: string;
    Dimensions?: { Value: unknown }[];
  }[];
};

describe('monitoring, API keys and no topic', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ stage: 'dev', layer: { assetPath: fixtureLayerPath } });
  });
  afterAll(() => synth?.dispose());

  it('has an alarm for API 5xx rate, throttles, rotation failures, failed runs, roll-up and audit digest failures and each failure queue', () => {
    expect(Object.keys(alarmsByName(synth)).sort()).toEqual(
      [
        'secretm-dev-api-5xx-rate',
        'secretm-dev-api-throttles',
        'secretm-dev-audit-digests-errors',
        'secretm-dev-audit-digests-failure-queue',
        'secretm-dev-cost-rollup-errors',
        'secretm-dev-cost-rollup-failure-queue',
        'secretm-dev-rotation-failure-queue',
        'secretm-dev-rotation-failures',
        'secretm-dev-rotation-runs-failed',
      ].sort(),
    );
    expect(synth.stack.secretm.monitoring.alarms).toHaveLength(9);
  });

  it('alarms on the share of 5xx answers of the API, not their count', () => {
    const alarm = alarmsByName(synth)['secretm-dev-api-5xx-rate']!;
    const api = logicalId(synth.stack, synth.stack.secretm.api.httpApi);

    expect(alarm.Properties).toMatchObject({
      Threshold: alarmThresholds.api5xxPercent,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    const expression = (alarm.Properties.Metrics as { Expression?: string }[]).find(
      (query) => query.Expression,
    );
    expect(expression?.Expression).toBe('IF(requests > 0, 100 * errors / requests, 0)');
    expect(
      metricsOf(alarm).map((metric) => [metric.Namespace, metric.MetricName, metric.Dimensions]),
    ).toEqual(
      expect.arrayContaining([
        ['AWS/ApiGateway', 'Count', [{ Name: 'ApiId', Value: { Ref: api } }]],
        ['AWS/ApiGateway', '5xx', [{ Name: 'ApiId', Value: { Ref: api } }]],
      ]),
    );
  });

  it('alarms on throttles of every API function, the console’s included', () => {
    const alarm = alarmsByName(synth)['secretm-dev-api-throttles']!;
    const functions = [
      ...Object.values(synth.stack.secretm.functions),
      synth.stack.secretm.console!.site.function,
    ].map((fn) => logicalId(synth.stack, fn.function));

    const throttled = metricsOf(alarm).filter((metric) => metric.MetricName === 'Throttles');
    expect(throttled.map((metric) => (metric.Dimensions![0]!.Value as { Ref: string }).Ref).sort()).toEqual(
      functions.sort(),
    );
    expect(alarm.Properties.Threshold).toBe(alarmThresholds.apiThrottles);
  });

  it('counts failed rotations from the worker line, whatever format Lambda wraps it in', () => {
    const worker = logicalId(synth.stack, synth.stack.secretm.rotation.worker.logGroup);
    const [filter, ...others] = Object.values(resourcesOf(synth.template, 'AWS::Logs::MetricFilter'));

    expect(others).toHaveLength(0);
    expect(filter?.Properties).toMatchObject({
      LogGroupName: { Ref: worker },
      FilterPattern: `"${rotationFailedMarker}"`,
      MetricTransformations: [
        { MetricNamespace: metricNamespace('dev'), MetricName: 'RotationFailures', MetricValue: '1' },
      ],
    });
    // The line is found as a term in the text Lambda writes, JSON log format (a string in a field) included.
    const line = rotationFailureLine(
      { tenant: 'acme', name: 'prod-db', code: 'provider_unavailable' },
      'r-1',
    );
    expect(line).toContain(rotationFailedMarker);
    expect(JSON.stringify({ level: 'WARN', message: line })).toContain(rotationFailedMarker);
    const alarm = alarmsByName(synth)['secretm-dev-rotation-failures']!;
    expect(metricsOf(alarm).map((metric) => [metric.Namespace, metric.MetricName])).toEqual([
      [metricNamespace('dev'), 'RotationFailures'],
    ]);
    expect(alarm.Properties.Threshold).toBe(alarmThresholds.rotationFailures);
  });

  it('alarms on failed, timed-out or aborted rotation runs, and on roll-up errors', () => {
    const alarms = alarmsByName(synth);
    const machine = logicalId(synth.stack, synth.stack.secretm.rotation.stateMachine);
    const rollup = logicalId(synth.stack, synth.stack.secretm.costs.rollup.function);

    expect(
      metricsOf(alarms['secretm-dev-rotation-runs-failed']!).map((metric) => [
        metric.MetricName,
        metric.Dimensions,
      ]),
    ).toEqual([
      ['ExecutionsFailed', [{ Name: 'StateMachineArn', Value: { Ref: machine } }]],
      ['ExecutionsTimedOut', [{ Name: 'StateMachineArn', Value: { Ref: machine } }]],
      ['ExecutionsAborted', [{ Name: 'StateMachineArn', Value: { Ref: machine } }]],
    ]);
    expect(metricsOf(alarms['secretm-dev-cost-rollup-errors']!)).toEqual([
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: rollup } }],
      },
    ]);
  });

  it('alarms as soon as a failure queue holds a message', () => {
    const alarms = alarmsByName(synth);
    for (const [name, failures] of [
      ['secretm-dev-rotation-failure-queue', synth.stack.secretm.rotation.failures],
      ['secretm-dev-cost-rollup-failure-queue', synth.stack.secretm.costs.failures],
    ] as const) {
      expect(alarms[name]!.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalId(synth.stack, failures.queue), 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('notifies nobody without a topic', () => {
    for (const alarm of Object.values(alarmsByName(synth))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });

  it('names the failure queues and the dashboard in the stack outputs', () => {
    const { secretm } = synth.stack;
    synth.template.hasOutput('RotationFailureQueueUrl', {
      Value: { Ref: logicalId(synth.stack, secretm.rotation.failures.queue) },
    });
    synth.template.hasOutput('CostRollupFailureQueueUrl', {
      Value: { Ref: logicalId(synth.stack, secretm.costs.failures.queue) },
    });
    synth.template.hasOutput('DashboardName', {
      Value: { Ref: logicalId(synth.stack, secretm.monitoring.dashboard) },
    });
  });

  it('draws one dashboard for the stage, with every alarm on it', () => {
    const dashboards = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe('secretm-dev');
    const body = JSON.stringify(synth.stack.resolve(dashboards[0]!.Properties.DashboardBody));
    for (const alarm of synth.stack.secretm.monitoring.alarms) {
      expect(body, alarm.node.id).toContain(logicalId(synth.stack, alarm));
    }
  });
});

describe('monitoring, JWT with the API-key endpoint, and a topic', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      stage: 'prod',
      layer: { assetPath: fixtureLayerPath },
      auth: { mode: 'jwt', issuer: 'https://issuer.example.com', audience: ['secretm'] },
      alarms: { topicArn },
    });
  });
  afterAll(() => synth?.dispose());

  it('alarms on the 5xx rate of each API', () => {
    const alarms = alarmsByName(synth);
    const apiKeyApi = logicalId(synth.stack, synth.stack.secretm.apiKeyApi!.httpApi);

    expect(Object.keys(alarms)).toEqual(
      expect.arrayContaining(['secretm-prod-api-5xx-rate', 'secretm-prod-api-key-api-5xx-rate']),
    );
    expect(
      metricsOf(alarms['secretm-prod-api-key-api-5xx-rate']!).map((metric) => metric.Dimensions),
    ).toEqual([
      [{ Name: 'ApiId', Value: { Ref: apiKeyApi } }],
      [{ Name: 'ApiId', Value: { Ref: apiKeyApi } }],
    ]);
  });

  it('notifies the topic of every alarm, into ALARM and back to OK', () => {
    const alarms = Object.values(alarmsByName(synth));
    expect(alarms).toHaveLength(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
      expect(alarm.Properties.OKActions).toEqual([topicArn]);
    }
  });

  it('leaves cdk-nag nothing to report', () => {
    expect(synth.violations).toEqual([]);
  });
});
