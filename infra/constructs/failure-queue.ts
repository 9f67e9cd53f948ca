/**
 * Where the work of an asynchronous function goes when it failed for good: an SQS queue, encrypted with
 * the deployment's operations key and reachable over TLS only, that keeps each message 14 days (SQS's
 * longest) for an operator to read and replay. A queue alarm (secretm-monitoring.ts) says when one is
 * not empty. What lands here is the invocation's input and Lambda's or Scheduler's error attributes:
 * secretm's scheduled inputs name tenants, secrets and months, never a value.
 */
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export interface FailureQueueProps {
  /** Encrypts the messages (SecretmData.operationsKey). */
  encryptionKey: kms.IKey;
}

/** SQS's longest retention: a failure found after a long weekend is still there. */
export const failureRetention = Duration.days(14);

export class FailureQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly #key: kms.IKey;

  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id);
    this.#key = props.encryptionKey;
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: failureRetention,
    });
    acknowledge(
      this.queue,
      'AwsSolutions-SQS3',
      'this queue is itself a dead-letter queue (of a Lambda function, a schedule or a state machine), which ' +
        'cdk-nag recognises only between two queues; nothing consumes it automatically, so it needs none of its own',
    );
  }

  /**
   * Lets a role send to the queue (Lambda, Scheduler and Step Functions send with a role): SendMessage,
   * and of its key only what SQS asks for on a send (a data key, and decrypting it when reused), not
   * the Encrypt/ReEncrypt* that `grantSendMessages` adds.
   */
  grantSend(grantee: iam.IGrantable): void {
    this.queue.grant(grantee, 'sqs:SendMessage');
    this.#key.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
}
