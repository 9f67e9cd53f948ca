/**
 * Every permission secretm hands out, as named helpers: each lists its actions explicitly and scopes
 * them to secretm's own resources (the table and its named indexes, the table's key, secrets under
 * `secretm/` and those configured as importable). `*` only for the two Secrets Manager actions AWS
 * cannot scope (ListSecrets, BatchGetSecretValue), each acknowledged with its reason.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { rollupPk, tenantPk, usagePk, versionPk } from '../../shared/store/keys.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import { acknowledge, acknowledgeWildcardResource } from './nag.ts';
import type { SecretmData } from './secretm-data.ts';

/**
 * The prefix of the names secretm gives the secrets it creates in AWS Secrets Manager (the adapter's
 * default `namePrefix`; test/infra/constructs/grants.test.ts checks that they agree).
 */
export const ownSecretNamePrefix = 'secretm/';

// What shared/store calls (a transaction is authorised per item, as Put/Update/Delete). No Scan:
// nothing in a request path scans.
const tableReadActions = ['dynamodb:GetItem', 'dynamodb:Query'];
const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
// DynamoDB uses the caller's permission on the table's customer-managed key to read and write items.
const tableKeyReadActions = ['kms:Decrypt', 'kms:DescribeKey'];
const tableKeyWriteActions = ['kms:Encrypt', 'kms:GenerateDataKey'];

/** Read and write items of secretm's table and its indexes (the API functions). */
export function grantTableReadWrite(grantee: iam.IGrantable, data: SecretmData): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...tableReadActions, ...tableWriteActions],
    resourceArns: [data.table.tableArn, ...data.indexArns],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...tableKeyReadActions, ...tableKeyWriteActions],
    resourceArns: [data.key.keyArn],
  });
}

export interface OwnSecretsAccess {
  /** Regions secretm's secrets are replicated to. */
  replicaRegions: string[];
  /** Customer-managed keys the secrets are encrypted with. */
  kmsKeyArns: string[];
  /** Existing secrets secretm may adopt: exact names, or prefixes ending in `*`. */
  importable: string[];
}

const secretReadActions = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const secretManageActions = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  ...secretReadActions,
  'secretsmanager:UpdateSecret',
  'secretsmanager:TagResource',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
];

/** `read`: values and descriptions only; `manage`: create, write, tag, delete and restore as well. */
export type SecretAccess = 'read' | 'manage';

/**
 * The secrets secretm names `secretm/…` (here and in the replica regions), and the existing secrets
 * configured as importable (never created there): read, or `manage` — create, write, read, tag,
 * delete, restore, and replicate when replicas are configured.
 */
export function grantOwnSecrets(
  grantee: iam.IGrantable & Construct,
  access: OwnSecretsAccess,
  level: SecretAccess,
): void {
  const stack = Stack.of(grantee);
  const manage = level === 'manage';
  const replicated = manage && access.replicaRegions.length > 0;
  const ownArns = [undefined, ...access.replicaRegions].map((region) =>
    secretArn(stack, `${ownSecretNamePrefix}*`, region),
  );
  iam.Grant.addToPrincipal({
    grantee,
    actions: [
      ...(manage ? secretManageActions : secretReadActions),
      ...(replicated
        ? ['secretsmanager:ReplicateSecretToRegions', 'secretsmanager:RemoveRegionsFromReplication']
        : []),
    ],
    resourceArns: ownArns,
  });
  for (const arn of ownArns) {
    acknowledgeWildcardResource(
      grantee.grantPrincipal,
      arn,
      'secretm names the secrets it creates at run time (secretm/<tenant>/<name>); the secretm/ prefix is ' +
        'the narrowest ARN that covers them, and no other secret of the account matches it',
    );
  }

  if (access.importable.length > 0) {
    const importableArns = access.importable.map((name) =>
      // Secrets Manager appends a hyphen and six random characters to every secret's ARN.
      secretArn(stack, name.endsWith('*') ? name : `${name}-??????`, undefined),
    );
    iam.Grant.addToPrincipal({
      grantee,
      actions: manage
        ? secretManageActions.filter((action) => action !== 'secretsmanager:CreateSecret')
        : secretReadActions,
      resourceArns: importableArns,
    });
    for (const arn of importableArns.filter((_arn, i) => access.importable[i]?.endsWith('*'))) {
      acknowledgeWildcardResource(
        grantee.grantPrincipal,
        arn,
        'an importable prefix the deployment configuration names (vaults.awsSecretsManager.importable): ' +
          'imported secrets stay where they are and secretm reads and writes them there',
      );
    }
  }
  grantSecretKeys(
    grantee,
    access.kmsKeyArns,
    manage ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
    access.replicaRegions,
  );
}

/**
 * Moving the staging labels of secretm's own and the importable secrets (UpdateSecretVersionStage):
 * a rotation promotes its AWSPENDING version to AWSCURRENT, or drops AWSPENDING when it fails. Given
 * with `manage` to the functions that rotate (the rotation worker, and the secrets API for rotate-now).
 */
export function grantSecretStaging(grantee: iam.IGrantable & Construct, access: OwnSecretsAccess): void {
  const stack = Stack.of(grantee);
  const arns = [
    ...[undefined, ...access.replicaRegions].map((region) =>
      secretArn(stack, `${ownSecretNamePrefix}*`, region),
    ),
    ...access.importable.map((name) =>
      secretArn(stack, name.endsWith('*') ? name : `${name}-??????`, undefined),
    ),
  ];
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:UpdateSecretVersionStage'],
    resourceArns: arns,
  });
}

/**
 * What the rotation worker does to the table: read a secret's items, and write them in transactions
 * (metadata, version and audit items are Put, the rotation fields Updated). No Query, Delete or Scan.
 */
export function grantRotationTable(grantee: iam.IGrantable, data: SecretmData): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    resourceArns: [data.table.tableArn],
  });
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...tableKeyReadActions, ...tableKeyWriteActions],
    resourceArns: [data.key.keyArn],
  });
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
    actions: [...tableKeyReadActions, ...tableKeyWriteActions],
    resourceArns: [data.key.keyArn],
  });
}

/**
 * ListSecrets, for a connection's test and discover: AWS offers no resource-level permission for it
 * (the Service Authorization Reference lists no resource type), so it is granted on `*`. It answers
 * names, descriptions and tags, never a value.
 */
export function grantSecretDiscovery(grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:ListSecrets'], resourceArns: ['*'] });
  acknowledge(
    grantee.grantPrincipal,
    'AwsSolutions-IAM5[Resource::*]',
    'secretsmanager:ListSecrets has no resource-level permissions (AWS accepts only *); it lists names ' +
      'and tags for a connection test and for discover, never a value',
  );
}

/** Assume the roles connections name, to reach Secrets Manager in other accounts. */
export function grantAssumeRoles(grantee: iam.IGrantable, roleArns: string[]): void {
  if (roleArns.length === 0) return;
  iam.Grant.addToPrincipal({ grantee, actions: ['sts:AssumeRole'], resourceArns: roleArns });
}

export interface TenantSecretRead {
  tenant: string;
  name: string;
  /** For an imported secret: its own name in Secrets Manager (else secretm's `secretm/<tenant>/<name>`). */
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
  const name = `${read.vaultName ?? `${ownSecretNamePrefix}${read.tenant}/${read.name}`}-??????`;
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
 * connection's credentials only (`secretm/<tenant>/_connections.<id>`, where the credential vault keeps
 * them), in the home region. The connection's item itself is in the tenant's partition, which
 * `grantTenantSecretRead` lets the function read.
 */
export function grantConnectionCredentialsRead(
  grantee: iam.IGrantable & Construct,
  tenant: string,
  connection: string,
): void {
  const stack = Stack.of(grantee);
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [
      secretArn(stack, `${ownSecretNamePrefix}${tenant}/_connections.${connection}-??????`, undefined),
    ],
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
    actions: [...tableKeyReadActions, ...tableKeyWriteActions],
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

function secretArn(stack: Stack, resourceName: string, region: string | undefined): string {
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    ...(region ? { region } : {}),
  });
}
