/**
 * Tenant isolation below the application, checked by a real IAM policy evaluator: the dev and prod
 * stages are synthesized (cdk-nag included), their roles' policies read from the templates with every
 * token resolved for one account, and each request the API and the rotation worker make for tenant
 * `acme` is evaluated as AWS would — the tenant-access role's policy ∩ acme's session policy
 * (shared/tenancy/session-policy.ts), built from the environment the functions get. The same requests
 * on `beta`'s resources, another stage's, the system's, the rotation index or a scan must be denied;
 * the front door, the operator role and the rotation functions may do only their own few things. The
 * layout migration's role reaches the whole table and secretm's secrets in both layouts, never an
 * operator key, and no other role reaches any of that. No tenant session writes an audit digest or
 * changes an event; the audit digest job's role reads every audit and audit key and writes digests
 * only, and no other role gained any of that.
 */
import type * as iam from 'aws-cdk-lib/aws-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import type { SecretmConfigInput } from '../../../infra/config.ts';
import {
  auditKeyActions,
  layoutMigrationSecretActions,
  layoutMigrationTableActions,
  operatorPk,
} from '../../../infra/constructs/grants.ts';
import type { SecretmFunction } from '../../../infra/constructs/secretm-function.ts';
import {
  apiKeyPointerKey,
  auditDigestPk,
  auditPk,
  pkName,
  rotationIndexPk,
  tagIndexPk,
  tenantPk,
  tenantRegistryPk,
  usagePk,
  versionPk,
} from '../../../shared/store/keys.ts';
import { tableDefinition } from '../../../shared/store/table-definition.ts';
import {
  auditOnlySessionPolicy,
  type PolicyDocument,
  secretActions,
  type TenantAccessScope,
  tenantSessionPolicy,
} from '../../../shared/tenancy/session-policy.ts';
import { tenantTableRules } from '../../../shared/tenancy/table-access.ts';
import { fixtureLayerPath, logicalId, type Synthesized, synthesize } from '../synthesize.ts';
import {
  account,
  type Caller,
  type Decision,
  type DeployedStack,
  deployedStack,
  evaluate,
  partition,
  type Request,
  region,
} from './evaluator.ts';

const replicaRegions = ['eu-central-1', 'us-west-2'];
const secretKeys = [
  `arn:aws:kms:${region}:${account}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0`,
  `arn:aws:kms:${region}:${account}:key/1c2d3e4f-5061-7283-94a5-b6c7d8e9f0a1`,
];
const connectionRoles = [
  'arn:aws:iam::210987654321:role/secretm-reader',
  'arn:aws:iam::210987654321:role/secretm-writer',
];
const importable = {
  acme: ['legacy/acme/*', 'acme-shared-db', 'payments/stripe-live'],
  beta: ['legacy/beta/*', 'beta-db'],
};
const configOf = (stage: string): SecretmConfigInput => ({
  stage,
  layer: { assetPath: fixtureLayerPath },
  vaults: {
    awsSecretsManager: {
      replicaRegions,
      kmsKeyArns: secretKeys,
      assumeRoleArns: connectionRoles,
      importable,
    },
  },
});
const tenantFamilies: RouteFamily[] = ['secrets', 'connections', 'bindings', 'api-keys', 'costs', 'audit'];

/** A secret's ARN as Secrets Manager makes it: the name, a hyphen and six random characters. */
const secret = (name: string, inRegion = region) =>
  `arn:${partition}:secretsmanager:${inRegion}:${account}:secret:${name}-AbCdEf`;
/** An item request: the action, on the table (or an index), with the items' partition keys. */
const item = (action: string, table: string, ...leadingKeys: string[]): Request => ({
  action: `dynamodb:${action}`,
  resource: table,
  context: leadingKeys.length > 0 ? { 'dynamodb:LeadingKeys': leadingKeys } : {},
});
const onSecret = (action: string, arn: string): Request => ({ action, resource: arn });
const viaService = (service: string, inRegion = region) => ({
  'kms:ViaService': `${service}.${inRegion}.amazonaws.com`,
});

interface Stage {
  synth: Synthesized;
  deployed: DeployedStack;
  roleId(role: iam.IRole): string;
  roleArn(role: iam.IRole): string;
  table: string;
  tableKey: string;
  operatorKey: string;
  /** What tenant-sessions.ts gets from the functions' environment. */
  scope: TenantAccessScope;
  caller(role: iam.IRole, sessionPolicy?: PolicyDocument, sessionName?: string): Caller;
  tenantSession(tenant: string): Caller;
}

function stageOf(synth: Synthesized): Stage {
  const template = synth.template.toJSON() as Parameters<typeof deployedStack>[1];
  const deployed = deployedStack(synth.stack.stackName, template);
  const { secretm } = synth.stack;
  const roleId = (role: iam.IRole) => logicalId(synth.stack, role as never);
  const variables = (fn: SecretmFunction) =>
    deployed.resolve(
      (
        template.Resources[logicalId(synth.stack, fn.function)]!.Properties!.Environment as {
          Variables: unknown;
        }
      ).Variables,
    ) as Record<string, string>;
  // The rotation worker's environment: what it builds its tenant sessions from.
  const env = variables(secretm.rotation.worker);
  const scope: TenantAccessScope = {
    tableArn: env.SECRETM_TABLE_ARN!,
    tableKeyArn: env.SECRETM_TABLE_KEY_ARN!,
    stage: env.SECRETM_STAGE!,
    replicaRegions: env.SECRETM_REPLICA_REGIONS!.split(','),
    secretKeyArns: env.SECRETM_SECRET_KEY_ARNS!.split(','),
    importable: JSON.parse(env.SECRETM_IMPORTABLE!) as Record<string, string[]>,
    assumeRoleArns: env.SECRETM_ASSUME_ROLE_ARNS!.split(','),
  };
  // The API functions build them from the same values.
  for (const family of tenantFamilies) {
    expect(variables(secretm.functions[family]), family).toMatchObject(env);
  }
  const caller = (role: iam.IRole, sessionPolicy?: PolicyDocument, sessionName?: string): Caller => ({
    stack: deployed,
    role: roleId(role),
    ...(sessionPolicy ? { sessionPolicy } : {}),
    ...(sessionName ? { sessionName } : {}),
  });
  return {
    synth,
    deployed,
    roleId,
    roleArn: (role) => deployed.arnOf(roleId(role)),
    table: deployed.arnOf(logicalId(synth.stack, secretm.data.table)),
    tableKey: deployed.arnOf(logicalId(synth.stack, secretm.data.key)),
    operatorKey:
      env.SECRETM_OPERATOR_KEY_SECRET ?? variables(secretm.functions.secrets).SECRETM_OPERATOR_KEY_SECRET!,
    scope,
    caller,
    tenantSession: (tenant) =>
      caller(secretm.tenantAccess.role, tenantSessionPolicy(tenant, scope), `tenant.${tenant}`),
  };
}

/** How many checks ran, by the decision expected: the report's figures. */
const tally = { allowed: 0, denied: 0 };

interface Check {
  caller: Caller;
  request: Request;
}

/** Evaluates every check; answers those whose decision is not the expected one, readably. */
async function mismatches(
  expected: 'allowed' | 'denied',
  checks: Check[],
  world: DeployedStack[],
  explicit = false,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const { caller, request } of checks) {
    const decision: Decision = await evaluate(caller, request, world);
    const fits =
      expected === 'allowed'
        ? decision === 'Allowed'
        : explicit
          ? decision === 'ExplicitlyDenied'
          : decision !== 'Allowed';
    if (!fits) {
      const keys = request.context ? ` ${JSON.stringify(request.context)}` : '';
      wrong.push(
        `${caller.stack.stackName}/${caller.role}${caller.sessionName ? `(${caller.sessionName})` : ''}: ${request.action} on ${request.resource}${keys} → ${decision}`,
      );
    }
  }
  tally[expected] += checks.length;
  return wrong;
}

/** What `caller` must be allowed, denied, and denied explicitly, evaluated; answers every mismatch. */
async function decisions(
  caller: Caller,
  expected: { allowed?: Request[]; denied?: Request[]; explicitlyDenied?: Request[] },
  world: DeployedStack[],
): Promise<string[]> {
  const checks = (requests: Request[] = []) => requests.map((request) => ({ caller, request }));
  return [
    ...(await mismatches('allowed', checks(expected.allowed), world)),
    ...(await mismatches('denied', checks(expected.denied), world)),
    ...(await mismatches('denied', checks(expected.explicitlyDenied), world, true)),
  ];
}

const [tenantRule, pointerRule] = tenantTableRules('acme');
/**
 * Representative partitions of a tenant: metadata, a secret's versions, audit, a month's usage, and tag
 * index partitions, among them those of the tag keys `A` and `D` (which must not read as its audit or
 * digest partitions, that tenants may not change).
 */
const tenantKeys = (tenant: string) => [
  tenantPk(tenant),
  versionPk(tenant, 'db'),
  auditPk(tenant),
  usagePk(tenant, '2026-12'),
  ...tagKeys(tenant),
];
const tagKeys = (tenant: string) => ['team', 'A', 'D'].map((key) => tagIndexPk(tenant, key));
/** The partitions a tenant session may read and write whole: all but its audit events and digests. */
const writableKeys = (tenant: string) => [
  tenantPk(tenant),
  versionPk(tenant, 'db'),
  usagePk(tenant, '2026-12'),
  ...tagKeys(tenant),
];
/** What a tenant session does to its audit: adds events, reads them and the digests. */
const auditActions = ['PutItem', 'GetItem', 'Query', 'BatchGetItem', 'ConditionCheckItem'];
const digestReads = ['GetItem', 'Query', 'BatchGetItem'];
const pointerKey = apiKeyPointerKey('k1')[pkName];
/** The refs secretm gives a tenant's things in the built-in vault of a stage. */
const tenantSecrets = (stage: string, tenant: string) => [
  `secretm/${stage}/${tenant}/db`,
  `secretm/${stage}/_system/tenants/${tenant}/connections/c1`,
  `secretm/${stage}/_system/tenants/${tenant}/held/db`,
  `secretm/${stage}/_system/tenants/${tenant}/audit-key`,
];
/** An existing secret each importable entry of a tenant names. */
const importedNames = (tenant: keyof typeof importable) =>
  importable[tenant].map((entry) => (entry.endsWith('*') ? `${entry.slice(0, -1)}ledger` : entry));

describe('tenant isolation, evaluated', () => {
  let dev: Stage;
  let prod: Stage;
  let world: DeployedStack[];
  beforeAll(() => {
    dev = stageOf(synthesize(configOf('dev')));
    prod = stageOf(synthesize(configOf('prod')));
    world = [dev.deployed, prod.deployed];
  }, 120_000);
  afterAll(() => {
    dev?.synth.dispose();
    prod?.synth.dispose();
    console.info(
      `IAM evaluator: ${tally.allowed} requests allowed and ${tally.denied} denied, as expected (${tally.allowed + tally.denied} checks)`,
    );
  });

  it('synthesizes both stages with nothing left unacknowledged by cdk-nag', () => {
    expect(dev.synth.violations).toEqual([]);
    expect(prod.synth.violations).toEqual([]);
  });

  it('allows acme’s session every table action the API takes for acme', async () => {
    const acme = dev.tenantSession('acme');
    const checks = [
      ...tenantRule!.actions.flatMap((action) =>
        writableKeys('acme').map((key) => item(action, dev.table, key)),
      ),
      ...auditActions.map((action) => item(action, dev.table, auditPk('acme'))),
      ...digestReads.map((action) => item(action, dev.table, auditDigestPk('acme'))),
      ...pointerRule!.actions.flatMap((action) =>
        [pointerKey, tenantRegistryPk].map((key) => item(action, dev.table, key)),
      ),
      // A batch or a transaction of acme's own partitions.
      item('BatchWriteItem', dev.table, ...writableKeys('acme')),
      item('BatchGetItem', dev.table, ...tenantKeys('acme')),
      ...['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey'].map((action) => ({
        action: `kms:${action}`,
        resource: dev.tableKey,
        context: viaService('dynamodb'),
      })),
    ].map((request) => ({ caller: acme, request }));

    expect(await mismatches('allowed', checks, world)).toEqual([]);
  });

  it('allows acme’s session every Secrets Manager action on its secrets (in every region they live in), its connections’ and held credentials, and its importable secrets', async () => {
    const acme = dev.tenantSession('acme');
    const checks = [
      ...secretActions.flatMap((action) =>
        tenantSecrets('dev', 'acme').flatMap((name) =>
          [region, ...replicaRegions].map((inRegion) => onSecret(action, secret(name, inRegion))),
        ),
      ),
      // Adopted secrets exist already: everything but creating them.
      ...secretActions
        .filter((action) => action !== 'secretsmanager:CreateSecret')
        .flatMap((action) => importedNames('acme').map((name) => onSecret(action, secret(name)))),
      { action: 'secretsmanager:ListSecrets', resource: '*' },
      ...secretKeys.flatMap((key) =>
        ['Decrypt', 'GenerateDataKey'].flatMap((action) =>
          [region, ...replicaRegions].map((inRegion) => ({
            action: `kms:${action}`,
            resource: key,
            context: viaService('secretsmanager', inRegion),
          })),
        ),
      ),
      ...connectionRoles.map((role) => ({ action: 'sts:AssumeRole', resource: role })),
    ].map((request) => ({ caller: acme, request }));

    expect(await mismatches('allowed', checks, world)).toEqual([]);
  });

  it('denies acme’s session beta’s items, a look-alike tenant’s, mixed batches, other keys of the pointers and registry, the operator item, the rotation index and scans', async () => {
    const acme = dev.tenantSession('acme');
    const index = `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`;
    const checks = [
      ...tenantRule!.actions.flatMap((action) =>
        [...tenantKeys('beta'), tenantPk('acmex'), versionPk('acmex', 'db'), `${tenantPk('acme')}x`].map(
          (key) => item(action, dev.table, key),
        ),
      ),
      ...['BatchWriteItem', 'BatchGetItem'].map((action) =>
        item(action, dev.table, tenantPk('acme'), tenantPk('beta')),
      ),
      ...['GetItem', 'UpdateItem', 'DeleteItem', 'Query'].flatMap((action) =>
        [pointerKey, tenantRegistryPk].map((key) => item(action, dev.table, key)),
      ),
      ...['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'].map((action) =>
        item(action, dev.table, operatorPk),
      ),
      item('Query', index, rotationIndexPk(0)),
      item('Query', index, tenantPk('acme')),
      item('Query', dev.table),
      item('Scan', dev.table),
      item('Scan', index),
      item('PartiQLSelect', dev.table, tenantPk('acme')),
    ].map((request) => ({ caller: acme, request }));

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('denies acme’s session writing its audit digests, and changing or deleting its audit events, alone or in a batch', async () => {
    const acme = dev.tenantSession('acme');
    const checks = [
      ...['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((action) =>
        item(action, dev.table, auditDigestPk('acme')),
      ),
      ...['UpdateItem', 'DeleteItem', 'BatchWriteItem'].map((action) =>
        item(action, dev.table, auditPk('acme')),
      ),
      item('BatchWriteItem', dev.table, tenantPk('acme'), auditPk('acme')),
      item('BatchWriteItem', dev.table, tenantPk('acme'), auditDigestPk('acme')),
    ].map((request) => ({ caller: acme, request }));
    // The role itself, whatever a session policy allows.
    const role = dev.caller(dev.synth.stack.secretm.tenantAccess.role);
    const roleChecks = ['PutItem', 'DeleteItem'].map((action) => ({
      caller: role,
      request: item(action, dev.table, auditDigestPk('beta')),
    }));

    expect(await mismatches('denied', [...checks, ...roleChecks], world, true)).toEqual([]);
  });

  it('lets an audit session for acme (another tenant’s refused request) add an event to acme’s audit and read acme’s audit key, nothing else', async () => {
    const session = dev.caller(
      dev.synth.stack.secretm.tenantAccess.role,
      auditOnlySessionPolicy('acme', dev.scope),
      'audit.acme',
    );
    const allowed = [
      item('PutItem', dev.table, auditPk('acme')),
      onSecret('secretsmanager:GetSecretValue', secret('secretm/dev/_system/tenants/acme/audit-key')),
    ];
    const denied = [
      ...['GetItem', 'Query', 'UpdateItem', 'DeleteItem'].map((action) =>
        item(action, dev.table, auditPk('acme')),
      ),
      ...['PutItem', 'GetItem'].flatMap((action) =>
        [tenantPk('acme'), auditDigestPk('acme'), auditPk('beta'), tenantRegistryPk].map((key) =>
          item(action, dev.table, key),
        ),
      ),
      ...['CreateSecret', 'PutSecretValue', 'DescribeSecret'].map((action) =>
        onSecret(`secretsmanager:${action}`, secret('secretm/dev/_system/tenants/acme/audit-key')),
      ),
      ...[
        'secretm/dev/_system/tenants/beta/audit-key',
        'secretm/dev/_system/tenants/acme/connections/c1',
        'secretm/dev/acme/db',
        'secretm/prod/_system/tenants/acme/audit-key',
      ].map((name) => onSecret('secretsmanager:GetSecretValue', secret(name))),
    ];

    expect(await decisions(session, { allowed, denied }, world)).toEqual([]);
  });

  it('lets the audit digest job read the registry, every audit, digest and audit key of its stage, and write digests only', async () => {
    const { audit, tenantAccess, operator } = dev.synth.stack.secretm;
    const role = dev.caller(audit.digester.role);
    const allowed = [
      ...[tenantRegistryPk, auditPk('acme'), auditPk('beta'), auditDigestPk('acme')].map((key) =>
        item('Query', dev.table, key),
      ),
      ...['GetItem', 'PutItem', 'BatchWriteItem'].map((action) =>
        item(action, dev.table, auditDigestPk('acme')),
      ),
      item('BatchWriteItem', dev.table, auditDigestPk('acme'), auditDigestPk('beta')),
      ...['Decrypt', 'Encrypt', 'GenerateDataKey'].map((action) => ({
        action: `kms:${action}`,
        resource: dev.tableKey,
        context: viaService('dynamodb'),
      })),
      ...['acme', 'beta'].map((tenant) =>
        onSecret('secretsmanager:GetSecretValue', secret(`secretm/dev/_system/tenants/${tenant}/audit-key`)),
      ),
      ...secretKeys.map((key) => ({
        action: 'kms:Decrypt',
        resource: key,
        context: viaService('secretsmanager'),
      })),
    ];
    const denied = [
      // Events: never written, changed or removed by the job.
      ...['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'GetItem'].map((action) =>
        item(action, dev.table, auditPk('acme')),
      ),
      item('UpdateItem', dev.table, auditDigestPk('acme')),
      item('DeleteItem', dev.table, auditDigestPk('acme')),
      item('BatchWriteItem', dev.table, auditDigestPk('acme'), auditPk('acme')),
      ...['Query', 'GetItem', 'PutItem'].flatMap((action) =>
        [tenantPk('acme'), versionPk('acme', 'db'), usagePk('acme', '2026-12'), pointerKey, operatorPk].map(
          (key) => item(action, dev.table, key),
        ),
      ),
      item('PutItem', dev.table, tenantRegistryPk),
      item('Query', dev.table),
      item('Scan', dev.table),
      item('Query', `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`, rotationIndexPk(0)),
      item('Query', prod.table, auditPk('acme')),
      // Secrets Manager: the audit keys, read, in the home region only.
      ...auditKeyActions
        .filter((action) => action !== 'secretsmanager:GetSecretValue')
        .map((action) => onSecret(action, secret('secretm/dev/_system/tenants/acme/audit-key'))),
      onSecret(
        'secretsmanager:GetSecretValue',
        secret('secretm/dev/_system/tenants/acme/audit-key', replicaRegions[0]),
      ),
      onSecret('secretsmanager:GetSecretValue', secret('secretm/prod/_system/tenants/acme/audit-key')),
      ...[
        'secretm/dev/acme/db',
        'secretm/dev/acme/audit-key',
        'secretm/dev/_system/operator-key',
        // Named `audit-key`, a connection's credentials and a held credential match the key's pattern: denied.
        'secretm/dev/_system/tenants/acme/connections/audit-key',
        'secretm/dev/_system/tenants/acme/held/payments/audit-key',
        'secretm/dev/_system/tenants/acme/connections/c1',
      ].map((name) => onSecret('secretsmanager:GetSecretValue', secret(name))),
      { action: 'secretsmanager:ListSecrets', resource: '*' },
      { action: 'kms:Decrypt', resource: prod.tableKey, context: viaService('dynamodb') },
      { action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) },
      { action: 'sts:AssumeRole', resource: dev.roleArn(operator.role) },
    ];

    expect(await decisions(role, { allowed, denied }, world)).toEqual([]);
  });

  it('gives no other role of either stage what the audit digest job has: audit keys, digests, or the job itself', async () => {
    const checks: Check[] = [];
    for (const stage of [dev, prod]) {
      const { audit, tenantAccess, layoutMigration } = stage.synth.stack.secretm;
      const stageName = stage.scope.stage;
      const digestFunction = stage.deployed.arnOf(logicalId(stage.synth.stack, audit.digester.function));
      // The tenant-access role holds every tenant's key and audit for its sessions (checked above); the
      // layout migration holds the whole table and secretm's secrets; the schedule invokes the job.
      const apart = [audit.digester.role, tenantAccess.role, layoutMigration.migrator.role].map((role) =>
        stage.roleId(role),
      );
      const scheduleRole = stage.roleId(audit.scheduleRole);
      const template = stage.synth.template.toJSON() as { Resources: Record<string, { Type: string }> };
      const roles = Object.entries(template.Resources)
        .filter(([id, resource]) => resource.Type === 'AWS::IAM::Role' && !apart.includes(id))
        .map(([id]) => id);
      expect(roles.length).toBeGreaterThan(10);
      for (const role of roles) {
        const caller: Caller = { stack: stage.deployed, role };
        checks.push(
          ...[
            onSecret(
              'secretsmanager:GetSecretValue',
              secret(`secretm/${stageName}/_system/tenants/acme/audit-key`),
            ),
            item('PutItem', stage.table, auditDigestPk('acme')),
            item('BatchWriteItem', stage.table, auditDigestPk('acme')),
            item('DeleteItem', stage.table, auditPk('acme')),
            { action: 'sts:AssumeRole', resource: stage.deployed.arnOf(stage.roleId(audit.digester.role)) },
            ...(role === scheduleRole ? [] : [{ action: 'lambda:InvokeFunction', resource: digestFunction }]),
          ].map((request) => ({ caller, request })),
        );
      }
    }

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('denies acme’s session beta’s secrets and importable names, another stage’s, the system’s, the old layout, other regions, and creating an importable secret', async () => {
    const acme = dev.tenantSession('acme');
    const names = [
      ...tenantSecrets('dev', 'beta'),
      ...importedNames('beta'),
      ...tenantSecrets('prod', 'acme'),
      'secretm/dev/_system/operator-key',
      'secretm/dev/_system/tenants/acmex/connections/c1',
      'secretm/dev/acmex/db',
      'secretm/acme/db', // the layout before stages
      'secretm/_operator/dev', // the operator key's name before
    ];
    const checks = [
      ...secretActions.flatMap((action) => names.map((name) => onSecret(action, secret(name)))),
      ...secretActions.map((action) => onSecret(action, secret('secretm/dev/acme/db', 'ap-south-1'))),
      ...importedNames('acme').map((name) => onSecret('secretsmanager:CreateSecret', secret(name))),
      ...importedNames('acme').map((name) =>
        onSecret('secretsmanager:GetSecretValue', secret(name, replicaRegions[0])),
      ),
    ].map((request) => ({ caller: acme, request }));

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('denies acme’s session any other key, a secrets key outside Secrets Manager, and any other role', async () => {
    const acme = dev.tenantSession('acme');
    const checks = [
      ...['Decrypt', 'GenerateDataKey'].map((action) => ({
        action: `kms:${action}`,
        resource: prod.tableKey,
        context: viaService('dynamodb'),
      })),
      { action: 'kms:Decrypt', resource: secretKeys[0]!, context: viaService('dynamodb') },
      {
        action: 'kms:Decrypt',
        resource: secretKeys[0]!,
        context: viaService('secretsmanager', 'ap-south-1'),
      },
      { action: 'kms:Encrypt', resource: secretKeys[0]!, context: viaService('secretsmanager') },
      { action: 'kms:Decrypt', resource: secretKeys[0]!, context: {} },
      { action: 'sts:AssumeRole', resource: 'arn:aws:iam::210987654321:role/someone-else' },
      { action: 'sts:AssumeRole', resource: dev.roleArn(dev.synth.stack.secretm.operator.role) },
      { action: 'sts:AssumeRole', resource: dev.roleArn(dev.synth.stack.secretm.tenantAccess.role) },
    ].map((request) => ({ caller: acme, request }));

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('never lets the tenant-access role reach the operator key, whatever the session policy says', async () => {
    const anything: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['secretsmanager:*'], Resource: ['*'] }],
    };
    const checks = [undefined, anything, tenantSessionPolicy('acme', dev.scope)].flatMap((session) =>
      [dev.operatorKey, secret('secretm/dev/_system/operator-key', replicaRegions[1])].flatMap((arn) =>
        [...secretActions, 'secretsmanager:PutResourcePolicy'].map((action) => ({
          caller: dev.caller(dev.synth.stack.secretm.tenantAccess.role, session),
          request: onSecret(action, arn),
        })),
      ),
    );

    expect(await mismatches('denied', checks, world, true)).toEqual([]);
  });

  it('keeps the tenant-access role itself (no session) out of another stage, the rotation index and scans', async () => {
    const role = dev.caller(dev.synth.stack.secretm.tenantAccess.role);
    const checks = [
      ...tenantRule!.actions.map((action) => item(action, prod.table, tenantPk('acme'))),
      item('PutItem', prod.table, pointerKey),
      ...secretActions.map((action) => onSecret(action, secret('secretm/prod/acme/db'))),
      item('Query', `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`, rotationIndexPk(0)),
      item('Scan', dev.table),
      item('Query', dev.table),
    ].map((request) => ({ caller: role, request }));

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('lets the front door of each tenant family assume the two roles and read API key pointers and the operator item, nothing else', async () => {
    const { functions, tenantAccess, operator } = dev.synth.stack.secretm;
    const allowed: Check[] = [];
    const denied: Check[] = [];
    for (const family of tenantFamilies) {
      const door = dev.caller(functions[family].role);
      allowed.push(
        ...[
          item('GetItem', dev.table, pointerKey),
          item('GetItem', dev.table, operatorPk),
          { action: 'kms:Decrypt', resource: dev.tableKey, context: viaService('dynamodb') },
          { action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) },
          { action: 'sts:AssumeRole', resource: dev.roleArn(operator.role) },
        ].map((request) => ({ caller: door, request })),
      );
      denied.push(
        ...[
          ...tenantRule!.actions.flatMap((action) =>
            tenantKeys('acme').map((key) => item(action, dev.table, key)),
          ),
          ...['PutItem', 'UpdateItem', 'DeleteItem', 'Query'].flatMap((action) =>
            [pointerKey, operatorPk].map((key) => item(action, dev.table, key)),
          ),
          item('GetItem', dev.table, tenantRegistryPk),
          item('PutItem', dev.table, tenantRegistryPk),
          item('GetItem', dev.table, pointerKey, tenantPk('acme')),
          item('BatchGetItem', dev.table, pointerKey),
          item('GetItem', prod.table, pointerKey),
          item(
            'Query',
            `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`,
            rotationIndexPk(0),
          ),
          item('Scan', dev.table),
          ...secretActions.map((action) => onSecret(action, secret('secretm/dev/acme/db'))),
          ...['GetSecretValue', 'PutSecretValue', 'DescribeSecret'].map((action) =>
            onSecret(`secretsmanager:${action}`, dev.operatorKey),
          ),
          { action: 'secretsmanager:ListSecrets', resource: '*' },
          { action: 'kms:Encrypt', resource: dev.tableKey, context: viaService('dynamodb') },
          { action: 'kms:GenerateDataKey', resource: dev.tableKey, context: viaService('dynamodb') },
          { action: 'kms:Decrypt', resource: secretKeys[0]!, context: viaService('secretsmanager') },
          { action: 'sts:AssumeRole', resource: connectionRoles[0]! },
          { action: 'sts:AssumeRole', resource: prod.roleArn(prod.synth.stack.secretm.tenantAccess.role) },
          { action: 'sts:AssumeRole', resource: prod.roleArn(prod.synth.stack.secretm.operator.role) },
        ].map((request) => ({ caller: door, request })),
      );
    }

    expect(await mismatches('allowed', allowed, world)).toEqual([]);
    expect(await mismatches('denied', denied, world)).toEqual([]);
  });

  it('lets the system function, the dispatcher and the roll-up assume neither role, nor reach a secret', async () => {
    const { functions, rotation, costs, tenantAccess, operator } = dev.synth.stack.secretm;
    const checks = [functions.system.role, rotation.dispatcher.role, costs.rollup.role].flatMap((role) =>
      [
        { action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) },
        { action: 'sts:AssumeRole', resource: dev.roleArn(operator.role) },
        onSecret('secretsmanager:GetSecretValue', dev.operatorKey),
        onSecret('secretsmanager:GetSecretValue', secret('secretm/dev/acme/db')),
        // The roll-up reads every tenant's items (its own grant, cross-tenant by nature), the others none.
        ...(role === costs.rollup.role ? [] : [item('GetItem', dev.table, pointerKey)]),
      ].map((request) => ({ caller: dev.caller(role), request })),
    );

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('lets the operator role reach the operator key and the OPERATOR item, nothing else', async () => {
    const { operator, tenantAccess } = dev.synth.stack.secretm;
    const role = dev.caller(operator.role, undefined, 'operator');
    const own = ['GetSecretValue', 'PutSecretValue', 'DescribeSecret'].map(
      (action) => `secretsmanager:${action}`,
    );
    const allowed = [
      ...own.map((action) => onSecret(action, dev.operatorKey)),
      item('GetItem', dev.table, operatorPk),
      item('PutItem', dev.table, operatorPk),
      ...['Decrypt', 'Encrypt', 'GenerateDataKey'].map((action) => ({
        action: `kms:${action}`,
        resource: dev.tableKey,
        context: viaService('dynamodb'),
      })),
    ];
    const denied = [
      ...secretActions
        .filter((action) => !own.includes(action))
        .map((action) => onSecret(action, dev.operatorKey)),
      ...secretActions.map((action) => onSecret(action, secret('secretm/dev/acme/db'))),
      onSecret('secretsmanager:GetSecretValue', prod.operatorKey),
      onSecret('secretsmanager:GetSecretValue', secret('secretm/dev/_system/tenants/acme/connections/c1')),
      { action: 'secretsmanager:ListSecrets', resource: '*' },
      ...['UpdateItem', 'DeleteItem', 'Query'].map((action) => item(action, dev.table, operatorPk)),
      ...['GetItem', 'PutItem'].flatMap((action) =>
        [pointerKey, tenantPk('acme'), tenantRegistryPk].map((key) => item(action, dev.table, key)),
      ),
      item('GetItem', prod.table, operatorPk),
      item('Scan', dev.table),
      { action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) },
      { action: 'sts:AssumeRole', resource: connectionRoles[0]! },
    ];

    expect(await decisions(role, { allowed, denied }, world)).toEqual([]);
  });

  it('lets the rotation worker assume the tenant-access role and do nothing else itself', async () => {
    const { rotation, tenantAccess, operator } = dev.synth.stack.secretm;
    const worker = dev.caller(rotation.worker.role);
    const denied = [
      { action: 'sts:AssumeRole', resource: dev.roleArn(operator.role) },
      { action: 'sts:AssumeRole', resource: connectionRoles[0]! },
      { action: 'sts:AssumeRole', resource: prod.roleArn(prod.synth.stack.secretm.tenantAccess.role) },
      ...['GetItem', 'PutItem', 'UpdateItem'].map((action) => item(action, dev.table, tenantPk('acme'))),
      item('Query', `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`, rotationIndexPk(0)),
      ...secretActions.map((action) => onSecret(action, secret('secretm/dev/acme/db'))),
      { action: 'kms:Decrypt', resource: dev.tableKey, context: viaService('dynamodb') },
    ];

    const allowed = [{ action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) }];

    expect(await decisions(worker, { allowed, denied }, world)).toEqual([]);
  });

  it('keeps the dispatcher to the rotation index', async () => {
    const dispatcher = dev.caller(dev.synth.stack.secretm.rotation.dispatcher.role);
    const index = `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`;
    const allowed = [item('Query', index, rotationIndexPk(0))];
    const denied = [
      item('Query', dev.table, tenantPk('acme')),
      item('GetItem', dev.table, tenantPk('acme')),
      item('Query', `${prod.table}/index/${tableDefinition.indexes.byNextRotation.name}`, rotationIndexPk(0)),
    ];

    expect(await decisions(dispatcher, { allowed, denied }, world)).toEqual([]);
  });

  it('gives prod’s acme session prod’s acme and nothing of dev', async () => {
    const acme = prod.tenantSession('acme');
    const allowed = [
      item('PutItem', prod.table, tenantPk('acme')),
      ...secretActions.map((action) => onSecret(action, secret('secretm/prod/acme/db'))),
    ];
    const denied = [
      ...tenantRule!.actions.map((action) => item(action, dev.table, tenantPk('acme'))),
      ...secretActions.flatMap((action) =>
        tenantSecrets('dev', 'acme').map((name) => onSecret(action, secret(name))),
      ),
      { action: 'kms:Decrypt', resource: dev.tableKey, context: viaService('dynamodb') },
    ];

    expect(await decisions(acme, { allowed, denied }, world)).toEqual([]);
  });

  it('lets the layout migration’s role reach the whole table and secretm’s secrets in both layouts and every region, never an operator key', async () => {
    const { layoutMigration, tenantAccess, operator } = dev.synth.stack.secretm;
    const role = dev.caller(layoutMigration.migrator.role);
    // The old layout (no stage: <tenant>/<name>, _connections, _held, _rotation) and the new one.
    const names = [
      'secretm/acme/db',
      'secretm/acme/_connections.c1',
      'secretm/acme/_held.db',
      'secretm/acme/_rotation.db',
      'secretm/beta/db',
      ...tenantSecrets('dev', 'acme'),
      ...tenantSecrets('dev', 'beta'),
    ];
    const allowed = [
      // Every item: no dynamodb:LeadingKeys condition (a scan has no leading keys).
      ...layoutMigrationTableActions.map((action) => ({ action, resource: dev.table })),
      ...['Decrypt', 'Encrypt', 'GenerateDataKey'].map((action) => ({
        action: `kms:${action}`,
        resource: dev.tableKey,
        context: viaService('dynamodb'),
      })),
      ...layoutMigrationSecretActions.flatMap((action) =>
        names.flatMap((name) =>
          [region, ...replicaRegions].map((inRegion) => onSecret(action, secret(name, inRegion))),
        ),
      ),
      ...secretKeys.flatMap((key) =>
        ['Decrypt', 'GenerateDataKey'].map((action) => ({
          action: `kms:${action}`,
          resource: key,
          context: viaService('secretsmanager'),
        })),
      ),
    ];
    const operatorKeys = [
      dev.operatorKey,
      secret('secretm/dev/_system/operator-key', replicaRegions[0]),
      prod.operatorKey,
      secret('secretm/_operator/dev'), // the operator key's name before
    ];
    const explicitlyDenied = [...secretActions, 'secretsmanager:PutResourcePolicy'].flatMap((action) =>
      operatorKeys.map((arn) => onSecret(action, arn)),
    );
    const denied = [
      ...['Scan', 'GetItem', 'PutItem'].map((action) => item(action, prod.table)),
      item('Query', `${dev.table}/index/${tableDefinition.indexes.byNextRotation.name}`, rotationIndexPk(0)),
      item('BatchWriteItem', dev.table, tenantPk('acme')),
      item('PartiQLSelect', dev.table, tenantPk('acme')),
      { action: 'kms:Decrypt', resource: prod.tableKey, context: viaService('dynamodb') },
      { action: 'secretsmanager:ListSecrets', resource: '*' },
      onSecret('secretsmanager:UpdateSecretVersionStage', secret('secretm/dev/acme/db')),
      ...importedNames('acme').map((name) => onSecret('secretsmanager:GetSecretValue', secret(name))),
      onSecret('secretsmanager:GetSecretValue', secret('secretm/dev/acme/db', 'ap-south-1')),
      { action: 'sts:AssumeRole', resource: dev.roleArn(tenantAccess.role) },
      { action: 'sts:AssumeRole', resource: dev.roleArn(operator.role) },
    ];

    expect(await decisions(role, { allowed, explicitlyDenied, denied }, world)).toEqual([]);
  });

  it('gives no other role of either stage what the layout migration has: a scan, the old layout, or the migration itself', async () => {
    const checks: Check[] = [];
    for (const stage of [dev, prod]) {
      const { layoutMigration } = stage.synth.stack.secretm;
      const migrationRole = stage.roleId(layoutMigration.migrator.role);
      const migrationFunction = stage.deployed.arnOf(
        logicalId(stage.synth.stack, layoutMigration.migrator.function),
      );
      const template = stage.synth.template.toJSON() as { Resources: Record<string, { Type: string }> };
      const roles = Object.entries(template.Resources)
        .filter(([id, resource]) => resource.Type === 'AWS::IAM::Role' && id !== migrationRole)
        .map(([id]) => id);
      expect(roles.length).toBeGreaterThan(10);
      for (const role of roles) {
        const caller: Caller = { stack: stage.deployed, role };
        checks.push(
          ...[
            item('Scan', stage.table),
            ...secretActions.flatMap((action) =>
              ['secretm/acme/db', 'secretm/acme/_connections.c1', 'secretm/acme/_held.db'].map((name) =>
                onSecret(action, secret(name)),
              ),
            ),
            { action: 'lambda:InvokeFunction', resource: migrationFunction },
            { action: 'sts:AssumeRole', resource: stage.deployed.arnOf(migrationRole) },
          ].map((request) => ({ caller, request })),
        );
      }
    }

    expect(await mismatches('denied', checks, world)).toEqual([]);
  });

  it('names nothing of another stage: no shared secret name, table, key or role', () => {
    // What names resources and grants them: every role's policies and trust, every function's
    // environment, the secrets' names.
    const text = (stage: Stage) => {
      const template = stage.synth.template.toJSON() as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const parts = Object.entries(template.Resources).flatMap(([id, resource]) => {
        switch (resource.Type) {
          case 'AWS::IAM::Role':
            return [resource.Properties.AssumeRolePolicyDocument, ...stage.deployed.identityPolicies(id)];
          case 'AWS::Lambda::Function':
            return [resource.Properties.Environment];
          case 'AWS::SecretsManager::Secret':
            return [resource.Properties.Name];
          default:
            return [];
        }
      });
      expect(parts.length).toBeGreaterThan(20);
      return JSON.stringify(stage.deployed.resolve(parts));
    };
    const devText = text(dev);
    const prodText = text(prod);

    expect(devText).not.toContain('secretm/prod');
    expect(prodText).not.toContain('secretm/dev');
    for (const [here, there] of [
      [devText, prod],
      [prodText, dev],
    ] as const) {
      expect(here).not.toContain(there.table);
      expect(here).not.toContain(there.tableKey);
      expect(here).not.toContain(there.operatorKey);
      expect(here).not.toContain(there.roleArn(there.synth.stack.secretm.tenantAccess.role));
    }
    expect(dev.scope.stage).toBe('dev');
    expect(prod.scope.stage).toBe('prod');
  });
});
