import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { allTenantsTableRules, operatorPk } from '../../../infra/constructs/grants.ts';
import { tenantSessionDuration } from '../../../infra/constructs/secretm-tenant-access.ts';
import type { SecretmStack } from '../../../infra/stacks/secretm-stack.ts';
import { secretActions } from '../../../shared/tenancy/session-policy.ts';
import { vaultNamespace } from '../../../shared/tenancy/vault-namespace.ts';
import {
  asArray,
  fixtureLayerPath,
  logicalId,
  resourcesOf,
  type Statement,
  type Synthesized,
  statementsOf,
  statementsOfRole,
  synthesize,
} from '../synthesize.ts';

const guardedServices = ['secretsmanager:', 'dynamodb:', 'kms:'];
/** The only actions AWS cannot scope to a resource (Service Authorization Reference: no resource type). */
const unscopable = ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue'];
const replicaRegion = 'eu-central-1';
const secretsKey = 'arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
const crossAccountRole = 'arn:aws:iam::210987654321:role/secretm-reader';
const importable = { payments: ['legacy/payments/*', 'shared-db'], billing: ['billing/ledger'] };
/** The families whose functions serve tenants (all but system: health, OpenAPI). */
const tenantFamilies: RouteFamily[] = ['secrets', 'connections', 'bindings', 'api-keys', 'costs', 'audit'];

const consumerOf = (stack: SecretmStack) =>
  new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('export const handler = async () => {};'),
  });

/** The statements of the policies attached to one role. */
const statementsOfFunction = (synth: Synthesized, fn: lambda.Function) => statementsOfRole(synth, fn.role!);
const actionsOf = (statements: Statement[]) => statements.flatMap((statement) => asArray(statement.Action));
const resolve = (synth: Synthesized, value: unknown) => Stack.of(synth.stack).resolve(value);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const policyRoles = (synth: Synthesized, policy: string) =>
  (resourcesOf(synth.template, 'AWS::IAM::Policy')[policy]!.Properties.Roles as { Ref: string }[]).map(
    (ref) => ref.Ref,
  );
const roleId = (synth: Synthesized, role: iam.IRole) => logicalId(synth.stack, role as never);
/** The role ARNs a role's trust policy names. */
function trustedBy(synth: Synthesized, role: iam.IRole): unknown[] {
  const resource = resourcesOf(synth.template, 'AWS::IAM::Role')[roleId(synth, role)]!;
  const trust = resource.Properties.AssumeRolePolicyDocument as { Statement: Statement[] };
  return trust.Statement.flatMap((statement) => {
    expect(statement.Action).toBe('sts:AssumeRole');
    expect(statement.Condition).toBeUndefined();
    return asArray((statement as unknown as { Principal: { AWS: unknown } }).Principal.AWS);
  });
}
const roleArnOf = (synth: Synthesized, role: iam.IRole) => resolve(synth, role.roleArn);
const variablesOf = (synth: Synthesized, fn: lambda.Function) =>
  (
    resourcesOf(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack, fn)]!.Properties
      .Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

function secretArn(synth: Synthesized, resourceName: string, region?: string): unknown {
  return resolve(
    synth,
    synth.stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      ...(region ? { region } : {}),
    }),
  );
}

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
            importable,
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

  it('grants each unscopable action alone in its statement, to the role that calls it', () => {
    const holders = (action: string) =>
      statementsOf(synth.template).filter(({ statement }) => asArray(statement.Action).includes(action));

    const list = holders('secretsmanager:ListSecrets');
    expect(list.map(({ statement }) => statement.Action)).toEqual(['secretsmanager:ListSecrets']);
    expect(list.flatMap(({ policy }) => policyRoles(synth, policy))).toEqual([
      roleId(synth, synth.stack.secretm.tenantAccess.role),
    ]);
    const batch = holders('secretsmanager:BatchGetSecretValue');
    expect(batch.map(({ statement }) => statement.Action)).toEqual(['secretsmanager:BatchGetSecretValue']);
    expect(new Set(batch.flatMap(({ policy }) => policyRoles(synth, policy)))).toEqual(
      new Set([roleId(synth, consumer.role!)]),
    );
  });

  it('generates the operator key in the stage’s system namespace, and lets only the operator role reach it', () => {
    const { operatorKey, operator } = synth.stack.secretm;
    const keyArn = resolve(synth, operatorKey.secretArn);
    const reaching = statementsOf(synth.template).filter(({ statement }) =>
      asArray(statement.Resource).some((resource) => same(resource, keyArn)),
    );

    const [secret, ...others] = Object.values(resourcesOf(synth.template, 'AWS::SecretsManager::Secret'));
    expect(others).toEqual([]);
    expect(secret!.Properties.Name).toBe('secretm/dev/_system/operator-key');
    expect(secret!.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 48,
      ExcludePunctuation: true,
    });
    expect(reaching.flatMap(({ policy }) => policyRoles(synth, policy))).toEqual([
      roleId(synth, operator.role),
    ]);
    expect(actionsOf(reaching.map(({ statement }) => statement)).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
  });

  it('lets the operator role reach the OPERATOR item and the table key, and nothing else', () => {
    const { operator, data } = synth.stack.secretm;
    const table = statementsOfRole(synth, operator.role).filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('dynamodb:')),
    );

    expect(table).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: resolve(synth, data.table.tableArn),
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [operatorPk] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      },
    ]);
    expect(
      actionsOf(statementsOfRole(synth, operator.role)).filter(
        (action) => !/^(secretsmanager|dynamodb):/.test(action),
      ),
    ).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
  });

  it('lets the system function (health, OpenAPI) write its logs and describe the table for readiness, nothing else', () => {
    const statements = statementsOfFunction(synth, synth.stack.secretm.functions.system.function);

    expect(actionsOf(statements).sort()).toEqual([
      'dynamodb:DescribeTable',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const describe = statements.find((statement) =>
      actionsOf([statement]).includes('dynamodb:DescribeTable'),
    );
    expect(describe?.Resource).toEqual(synth.stack.resolve(synth.stack.secretm.data.table.tableArn));
  });

  it('gives every tenant family the same front door: assume the two roles, GetItem on K#* and OPERATOR, the table key', () => {
    const { functions, tenantAccess, operator, data } = synth.stack.secretm;
    for (const family of tenantFamilies) {
      const statements = statementsOfFunction(synth, functions[family].function).filter(
        (statement) => !actionsOf([statement]).some((action) => action.startsWith('logs:')),
      );

      expect(statements, family).toEqual([
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: [roleArnOf(synth, tenantAccess.role), roleArnOf(synth, operator.role)],
        },
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: resolve(synth, data.table.tableArn),
          Condition: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['K#*', operatorPk] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          },
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:DescribeKey'],
          Resource: resolve(synth, data.key.keyArn),
        },
      ]);
    }
  });

  it('lets the tenant-access and operator roles be assumed by the tenant families (and the worker) only, for an hour at most', () => {
    const { functions, tenantAccess, operator, rotation } = synth.stack.secretm;
    const families = tenantFamilies.map((family) => roleArnOf(synth, functions[family].function.role!));
    const roles = resourcesOf(synth.template, 'AWS::IAM::Role');

    expect(trustedBy(synth, tenantAccess.role)).toEqual([
      ...families,
      roleArnOf(synth, rotation.worker.role),
    ]);
    expect(trustedBy(synth, operator.role)).toEqual(families);
    for (const role of [tenantAccess.role, operator.role]) {
      expect(roles[roleId(synth, role)]!.Properties.MaxSessionDuration).toBe(
        tenantSessionDuration.toSeconds(),
      );
    }
    expect(tenantSessionDuration.toSeconds()).toBe(3600);
  });

  it('lets the rotation worker assume the tenant-access role and nothing else', () => {
    const statements = statementsOfFunction(synth, synth.stack.secretm.rotation.worker.function).filter(
      (statement) => !actionsOf([statement]).some((action) => action.startsWith('logs:')),
    );

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: roleArnOf(synth, synth.stack.secretm.tenantAccess.role),
      },
    ]);
  });

  it('builds the tenant-access role’s table statements from every tenant’s rules: the table only (no index), LeadingKeys required, no Scan', () => {
    const { tenantAccess, data } = synth.stack.secretm;
    const table = statementsOfRole(synth, tenantAccess.role).filter(
      (statement) =>
        statement.Effect !== 'Deny' &&
        actionsOf([statement]).some((action) => action.startsWith('dynamodb:')),
    );

    expect(allTenantsTableRules().map((rule) => rule.leadingKeys)).toEqual([
      ['T#*', 'T#*#*'],
      ['K#*', 'TENANTS'],
    ]);
    expect(table.map((statement) => statement.Condition)).toEqual(
      allTenantsTableRules().map((rule) => ({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': rule.leadingKeys },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      })),
    );
    for (const statement of table) expect(statement.Resource).toEqual(resolve(synth, data.table.tableArn));
    expect(actionsOf(table)).not.toContain('dynamodb:Scan');
  });

  it('denies the tenant-access role writing audit digests, and changing or deleting audit events, whatever allows it', () => {
    const { tenantAccess, data } = synth.stack.secretm;
    const denials = statementsOfRole(synth, tenantAccess.role).filter(
      (statement) =>
        statement.Effect === 'Deny' &&
        actionsOf([statement]).some((action) => action.startsWith('dynamodb:')),
    );

    expect(denials.map((statement) => [actionsOf([statement]), statement.Condition])).toEqual([
      [
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['T#*#D'] } },
      ],
      [
        ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['T#*#A'] } },
      ],
    ]);
    for (const statement of denials) expect(statement.Resource).toEqual(resolve(synth, data.table.tableArn));
  });

  it('scopes the tenant-access role’s Secrets Manager actions to secretm/<stage>/* here and in each replica region, and denies the operator key', () => {
    const statements = statementsOfRole(synth, synth.stack.secretm.tenantAccess.role);
    const own = statements.find((candidate) =>
      actionsOf([candidate]).includes('secretsmanager:CreateSecret'),
    )!;
    const deny = statements.filter(
      (candidate) =>
        candidate.Effect === 'Deny' && actionsOf([candidate]).some((a) => a.startsWith('secretsmanager:')),
    );

    expect(own.Resource).toEqual([
      secretArn(synth, 'secretm/dev/*'),
      secretArn(synth, 'secretm/dev/*', replicaRegion),
    ]);
    expect(actionsOf([own])).toEqual(secretActions);
    expect(deny).toEqual([
      {
        Effect: 'Deny',
        Action: 'secretsmanager:*',
        Resource: [
          secretArn(synth, 'secretm/dev/_system/operator-key*'),
          secretArn(synth, 'secretm/dev/_system/operator-key*', replicaRegion),
        ],
      },
    ]);
  });

  it('lets the tenant-access role adopt every tenant’s importable secrets, and never create one there', () => {
    const statement = statementsOfRole(synth, synth.stack.secretm.tenantAccess.role).find(
      (candidate) =>
        JSON.stringify(candidate.Resource).includes('legacy/payments/') &&
        actionsOf([candidate]).includes('secretsmanager:GetSecretValue'),
    )!;
    const resources = asArray(statement.Resource).map((arn) => JSON.stringify(arn));

    expect(resources).toHaveLength(3);
    expect(resources[0]).toContain(':secret:legacy/payments/*');
    expect(resources[1]).toContain(':secret:shared-db-??????');
    expect(resources[2]).toContain(':secret:billing/ledger-??????');
    expect(actionsOf([statement])).not.toContain('secretsmanager:CreateSecret');
  });

  it('lets the tenant-access role use the secrets’ KMS key only through Secrets Manager, and assume the named role', () => {
    const statements = statementsOfRole(synth, synth.stack.secretm.tenantAccess.role);
    const key = statements.find((statement) => asArray(statement.Resource).includes(secretsKey))!;
    const assume = statements.find((statement) => actionsOf([statement]).includes('sts:AssumeRole'))!;

    expect(key.Condition?.StringEquals?.['kms:ViaService']).toHaveLength(2);
    expect(actionsOf([key])).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(assume.Resource).toBe(crossAccountRole);
  });

  it('tells the tenant families and the worker how to build tenant sessions, and the API functions the operator role', () => {
    const { functions, rotation, costs, tenantAccess, operator, operatorKey, data } = synth.stack.secretm;
    const tenancy = {
      SECRETM_STAGE: 'dev',
      SECRETM_TENANT_ROLE_ARN: roleArnOf(synth, tenantAccess.role),
      SECRETM_TABLE_ARN: resolve(synth, data.table.tableArn),
      SECRETM_TABLE_KEY_ARN: resolve(synth, data.key.keyArn),
      SECRETM_SECRET_KEY_ARNS: secretsKey,
      SECRETM_IMPORTABLE: JSON.stringify(importable),
      SECRETM_ASSUME_ROLE_ARNS: crossAccountRole,
    };
    for (const family of tenantFamilies) {
      expect(variablesOf(synth, functions[family].function), family).toMatchObject({
        ...tenancy,
        SECRETM_OPERATOR_ROLE_ARN: roleArnOf(synth, operator.role),
        SECRETM_OPERATOR_KEY_SECRET: resolve(synth, operatorKey.secretArn),
      });
    }
    const worker = variablesOf(synth, rotation.worker.function);
    expect(worker).toMatchObject(tenancy);
    expect(worker.SECRETM_OPERATOR_ROLE_ARN).toBeUndefined();
    expect(worker.SECRETM_OPERATOR_KEY_SECRET).toBeUndefined();
    for (const fn of [functions.system.function, rotation.dispatcher.function, costs.rollup.function]) {
      const variables = Object.keys(variablesOf(synth, fn));
      expect(variables, fn.node.path).not.toContain('SECRETM_TENANT_ROLE_ARN');
      expect(variables, fn.node.path).not.toContain('SECRETM_OPERATOR_ROLE_ARN');
      expect(variables, fn.node.path).not.toContain('SECRETM_OPERATOR_KEY_SECRET');
    }
  });

  it('tells the API functions the replica regions of the built-in aws connection, and the vault kinds allowed', () => {
    const variables = variablesOf(synth, synth.stack.secretm.functions.secrets.function);
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
      .filter((arn) => !arn.includes('/connections/'));

    expect(
      actionsOf(reads).every((action) => /^secretsmanager:(GetSecretValue|DescribeSecret)$/.test(action)),
    ).toBe(true);
    // bao-db lives on a stored connection: read from its vault, not from Secrets Manager.
    expect(arns).toHaveLength(5);
    expect(arns.some((arn) => arn.includes('bao-db'))).toBe(false);
    for (const name of ['prod-db', 'stripe']) {
      expect(arns.filter((arn) => arn.includes(`:secret:secretm/dev/payments/${name}-??????`))).toHaveLength(
        2,
      );
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
      .filter((statement) => same(statement.Resource, resolve(synth, data.key.keyArn)))
      .flatMap((statement) => actionsOf([statement]));
    expect(keyActions).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey']));
  });

  it('lets a consumer read the credentials of the stored connection its secret lives on, and no other', () => {
    const credentialReads = statementsOfFunction(synth, consumer).filter((statement) =>
      JSON.stringify(statement.Resource).includes('/connections/'),
    );
    expect(credentialReads).toHaveLength(1);
    expect(credentialReads[0]!.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(credentialReads[0]!.Resource)).toContain(
      ':secret:secretm/dev/_system/tenants/payments/connections/bao-??????',
    );
  });

  it('refuses a second tenant, a name secretm would never give a secret, or a vault name not importable by that tenant', () => {
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
    ).toThrow(/vault name "other\/x" is not listed in vaults.awsSecretsManager.importable.payments/);
    // billing/ledger is importable, but by billing, not by payments.
    expect(() =>
      secretm.grantSecretRead(consumer, 'x', { tenant: 'payments', vaultName: 'billing/ledger' }),
    ).toThrow(/vault name "billing\/ledger" is not listed in vaults.awsSecretsManager.importable.payments/);
  });
});

describe('grants when Secrets Manager is not an allowed vault', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, vaults: { allowed: ['hashicorp-vault'] } });
  });
  afterAll(() => synth?.dispose());

  it('allows no Secrets Manager action to any role, but the operator role’s on the operator key, and the audit keys', () => {
    const { operator, tenantAccess, audit } = synth.stack.secretm;
    const allowed = statementsOf(synth.template).filter(
      ({ policy, statement }) =>
        statement.Effect === 'Allow' && !policyRoles(synth, policy).includes(roleId(synth, operator.role)),
    );
    const actions = allowed.flatMap(({ statement }) => asArray(statement.Action));
    const onSecrets = allowed.filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );

    expect(actions.some((action) => action.startsWith('dynamodb:'))).toBe(true);
    // secretm's own audit keys live in Secrets Manager whatever vaults connections may use: the tenant
    // sessions make and read their own, the digest job reads them.
    expect(new Set(onSecrets.flatMap(({ policy }) => policyRoles(synth, policy)))).toEqual(
      new Set([roleId(synth, tenantAccess.role), roleId(synth, audit.digester.role)]),
    );
    for (const { statement } of onSecrets) {
      expect(JSON.stringify(statement.Resource)).toMatch(/_system\/tenants\/\*\/audit-key-\?{6}"/);
    }
  });
});

describe('the stage’s vault namespace', () => {
  it('names what the grants name: secretm/<stage>/<tenant>/, secretm/<stage>/_system/…', () => {
    const namespace = vaultNamespace('dev');

    expect(namespace.tenantPrefix('payments')).toBe('secretm/dev/payments/');
    expect(namespace.connectionCredentialsRef('payments', 'bao')).toBe(
      'secretm/dev/_system/tenants/payments/connections/bao',
    );
    expect(namespace.operatorKeyRef).toBe('secretm/dev/_system/operator-key');
    // No tenant's namespace reaches the system's, nor one stage's another's.
    expect(namespace.ownerOf('secretm/dev/_system/operator-key')).toBe('system');
    expect(vaultNamespace('prod').ownerOf('secretm/dev/payments/x')).toBeUndefined();
  });
});
