/**
 * Scheduled rotation: an EventBridge Scheduler schedule starts a state machine every few minutes,
 * whose first step (the dispatcher function) lists the due secrets from the index by next rotation
 * time, and whose Map state hands each to the worker function, a bounded number at once. The worker
 * takes the secret's rotation lock itself, so overlapping runs rotate each secret once.
 *
 * Least privilege: the dispatcher may only Query the rotation index (it lists due secrets of every
 * tenant, keys only); the worker has nothing of its own but assuming the tenant-access role
 * (granted where it is wired, secretm.ts): it rotates each secret on a session of that secret's
 * tenant, with the tenant's session policy. The state machine may only invoke the two functions and
 * send to the failure queue, the schedule only start the state machine.
 *
 * Failures: a rotation that fails is an outcome the worker records on the secret (and logs, for the
 * rotation-failure alarm); a worker that crashed or timed out is caught by the state machine, which
 * sends the secret's tenant and name with the error's type to the failure queue and goes on with the
 * others; a run Scheduler could not start lands in the same queue. SecretmMonitoring alarms on each.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { FailureQueue } from './failure-queue.ts';
import { grantRotationIndexRead } from './grants.ts';
import { acknowledge, acknowledgeWildcardResource } from './nag.ts';
import { schedulerPrincipal, scheduleTargetProps } from './schedules.ts';
import type { SecretmData } from './secretm-data.ts';
import { SecretmFunction } from './secretm-function.ts';

export interface SecretmRotationProps {
  stage: string;
  data: SecretmData;
  /** The functions' environment (table name, audit retention, default connection); secretm.ts adds the worker's tenancy. */
  environment: Record<string, string>;
  everyMinutes: number;
  perRun: number;
  concurrency: number;
  /** The schedule is created disabled when false (rotation on demand only). */
  enabled: boolean;
  logRetention: RetentionDays;
  /** Encrypts the log groups and the failure queue (SecretmData.operationsKey). */
  operationsKey: kms.IKey;
  removalPolicy: RemovalPolicy;
}

/** The worker's timeout: several vault and database calls of 10 s each, well under the rotation lock's 5 minutes. */
export const rotationWorkerTimeout = Duration.minutes(2);

export class SecretmRotation extends Construct {
  readonly dispatcher: SecretmFunction;
  readonly worker: SecretmFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  /** The role the schedule starts runs with. */
  readonly scheduleRole: iam.Role;
  /** Workers that crashed or timed out (tenant, name, error type), and runs Scheduler could not start. */
  readonly failures: FailureQueue;

  constructor(scope: Construct, id: string, props: SecretmRotationProps) {
    super(scope, id);
    const common = {
      environment: props.environment,
      logRetention: props.logRetention,
      logEncryptionKey: props.operationsKey,
      removalPolicy: props.removalPolicy,
    };
    this.failures = new FailureQueue(this, 'Failures', { encryptionKey: props.operationsKey });

    this.dispatcher = new SecretmFunction(this, 'Dispatcher', {
      ...common,
      entry: 'functions/rotation/dispatcher.ts',
      description: `secretm ${props.stage}: finds the secrets due for rotation`,
      timeout: Duration.minutes(1),
    });
    grantRotationIndexRead(this.dispatcher.function, props.data);

    this.worker = new SecretmFunction(this, 'Worker', {
      ...common,
      entry: 'functions/rotation/worker.ts',
      description: `secretm ${props.stage}: rotates one due secret`,
      timeout: rotationWorkerTimeout,
    });

    const findDue = new tasks.LambdaInvoke(this, 'FindDue', {
      lambdaFunction: this.dispatcher.function,
      payload: sfn.TaskInput.fromObject({ limit: props.perRun }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const rotateOne = new tasks.LambdaInvoke(this, 'RotateOne', {
      lambdaFunction: this.worker.function,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    // A worker that crashed or timed out is one secret's problem: its lock expires and a later run
    // resumes it. The run records it in the failure queue (the error's type only: its cause may hold a
    // stack trace) and goes on with the others. A queue that cannot take it fails the run, which alarms.
    const recordStopped = new tasks.SqsSendMessage(this, 'WorkerStopped', {
      queue: this.failures.queue,
      messageBody: sfn.TaskInput.fromObject({
        tenant: sfn.JsonPath.stringAt('$.tenant'),
        name: sfn.JsonPath.stringAt('$.name'),
        error: sfn.JsonPath.stringAt('$.error.Error'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    recordStopped.addRetry({ maxAttempts: 3 });
    rotateOne.addCatch(recordStopped, { resultPath: '$.error' });
    const rotateEach = new sfn.Map(this, 'RotateEach', {
      itemsPath: sfn.JsonPath.stringAt('$.due'),
      maxConcurrency: props.concurrency,
      resultPath: sfn.JsonPath.DISCARD,
    });
    rotateEach.itemProcessor(rotateOne);

    const executionLogs = new logs.LogGroup(this, 'RunLogs', {
      retention: props.logRetention,
      encryptionKey: props.operationsKey,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Runs', {
      comment: `secretm ${props.stage}: one run of scheduled rotation`,
      definitionBody: sfn.DefinitionBody.fromChainable(findDue.next(rotateEach)),
      timeout: Duration.minutes(30),
      // Events only: inputs and outputs name secrets and outcomes, never values, but are kept out anyway.
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledge(
      this.stateMachine,
      'AwsSolutions-SF2',
      'each run is two Lambda steps whose functions log their own outcome; the execution history and the ALL-level event log already trace a run, so X-Ray adds nothing but cost',
    );
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions delivers execution logs through CloudWatch Logs log deliveries, whose actions (CreateLogDelivery, DescribeLogGroups, PutResourcePolicy and the like) accept only *',
    );
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      "granted by CDK with the WorkerStopped step, on the failure queue's key only: SQS needs a data key of that key to take a message",
    );
    for (const fn of [this.dispatcher.function, this.worker.function]) {
      // CDK grants lambda:InvokeFunction on the function and on its versions (`<arn>:*`).
      acknowledgeWildcardResource(
        this.stateMachine.role,
        `${fn.functionArn}:*`,
        'the state machine invokes this one function; the :* suffix covers its versions and aliases, which CDK grants with the function itself',
      );
    }

    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: `secretm ${props.stage}: lets the rotation schedule start a run`,
      assumedBy: schedulerPrincipal(Stack.of(this)),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `secretm ${props.stage}: looks for secrets due for rotation`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(props.everyMinutes)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        ...scheduleTargetProps(),
        role: this.scheduleRole,
        deadLetterQueue: this.failures.queue,
      }),
      enabled: props.enabled,
    });
    // The target grants states:StartExecution and sqs:SendMessage; the queue's key is granted here.
    this.failures.grantSend(this.scheduleRole);
  }
}
