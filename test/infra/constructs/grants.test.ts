import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { ownSecretNamePrefix } from '../../../infra/constructs/grants.ts';
import type { SecretmStack } from '../../../infra/stacks/secretm-stack.ts';
import { createAwsSecretsManagerProvider } from '../../../shared/providers/aws-secrets-manager.ts';
import {
  asArray,
  fixtureLayerPath,
  logicalId,
  resourcesOf,
  type Statement,
  type Synthesized,
  statementsOf,
  synthesize,
} from '../synthesize.ts';

const guardedServices = ['secretsmanager:', 'dynamodb:', 'kms:'];
/** The only actions AWS cannot scope to a resource (Service Authorization Reference: no resource type). */
const unscopable = ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue'];
const replicaRegion = 'eu-central-1';
const secretsKey = 'arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const crossAccountRole = 'arn:aws:iam::210987654321:role/secretm-reader';

const consumerOf = (stack: SecretmStack) =>
  new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => {};'),
  });

/** The statements of the policy attached to one function's role. */
function statementsOfFunction(synth: Synthesized, fn: lambda.Function): Statement[] {
  const role = logicalId(synth.stack, fn.role as never);
  return Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === role))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The operator key's read grant: GetSecretValue and DescribeSecret on that one secret. */
function readsOnlyOperatorKey(synth: Synthesized, statement: Statement): boolean {
  const keyArn = JSON.stringify(resolve(synth, synth.stack.secretm.operatorKey.secretArn));
  return (
    asArray(statement.Resource).every((resource) => JSON.stringify(resource) === keyArn) &&
    asArray(statement.Action).every((action) => action.startsWith('secretsmanager:'))
  );
}

const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => asArray(statement.Action));
const resolve = (synth: Synthesized, value: string) => Stack.of(synth.stack).resolve(value);

describe('grants with every Secrets Manager option and a consumer function', () => {
  let synth: Synthesized;
  let consumer: lambda.Function;
  beforeAll(() => {
    synth = synthesize(
      {
        layer: { assetPath: fixtureLayerPath },
        vaults: {
          awsSecretsManager: {
            replicaRegions: [replicaRegion],
            kmsKeyArns: [secretsKey],
            assumeRoleArns: [crossAccountRole],
            importable: ['legacy/payments/*', 'shared-db'],
          },
        },
      },
      {
        extend: (stack) => {
          consumer = consumerOf(stack);
          stack.secretm.grantSecretRead(consumer, 'prod-db', { tenant: 'payments' });
          stack.secretm.grantSecretRead(consumer, 'stripe', { tenant: 'payments' });
          stack.secretm.grantSecretRead(consumer, 'ledger', {
            tenant: 'payments',
            vaultName: 'legacy/payments/ledger',
          });
          stack.secretm.grantSecretRead(consumer, 'bao-db', { tenant: 'payments', connection: 'bao' });
        },
      },
    );
  });
  afterAll(() => synth?.dispose());

  it('grants no Secrets Manager, DynamoDB or KMS action on *, but the two AWS cannot scope', () => {
    const statements = statementsOf(synth.template);
    expect(statements.length).toBeGreaterThan(0);
    for (const { policy, statement } of statements) {
      const guarded = asArray(statement.Action).filter(
        (action) =>
          action === '*' ||
          (guardedServices.some((service) => action.startsWith(service)) && !unscopable.includes(action)),
      );
      if (guarded.length === 0) continue;
      expect(asArray(statement.Resource), `${policy}: ${guarded.join(', ')}`).not.toContain('*');
    }
  });

  it('grants each unscopable action alone in its statement, to the functions that call it', () => {
    const holders = (action: string) =>
      statementsOf(synth.template).filter(({ statement }) => asArray(statement.Action).includes(action));
    const roleOf = (fn: lambda.Function) => logicalId(synth.stack, fn.role as never);
    const policyRoles = (policy: string) =>
      (resourcesOf(synth.template, 'AWS::IAM::Policy')[policy]!.Properties.Roles as { Ref: string }[]).map(
        (ref) => ref.Ref,
      );

    const list = holders('secretsmanager:ListSecrets');
    expect(list.map(({ statement }) => statement.Action)).toEqual(['secretsmanager:ListSecrets']);
    expect(list.flatMap(({ policy }) => policyRoles(policy))).toEqual([
      roleOf(synth.stack.secretm.functions.connections.function),
    ]);
    const batch = holders('secretsmanager:BatchGetSecretValue');
    expect(batch.map(({ statement }) => statement.Action)).toEqual(['secretsmanager:BatchGetSecretValue']);
    expect(new Set(batch.flatMap(({ policy }) => policyRoles(policy)))).toEqual(new Set([roleOf(consumer)]));
  });

  it('generates the operator key and lets exactly the table-using functions read it, by its ARN', () => {
    const { operatorKey, functions } = synth.stack.secretm;
    const keyArn = resolve(synth, operatorKey.secretArn);
    const readers = statementsOf(synth.template).filter(({ statement }) =>
      asArray(statement.Resource).some((resource) => JSON.stringify(resource) === JSON.stringify(keyArn)),
    );
    const policyRoles = (policy: string) =>
      (resourcesOf(synth.template, 'AWS::IAM::Policy')[policy]!.Properties.Roles as { Ref: string }[]).map(
        (ref) => ref.Ref,
      );
    // Every family but system (health, OpenAPI) touches the table and authenticates API keys.
    const tableFamilies = (Object.keys(functions) as RouteFamily[])
      .filter((family) => family !== 'system')
      .map((family) => logicalId(synth.stack, functions[family].function.role as never));

    const secret = Object.values(resourcesOf(synth.template, 'AWS::SecretsManager::Secret'))[0]!;
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 48,
      ExcludePunctuation: true,
    });
    expect(new Set(readers.flatMap(({ policy }) => policyRoles(policy)))).toEqual(new Set(tableFamilies));
    for (const { statement } of readers) {
      expect(asArray(statement.Action).every((action) => action.startsWith('secretsmanager:'))).toBe(true);
    }
    const environment = (fn: lambda.Function) =>
      resolve(synth, (fn.node.defaultChild as lambda.CfnFunction).environment as never) as {
        variables?: Record<string, unknown>;
      };
    expect(environment(functions.secrets.function).variables?.SECRETM_OPERATOR_KEY_SECRET).toEqual(keyArn);
    expect(environment(functions.system.function).variables?.SECRETM_OPERATOR_KEY_SECRET).toBeUndefined();
  });

  it('lets the system function (health, OpenAPI) write its logs and nothing else', () => {
    const actions = actionsOf(statementsOfFunction(synth, synth.stack.secretm.functions.system.function));

    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('gives the connections function the vault grants of the secrets function, plus ListSecrets, but staging labels (rotation)', () => {
    const { secrets, connections } = synth.stack.secretm.functions;
    const secretsActions = actionsOf(statementsOfFunction(synth, secrets.function));
    const connectionsActions = actionsOf(statementsOfFunction(synth, connections.function));

    expect(connectionsActions.filter((action) => action !== 'secretsmanager:ListSecrets').sort()).toEqual(
      secretsActions.filter((action) => action !== 'secretsmanager:UpdateSecretVersionStage').sort(),
    );
    expect(secretsActions).toContain('secretsmanager:UpdateSecretVersionStage');
    expect(secretsActions).not.toContain('secretsmanager:ListSecrets');
  });

  it('lets the bindings function (resolve, render) only read secrets', () => {
    const actions = actionsOf(statementsOfFunction(synth, synth.stack.secretm.functions.bindings.function));
    const vaultActions = [...new Set(actions.filter((action) => /^(secretsmanager|kms|sts):/.test(action)))];

    expect(actions.some((action) => action.startsWith('dynamodb:'))).toBe(true);
    expect(vaultActions.sort()).toEqual([
      'kms:Decrypt', // the secrets' customer-managed key, through Secrets Manager
      'kms:DescribeKey', // the table's key
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sts:AssumeRole',
    ]);
    const secretsKeyActions = statementsOfFunction(synth, synth.stack.secretm.functions.bindings.function)
      .filter((statement) => asArray(statement.Resource).includes(secretsKey))
      .flatMap((statement) => actionsOf([statement]));
    expect(secretsKeyActions).toEqual(['kms:Decrypt']);
  });

  it('keeps the api-keys function away from Secrets Manager and STS, but for the operator key', () => {
    const actions = actionsOf(
      statementsOfFunction(synth, synth.stack.secretm.functions['api-keys'].function).filter(
        (statement) => !readsOnlyOperatorKey(synth, statement),
      ),
    );

    expect(actions.some((action) => action.startsWith('dynamodb:'))).toBe(true);
    expect(actions.filter((action) => /^(secretsmanager|sts):/.test(action))).toEqual([]);
  });

  it('scopes the table actions to the table and its named indexes, without Scan', () => {
    const { data } = synth.stack.secretm;
    const table = statementsOfFunction(synth, synth.stack.secretm.functions.secrets.function).find(
      (statement) => actionsOf([statement]).includes('dynamodb:PutItem'),
    )!;

    expect(table.Resource).toEqual(
      [data.table.tableArn, ...data.indexArns].map((arn) => resolve(synth, arn)),
    );
    expect(actionsOf([table])).not.toContain('dynamodb:Scan');
  });

  it('scopes the secrets function’s Secrets Manager actions to secretm/* here and in each replica region', () => {
    const statement = statementsOfFunction(synth, synth.stack.secretm.functions.secrets.function).find(
      (candidate) => actionsOf([candidate]).includes('secretsmanager:CreateSecret'),
    )!;
    const stack = synth.stack;
    const own = (region?: string) =>
      resolve(
        synth,
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: 'secretm/*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          ...(region ? { region } : {}),
        }),
      );

    expect(statement.Resource).toEqual([own(), own(replicaRegion)]);
    expect(actionsOf([statement])).toContain('secretsmanager:ReplicateSecretToRegions');
  });

  it('lets the secrets function adopt only the importable secrets, and never create one there', () => {
    const statement = statementsOfFunction(synth, synth.stack.secretm.functions.secrets.function).find(
      (candidate) =>
        JSON.stringify(candidate.Resource).includes('legacy/payments/') &&
        actionsOf([candidate]).includes('secretsmanager:GetSecretValue'),
    )!;
    const resources = asArray(statement.Resource).map((arn) => JSON.stringify(arn));

    expect(resources).toHaveLength(2);
    expect(resources[0]).toContain(':secret:legacy/payments/*');
    expect(resources[1]).toContain(':secret:shared-db-??????');
    expect(actionsOf([statement])).not.toContain('secretsmanager:CreateSecret');
  });

  it('lets the secrets function use the secrets’ KMS key only through Secrets Manager, and assume the named role', () => {
    const statements = statementsOfFunction(synth, synth.stack.secretm.functions.secrets.function);
    const key = statements.find((statement) => asArray(statement.Resource).includes(secretsKey))!;
    const assume = statements.find((statement) => actionsOf([statement]).includes('sts:AssumeRole'))!;

    expect(key.Condition?.StringEquals?.['kms:ViaService']).toHaveLength(2);
    expect(assume.Resource).toBe(crossAccountRole);
  });

  it('tells the API functions the replica regions of the built-in aws connection, and the vault kinds allowed', () => {
    const { functions } = synth.stack.secretm;
    const secrets = resourcesOf(synth.template, 'AWS::Lambda::Function')[
      logicalId(synth.stack, functions.secrets.function)
    ]!;
    const variables = (secrets.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.SECRETM_REPLICA_REGIONS).toBe(replicaRegion);
    // vaults.allowed is kept by the API too, not only by IAM.
    expect(variables.SECRETM_ALLOWED_VAULTS).toBe('aws-secrets-manager');
  });

  it('gives a consumer function the layer and the environment the layer reads', () => {
    const fn = resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack, consumer)]!;

    expect(fn.Properties.Layers).toEqual([
      { Ref: logicalId(synth.stack, synth.stack.secretm.layer!.layerVersion) },
    ]);
    expect(fn.Properties.Environment).toEqual({
      Variables: {
        SECRETM_TABLE_NAME: { Ref: logicalId(synth.stack, synth.stack.secretm.data.table) },
        SECRETM_TENANT: 'payments',
        SECRETM_REPLICA_REGIONS: replicaRegion,
      },
    });
  });

  it('lets a consumer read only the secrets it was granted, in every region they live in', () => {
    const statements = statementsOfFunction(synth, consumer);
    const reads = statements.filter((statement) =>
      actionsOf([statement]).includes('secretsmanager:GetSecretValue'),
    );
    const arns = reads
      .flatMap((statement) => asArray(statement.Resource))
      .map((arn) => JSON.stringify(arn))
      .filter((arn) => !arn.includes('/_connections.'));

    expect(
      actionsOf(reads).every((action) => /^secretsmanager:(GetSecretValue|DescribeSecret)$/.test(action)),
    ).toBe(true);
    // bao-db lives on a stored connection: read from its vault, not from Secrets Manager.
    expect(arns).toHaveLength(5);
    expect(arns.some((arn) => arn.includes('bao-db'))).toBe(false);
    for (const name of ['prod-db', 'stripe']) {
      expect(arns.filter((arn) => arn.includes(`:secret:secretm/payments/${name}-??????`))).toHaveLength(2);
      expect(
        arns.filter((arn) => arn.includes(`:${replicaRegion}:`) && arn.includes(`/${name}-`)),
      ).toHaveLength(1);
    }
    // An imported secret is read where it lives, in this region only.
    expect(arns.filter((arn) => arn.includes(':secret:legacy/payments/ledger-??????'))).toHaveLength(1);
  });

  it('limits a consumer’s table reads to the tenant’s partition and the secret’s versions', () => {
    const reads = statementsOfFunction(synth, consumer).filter((statement) =>
      actionsOf([statement]).includes('dynamodb:GetItem'),
    );

    expect(reads.map((statement) => statement.Condition)).toEqual(
      ['prod-db', 'stripe', 'ledger', 'bao-db'].map((name) => ({
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['T#payments', `T#payments#S#${name}`] },
      })),
    );
    for (const statement of reads) {
      expect(actionsOf([statement]).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    }
  });

  it('lets a consumer count usage into its own tenant’s usage items only, and write nothing else', () => {
    const { data } = synth.stack.secretm;
    const statements = statementsOfFunction(synth, consumer);
    const writes = statements.filter((statement) =>
      actionsOf([statement]).some((action) =>
        /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(action),
      ),
    );

    // Once for the function, however many secrets it was granted.
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'dynamodb:UpdateItem',
      Resource: resolve(synth, data.table.tableArn),
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#payments#U#*'] } },
    });
    const keyActions = statements
      .filter(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify(resolve(synth, data.key.keyArn)),
      )
      .flatMap((statement) => actionsOf([statement]));
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey']));
  });

  it('lets a consumer read the credentials of the stored connection its secret lives on, and no other', () => {
    const credentialReads = statementsOfFunction(synth, consumer).filter((statement) =>
      JSON.stringify(statement.Resource).includes('_connections.'),
    );
    expect(credentialReads).toHaveLength(1);
    expect(credentialReads[0]!.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(credentialReads[0]!.Resource)).toContain(
      ':secret:secretm/payments/_connections.bao-??????',
    );
  });

  it('refuses a second tenant, a name secretm would never give a secret, or a vault name not importable', () => {
    const { secretm } = synth.stack;
    expect(() => secretm.grantSecretRead(consumer, 'x', { tenant: 'payments', connection: 'aws' })).toThrow(
      /connection "aws" is not the id of a stored connection/,
    );

    expect(() => secretm.grantSecretRead(consumer, 'other', { tenant: 'billing' })).toThrow(
      /reads secrets of tenant payments already/,
    );
    expect(() => secretm.grantSecretRead(consumer, '../etc', { tenant: 'payments' })).toThrow(
      /secret name "..\/etc" is not a secretm name/,
    );
    expect(() => secretm.grantSecretRead(consumer, 'x', { tenant: 'T#1' })).toThrow(
      /tenant "T#1" is not a tenant id/,
    );
    expect(() =>
      secretm.grantSecretRead(consumer, 'x', { tenant: 'payments', vaultName: 'other/x' }),
    ).toThrow(/vault name "other\/x" is not listed in vaults.awsSecretsManager.importable/);
  });
});

describe('grants when Secrets Manager is not an allowed vault', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, vaults: { allowed: ['hashicorp-vault'] } });
  });
  afterAll(() => synth?.dispose());

  it('grants no Secrets Manager action to any function, but reading the operator key', () => {
    const actions = statementsOf(synth.template)
      .filter(({ statement }) => !readsOnlyOperatorKey(synth, statement))
      .flatMap(({ statement }) => asArray(statement.Action));

    expect(actions.some((action) => action.startsWith('dynamodb:'))).toBe(true);
    expect(actions.filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);
  });
});

describe('the secretm/ name prefix', () => {
  it('is the prefix the Secrets Manager adapter gives secretm’s own secrets', () => {
    const adapter = createAwsSecretsManagerProvider({ region: 'us-east-1' });

    expect(adapter.refFor('payments', 'prod-db')).toBe(`${ownSecretNamePrefix}payments/prod-db`);
  });
});
