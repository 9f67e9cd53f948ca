/**
 * The monthly cost roll-up in the CDK app: a schedule that may only invoke the roll-up function, and a
 * function that reads the table and writes roll-up items, with no vault access; the configured prices
 * reach the functions that build cost reports.
 */

import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { costRollupTimeout } from '../../../infra/constructs/secretm-costs.ts';
import { dollars } from '../../../shared/costs/money.ts';
import { defaultPrices, priceTable } from '../../../shared/costs/prices.ts';
import {
  actionsOf,
  asArray,
  fixtureLayerPath,
  logicalId,
  resolved,
  resourcesOf,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from '../synthesize.ts';

const prices = {
  'aws-secrets-manager': { secretMonth: '0.40', callBlock: '0.05' },
  'hashicorp-vault': { secretMonth: '0.10', callsPerBlock: 1000 },
};

const functionResource = (synth: Synthesized, fn: lambda.Function) =>
  resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack, fn)]!;
const variablesOf = (synth: Synthesized, fn: lambda.Function) =>
  (functionResource(synth, fn).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('the cost roll-up, with prices configured', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, costs: { prices } });
  });
  afterAll(() => synth?.dispose());

  it('invokes the roll-up function at 03:00 UTC on the 2nd of each month, retrying a failed start', () => {
    const { costs } = synth.stack.secretm;
    const schedule = resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[
      logicalId(synth.stack, costs.schedule)
    ]!;

    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 3 2 * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(synth.stack, costs.rollup.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalId(synth.stack, costs.scheduleRole), 'Arn'] },
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 2 },
      },
    });
  });

  it('runs the roll-up on nodejs24.x and arm64, with its own log group and a batch job’s timeout', () => {
    const { rollup } = synth.stack.secretm.costs;
    const fn = functionResource(synth, rollup.function);

    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: costRollupTimeout.toSeconds(),
      LoggingConfig: { LogGroup: { Ref: logicalId(synth.stack, rollup.logGroup) } },
    });
    expect(
      resourcesOf(synth.template, 'AWS::Logs::LogGroup')[logicalId(synth.stack, rollup.logGroup)]?.Properties
        .RetentionInDays,
    ).toBe(90);
  });

  it('gives the roll-up no vault access and no operator key', () => {
    const { rollup } = synth.stack.secretm.costs;
    const actions = actionsOf(statementsOfRole(synth, rollup.function.role));

    expect(actions.filter((action) => /^(secretsmanager|sts|lambda):/.test(action))).toEqual([]);
    expect(variablesOf(synth, rollup.function).SECRETM_OPERATOR_KEY_SECRET).toBeUndefined();
  });

  it('lets the roll-up read the table and write roll-up items only: no index, no Update, Delete or Scan', () => {
    const { costs, data } = synth.stack.secretm;
    const table = statementsOfRole(synth, costs.rollup.function.role).filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
    );

    expect(actionsOf(table)).toEqual([
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    for (const statement of table) {
      expect(JSON.stringify(statement.Resource)).toBe(resolved(synth, data.table.tableArn));
    }
    const writes = table.filter((statement) => actionsOf([statement]).includes('dynamodb:PutItem'));
    expect(writes.map((statement) => statement.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#R#*'] } },
    ]);
    expect(actionsOf(writes)).toEqual(['dynamodb:BatchWriteItem', 'dynamodb:PutItem']);
  });

  it('hands SECRETM_PRICES to the functions that build cost reports, and to no other', () => {
    const { functions, costs, rotation } = synth.stack.secretm;
    const expected = JSON.stringify(prices);

    expect(variablesOf(synth, functions.costs.function).SECRETM_PRICES).toBe(expected);
    expect(variablesOf(synth, costs.rollup.function).SECRETM_PRICES).toBe(expected);
    const others = [
      ...(Object.keys(functions) as RouteFamily[])
        .filter((family) => family !== 'costs')
        .map((family) => functions[family].function),
      rotation.dispatcher.function,
      rotation.worker.function,
    ];
    for (const fn of others) expect(variablesOf(synth, fn).SECRETM_PRICES, fn.node.path).toBeUndefined();
    // What the functions build their price table from (shared/costs/prices.ts) at cold start.
    expect(priceTable(expected)['hashicorp-vault']).toEqual({
      ...defaultPrices['hashicorp-vault'],
      secretMonth: dollars('0.10'),
      callsPerBlock: 1000,
    });
  });
});

describe('the cost roll-up, with its own schedule and no prices', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      layer: { assetPath: fixtureLayerPath },
      costs: { rollupSchedule: 'cron(30 1 3 * ? *)' },
    });
  });
  afterAll(() => synth?.dispose());

  it('outputs the roll-up function’s name, for an operator’s re-run', () => {
    synth.template.hasOutput('CostRollupFunctionName', {
      Value: { Ref: logicalId(synth.stack, synth.stack.secretm.costs.rollup.function) },
    });
  });

  it('runs on the configured expression, and leaves the default price table to the functions', () => {
    const { costs } = synth.stack.secretm;
    const schedule = resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[
      logicalId(synth.stack, costs.schedule)
    ]!;

    expect(schedule.Properties.ScheduleExpression).toBe('cron(30 1 3 * ? *)');
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      expect(JSON.stringify(fn.Properties.Environment)).not.toContain('SECRETM_PRICES');
    }
  });
});
