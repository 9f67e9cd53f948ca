/**
 * Audit digests (keys.ts: `T#<tenant>#D`), one per tenant and hour, written by the digest job only
 * (shared/audit/audit-digests.ts). The header (`H#<hour>`) holds the digest's text exactly as it was
 * HMAC'd, the HMAC, and the generation of its parts; the parts (`P#<hour>#<generation>#<part>`) list
 * the hour's events. Parts are written before their header, and the header only if the hour has none
 * yet, so two runs of the job never leave two digests of one hour; the parts of a run that lost (or
 * stopped before its header) are never read, and expire.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ProviderUnavailableError } from '../errors.ts';
import { writeInBatches } from './batch-write.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import {
  auditDigestHeaderPrefix,
  auditDigestPartPrefix,
  auditDigestPk,
  pkName,
  skName,
  ttlName,
} from './keys.ts';
import { queryAll } from './query-pages.ts';

/** A digest header as stored. */
export interface StoredDigest {
  /** The hour it covers, from its sort key. */
  hour: string;
  /** The digest's text (shared/audit/audit-seal.ts DigestContent), exactly as HMAC'd. */
  content: string;
  hmac: string;
  generation: string;
}

export interface NewDigest {
  hour: string;
  content: string;
  hmac: string;
  /** The parts' texts, in order. */
  parts: string[];
  expiresAt: number;
}

export interface AuditDigestStore {
  /** The digest of the latest hour, if any. */
  latest(tenant: string): Promise<StoredDigest | undefined>;
  get(tenant: string, hour: string): Promise<StoredDigest | undefined>;
  /** Headers of the hours from `from` to `to` (both inclusive), oldest first, a query page at a time. */
  headers(tenant: string, from: string, to: string): AsyncGenerator<StoredDigest[]>;
  /** The texts of a digest's parts, in order. */
  parts(tenant: string, digest: StoredDigest): Promise<string[]>;
  /** Writes the digest unless the hour has one: false when it had. */
  put(tenant: string, digest: NewDigest): Promise<boolean>;
}

const headerSk = (hour: string) => `${auditDigestHeaderPrefix}${hour}`;

function digestOf(item: Record<string, unknown>): StoredDigest {
  return {
    hour: String(item[skName]).slice(auditDigestHeaderPrefix.length),
    content: String(item.content ?? ''),
    hmac: String(item.hmac ?? ''),
    generation: String(item.generation ?? ''),
  };
}

export function createAuditDigestStore(deps: StoreDeps): AuditDigestStore {
  const { client, tableName } = deps;

  return {
    async latest(tenant) {
      try {
        const { Items } = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: { ':pk': auditDigestPk(tenant), ':prefix': auditDigestHeaderPrefix },
            ScanIndexForward: false,
            Limit: 1,
            ConsistentRead: true,
          }),
        );
        return Items?.[0] ? digestOf(Items[0]) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async get(tenant, hour) {
      try {
        const { Item } = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: { [pkName]: auditDigestPk(tenant), [skName]: headerSk(hour) },
            ConsistentRead: true,
          }),
        );
        return Item ? digestOf(Item) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async *headers(tenant, from, to) {
      let startKey: Record<string, unknown> | undefined;
      try {
        do {
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
              ExpressionAttributeValues: {
                ':pk': auditDigestPk(tenant),
                ':from': headerSk(from),
                ':to': headerSk(to),
              },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          );
          yield (page.Items ?? []).map(digestOf);
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async parts(tenant, digest) {
      try {
        const items = await queryAll(deps, {
          pk: auditDigestPk(tenant),
          skPrefix: `${auditDigestPartPrefix}${digest.hour}#${digest.generation}#`,
          consistentRead: true,
        });
        return items.map((item) => String(item.entries ?? ''));
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async put(tenant, digest) {
      const pk = auditDigestPk(tenant);
      const generation = randomBytes(6).toString('hex');
      try {
        await writeInBatches(
          deps,
          digest.parts.map((entries, i) => ({
            PutRequest: {
              Item: {
                [pkName]: pk,
                [skName]: `${auditDigestPartPrefix}${digest.hour}#${generation}#${String(i).padStart(4, '0')}`,
                entries,
                [ttlName]: digest.expiresAt,
              },
            },
          })),
          () => new ProviderUnavailableError('the audit digest could not be written; the next run writes it'),
        );
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [pkName]: pk,
              [skName]: headerSk(digest.hour),
              content: digest.content,
              hmac: digest.hmac,
              generation,
              [ttlName]: digest.expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': pkName },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw storeFailure(error);
      }
    },
  };
}
