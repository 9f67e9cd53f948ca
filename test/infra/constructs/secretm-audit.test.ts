/**
 * The hourly audit digests in the CDK app: a schedule at 25 past every hour that may only invoke the
 * digest function, and a function on its own role that reads audits and audit keys and writes digests
 * only — no tenant session, no operator key, no event written.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDigestSchedule, auditDigestTimeout } from '../../../infra/constructs/secretm-audit.ts';
import { digestGraceMs, hourMs } from '../../../shared/audit/audit-seal.ts';
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

const functionResource = (synth: Synthesized, fn: lambda.Function) =>
  resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack, fn)]!;
const variablesOf = (synth: Synthesized, fn: lambda.Function) =>
  (functionResource(synth, fn).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('the audit digests', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ stage: 'dev', layer: { assetPath: fixtureLayerPath }, auditRetentionDays: 500 });
  });
  afterAll(() => synth?.dispose());

  it('invokes the digest function at 25 past every hour, after the hour before has closed', () => {
    const { audit } = synth.stack.secretm;
    const schedule = resourcesOf(synth.template, 'AWS::Scheduler::Schedule')[
      logicalId(synth.stack, audit.schedule)
    ]!;

    expect(auditDigestSchedule).toBe('cron(25 * * * ? *)');
    // An hour closes 20 minutes after its end: the run at 25 past digests the hour before.
    expect(digestGraceMs).toBeLessThan(25 * 60_000);
    expect(digestGraceMs).toBeGreaterThan(auditDigestTimeout.toMilliseconds());
    expect(hourMs).toBe(3_600_000);
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(25 * * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(synth.stack, audit.digester.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalId(synth.stack, audit.scheduleRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2 },
      },
    });
  });

  it('runs the digests on nodejs24.x and arm64, a batch job’s timeout, with the stage and the retention', () => {
    const { digester } = synth.stack.secretm.audit;

    expect(functionResource(synth, digester.function).Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: auditDigestTimeout.toSeconds(),
      LoggingConfig: { LogGroup: { Ref: logicalId(synth.stack, digester.logGroup) } },
    });
    const variables = variablesOf(synth, digester.function);
    expect(variables).toMatchObject({ SECRETM_STAGE: 'dev', SECRETM_AUDIT_RETENTION_DAYS: '500' });
    expect(variables.SECRETM_OPERATOR_KEY_SECRET).toBeUndefined();
    expect(variables.SECRETM_TENANT_ROLE_ARN).toBeUndefined();
  });

  it('gives the digest function Query, GetItem and digest writes only, on the table itself, and audit keys to read', () => {
    const { audit, data } = synth.stack.secretm;
    const statements = statementsOfRole(synth, audit.digester.role);
    const table = statements.filter((statement) =>
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
      {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#D'] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    ]);
    const secrets = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(
      secrets.filter((statement) => statement.Effect !== 'Deny').flatMap((s) => asArray(s.Action)),
    ).toEqual(['secretsmanager:GetSecretValue']);
    expect(actionsOf(statements).filter((action) => /^(sts|lambda):/.test(action))).toEqual([]);
  });

  it('outputs the digest function’s name, for an operator’s run now', () => {
    synth.template.hasOutput('AuditDigestFunctionName', {
      Value: { Ref: logicalId(synth.stack, synth.stack.secretm.audit.digester.function) },
    });
  });
});
