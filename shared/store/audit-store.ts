/**
 * Audit events in DynamoDB: one item per event under the tenant's audit partition, newest first by
 * sort key, removed by TTL after the retention period. Other stores put the event into their own
 * transaction with `auditPut`, so an action commits if and only if its audit event does.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/audit-types.ts';
import { AuditUnavailableError, ValidationError } from '../errors.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { auditKey, auditPk, pkName, skName, ttlName } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { AuditStore, Page } from './store-types.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export const defaultAuditRetentionDays = 365;

const auditFields: FieldMap<AuditEvent> = {
  tenant: true,
  actor: true,
  action: true,
  target: true,
  outcome: true,
  reason: true,
  requestId: true,
  sourceIp: true,
  userAgent: true,
  at: true,
};

/** Sort-key bounds when the caller gives none: every ISO time of years 0000-9999 falls between them. */
const lowestSk = '0';
const highestSk = '9999-99-99T99:99:99.999Z$';

function isoTime(text: string, what: string): string {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new ValidationError(`invalid ${what}`);
  return time.toISOString();
}

/**
 * The TransactWriteItems `Put` of an audit event. Conditioned on a fresh key: an event is never
 * overwritten. `expiresAt` (epoch seconds) is the event time plus the retention period.
 */
export function auditPut(
  tableName: string,
  event: AuditEvent,
  retentionDays: number = defaultAuditRetentionDays,
): TransactItem {
  const at = isoTime(event.at, 'audit event time');
  const expiresAt = Math.floor(Date.parse(at) / 1000) + Math.round(retentionDays * 86_400);
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...pickFields<AuditEvent>(event, auditFields),
        ...auditKey(event.tenant, at, event.requestId, randomBytes(8).toString('hex')),
        [ttlName]: expiresAt,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': pkName },
    },
  };
}

export interface AuditStoreDeps extends StoreDeps {
  auditRetentionDays?: number;
}

export function createAuditStore(deps: AuditStoreDeps): AuditStore {
  const { client, tableName } = deps;
  const retentionDays = deps.auditRetentionDays ?? defaultAuditRetentionDays;

  return {
    async record(event) {
      try {
        await client.send(new PutCommand(auditPut(tableName, event, retentionDays).Put!));
      } catch (error) {
        throw new AuditUnavailableError('the audit event could not be written', { cause: error });
      }
    },

    async list(tenant, query): Promise<Page<AuditEvent>> {
      const limit = checkLimit(query.limit);
      // `to` is inclusive: every event at that very time sorts before `<to>$` ('$' follows '#').
      const lower = query.from === undefined ? lowestSk : isoTime(query.from, 'from');
      const upper = query.to === undefined ? highestSk : `${isoTime(query.to, 'to')}$`;
      if (lower > upper) throw new ValidationError('from must not be after to');
      let startSk: string | undefined;
      if (query.cursor !== undefined) {
        startSk = decodeCursor(query.cursor);
        if (startSk < lower || startSk > upper || !startSk.includes('#')) {
          throw new ValidationError('invalid cursor');
        }
      }
      const pk = auditPk(tenant);
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lower AND :upper',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
            ScanIndexForward: false,
            Limit: limit + 1,
            ExclusiveStartKey: startSk === undefined ? undefined : { [pkName]: pk, [skName]: startSk },
          }),
        );
        const items = result.Items ?? [];
        const page = items.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map((item) => pickFields<AuditEvent>(item, auditFields)),
          ...(items.length > limit && last ? { cursor: encodeCursor(String(last[skName])) } : {}),
        };
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}
