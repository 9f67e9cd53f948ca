/**
 * When each secret existed, for its secret-hours (shared/costs/secret-hours.ts). One item per
 * connection and vault reference (keys.ts: `L#…`) holding two growing lists of ISO times: `starts`
 * (created, imported, cloned, restored) and `ends` (deleted, purged). Interval i runs from starts[i] to
 * ends[i], or to now while there is no ends[i]. The secret store appends to them in the same transaction
 * as the change itself, so a secret's life is exactly what its metadata went through.
 *
 * A purged secret's item is kept for 400 days (TTL), long enough for every report that can include it;
 * a secret created again at the same reference starts a new interval on the same item.
 *
 * A create records itself on the item before it writes to the vault (`creating`: a lease with its id,
 * start time and idempotency token, beginCreate), and the transaction that saves the secret ends the
 * lease as it starts the interval. So a create cut off in between (a crash) leaves a named item: the
 * vault calls it made are billed to its name, and the next create of the name knows that a vault secret
 * may have been left at the reference.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ActiveInterval } from '../costs/secret-hours.ts';
import { ConflictError } from '../errors.ts';
import type { VaultKind } from '../providers/provider.ts';
import type { TransactItem } from './audit-store.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { lifeKey, lifeSkPrefix, tenantPk, ttlName } from './keys.ts';
import { queryAll } from './query-pages.ts';
import type { CreateLease, LifeFacts } from './store-types.ts';

export interface SecretLife {
  name: string;
  connection: string;
  vaultRef: string;
  vaultKind?: VaultKind;
  intervals: ActiveInterval[];
}

export interface LifeSubject {
  tenant: string;
  name: string;
  connection: string;
  vaultRef: string;
}

const keptAfterPurgeSeconds = 400 * 86_400;

/**
 * The transaction item that starts an interval at `at` (a create, import, clone or restore), and ends a
 * create's lease: with `facts.lease`, only while the create still holds it.
 */
export function lifeStart(
  tableName: string,
  subject: LifeSubject,
  at: string,
  facts: LifeFacts = {},
): TransactItem {
  const names: Record<string, string> = {
    '#name': 'name',
    '#connection': 'connection',
    '#vaultRef': 'vaultRef',
    '#starts': 'starts',
    '#ttl': ttlName,
    '#creating': 'creating',
  };
  const values: Record<string, unknown> = {
    ':name': subject.name,
    ':connection': subject.connection,
    ':vaultRef': subject.vaultRef,
    ':at': [at],
    ':empty': [],
  };
  const sets = [
    '#name = :name',
    '#connection = :connection',
    '#vaultRef = :vaultRef',
    '#starts = list_append(if_not_exists(#starts, :empty), :at)',
  ];
  if (facts.vaultKind !== undefined) {
    names['#vaultKind'] = 'vaultKind';
    values[':vaultKind'] = facts.vaultKind;
    sets.push('#vaultKind = :vaultKind');
  }
  if (facts.replicas !== undefined) {
    names['#replicas'] = 'replicas';
    values[':replicas'] = facts.replicas;
    sets.push('#replicas = :replicas');
  }
  if (facts.lease !== undefined) {
    names['#id'] = 'id';
    values[':lease'] = facts.lease;
  }
  return {
    Update: {
      TableName: tableName,
      Key: lifeKey(subject.tenant, subject.connection, subject.vaultRef),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE #ttl, #creating`,
      ...(facts.lease === undefined ? {} : { ConditionExpression: '#creating.#id = :lease' }),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** See SecretStore.beginCreate. */
export async function beginCreate(
  deps: StoreDeps,
  subject: LifeSubject,
  lease: CreateLease,
  options: { staleBefore: number; vaultKind?: VaultKind },
): Promise<{ cutOff: boolean }> {
  const names: Record<string, string> = {
    '#name': 'name',
    '#connection': 'connection',
    '#vaultRef': 'vaultRef',
    '#creating': 'creating',
    '#at': 'at',
    '#starts': 'starts',
    '#ends': 'ends',
    '#ttl': ttlName,
  };
  const values: Record<string, unknown> = {
    ':name': subject.name,
    ':connection': subject.connection,
    ':vaultRef': subject.vaultRef,
    ':lease': lease,
    ':staleBefore': options.staleBefore,
    // An item of a secret that never came to be goes like a purged one's; a create that succeeds keeps it.
    ':expiresAt': Math.floor(lease.at / 1000) + keptAfterPurgeSeconds,
  };
  const sets = [
    '#name = :name',
    '#connection = :connection',
    '#vaultRef = :vaultRef',
    '#creating = :lease',
    '#ttl = :expiresAt',
  ];
  if (options.vaultKind !== undefined) {
    names['#vaultKind'] = 'vaultKind';
    values[':vaultKind'] = options.vaultKind;
    sets.push('#vaultKind = :vaultKind');
  }
  const free = ['attribute_not_exists(#creating)', '#creating.#at < :staleBefore'];
  if (lease.token !== undefined) {
    names['#token'] = 'token';
    values[':token'] = lease.token;
    free.push('#creating.#token = :token');
  }
  try {
    const { Attributes } = await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: lifeKey(subject.tenant, subject.connection, subject.vaultRef),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // No interval open at the reference (every start has its end), and no other create under way.
        ConditionExpression: `(attribute_not_exists(#starts) OR size(#starts) = size(#ends)) AND (${free.join(' OR ')})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const before = Attributes?.creating as { token?: unknown } | undefined;
    return { cutOff: before !== undefined && (lease.token === undefined || before.token !== lease.token) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw storeFailure(error);
    const starts = error.Item?.starts?.L?.length ?? 0;
    const ends = error.Item?.ends?.L?.length ?? 0;
    throw new ConflictError(
      starts > ends
        ? 'that vault secret is already managed by secretm'
        : `a create of secret ${subject.name} is under way; retry shortly`,
      { cause: error },
    );
  }
}

/** See SecretStore.endCreate. */
export async function endCreate(
  deps: StoreDeps,
  subject: LifeSubject,
  leaseId: string,
  takeBack?: () => Promise<void>,
): Promise<boolean> {
  const key = lifeKey(subject.tenant, subject.connection, subject.vaultRef);
  const names = { '#creating': 'creating', '#id': 'id' };
  try {
    if (takeBack) {
      // While the lease is this create's, no other create can begin at the reference: what is there is ours.
      const { Item } = await deps.client.send(
        new GetCommand({
          TableName: deps.tableName,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: '#creating.#id',
          ExpressionAttributeNames: names,
        }),
      );
      if ((Item?.creating as { id?: unknown } | undefined)?.id !== leaseId) return false;
      await takeBack();
    }
    await deps.client.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: key,
        UpdateExpression: 'REMOVE #creating',
        ConditionExpression: '#creating.#id = :lease',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':lease': leaseId },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw storeFailure(error);
  }
}

/**
 * The transaction item that ends the open interval at `at` (a delete or a purge of an active secret).
 * With `purged`, the item is also given its expiry.
 */
export function lifeEnd(
  tableName: string,
  subject: LifeSubject,
  at: string,
  options: { purged?: boolean; active?: boolean } = {},
): TransactItem {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  if (options.active ?? true) {
    names['#ends'] = 'ends';
    values[':at'] = [at];
    values[':empty'] = [];
    sets.push('#ends = list_append(if_not_exists(#ends, :empty), :at)');
  }
  if (options.purged) {
    names['#ttl'] = ttlName;
    values[':expiresAt'] = Math.floor(Date.parse(at) / 1000) + keptAfterPurgeSeconds;
    sets.push('#ttl = :expiresAt');
  }
  return {
    Update: {
      TableName: tableName,
      Key: lifeKey(subject.tenant, subject.connection, subject.vaultRef),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/** Every secret life of a tenant (purged ones for 400 days), one query page at a time. */
export async function listLives(deps: StoreDeps, tenant: string): Promise<SecretLife[]> {
  try {
    const items = await queryAll(deps, { pk: tenantPk(tenant), skPrefix: lifeSkPrefix });
    return items.map(toLife);
  } catch (error) {
    throw storeFailure(error);
  }
}

function toLife(item: Record<string, unknown>): SecretLife {
  const starts = (item.starts as string[] | undefined) ?? [];
  const ends = (item.ends as string[] | undefined) ?? [];
  const replicas = typeof item.replicas === 'number' ? item.replicas : 0;
  return {
    name: String(item.name),
    connection: String(item.connection),
    vaultRef: String(item.vaultRef),
    ...(typeof item.vaultKind === 'string' ? { vaultKind: item.vaultKind as VaultKind } : {}),
    intervals: starts.map((from, i) => ({
      from: new Date(from),
      ...(ends[i] === undefined ? {} : { to: new Date(ends[i]) }),
      ...(replicas > 0 ? { replicas } : {}),
    })),
  };
}
