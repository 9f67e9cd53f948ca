/**
 * Audit events in DynamoDB: one item per event under the tenant's audit partition, ordered by time in
 * the sort key, removed by TTL after the retention period. Other stores put the event into their own
 * transaction with `auditPut`, so an action commits if and only if its audit event does.
 *
 * `auditPut` is the one place an event item is made, for `record` and for every transaction alike: its
 * sort key, its expiry and its HMAC (shared/audit/audit-seal.ts) under the tenant's audit key, which
 * `auditKeys` gives (made on first use). A key that cannot be had fails the write (fail closed). Writers
 * never touch a shared item: each event is its own item, so concurrent writers never wait on each
 * other; only the digest job (shared/audit/audit-digests.ts) links events together, after the fact.
 *
 * A store given no `auditKeys` writes events without an HMAC: only tests do that; verify reports such
 * events as inserted.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditKeys } from '../audit/audit-keys.ts';
import { defaultAuditRetentionDays as auditRetentionDefault } from '../audit/audit-retention.ts';
import { eventText, hmacOf } from '../audit/audit-seal.ts';
import type { AuditEvent, AuditQuery, AuditRecord } from '../audit/audit-types.ts';
import { AuditUnavailableError, ValidationError } from '../errors.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import { auditKey, auditPk, pkName, skName, ttlName } from './keys.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import type { AuditStore, Page } from './store-types.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export { defaultAuditRetentionDays } from '../audit/audit-retention.ts';

/** Items one page of `list` reads at most, unless the query says otherwise: far below a request's time limit. */
export const defaultMaxRead = 5_000;

/** What a store that writes audit events is given. */
export interface AuditWriteDeps extends StoreDeps {
  auditRetentionDays?: number;
  /** The tenants' audit keys; events are HMAC'd with them. */
  auditKeys?: AuditKeys;
}

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
 * The TransactWriteItems `Put` of an audit event, sealed with its HMAC. Conditioned on a fresh key: an
 * event is never overwritten. `expiresAt` (epoch seconds) is the event time plus the retention period.
 */
export async function auditPut(deps: AuditWriteDeps, event: AuditEvent): Promise<TransactItem> {
  const at = isoTime(event.at, 'audit event time');
  const retentionDays = deps.auditRetentionDays ?? auditRetentionDefault;
  const expiresAt = Math.floor(Date.parse(at) / 1000) + Math.round(retentionDays * 86_400);
  const fields = { ...pickFields<AuditEvent>(event, auditFields), at };
  const key = auditKey(event.tenant, at, event.requestId, randomBytes(8).toString('hex'));
  const sealing = deps.auditKeys ? await deps.auditKeys.forWriting(event.tenant) : undefined;
  return {
    Put: {
      TableName: deps.tableName,
      Item: {
        ...fields,
        ...key,
        [ttlName]: expiresAt,
        ...(sealing ? { hmac: hmacOf(sealing, eventText(key[skName], fields, expiresAt)) } : {}),
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': pkName },
    },
  };
}

/** A stored item as an audit record: the event's fields, its id, HMAC and expiry; nothing else. */
export function auditRecordOf(item: Record<string, unknown>): AuditRecord {
  return {
    ...pickFields<AuditEvent>(item, auditFields),
    id: String(item[skName]),
    ...(typeof item.hmac === 'string' ? { hmac: item.hmac } : {}),
    ...(typeof item[ttlName] === 'number' ? { expiresAt: item[ttlName] as number } : {}),
  };
}

/** The filters of a query as a FilterExpression; undefined when it has none. */
function filterOf(query: AuditQuery) {
  const filters = (['actor', 'action', 'target', 'outcome', 'requestId'] as const).filter(
    (field) => query[field] !== undefined,
  );
  if (filters.length === 0) return undefined;
  return {
    FilterExpression: filters.map((field) => `#${field} = :${field}`).join(' AND '),
    names: Object.fromEntries(filters.map((field) => [`#${field}`, field])),
    values: Object.fromEntries(filters.map((field) => [`:${field}`, query[field]])),
  };
}

export function createAuditStore(deps: AuditWriteDeps): AuditStore {
  const { client, tableName } = deps;

  return {
    async record(event) {
      try {
        await client.send(new PutCommand((await auditPut(deps, event)).Put!));
      } catch (error) {
        throw new AuditUnavailableError('the audit event could not be written', { cause: error });
      }
    },

    async list(tenant, query): Promise<Page<AuditRecord>> {
      const limit = checkLimit(query.limit);
      const maxRead = Math.max(query.maxRead ?? defaultMaxRead, 1);
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
      const filter = filterOf(query);
      const found: Record<string, unknown>[] = [];
      let read = 0;
      try {
        for (;;) {
          // Without filters every item read is a match: one more than the page says whether more follow.
          const want = filter ? maxRead - read : Math.min(limit + 1 - found.length, maxRead - read);
          const result = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lower AND :upper',
              ...(filter ? { FilterExpression: filter.FilterExpression } : {}),
              ExpressionAttributeNames: { '#pk': pkName, '#sk': skName, ...filter?.names },
              ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper, ...filter?.values },
              ScanIndexForward: false,
              Limit: Math.max(want, 1),
              ExclusiveStartKey: startSk === undefined ? undefined : { [pkName]: pk, [skName]: startSk },
            }),
          );
          read += result.ScannedCount ?? result.Items?.length ?? 0;
          found.push(...(result.Items ?? []));
          const next = result.LastEvaluatedKey?.[skName];
          if (found.length > limit) {
            const page = found.slice(0, limit);
            return { items: page.map(auditRecordOf), cursor: encodeCursor(String(page.at(-1)![skName])) };
          }
          if (typeof next !== 'string') return { items: found.map(auditRecordOf) };
          if (read >= maxRead) {
            // The range is larger than one page may read: answer what matched so far, and where to go on.
            return { items: found.map(auditRecordOf), cursor: encodeCursor(next) };
          }
          startSk = next;
        }
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async *range(tenant, from, to) {
      const pk = auditPk(tenant);
      let startKey: Record<string, unknown> | undefined;
      try {
        do {
          // Sort keys are `<ISO time>#…`: every event with from ≤ time < to lies between the two times.
          const page = await client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
              ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          );
          yield (page.Items ?? []).map(auditRecordOf);
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}
