/**
 * When each secret existed, for its secret-hours (shared/costs/secret-hours.ts). One item per
 * connection and vault reference (keys.ts: `L#…`) holding two growing lists of ISO times: `starts`
 * (created, imported, cloned, restored) and `ends` (deleted, purged). Interval i runs from starts[i] to
 * ends[i], or to now while there is no ends[i]. The secret store appends to them in the same transaction
 * as the change itself, so a secret's life is exactly what its metadata went through.
 *
 * A purged secret's item is kept for 400 days (TTL), long enough for every report that can include it;
 * a secret created again at the same reference starts a new interval on the same item.
 */
import type { ActiveInterval } from '../costs/secret-hours.ts';
import type { VaultKind } from '../providers/provider.ts';
import type { TransactItem } from './audit-store.ts';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { lifeKey, lifeSkPrefix, tenantPk, ttlName } from './keys.ts';
import { queryAll } from './query-pages.ts';

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

/** The transaction item that starts an interval at `at` (a create, import, clone or restore). */
export function lifeStart(
  tableName: string,
  subject: LifeSubject,
  at: string,
  facts: { vaultKind?: VaultKind; replicas?: number } = {},
): TransactItem {
  const names: Record<string, string> = {
    '#name': 'name',
    '#connection': 'connection',
    '#vaultRef': 'vaultRef',
    '#starts': 'starts',
    '#ttl': ttlName,
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
  return {
    Update: {
      TableName: tableName,
      Key: lifeKey(subject.tenant, subject.connection, subject.vaultRef),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE #ttl`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
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
