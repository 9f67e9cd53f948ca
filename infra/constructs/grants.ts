/**
 * Every permission secretm hands out, as named helpers: each lists its actions explicitly and scopes
 * them to secretm's own resources of one stage (the table and its named index, the table's key, the
 * secrets under `secretm/<stage>/` and those configured as importable). `*` only for the two Secrets
 * Manager actions AWS cannot scope (ListSecrets, BatchGetSecretValue), each acknowledged with its reason.
 *
 * Tenant isolation below the application (docs/deployment.md, "Roles"): the API functions and the
 * rotation worker reach tenant data only through the tenant-access role, assumed per tenant with the
 * session policy of shared/tenancy/session-policy.ts; the role's own policy is the union of those
 * session policies over every tenant of the stage, generated from the same code (tableStatements,
 * tenantTableRules, secretActions). Their own roles keep only what authentication needs before it
 * knows a tenant.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  auditDigestPk,
  auditPk,
  operatorKeyPk,
  rollupPk,
  tenantPk,
  tenantRegistryPk,
  usagePk,
  versionPk,
} from '../../shared/store/keys.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import {
  secretActions,
  tableDenyStatements,
  tableKeyActions,
  tableStatements,
} from '../../shared/tenancy/session-policy.ts';
import {
  apiKeyPointerPattern,
  tenantTableDenials,
  tenantTableRules,
} from '../../shared/tenancy/table-access.ts';
import { systemSegment, vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { acknowledge, acknowledgeWildcardResource } from './nag.ts';
import type { SecretmData } from './secretm-data.ts';

/**
 * The partition (and sort) key of the operator key's item: authentication reads it before it knows a
 * tenant, the operator role writes it. Outside every tenant's partitions (`T#…`) and pointers (`K#…`).
 */
export const operatorPk = operatorKeyPk;

// What shared/store calls to read (a Scan is never needed), and the table key's share of a read.
const tableReadActions = ['dynamodb:GetItem', 'dynamodb:Query'];
const tableKeyReadActions = ['kms:Decrypt', 'kms:DescribeKey'];
const secretReadActions = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];

/** Every tenant of a stage: `T#*`, `T#*#*`, and PutItem on `K#*` and `TENANTS` (table-access.ts). */
export const allTenantsTableRules = () => tenantTableRules('*');

export interface TenantAccess {
  stage: string;
  /** Regions secretm's secrets are replicated to. */
  replicaRegions: string[];
  /** Customer-managed keys the secrets are encrypted with. */
  kmsKeyArns: string[];
  /** Roles stored AWS connections may assume (other accounts). */
  assumeRoleArns: string[];
  /** Existing secrets each tenant may adopt, by tenant: exact names, or prefixes ending in `*`. */
  importable: Record<string, string[]>;
}

/** Everything a tenant's secret may be asked, but creating it: imported secrets exist already. */
const importableActions = secretActions.filter((action) => action !== 'secretsmanager:CreateSecret');

/** What a tenant's session calls on its audit key: read it, make it on first use (and look at it when that fails). */
export const auditKeyActions = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
];

/**
 * The tenant-access role's own policy: what any tenant session of the stage may do, so that a session
 * (this ∩ the tenant's session policy) is exactly the tenant's.
 *
 * - the table: `tableStatements(tenantTableRules('*'))`, every tenant's partitions and the pointers
 *   and registry it writes (LeadingKeys required, so no Scan; no index), and the table's key; denied
 *   whatever else allows it (`tenantTableDenials`): writing audit digests, changing or deleting events;
 * - with Secrets Manager (`secretsManager`): `secretActions` on `secretm/<stage>/*` in the home and
 *   every replica region, and everything on the operator key denied; the importable secrets of every
 *   tenant (in the home region, never created there); the customer-managed keys through Secrets
 *   Manager only; ListSecrets (no resource scope); `sts:AssumeRole` on the configured roles.
 */
export function grantTenantAccess(
  role: iam.Role,
  data: SecretmData,
  access: TenantAccess,
  secretsManager: boolean,
): void {
  const stack = Stack.of(role);
  const namespace = vaultNamespace(access.stage);
  const statements = tableStatements(
    { tableArn: data.table.tableArn, tableKeyArn: data.key.keyArn },
    allTenantsTableRules(),
  );
  for (const statement of statements) role.addToPolicy(iam.PolicyStatement.fromJson(statement));
  // Whatever else allows it: no tenant session writes an audit digest, or changes or deletes an event.
  for (const statement of tableDenyStatements({ tableArn: data.table.tableArn }, tenantTableDenials)) {
    role.addToPolicy(iam.PolicyStatement.fromJson(statement));
  }
  const regions = [undefined, ...access.replicaRegions];
  // Whatever else allows it: the operator key is the operator role's alone.
  role.addToPolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['secretsmanager:*'],
      resources: regions.map((region) => secretArn(stack, `${namespace.operatorKeyRef}*`, region)),
    }),
  );
  if (!secretsManager) {
    // secretm's own audit keys live in Secrets Manager whatever vaults connections may use.
    const auditKeys = secretArn(stack, auditKeyNamePattern(access.stage), undefined);
    role.addToPolicy(new iam.PolicyStatement({ actions: auditKeyActions, resources: [auditKeys] }));
    acknowledgeWildcardResource(
      role,
      auditKeys,
      'the union of every tenant’s session policy for its audit key (made on first use, named at run time); ' +
        'each session is confined to its own tenant’s key by its session policy',
    );
    return;
  }

  const stageArns = regions.map((region) => secretArn(stack, `${namespace.stagePrefix}*`, region));
  role.addToPolicy(new iam.PolicyStatement({ actions: secretActions, resources: stageArns }));
  for (const arn of stageArns) {
    acknowledgeWildcardResource(
      role,
      arn,
      `the union of every tenant's session policy: secretm/${access.stage}/<tenant>/* and its ` +
        `secretm/${access.stage}/_system/tenants/<tenant>/*, named at run time; each session is confined ` +
        'to one tenant by its session policy, and the operator key is denied',
    );
  }

  const importable = [...new Set(Object.values(access.importable).flat())];
  if (importable.length > 0) {
    const importableArns = importable.map((name) => secretArn(stack, importableName(name), undefined));
    role.addToPolicy(new iam.PolicyStatement({ actions: importableActions, resources: importableArns }));
    for (const arn of importableArns.filter((_arn, i) => importable[i]?.endsWith('*'))) {
      acknowledgeWildcardResource(
        role,
        arn,
        'an importable prefix the deployment configuration names for one tenant ' +
          '(vaults.awsSecretsManager.importable): imported secrets stay where they are, and that tenant’s ' +
          'session policy alone includes them',
      );
    }
  }

  role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:ListSecrets'], resources: ['*'] }));
  acknowledge(
    role,
    'AwsSolutions-IAM5[Resource::*]',
    'secretsmanager:ListSecrets has no resource-level permissions (AWS accepts only *); it lists names ' +
      'and tags for a connection test and for discover, never a value, and the port confines the listing',
  );
  grantSecretKeys(role, access.kmsKeyArns, ['kms:Decrypt', 'kms:GenerateDataKey'], access.replicaRegions);
  grantAssumeRoles(role, access.assumeRoleArns);
}

/**
 * The front door: what an API function does with its own role, before it knows a tenant — assume the
 * tenant-access and operator roles, and read an API key's pointer (`K#<id>`) and the operator key's
 * item (`OPERATOR`) with GetItem. Nothing else of the table, nothing of Secrets Manager.
 */
export function grantFrontDoor(grantee: iam.IGrantable, data: SecretmData, roles: iam.IRole[]): void {
  grantAssumeRoles(
    grantee,
    roles.map((role) => role.roleArn),
  );
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:GetItem'],
    resourceArns: [data.table.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [apiKeyPointerPattern, operatorPk] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
  iam.Grant.addToPrincipal({ grantee, actions: tableKeyReadActions, resourceArns: [data.key.keyArn] });
}

/**
 * Readiness (`GET /v1/health/ready`, on the system function): `dynamodb:DescribeTable` on secretm's
 * table, which answers the table's status and shape, never an item.
 */
export function grantStoreReadiness(grantee: iam.IGrantable, data: SecretmData): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:DescribeTable'],
    resourceArns: [data.table.tableArn],
  });
}

/**
 * The operator role: the operator key's secret (read, describe, put a new value) and the operator
 * key's item in the table (`OPERATOR`: GetItem, PutItem), for the operator bootstrap and
 * `POST /v1/api-keys/operator/rotate`. No other secret, no tenant item.
 */
export function grantOperatorAccess(role: iam.Role, data: SecretmData, key: secretsmanager.ISecret): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: [
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DescribeSecret',
      ],
      resources: [key.secretArn],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [data.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [operatorPk] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: tableKeyActions, resources: [data.key.keyArn] }));
}

/**
 * What the layout migration (functions/migrations/tenant-layout.ts) may do, on its own role: read and
 * write every item of the table (Scan and Query included: it must see every tenant, and reads one
 * secret's versions; no index), and read, create, write and delete secretm's secrets of the account in
 * both layouts (`secretm/*`: the old one, `secretm/<tenant>/…`, names no stage) in the home and replica
 * regions. The operator keys (`secretm/<stage>/_system/operator-key`, and the old
 * `secretm/_operator/<stage>`) are denied: the migration never touches them. No tenant session, no
 * ListSecrets, no other role.
 */
export function grantLayoutMigration(
  role: iam.Role,
  data: SecretmData,
  access: Pick<TenantAccess, 'stage' | 'replicaRegions' | 'kmsKeyArns'>,
  secretsManager: boolean,
): void {
  const stack = Stack.of(role);
  role.addToPolicy(
    new iam.PolicyStatement({ actions: layoutMigrationTableActions, resources: [data.table.tableArn] }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: tableKeyActions, resources: [data.key.keyArn] }));
  const regions = [undefined, ...access.replicaRegions];
  role.addToPolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['secretsmanager:*'],
      resources: regions.flatMap((region) => operatorKeyNames.map((name) => secretArn(stack, name, region))),
    }),
  );
  if (!secretsManager) return;
  const arns = regions.map((region) => secretArn(stack, `${layoutMigrationSecrets}*`, region));
  role.addToPolicy(new iam.PolicyStatement({ actions: layoutMigrationSecretActions, resources: arns }));
  for (const arn of arns) {
    acknowledgeWildcardResource(
      role,
      arn,
      `the layout migration moves secretm's secrets from the layout before stages (secretm/<tenant>/<name>, ` +
        `which names no stage) to secretm/${access.stage}/…, so it reaches both; only the operator invokes it, ` +
        'and the operator keys are denied',
    );
  }
  grantSecretKeys(role, access.kmsKeyArns, ['kms:Decrypt', 'kms:GenerateDataKey'], access.replicaRegions);
}

/** What the layout migration calls on the table (shared/tenancy/layout-migration/). */
export const layoutMigrationTableActions = [
  'dynamodb:Scan',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/** What it calls on secrets: read, copy (with tags and replicas), restore a deleted one to copy it, delete. */
export const layoutMigrationSecretActions = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:DescribeSecret',
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:TagResource',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:ReplicateSecretToRegions',
  'secretsmanager:RemoveRegionsFromReplication',
];
/** Every secret secretm names, in either layout. */
const layoutMigrationSecrets = 'secretm/';
/** The operator keys of every stage, now and before. */
const operatorKeyNames = ['secretm/*/_system/operator-key*', 'secretm/_operator/*'];

/** `sts:AssumeRole` on the given roles (the tenant-access and operator roles, or connections' roles). */
export function grantAssumeRoles(grantee: iam.IGrantable, roleArns: string[]): void {
  if (roleArns.length === 0) return;
  iam.Grant.addToPrincipal({ grantee, actions: ['sts:AssumeRole'], resourceArns: roleArns });
}

/** The rotation dispatcher reads the index by next rotation time, and nothing else. */
export function grantRotationIndexRead(grantee: iam.IGrantable, data: SecretmData): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query'],
    resourceArns: [`${data.table.tableArn}/index/${tableDefinition.indexes.byNextRotation.name}`],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:DescribeKey'],
    resourceArns: [data.key.keyArn],
  });
}

/** Every tenant's roll-up partitions (keys.ts: `T#<tenant>#R#<month>`), as an IAM StringLike pattern. */
export const rollupPkPattern = rollupPk('*', '*');

/**
 * What the monthly cost roll-up does to the table: read the tenant registry and each tenant's secret
 * lives, usage counters, connections and roll-ups (Query, GetItem on the table; no index), and write
 * roll-up items only: PutItem and BatchWriteItem (new parts, the header, deleting an older
 * generation's parts) are limited by `dynamodb:LeadingKeys` to the `T#<tenant>#R#<month>` partitions.
 * No UpdateItem, DeleteItem or Scan.
 */
export function grantCostRollupTable(grantee: iam.IGrantable, data: SecretmData): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: tableReadActions,
    resourceArns: [data.table.tableArn],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
    resourceArns: [data.table.tableArn],
    // A tenant id never holds `#` (keys.ts), so only roll-up partitions spell `T#…#R#…`.
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [rollupPkPattern] } },
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: tableKeyActions,
    resourceArns: [data.key.keyArn],
  });
}

/** Every tenant's audit events and digests (keys.ts: `T#<tenant>#A`, `T#<tenant>#D`), as IAM StringLike patterns. */
export const auditPkPattern = auditPk('*');
export const auditDigestPkPattern = auditDigestPk('*');

/** Where secretm keeps its own refs about any tenant of a stage: `secretm/<stage>/_system/tenants/*` then `/`. */
function anyTenantSystemPrefix(stage: string): string {
  return `${vaultNamespace(stage).stagePrefix}${systemSegment}/tenants/*/`;
}

/** Every tenant's audit key (`secretm/<stage>/_system/tenants/<tenant>/audit-key`), as a secret name pattern. */
export function auditKeyNamePattern(stage: string): string {
  return `${anyTenantSystemPrefix(stage)}audit-key-??????`;
}

/**
 * What the hourly audit digest job (functions/audit/digest.ts) may do, on its own role: `Query` the
 * tenant registry and every tenant's audit and digests (no index, no Scan), write digests only
 * (PutItem, BatchWriteItem on `T#*#D`: no event can be written, changed or removed), and read every
 * tenant's audit key, in the home region, nothing else of Secrets Manager. A `*` in an IAM pattern
 * spans `/`, so the key's pattern (`_system/tenants/<any>/audit-key-??????`) would also match the
 * credentials of a connection, or the held credentials of a secret, named `audit-key`: those two
 * folders are denied outright.
 */
export function grantAuditDigests(
  role: iam.Role,
  data: SecretmData,
  access: Pick<TenantAccess, 'stage' | 'replicaRegions' | 'kmsKeyArns'>,
): void {
  const stack = Stack.of(role);
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [data.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [tenantRegistryPk, auditPkPattern, auditDigestPkPattern],
        },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
      resources: [data.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [auditDigestPkPattern] },
        Null: { 'dynamodb:LeadingKeys': 'false' },
      },
    }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: tableKeyActions, resources: [data.key.keyArn] }));
  const keys = secretArn(stack, auditKeyNamePattern(access.stage), undefined);
  role.addToPolicy(
    new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keys] }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['secretsmanager:*'],
      resources: ['connections', 'held'].map((folder) =>
        secretArn(stack, `${anyTenantSystemPrefix(access.stage)}${folder}/*`, undefined),
      ),
    }),
  );
  acknowledgeWildcardResource(
    role,
    keys,
    'every tenant’s audit key (one secret per tenant, named at run time): the digest job HMACs each tenant’s ' +
      'digests with it; connection and held credentials, which the pattern could also name, are denied',
  );
  grantSecretKeys(role, access.kmsKeyArns, ['kms:Decrypt'], []);
}

export interface TenantSecretRead {
  stage: string;
  tenant: string;
  name: string;
  /** For an imported secret: its own name in Secrets Manager (else `secretm/<stage>/<tenant>/<name>`). */
  vaultName?: string;
  replicaRegions: string[];
  kmsKeyArns: string[];
  /** The secret lives on a stored connection (not in secretm's own Secrets Manager). */
  storedConnection?: boolean;
}

/**
 * What the secretm layer needs to read one secret: its value and description in Secrets Manager (in
 * every region it is replicated to), and its metadata in the table, limited by `dynamodb:LeadingKeys`
 * to the tenant's partition and the secret's version partition.
 */
export function grantTenantSecretRead(
  grantee: iam.IGrantable & Construct,
  data: SecretmData,
  read: TenantSecretRead,
): void {
  // A secret on a stored connection is read from that connection's vault, with its own credentials.
  if (!read.storedConnection) grantSecretsManagerRead(grantee, read);
  iam.Grant.addToPrincipal({
    grantee,
    // What the layer's table reader calls: GetItem and BatchGetItem, both limited by LeadingKeys.
    actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    resourceArns: [data.table.tableArn],
    conditions: {
      'ForAllValues:StringEquals': {
        'dynamodb:LeadingKeys': [tenantPk(read.tenant), versionPk(read.tenant, read.name)],
      },
    },
  });
  iam.Grant.addToPrincipal({ grantee, actions: tableKeyReadActions, resourceArns: [data.key.keyArn] });
}

/** GetSecretValue/DescribeSecret on one secret in Secrets Manager (every region it lives in), for the layer. */
function grantSecretsManagerRead(grantee: iam.IGrantable & Construct, read: TenantSecretRead): void {
  const stack = Stack.of(grantee);
  // Secrets Manager appends a hyphen and six random characters to every secret's ARN.
  const name = `${read.vaultName ?? `${vaultNamespace(read.stage).tenantPrefix(read.tenant)}${read.name}`}-??????`;
  const regions = read.vaultName ? [undefined] : [undefined, ...read.replicaRegions];
  iam.Grant.addToPrincipal({
    grantee,
    actions: secretReadActions,
    resourceArns: regions.map((region) => secretArn(stack, name, region)),
  });
  // BatchGetSecretValue (the layer's getSecrets) has no resource-level permissions; AWS still checks
  // GetSecretValue on every secret of the batch, so this grants no read by itself.
  iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:BatchGetSecretValue'], resourceArns: ['*'] });
  acknowledge(
    grantee.grantPrincipal,
    'AwsSolutions-IAM5[Resource::*]',
    'secretsmanager:BatchGetSecretValue has no resource-level permissions (AWS accepts only *); AWS ' +
      'also checks GetSecretValue on each secret of a batch, which is granted on named secrets only',
  );
  grantSecretKeys(grantee, read.kmsKeyArns, ['kms:Decrypt'], read.replicaRegions);
}

/**
 * What the secretm layer needs to reach a secret on a stored connection: GetSecretValue on that
 * connection's credentials only (`secretm/<stage>/_system/tenants/<tenant>/connections/<id>`, where the
 * credential vault keeps them), in the home region. The connection's item itself is in the tenant's
 * partition, which `grantTenantSecretRead` lets the function read.
 */
export function grantConnectionCredentialsRead(
  grantee: iam.IGrantable & Construct,
  stage: string,
  tenant: string,
  connection: string,
): void {
  const stack = Stack.of(grantee);
  const ref = vaultNamespace(stage).connectionCredentialsRef(tenant, connection);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [secretArn(stack, `${ref}-??????`, undefined)],
  });
}

/**
 * What the secretm layer needs to count its vault calls and cache hits: UpdateItem (atomic ADD) on
 * the tenant's usage counters only, limited by `dynamodb:LeadingKeys` to `T#<tenant>#U#*` (one
 * partition per month), so a consumer counts into its own tenant's usage items and nowhere else.
 */
export function grantTenantUsageCount(grantee: iam.IGrantable, data: SecretmData, tenant: string): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [data.table.tableArn],
    conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [usagePk(tenant, '*')] } },
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: tableKeyActions,
    resourceArns: [data.key.keyArn],
  });
}

/** Use of customer-managed keys, only through Secrets Manager. */
function grantSecretKeys(
  grantee: iam.IGrantable & Construct,
  keyArns: string[],
  actions: string[],
  replicaRegions: string[],
): void {
  if (keyArns.length === 0) return;
  const stack = Stack.of(grantee);
  const viaService = [stack.region, ...replicaRegions].map(
    (region) => `secretsmanager.${region}.${stack.urlSuffix}`,
  );
  iam.Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns: keyArns,
    conditions: { StringEquals: { 'kms:ViaService': viaService } },
  });
}

/** Secrets Manager appends a hyphen and six random characters to every secret's ARN. */
export function importableName(name: string): string {
  return name.endsWith('*') ? name : `${name}-??????`;
}

function secretArn(stack: Stack, resourceName: string, region: string | undefined): string {
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    ...(region ? { region } : {}),
  });
}
