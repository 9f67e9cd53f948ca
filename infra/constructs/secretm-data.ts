/**
 * secretm's stateful resources: the one DynamoDB table, built from shared/store/table-definition.ts
 * (names, key types, index and projection are read from it, never restated), the customer-managed
 * KMS key it is encrypted with, and the key of what secretm records about its own operation (its log
 * groups and failure queues), which must outlive the logs it encrypts. Nothing stateless lives here,
 * so code can be replaced freely.
 */
import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { createTableInput, tableDefinition } from '../../shared/store/table-definition.ts';

export interface SecretmDataProps {
  /** Deletion protection on the table. */
  deletionProtection: boolean;
  removalPolicy: RemovalPolicy;
}

export class SecretmData extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;
  /**
   * Encrypts the log groups and the failure queues. Its own key, not the table's: CloudWatch Logs may
   * use it (for this account's log groups in this region only), and the table key's policy stays with
   * the table's readers.
   */
  readonly operationsKey: kms.Key;
  /** ARNs of the table's global secondary indexes, each named (no `index/*`). */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string, props: SecretmDataProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TableKey', {
      description: 'Encrypts the secretm table: secret metadata, versions, API key hashes, audit events',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });

    const stack = Stack.of(this);
    this.operationsKey = new kms.Key(this, 'OperationsKey', {
      description:
        "Encrypts secretm's log groups (functions, API access, rotation runs) and its failure queues",
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    const shape = createTableInput('shape-only');
    const attribute = (name: string): dynamodb.Attribute => {
      const definition = shape.AttributeDefinitions?.find((candidate) => candidate.AttributeName === name);
      const type = definition?.AttributeType ? attributeTypes[definition.AttributeType] : undefined;
      if (!type) throw new Error(`table definition: no usable type for attribute ${name}`);
      return { name, type };
    };
    const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined, type: string) => {
      const element = schema?.find((candidate) => candidate.KeyType === type);
      return element?.AttributeName ? attribute(element.AttributeName) : undefined;
    };

    const partitionKey = keyOf(shape.KeySchema, 'HASH');
    if (!partitionKey) throw new Error('table definition: no partition key');
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey,
      sortKey: keyOf(shape.KeySchema, 'RANGE'),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });

    this.indexArns = [];
    for (const index of shape.GlobalSecondaryIndexes ?? []) {
      const indexPartitionKey = keyOf(index.KeySchema, 'HASH');
      if (!index.IndexName || !indexPartitionKey) throw new Error('table definition: incomplete index');
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName,
        partitionKey: indexPartitionKey,
        sortKey: keyOf(index.KeySchema, 'RANGE'),
        projectionType: projectionTypes[index.Projection?.ProjectionType ?? 'ALL'],
        nonKeyAttributes: index.Projection?.NonKeyAttributes,
      });
      this.indexArns.push(`${this.table.tableArn}/index/${index.IndexName}`);
    }
  }
}

const attributeTypes: Record<string, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

const projectionTypes: Record<string, dynamodb.ProjectionType> = {
  ALL: dynamodb.ProjectionType.ALL,
  KEYS_ONLY: dynamodb.ProjectionType.KEYS_ONLY,
  INCLUDE: dynamodb.ProjectionType.INCLUDE,
};
