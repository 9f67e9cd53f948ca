/**
 * Scheduled rotation in the CDK app: schedule → state machine → dispatcher → worker per due secret,
 * each with the least it needs.
 */

import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotationWorkerTimeout } from '../../../infra/constructs/secretm-rotation.ts';
import {
  actionsOf,
  asArray,
  fixtureLayerPath,
  logicalId,
  resolved,
  resourcesOf,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from '../synthesize.ts';

const crossAccountRole = 'arn:aws:iam::210987654321:role/secretm-reader';

const statementsOfFunction = (synth: Synthesized, fn: lambda.Function) => statementsOfRole(synth, fn.role);
const rotationSchedule = (synth: Synthesized) =>
  resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[
    logicalId(synth.stack, synth.stack.secretm.rotation.schedule)
  ]!;

describe('scheduled rotation', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      layer: { assetPath: fixtureLayerPath },
      rotation: { everyMinutes: 10, perRun: 200, concurrency: 4 },
      vaults: {
        awsSecretsManager: { assumeRoleArns: [crossAccountRole], importable: { acme: ['legacy/*'] } },
      },
    });
  });
  afterAll(() => synth.dispose());

  it('starts the state machine on the configured rate, with a schedule allowed only to start it and record what it cannot start', () => {
    const { rotation } = synth.stack.secretm;
    const schedule = rotationSchedule(synth);

    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Target: { Arn: { Ref: logicalId(synth.stack, rotation.stateMachine) } },
    });
    const roleArn = (schedule.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn;
    const roleStatements = Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleArn['Fn::GetAtt'][0]),
      )
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const onResource = (resource: string) =>
      actionsOf(
        roleStatements.filter((statement) => JSON.stringify(asArray(statement.Resource)).includes(resource)),
      );
    expect(actionsOf(roleStatements)).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:SendMessage',
      'states:StartExecution',
    ]);
    expect(onResource(logicalId(synth.stack, rotation.stateMachine))).toEqual(['states:StartExecution']);
    expect(onResource(logicalId(synth.stack, rotation.failures.queue))).toEqual(['sqs:SendMessage']);
    expect(onResource(logicalId(synth.stack, synth.stack.secretm.data.operationsKey))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(schedule.Properties.Target).toMatchObject({
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(synth.stack, rotation.failures.queue), 'Arn'] } },
    });
  });

  it('runs the dispatcher with the per-run bound, then the worker on each due secret, a few at a time, catching a stopped worker', () => {
    const { rotation } = synth.stack.secretm;
    const machine = resourcesOf(synth.template, 'AWS::StepFunctions::StateMachine')[
      logicalId(synth.stack, rotation.stateMachine)
    ]!;
    const definition = JSON.parse(
      (machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
        .map((part) => (typeof part === 'string' ? part : 'ARN'))
        .join(''),
    );

    expect(definition.StartAt).toBe('FindDue');
    expect(definition.States.FindDue).toMatchObject({
      Type: 'Task',
      Parameters: { limit: 200 },
      Next: 'RotateEach',
    });
    expect(definition.States.RotateEach).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.due',
      MaxConcurrency: 4,
    });
    const worker = definition.States.RotateEach.ItemProcessor.States.RotateOne;
    expect(worker.Type).toBe('Task');
    expect(worker.Parameters).toBeUndefined();
    expect(worker.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'WorkerStopped' },
    ]);
    // A stopped worker is recorded in the failure queue by tenant, name and error type (never the
    // cause, which may hold a stack trace), retried, and the run goes on.
    const stopped = definition.States.RotateEach.ItemProcessor.States.WorkerStopped;
    expect(stopped).toMatchObject({
      Type: 'Task',
      Resource: 'arn:ARN:states:::sqs:sendMessage',
      Parameters: {
        QueueUrl: 'ARN',
        MessageBody: { 'tenant.$': '$.tenant', 'name.$': '$.name', 'error.$': '$.error.Error' },
      },
      ResultPath: null,
      End: true,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 3 }],
    });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
  });

  it('lets the state machine invoke the dispatcher and the worker, and no other function', () => {
    const { rotation } = synth.stack.secretm;
    const invokes = statementsOfRole(synth, rotation.stateMachine.role).filter((statement) =>
      asArray(statement.Action).includes('lambda:InvokeFunction'),
    );
    const targets = invokes
      .flatMap((statement) => asArray(statement.Resource))
      .map((resource) => JSON.stringify(resource));

    const allowed = [rotation.dispatcher.function, rotation.worker.function].flatMap((fn) => [
      resolved(synth, fn.functionArn),
      resolved(synth, `${fn.functionArn}:*`),
    ]);
    expect(new Set(targets)).toEqual(new Set(allowed));
  });

  it('lets the dispatcher query the rotation index and nothing else of the table', () => {
    const statements = statementsOfFunction(synth, synth.stack.secretm.rotation.dispatcher.function);
    const table = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
    );

    expect(actionsOf(statements)).toEqual([
      'dynamodb:Query',
      'kms:Decrypt',
      'kms:DescribeKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(JSON.stringify(table.flatMap((statement) => asArray(statement.Resource)))).toContain(
      '/index/gsi1',
    );
  });

  it('lets the worker assume the tenant-access role and nothing else: it rotates on tenant sessions', () => {
    const { rotation, tenantAccess } = synth.stack.secretm;
    const statements = statementsOfFunction(synth, rotation.worker.function);

    // No table, Secrets Manager or KMS action of its own; the connections' roles are assumed from the
    // tenant session (the tenant-access role may assume them), not by the worker itself.
    expect(actionsOf(statements)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'sts:AssumeRole']);
    const assume = statements.filter((statement) => asArray(statement.Action).includes('sts:AssumeRole'));
    expect(assume.flatMap((statement) => asArray(statement.Resource)).map((r) => JSON.stringify(r))).toEqual([
      resolved(synth, tenantAccess.role.roleArn),
    ]);
    expect(JSON.stringify(statements)).not.toContain(crossAccountRole);
  });

  it('gives the worker a timeout under the rotation lock’s five minutes, and the rotation functions no operator key', () => {
    const { rotation } = synth.stack.secretm;
    const functions = resourcesOf(synth.template, 'AWS::Lambda::Function');
    const worker = functions[logicalId(synth.stack, rotation.worker.function)]!;
    const dispatcher = functions[logicalId(synth.stack, rotation.dispatcher.function)]!;

    expect(worker.Properties.Timeout).toBe(rotationWorkerTimeout.toSeconds());
    expect(rotationWorkerTimeout.toSeconds()).toBeLessThan(300);
    for (const fn of [worker, dispatcher]) {
      expect(fn.Properties.Environment).toMatchObject({
        Variables: { SECRETM_TABLE_NAME: expect.anything() },
      });
      expect(JSON.stringify(fn.Properties.Environment)).not.toContain('SECRETM_OPERATOR_KEY_SECRET');
    }
  });
});

describe('scheduled rotation turned off', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, rotation: { enabled: false } });
  });
  afterAll(() => synth.dispose());

  it('keeps the schedule, disabled, so rotation runs on demand only', () => {
    expect(rotationSchedule(synth).Properties.State).toBe('DISABLED');
  });
});
