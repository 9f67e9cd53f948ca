/**
 * The layout migration in the CDK app: one function on a role of its own (the table, scan included,
 * and secretm's secrets in both layouts, the operator keys denied), its stage and table in its
 * environment, Lambda's longest timeout, nothing that invokes it, and its name as a stack output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reserveMs } from '../../../functions/migrations/tenant-layout.ts';
import {
  layoutMigrationSecretActions,
  layoutMigrationTableActions,
} from '../../../infra/constructs/grants.ts';
import { layoutMigrationTimeout } from '../../../infra/constructs/secretm-layout-migration.ts';
import { tableKeyActions } from '../../../shared/tenancy/session-policy.ts';
import {
  asArray,
  fixtureLayerPath,
  logicalId,
  resolved,
  resourcesOf,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from '../synthesize.ts';

const secretKey = 'arn:aws:kms:eu-west-1:111122223333:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

/** A secret ARN as the template spells it, tokens shortened (`home`: the stack's own region). */
const home = '<Region>';
const secretArn = (region: string, name: string) =>
  `{"Fn::Join":["",["arn:",<Partition>,":secretsmanager:${region === home ? '",<Region>,"' : region}:",<AccountId>,":secret:${name}"]]}`;

describe('the layout migration, with replicas and customer-managed keys', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      stage: 'prod',
      layer: { assetPath: fixtureLayerPath },
      vaults: { awsSecretsManager: { replicaRegions: ['eu-central-1'], kmsKeyArns: [secretKey] } },
    });
  });
  afterAll(() => synth?.dispose());

  it('runs the migration handler for Lambda’s longest, with its stage and table, and no tenant or operator role', () => {
    const { migrator } = synth.stack.secretm.layoutMigration;
    const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[
      logicalId(synth.stack, migrator.function)
    ]!;

    expect(fn.Properties.Timeout).toBe(layoutMigrationTimeout.toSeconds());
    expect(layoutMigrationTimeout.toMilliseconds()).toBeGreaterThan(reserveMs * 5);
    expect(fn.Properties.Environment).toMatchObject({
      Variables: {
        SECRETM_STAGE: 'prod',
        SECRETM_TABLE_NAME: { Ref: logicalId(synth.stack, synth.stack.secretm.data.table) },
        SECRETM_REPLICA_REGIONS: 'eu-central-1',
      },
    });
    const variables = JSON.stringify(fn.Properties.Environment);
    for (const name of [
      'SECRETM_TENANT_ROLE_ARN',
      'SECRETM_OPERATOR_ROLE_ARN',
      'SECRETM_OPERATOR_KEY_SECRET',
    ]) {
      expect(variables).not.toContain(name);
    }
  });

  it('gives its own role the table, secretm’s secrets in both layouts and regions, their keys, and denies the operator keys', () => {
    const { migrator } = synth.stack.secretm.layoutMigration;
    const statements = statementsOfRole(synth, migrator.role).filter(
      (statement) => !asArray(statement.Action).some((action) => action.startsWith('logs:')),
    );
    const table = resolved(synth, synth.stack.secretm.data.table.tableArn);
    const tableKey = resolved(synth, synth.stack.secretm.data.key.keyArn);
    const simplified = statements.map((statement) => ({
      effect: statement.Effect,
      actions: asArray(statement.Action).sort(),
      resources: asArray(statement.Resource).map((resource) =>
        JSON.stringify(resource)
          .replaceAll(/\{"Ref":"AWS::(Partition|Region|AccountId)"\}/g, '<$1>')
          .replaceAll(table, '<table>')
          .replaceAll(tableKey, '<table key>'),
      ),
    }));

    expect(simplified).toEqual([
      { effect: 'Allow', actions: [...layoutMigrationTableActions].sort(), resources: ['<table>'] },
      { effect: 'Allow', actions: [...tableKeyActions].sort(), resources: ['<table key>'] },
      {
        effect: 'Deny',
        actions: ['secretsmanager:*'],
        resources: [home, 'eu-central-1'].flatMap((region) =>
          ['secretm/*/_system/operator-key*', 'secretm/_operator/*'].map((name) => secretArn(region, name)),
        ),
      },
      {
        effect: 'Allow',
        actions: [...layoutMigrationSecretActions].sort(),
        resources: [secretArn(home, 'secretm/*'), secretArn('eu-central-1', 'secretm/*')],
      },
      {
        effect: 'Allow',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [JSON.stringify(secretKey)],
      },
    ]);
  });

  it('is invoked by nothing: no permission, schedule, API integration or event source names it', () => {
    const { migrator } = synth.stack.secretm.layoutMigration;
    const id = logicalId(synth.stack, migrator.function);
    const { Resources } = synth.template.toJSON() as { Resources: Record<string, unknown> };
    const others = Object.entries(Resources).filter(([other]) => other !== id);

    expect(others.filter(([, resource]) => JSON.stringify(resource).includes(`"${id}"`))).toEqual([]);
    expect(JSON.stringify(statementsOfRole(synth, migrator.role))).not.toContain('sts:AssumeRole');
  });

  it('outputs the function’s name, for the operator to invoke', () => {
    synth.template.hasOutput('LayoutMigrationFunctionName', {
      Value: { Ref: logicalId(synth.stack, synth.stack.secretm.layoutMigration.migrator.function) },
    });
  });
});

describe('the layout migration when Secrets Manager is not an allowed vault', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, vaults: { allowed: ['hashicorp-vault'] } });
  });
  afterAll(() => synth?.dispose());

  it('moves table items only: no Secrets Manager action is allowed to its role', () => {
    const statements = statementsOfRole(synth, synth.stack.secretm.layoutMigration.migrator.role);

    expect(
      statements.filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
      ),
    ).toEqual([]);
  });
});
