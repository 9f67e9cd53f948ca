/**
 * Secret metadata and version history in DynamoDB. Every read-modify-write is conditional, every
 * change commits in one transaction with its audit event. The write lock lives on the metadata item
 * as `lockId` and `lockExpiresAt` (epoch ms) and never appears in a SecretRecord.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit/audit-types.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ProviderUnavailableError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import { pendingRotationMessage } from '../rotation/pending-rotation.ts';
import type { RotationLock, RotationState, RotationStep } from '../rotation/rotation-types.ts';
import type { FileMetadata, SecretRecord, VersionLocation, VersionRecord } from '../secrets/secret-types.ts';
import { type AuditWriteDeps, auditPut, type TransactItem } from './audit-store.ts';
import { writeInBatches } from './batch-write.ts';
import { failedCondition, rawNumber, rawString, storeFailure } from './dynamo-errors.ts';
import { type FieldMap, pickFields } from './fields.ts';
import {
  pkName,
  rotationIndexPk,
  rotationIndexSk,
  rotationShardOf,
  rotationShards,
  secretKey,
  secretSkPrefix,
  skName,
  tenantPk,
  tenantRegistryKey,
  vaultRefClaimKey,
  versionKey,
  versionPk,
  versionSk,
  versionSkPrefix,
} from './keys.ts';
import { beginCreate, endCreate, lifeEnd, lifeStart } from './life-store.ts';
import { checkLimit, decodeCursor, encodeCursor } from './paging.ts';
import { queryPages } from './query-pages.ts';
import type {
  DueRotation,
  LifeFacts,
  Page,
  RotationFields,
  SecretListQuery,
  SecretStore,
} from './store-types.ts';
import { tableDefinition } from './table-definition.ts';
import {
  createTagIndexReadiness,
  dropStaleEntries,
  getSecretItems,
  staleNames,
  type Tags,
  tagIndexWrites,
  tagMatches,
} from './tag-index.ts';

const secretFields: FieldMap<SecretRecord> = {
  tenant: true,
  name: true,
  type: true,
  connection: true,
  vaultRef: true,
  imported: true,
  version: true,
  keys: true,
  file: true,
  description: true,
  tags: true,
  size: true,
  createdAt: true,
  createdBy: true,
  updatedAt: true,
  updatedBy: true,
  deletedAt: true,
  deletionDate: true,
  rotation: true,
  nextRotationAt: true,
  rotationState: true,
  rotationLock: true,
  location: true,
};

/** The rotation fields: `update` leaves them as they are, only the rotation methods write them. */
const rotationFieldNames: readonly (keyof RotationFields)[] = [
  'rotation',
  'nextRotationAt',
  'rotationState',
  'rotationLock',
];
const rotationStateFields: FieldMap<RotationState> = {
  lastRotatedAt: true,
  lastAttemptAt: true,
  lastError: true,
  consecutiveFailures: true,
  pending: true,
  lease: true,
};
const rotationLockFields: FieldMap<RotationLock> = { id: true, expiresAt: true };
const locationFields: FieldMap<VersionLocation> = {
  version: true,
  vaultVersionId: true,
  held: true,
  file: true,
};
const indexNames = { pk: 'gsi1pk', sk: 'gsi1sk' } as const;

const versionFields: FieldMap<VersionRecord> = {
  tenant: true,
  name: true,
  version: true,
  vaultVersionId: true,
  action: true,
  sourceVersion: true,
  held: true,
  keys: true,
  file: true,
  size: true,
  createdAt: true,
  createdBy: true,
};

const fileFields: FieldMap<FileMetadata> = { filename: true, encoding: true, mountPath: true, mode: true };

function toSecretRecord(item: object): SecretRecord {
  const record = pickFields<SecretRecord>(item, secretFields);
  if (record.file) record.file = pickFields<FileMetadata>(record.file, fileFields);
  if (record.rotationState)
    record.rotationState = pickFields<RotationState>(record.rotationState, rotationStateFields);
  if (record.rotationLock)
    record.rotationLock = pickFields<RotationLock>(record.rotationLock, rotationLockFields);
  if (record.location) {
    record.location = pickFields<VersionLocation>(record.location, locationFields);
    if (record.location.file)
      record.location.file = pickFields<FileMetadata>(record.location.file, fileFields);
  }
  return record;
}

/** The index entry of a secret whose rotation is on: `gsi1pk`/`gsi1sk`, or none. */
function rotationIndexKeys(
  tenant: string,
  name: string,
  fields: Pick<RotationFields, 'rotation' | 'nextRotationAt'>,
): Record<string, string> | undefined {
  if (!fields.rotation || !fields.nextRotationAt) return undefined;
  return {
    [indexNames.pk]: rotationIndexPk(rotationShardOf(tenant, name)),
    [indexNames.sk]: rotationIndexSk(fields.nextRotationAt, tenant, name),
  };
}

/**
 * An UpdateExpression that sets the listed fields of `record` that are present and removes the others,
 * with the rotation index entry when `withIndex`. Names and values are prefixed by `tag`.
 */
function setFields(
  record: SecretRecord,
  fields: readonly string[],
  tag: string,
  withIndex: boolean,
  alsoRemove: readonly string[] = [],
): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const item = toSecretRecord(record) as unknown as Record<string, unknown>;
  if (withIndex) {
    const index = rotationIndexKeys(record.tenant, record.name, record);
    item[indexNames.pk] = index?.[indexNames.pk];
    item[indexNames.sk] = index?.[indexNames.sk];
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  const all = [...fields, ...(withIndex ? [indexNames.pk, indexNames.sk] : []), ...alsoRemove];
  all.forEach((field, i) => {
    names[`#${tag}${i}`] = field;
    if (item[field] === undefined) {
      removes.push(`#${tag}${i}`);
    } else {
      values[`:${tag}${i}`] = item[field];
      sets.push(`#${tag}${i} = :${tag}${i}`);
    }
  });
  const expression = [
    sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { expression, names, values };
}

function toVersionRecord(item: object): VersionRecord {
  const record = pickFields<VersionRecord>(item, versionFields);
  if (record.file) record.file = pickFields<FileMetadata>(record.file, fileFields);
  return record;
}

const lockNames = { '#lockId': 'lockId', '#lockExpiresAt': 'lockExpiresAt' } as const;
/** No live lock: none at all, or one whose expiry has passed. */
const unlocked = '(attribute_not_exists(#lockExpiresAt) OR #lockExpiresAt < :now)';
const rotationLockNames = { '#rotationLock': 'rotationLock', '#rotationLockExpiry': 'expiresAt' } as const;
/** No live rotation lock. */
const rotationUnlocked = '(attribute_not_exists(#rotationLock) OR #rotationLock.#rotationLockExpiry < :now)';
/** Largest query page while refilling: pages double from the limit up to this, so sparse matches stay cheap. */
const maxQueryPage = 1000;

type PutCondition = Omit<NonNullable<TransactItem['Put']>, 'TableName' | 'Item'>;

export type SecretStoreDeps = AuditWriteDeps;

export function createSecretStore(deps: SecretStoreDeps): SecretStore {
  const { client, tableName } = deps;
  /**
   * Tenants this store has written to the tenant registry. The registry item is one per tenant and is
   * never deleted, so once a create has committed it, later creates leave it out: it was the one item
   * every create of a tenant wrote, which made concurrent creates conflict and retry.
   */
  const registered = new Set<string>();
  const ensureIndexed = createTagIndexReadiness(deps);

  /**
   * The metadata item holds the record's fields, its key, its rotation index entry and where the value
   * of `version` (the one written with it, now current) is: a Put also drops any write lock.
   */
  const metadataPut = (
    record: SecretRecord,
    version: VersionRecord,
    condition: PutCondition,
  ): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: {
        // toSecretRecord keeps of the version item only what locates its value (locationFields).
        ...toSecretRecord({ ...record, location: version }),
        ...secretKey(record.tenant, record.name),
        ...rotationIndexKeys(record.tenant, record.name, record),
      },
      ...condition,
    },
  });

  /** Why a conditional write on a metadata item failed, from the item as it was (raw attributes). */
  function rotationRefusal(
    name: string,
    item: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined,
    now: number,
    cause: unknown,
  ): Error {
    if (!item) return new NotFoundError(`secret '${name}' not found`, { cause });
    const writeLockExpiry = rawNumber(item, 'lockExpiresAt');
    if (writeLockExpiry !== undefined && writeLockExpiry >= now) {
      return new ConflictError(`secret '${name}' is being written by another request; retry shortly`, {
        cause,
      });
    }
    const rotationLockExpiry = item.rotationLock?.M?.expiresAt?.N;
    if (rotationLockExpiry !== undefined && Number(rotationLockExpiry) >= now) {
      return new ConflictError(`secret '${name}' is being rotated right now; retry once that rotation ends`, {
        cause,
      });
    }
    if (!item.rotation)
      return new UnprocessableError(`secret '${name}' has no rotation configured`, { cause });
    return new ConflictError(`secret '${name}' is not in a state for this rotation change`, { cause });
  }

  const versionPut = (version: VersionRecord): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: { ...toVersionRecord(version), ...versionKey(version.tenant, version.name, version.version) },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': pkName },
    },
  });

  const transact = (items: TransactItem[]) => client.send(new TransactWriteCommand({ TransactItems: items }));

  /** Deletes every version item of a name, page by page, retrying what DynamoDB leaves unprocessed. */
  async function purgeVersions(tenant: string, name: string): Promise<void> {
    const versions = queryPages(deps, {
      pk: versionPk(tenant, name),
      skPrefix: versionSkPrefix,
      keysOnly: true,
    });
    for await (const keys of versions) {
      await writeInBatches(
        deps,
        keys.map((key) => ({ DeleteRequest: { Key: key } })),
        () =>
          new ProviderUnavailableError(
            'the secret was removed but some of its versions were not; they are removed when the name is created again',
          ),
      );
    }
  }

  async function createOnce(
    record: SecretRecord,
    version: VersionRecord,
    audit: AuditEvent,
    facts: LifeFacts | undefined,
  ) {
    const registry: TransactItem[] = registered.has(record.tenant)
      ? []
      : [{ Put: { TableName: tableName, Item: tenantRegistryKey(record.tenant) } }];
    await transact([
      metadataPut(record, version, {
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': pkName },
      }),
      versionPut(version),
      await auditPut(deps, audit),
      {
        Put: {
          TableName: tableName,
          Item: { ...vaultRefClaimKey(record.tenant, record.connection, record.vaultRef), name: record.name },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': pkName },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      lifeStart(tableName, record, record.createdAt, facts),
      ...registry,
      ...tagIndexWrites(tableName, record.tenant, record.name, undefined, record.tags, 5 + registry.length),
    ]);
    registered.add(record.tenant);
  }

  /** The create's lease was taken over (it ran past going stale): the vault secret is another create's. */
  function leaseConflict(error: unknown, name: string): ConflictError | undefined {
    if (!failedCondition(error, 4)) return undefined;
    return new ConflictError(`another create of secret ${name} took over from this one; retry`, {
      cause: error,
    });
  }

  function refClaimConflict(error: unknown): ConflictError | undefined {
    const reason = failedCondition(error, 3);
    if (!reason) return undefined;
    const owner = rawString(reason.Item, 'name');
    return new ConflictError(
      `that vault secret is already managed by secretm${owner ? ` as '${owner}'` : ''}`,
      { cause: error },
    );
  }

  /**
   * A tag-filtered list from the tag index (shared/store/tag-index.ts): a page of the names carrying the
   * tag, then their metadata, checked again against every filter (the metadata is the truth; an index
   * entry left by a removed tag drops out here). Pages grow while filters drop names, as in `list`.
   */
  async function listTagged(
    tenant: string,
    query: SecretListQuery,
    tag: NonNullable<SecretListQuery['tag']>,
  ): Promise<Page<SecretRecord>> {
    const limit = checkLimit(query.limit);
    const prefix = query.prefix ?? '';
    if (tag.key.length === 0) throw new ValidationError('tag key must not be empty');
    if (tag.key.includes('#')) return { items: [] };
    let startAfter: string | undefined;
    if (query.cursor !== undefined) {
      startAfter = decodeCursor(query.cursor);
      if (!startAfter.startsWith(prefix)) throw new ValidationError('invalid cursor');
    }
    const matches = (record: SecretRecord) =>
      record.tags !== undefined &&
      Object.hasOwn(record.tags, tag.key) &&
      (tag.value === undefined || record.tags[tag.key] === tag.value) &&
      (query.type === undefined || record.type === query.type) &&
      (query.connection === undefined || record.connection === query.connection) &&
      (query.includeDeleted === true || record.deletedAt === undefined);
    const found: SecretRecord[] = [];
    let pageSize = limit + 1;
    try {
      await ensureIndexed(tenant);
      do {
        const page = await tagMatches(deps, tenant, tag, {
          prefix,
          limit: pageSize,
          ...(startAfter !== undefined ? { startAfter } : {}),
        });
        const items = page.names.length > 0 ? await getSecretItems(deps, tenant, page.names) : [];
        const records = items.map(toSecretRecord);
        const stale = staleNames(page.names, records, tag.key);
        if (stale.length > 0) await dropStaleEntries(deps, tenant, tag.key, stale);
        found.push(...records.filter(matches));
        startAfter = page.next;
        pageSize = Math.min(pageSize * 2, maxQueryPage);
      } while (startAfter !== undefined && found.length <= limit);
    } catch (error) {
      throw storeFailure(error);
    }
    const items = found.slice(0, limit);
    const last = items.at(-1);
    return { items, ...(found.length > limit && last ? { cursor: encodeCursor(last.name) } : {}) };
  }

  return {
    async get(tenant, name) {
      try {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: secretKey(tenant, name), ConsistentRead: true }),
        );
        return Item ? toSecretRecord(Item) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async list(tenant, query: SecretListQuery): Promise<Page<SecretRecord>> {
      if (query.tag !== undefined) return listTagged(tenant, query, query.tag);
      const limit = checkLimit(query.limit);
      const prefix = query.prefix ?? '';
      const pk = tenantPk(tenant);
      const names: Record<string, string> = { '#pk': pkName, '#sk': skName };
      const values: Record<string, unknown> = { ':pk': pk, ':prefix': `${secretSkPrefix}${prefix}` };
      const filters: string[] = [];
      if (query.type !== undefined) {
        names['#type'] = 'type';
        values[':type'] = query.type;
        filters.push('#type = :type');
      }
      if (query.connection !== undefined) {
        names['#connection'] = 'connection';
        values[':connection'] = query.connection;
        filters.push('#connection = :connection');
      }
      if (!query.includeDeleted) {
        names['#deletedAt'] = 'deletedAt';
        filters.push('attribute_not_exists(#deletedAt)');
      }

      let startKey: Record<string, unknown> | undefined;
      if (query.cursor !== undefined) {
        const after = decodeCursor(query.cursor);
        if (!after.startsWith(prefix)) throw new ValidationError('invalid cursor');
        startKey = { [pkName]: pk, [skName]: `${secretSkPrefix}${after}` };
      }

      // One item more than asked tells whether another page exists; refill while filters drop items.
      const found: SecretRecord[] = [];
      let pageSize = limit + 1;
      try {
        do {
          const input: QueryCommandInput = {
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            Limit: pageSize,
            ExclusiveStartKey: startKey,
          };
          if (filters.length > 0) input.FilterExpression = filters.join(' AND ');
          const page = await client.send(new QueryCommand(input));
          found.push(...(page.Items ?? []).map(toSecretRecord));
          startKey = page.LastEvaluatedKey;
          pageSize = Math.min(pageSize * 2, maxQueryPage);
        } while (startKey && found.length <= limit);
      } catch (error) {
        throw storeFailure(error);
      }
      const items = found.slice(0, limit);
      const last = items.at(-1);
      return { items, ...(found.length > limit && last ? { cursor: encodeCursor(last.name) } : {}) };
    },

    async create(record, version, audit, facts) {
      try {
        await createOnce(record, version, audit, facts);
      } catch (error) {
        if (failedCondition(error, 0)) {
          throw new ConflictError(`a secret named '${record.name}' exists already`, { cause: error });
        }
        const claimed = refClaimConflict(error) ?? leaseConflict(error, record.name);
        if (claimed) throw claimed;
        if (!failedCondition(error, 1)) throw storeFailure(error);
        // Versions left behind by a purge that did not finish: clear them, then try once more.
        try {
          await purgeVersions(record.tenant, record.name);
          await createOnce(record, version, audit, facts);
        } catch (retryError) {
          if (failedCondition(retryError, 0) || failedCondition(retryError, 1)) {
            throw new ConflictError(`a secret named '${record.name}' exists already`, { cause: retryError });
          }
          const retryClaimed = refClaimConflict(retryError) ?? leaseConflict(retryError, record.name);
          if (retryClaimed) throw retryClaimed;
          throw storeFailure(retryError);
        }
      }
    },

    beginCreate: (subject, lease, options) => beginCreate(deps, subject, lease, options),

    endCreate: (subject, leaseId, takeBack) => endCreate(deps, subject, leaseId, takeBack),

    async lock(tenant, name, lock, options) {
      const values: Record<string, unknown> = {
        ':lockId': lock.id,
        ':lockExpiresAt': lock.expiresAt,
        ':now': options.now,
      };
      let condition = `attribute_exists(#pk) AND ${unlocked}`;
      const names: Record<string, string> = { '#pk': pkName, ...lockNames };
      if (options.expectedVersion !== undefined) {
        names['#version'] = 'version';
        values[':expected'] = options.expectedVersion;
        condition += ' AND #version = :expected';
      }
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: secretKey(tenant, name),
            UpdateExpression: 'SET #lockId = :lockId, #lockExpiresAt = :lockExpiresAt',
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return toSecretRecord(Attributes ?? {});
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw storeFailure(error);
        if (!error.Item) throw new NotFoundError(`secret '${name}' not found`, { cause: error });
        const current = rawNumber(error.Item, 'version');
        if (options.expectedVersion !== undefined && current !== options.expectedVersion) {
          throw new PreconditionFailedError(
            `version ${options.expectedVersion} is not current (current: ${current})`,
            { cause: error },
          );
        }
        throw new ConflictError(`secret '${name}' is being written by another request`, { cause: error });
      }
    },

    async commitVersion(next, version, lockId, audit, previousTags) {
      try {
        await transact([
          metadataPut(next, version, {
            ConditionExpression: '#lockId = :lockId',
            ExpressionAttributeNames: { '#lockId': 'lockId' },
            ExpressionAttributeValues: { ':lockId': lockId },
          }),
          versionPut(version),
          await auditPut(deps, audit),
          ...tagIndexWrites(tableName, next.tenant, next.name, previousTags, next.tags, 3),
        ]);
      } catch (error) {
        if (failedCondition(error, 0)) {
          throw new ConflictError(`the write lock on secret '${next.name}' was lost`, { cause: error });
        }
        if (failedCondition(error, 1)) {
          throw new ConflictError(`version ${version.version} of secret '${next.name}' exists already`, {
            cause: error,
          });
        }
        throw storeFailure(error);
      }
    },

    async unlock(tenant, name, lockId) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: secretKey(tenant, name),
            UpdateExpression: 'REMOVE #lockId, #lockExpiresAt',
            ConditionExpression: '#lockId = :lockId',
            ExpressionAttributeNames: lockNames,
            ExpressionAttributeValues: { ':lockId': lockId },
          }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return;
        throw storeFailure(error);
      }
    },

    async update(next, options, audit) {
      // Neither the rotation fields nor the current version's location: no version is written here.
      const own = Object.keys(secretFields).filter(
        (field) => field !== 'location' && !(rotationFieldNames as readonly string[]).includes(field),
      );
      // An expired write lock left by a crashed writer goes too (the condition allows no live one).
      const changes = setFields(next, own, 'f', false, ['lockId', 'lockExpiresAt']);
      try {
        await transact([
          {
            Update: {
              TableName: tableName,
              Key: secretKey(next.tenant, next.name),
              UpdateExpression: changes.expression,
              ConditionExpression: `attribute_exists(#pk) AND #version = :expected AND ${unlocked}`,
              ExpressionAttributeNames: {
                ...changes.names,
                '#pk': pkName,
                '#version': 'version',
                '#lockExpiresAt': 'lockExpiresAt',
              },
              ExpressionAttributeValues: {
                ...changes.values,
                ':expected': options.expectedVersion,
                ':now': options.now,
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          await auditPut(deps, audit),
          ...(options.life === 'start' ? [lifeStart(tableName, next, next.updatedAt)] : []),
          ...(options.life === 'end' ? [lifeEnd(tableName, next, next.deletedAt ?? next.updatedAt)] : []),
        ]);
      } catch (error) {
        const failed = failedCondition(error, 0);
        if (!failed) throw storeFailure(error);
        if (!failed.Item) throw new NotFoundError(`secret '${next.name}' not found`, { cause: error });
        const current = rawNumber(failed.Item, 'version');
        if (current !== options.expectedVersion) {
          throw new PreconditionFailedError(
            `version ${options.expectedVersion} is not current (current: ${current})`,
            { cause: error },
          );
        }
        throw new ConflictError(`secret '${next.name}' is being written by another request`, {
          cause: error,
        });
      }
    },

    async claimRotation(tenant, name, lock, options) {
      const names: Record<string, string> = {
        '#pk': pkName,
        '#rotation': 'rotation',
        '#lockExpiresAt': 'lockExpiresAt',
        ...rotationLockNames,
      };
      const values: Record<string, unknown> = {
        ':lock': { id: lock.id, expiresAt: lock.expiresAt },
        ':now': options.now,
      };
      let condition = `attribute_exists(#pk) AND attribute_exists(#rotation) AND ${unlocked} AND ${rotationUnlocked}`;
      if (options.dueBy !== undefined) {
        names['#nextRotationAt'] = 'nextRotationAt';
        values[':dueBy'] = options.dueBy;
        condition += ' AND #nextRotationAt <= :dueBy';
      }
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: secretKey(tenant, name),
            UpdateExpression: 'SET #rotationLock = :lock',
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return toSecretRecord(Attributes ?? {});
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw storeFailure(error);
        const refusal = rotationRefusal(name, error.Item, options.now, error);
        if (refusal instanceof ConflictError && error.Item?.rotation && options.dueBy !== undefined) {
          const writeLocked = Number(error.Item.lockExpiresAt?.N ?? 0) >= options.now;
          const rotating = Number(error.Item.rotationLock?.M?.expiresAt?.N ?? 0) >= options.now;
          if (!writeLocked && !rotating) {
            throw new ConflictError(`secret '${name}' is not due for rotation`, { cause: error });
          }
        }
        throw refusal;
      }
    },

    async saveRotation(record, lockId, options, audit) {
      const changes = setFields(record, rotationFieldNames, 'r', true);
      const update = {
        TableName: tableName,
        Key: secretKey(record.tenant, record.name),
        UpdateExpression: changes.expression,
        ConditionExpression: `attribute_exists(#pk) AND ${unlocked} AND #rotationLock.#rotationLockId = :lockId`,
        ExpressionAttributeNames: {
          ...changes.names,
          '#pk': pkName,
          '#lockExpiresAt': 'lockExpiresAt',
          '#rotationLock': 'rotationLock',
          '#rotationLockId': 'id',
        },
        ExpressionAttributeValues: { ...changes.values, ':now': options.now, ':lockId': lockId },
      };
      try {
        if (audit) {
          await transact([
            { Update: { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            await auditPut(deps, audit),
          ]);
        } else {
          await client.send(new UpdateCommand({ ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
        }
      } catch (error) {
        const item =
          error instanceof ConditionalCheckFailedException
            ? { failed: true, item: error.Item }
            : failedCondition(error, 0)
              ? { failed: true, item: failedCondition(error, 0)?.Item }
              : undefined;
        if (!item) throw storeFailure(error);
        if (!item.item) throw new NotFoundError(`secret '${record.name}' not found`, { cause: error });
        if (Number(item.item.lockExpiresAt?.N ?? 0) >= options.now) {
          throw new ConflictError(
            `secret '${record.name}' is being written by another request; retry shortly`,
            {
              cause: error,
            },
          );
        }
        throw new ConflictError(`the rotation lock on secret '${record.name}' was lost`, { cause: error });
      }
    },

    async configureRotation(tenant, name, settings, options, audit) {
      const record = { tenant, name, ...settings } as SecretRecord;
      const changes = setFields(record, ['rotation', 'nextRotationAt'], 'r', true);
      try {
        await transact([
          {
            Update: {
              TableName: tableName,
              Key: secretKey(tenant, name),
              UpdateExpression: changes.expression,
              ConditionExpression: `attribute_exists(#pk) AND ${unlocked} AND ${rotationUnlocked} AND attribute_not_exists(#rotationState.#pending)`,
              ExpressionAttributeNames: {
                ...changes.names,
                '#pk': pkName,
                '#lockExpiresAt': 'lockExpiresAt',
                ...rotationLockNames,
                '#rotationState': 'rotationState',
                '#pending': 'pending',
              },
              ExpressionAttributeValues: { ...changes.values, ':now': options.now },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          await auditPut(deps, audit),
        ]);
      } catch (error) {
        const failed = failedCondition(error, 0);
        if (!failed) throw storeFailure(error);
        const pending = failed.Item?.rotationState?.M?.pending;
        if (pending) {
          const step = pending.M?.step?.S as RotationStep | undefined;
          throw new ConflictError(pendingRotationMessage(name, step), { cause: error });
        }
        const refusal = rotationRefusal(name, failed.Item, options.now, error);
        throw refusal instanceof UnprocessableError
          ? new ConflictError(`secret '${name}' changed meanwhile; retry`, { cause: error })
          : refusal;
      }
      try {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: secretKey(tenant, name), ConsistentRead: true }),
        );
        if (!Item) throw new NotFoundError(`secret '${name}' not found`);
        return toSecretRecord(Item);
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async listDueRotations(query): Promise<Page<DueRotation>> {
      const limit = checkLimit(query.limit);
      if (!Number.isInteger(query.shard) || query.shard < 0 || query.shard >= rotationShards) {
        throw new ValidationError('invalid rotation shard');
      }
      const pk = rotationIndexPk(query.shard);
      let startKey: Record<string, unknown> | undefined;
      if (query.cursor !== undefined) {
        const parsed = parseIndexCursor(decodeCursor(query.cursor));
        if (parsed[indexNames.pk] !== pk) throw new ValidationError('invalid cursor');
        startKey = parsed;
      }
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: tableDefinition.indexes.byNextRotation.name,
            KeyConditionExpression: '#gpk = :gpk AND #gsk < :upper',
            ExpressionAttributeNames: { '#gpk': indexNames.pk, '#gsk': indexNames.sk },
            // `<iso>#tenant#name` for every time up to dueBy: '$' sorts right after '#'.
            ExpressionAttributeValues: { ':gpk': pk, ':upper': `${query.dueBy}$` },
            Limit: limit,
            ExclusiveStartKey: startKey,
          }),
        );
        const items = (result.Items ?? []).flatMap((item): DueRotation[] => {
          const itemPk = String(item[pkName]);
          const itemSk = String(item[skName]);
          const sk = String(item[indexNames.sk]);
          if (!itemPk.startsWith('T#') || !itemSk.startsWith(secretSkPrefix)) return [];
          return [
            {
              tenant: itemPk.slice(2),
              name: itemSk.slice(secretSkPrefix.length),
              nextRotationAt: sk.slice(0, sk.indexOf('#')),
            },
          ];
        });
        const last = result.LastEvaluatedKey;
        return { items, ...(last ? { cursor: encodeCursor(JSON.stringify(last)) } : {}) };
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async remove(tenant, name, audit) {
      try {
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: secretKey(tenant, name), ConsistentRead: true }),
        );
        const claim: TransactItem[] = Item
          ? [
              {
                Delete: {
                  TableName: tableName,
                  Key: vaultRefClaimKey(tenant, String(Item.connection), String(Item.vaultRef)),
                },
              },
            ]
          : [];
        await transact([
          {
            Delete: {
              TableName: tableName,
              Key: secretKey(tenant, name),
              ConditionExpression: 'attribute_exists(#pk)',
              ExpressionAttributeNames: { '#pk': pkName },
            },
          },
          await auditPut(deps, audit),
          ...claim,
          ...(Item
            ? [
                lifeEnd(
                  tableName,
                  {
                    tenant,
                    name,
                    connection: String(Item.connection),
                    vaultRef: String(Item.vaultRef),
                  },
                  audit.at,
                  { purged: true, active: Item.deletionDate === undefined },
                ),
              ]
            : []),
          ...tagIndexWrites(tableName, tenant, name, Item?.tags as Tags, undefined, 4),
        ]);
      } catch (error) {
        if (failedCondition(error, 0))
          throw new NotFoundError(`secret '${name}' not found`, { cause: error });
        throw storeFailure(error);
      }
      try {
        await purgeVersions(tenant, name);
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async getVersion(tenant, name, version) {
      try {
        const { Item } = await client.send(
          new GetCommand({
            TableName: tableName,
            Key: versionKey(tenant, name, version),
            ConsistentRead: true,
          }),
        );
        return Item ? toVersionRecord(Item) : undefined;
      } catch (error) {
        throw storeFailure(error);
      }
    },

    async listVersions(tenant, name, page) {
      const limit = checkLimit(page.limit);
      const pk = versionPk(tenant, name);
      let startKey: Record<string, unknown> | undefined;
      if (page.cursor !== undefined) {
        const text = decodeCursor(page.cursor);
        const after = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : Number.NaN;
        if (Number.isNaN(after)) throw new ValidationError('invalid cursor');
        startKey = { [pkName]: pk, [skName]: versionSk(after) };
      }
      try {
        const result = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
            ExpressionAttributeValues: { ':pk': pk, ':prefix': versionSkPrefix },
            ScanIndexForward: false,
            Limit: limit + 1,
            ExclusiveStartKey: startKey,
          }),
        );
        const found = (result.Items ?? []).map(toVersionRecord);
        const items = found.slice(0, limit);
        const last = items.at(-1);
        return {
          items,
          ...(found.length > limit && last ? { cursor: encodeCursor(String(last.version)) } : {}),
        };
      } catch (error) {
        throw storeFailure(error);
      }
    },
  };
}

/** A start key of the rotation index, as listDueRotations encoded it: four string attributes. */
function parseIndexCursor(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('invalid cursor');
  }
  const expected = [pkName, skName, indexNames.pk, indexNames.sk].sort();
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Object.keys(parsed).sort().join('\n') !== expected.join('\n') ||
    Object.values(parsed).some((value) => typeof value !== 'string')
  ) {
    throw new ValidationError('invalid cursor');
  }
  return parsed as Record<string, string>;
}
