/**
 * Scheduled functions and their failures: the schedule invokes the function with a role that may do
 * nothing else; what Scheduler cannot start, and what the function still fails after Lambda's retries,
 * lands in one encrypted failure queue, alarmed on. The cost roll-up and the audit digests use it, and so can any new
 * scheduled function, with nothing more than a FunctionSchedule beside its SecretmFunction.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureRetention } from '../../../infra/constructs/failure-queue.ts';
import { FunctionSchedule } from '../../../infra/constructs/function-schedule.ts';
import { scheduleRetryAttempts } from '../../../infra/constructs/schedules.ts';
import {
  asyncMaxEventAge,
  asyncRetryAttempts,
  SecretmFunction,
} from '../../../infra/constructs/secretm-function.ts';
import {
  actionsOf,
  asArray,
  fixtureLayerPath,
  logicalId,
  resolved,
  resourcesOf,
  type Statement,
  type Synthesized,
  statementsOf,
  statementsOfRole,
  synthesize,
} from '../synthesize.ts';

describe('a scheduled function', () => {
  let synth: Synthesized;
  let digest: FunctionSchedule;
  beforeAll(() => {
    synth = synthesize(
      { layer: { assetPath: fixtureLayerPath } },
      {
        // A scheduled function added the way a new one would be (here standing in for a weekly digest).
        extend: (stack) => {
          const { secretm } = stack;
          const fn = new SecretmFunction(stack, 'Digest', {
            entry: 'functions/costs/rollup.ts',
            description: 'a weekly digest',
            environment: {},
            logRetention: RetentionDays.ONE_MONTH,
            logEncryptionKey: secretm.data.operationsKey,
            removalPolicy: RemovalPolicy.DESTROY,
          });
          digest = new FunctionSchedule(stack, 'DigestSchedule', {
            target: fn,
            expression: 'cron(0 6 ? * MON *)',
            description: 'sends the weekly digest',
            input: { period: 'week' },
            encryptionKey: secretm.data.operationsKey,
          });
          secretm.monitoring.watchScheduled('Digest', 'digest', digest);
        },
      },
    );
  });
  afterAll(() => synth?.dispose());

  const cases = () => [
    { name: 'the cost roll-up', run: synth.stack.secretm.costs.run },
    { name: 'the audit digests', run: synth.stack.secretm.audit.run },
    { name: 'a new scheduled function', run: digest },
  ];
  const id = (construct: unknown) => logicalId(synth.stack, construct as never);
  const operationsKey = () => id(synth.stack.secretm.data.operationsKey);

  it('sends what the function still fails after two retries to its failure queue, as its dead-letter queue', () => {
    for (const { name, run } of cases()) {
      const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[id(run.target.function)]!;
      expect(fn.Properties.DeadLetterConfig, name).toEqual({
        TargetArn: { 'Fn::GetAtt': [id(run.failures.queue), 'Arn'] },
      });
      synth.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: id(run.target.function) },
        MaximumRetryAttempts: asyncRetryAttempts,
        MaximumEventAgeInSeconds: asyncMaxEventAge.toSeconds(),
      });
    }
  });

  it('sends what Scheduler cannot start to the same queue, after its retries', () => {
    for (const { name, run } of cases()) {
      const schedule = resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[id(run.schedule)]!;
      expect(schedule.Properties.Target, name).toMatchObject({
        Arn: { 'Fn::GetAtt': [id(run.target.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [id(run.role), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(run.failures.queue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: scheduleRetryAttempts },
      });
    }
    const digestSchedule = resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[id(digest.schedule)]!;
    expect(digestSchedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 6 ? * MON *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: { Input: JSON.stringify({ period: 'week' }) },
    });
  });

  it('keeps failures 14 days in a queue encrypted with the operations key, over TLS only', () => {
    for (const { name, run } of cases()) {
      const queue = resourcesOf(synth.template, 'AWS::SQS::Queue')[id(run.failures.queue)]!;
      expect(queue.Properties, name).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [operationsKey(), 'Arn'] },
        MessageRetentionPeriod: failureRetention.toSeconds(),
      });
      synth.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(run.failures.queue) }],
        PolicyDocument: {
          Statement: [
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      });
    }
  });

  it('lets the function and the schedule send to their queue, and use of its key only a data key and decrypt', () => {
    const byPolicy = statementsOf(synth.template);
    for (const { name, run } of cases()) {
      for (const role of [run.target.role, run.role]) {
        const roleId = id(role);
        const policies = Object.entries(resourcesOf(synth.template, 'AWS::IAM::Policy'))
          .filter(([, policy]) =>
            (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId),
          )
          .map(([policyId]) => policyId);
        const statements: Statement[] = byPolicy
          .filter((entry) => policies.includes(entry.policy))
          .map((entry) => entry.statement);
        const onQueue = statements.filter((statement) =>
          JSON.stringify(statement.Resource).includes(id(run.failures.queue)),
        );
        const onKey = statements.filter((statement) =>
          JSON.stringify(statement.Resource).includes(operationsKey()),
        );

        expect(
          onQueue.flatMap((statement) => asArray(statement.Action)),
          `${name}: ${roleId}`,
        ).toEqual(['sqs:SendMessage']);
        expect(onKey.flatMap((statement) => asArray(statement.Action)).sort(), `${name}: ${roleId}`).toEqual([
          'kms:Decrypt',
          'kms:GenerateDataKey',
        ]);
      }
      const scheduleActions = byPolicy
        .filter((entry) => JSON.stringify(entry.statement).includes('lambda:InvokeFunction'))
        .filter((entry) => JSON.stringify(entry.statement.Resource).includes(id(run.target.function)));
      expect(scheduleActions.length, name).toBeGreaterThan(0);
    }
  });

  it('lets each schedule’s role, assumed by Scheduler for this account only, invoke its function and send to its failure queue, nothing else', () => {
    for (const { name, run } of cases()) {
      const statements = statementsOfRole(synth, run.role);
      const resourcesOfAction = (action: string) =>
        new Set(
          statements
            .filter((statement) => asArray(statement.Action).includes(action))
            .flatMap((statement) => asArray(statement.Resource))
            .map((resource) => JSON.stringify(resource)),
        );
      const fn = run.target.function;

      expect(actionsOf(statements), name).toEqual([
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'lambda:InvokeFunction',
        'sqs:SendMessage',
      ]);
      expect(resourcesOfAction('lambda:InvokeFunction'), name).toEqual(
        new Set([resolved(synth, fn.functionArn), resolved(synth, `${fn.functionArn}:*`)]),
      );
      expect(resourcesOfAction('sqs:SendMessage'), name).toEqual(
        new Set([resolved(synth, run.failures.queue.queueArn)]),
      );
      expect(resourcesOfAction('kms:GenerateDataKey'), name).toEqual(
        new Set([resolved(synth, synth.stack.secretm.data.operationsKey.keyArn)]),
      );
      const role = resourcesOf(synth.template, 'AWS::IAM::Role')[id(run.role)]!;
      expect(role.Properties.AssumeRolePolicyDocument, name).toMatchObject({
        Statement: [
          {
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      });
    }
  });

  it('is alarmed on and drawn, errors and queue alike', () => {
    const names = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties.AlarmName,
    );
    expect(names).toEqual(
      expect.arrayContaining(['secretm-dev-digest-errors', 'secretm-dev-digest-failure-queue']),
    );
  });

  it('leaves cdk-nag nothing to report', () => {
    expect(synth.violations).toEqual([]);
  });
});
