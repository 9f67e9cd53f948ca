/**
 * Secrets of the built-in vault (and of stored `local` connections, which use the same local vault)
 * whose vault ref is still in the old layout. Records are grouped by that ref: the tenant the ref was
 * made for owns it, and only the owner's own secret (the one the ref was named after) moves. Records of
 * other tenants on the same ref (imports made before tenants were isolated) never get the new ref:
 * they keep the old one, which the move deletes, and are reported.
 *
 * One move: lock the secret → copy every version its history references, oldest first, into the new
 * ref, reading each copy back → switch in one transaction (vault ref, version ids, ref claim, cost
 * life, purge entry, audit event, lock released) → delete the old entry. A run that stops anywhere
 * leaves either the record on the old ref (a copy, if any, is deleted and made again) or on the new
 * one (its purge entry says what is left to delete).
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../errors.ts';
import type { SecretPayload } from '../../providers/provider.ts';
import type { VersionRecord } from '../../secrets/secret-types.ts';
import { payloadKindFor } from '../../secrets/secret-value.ts';
import type { TransactItem } from '../../store/audit-store.ts';
import { failedCondition } from '../../store/dynamo-errors.ts';
import {
  lifeKey,
  pkName,
  secretKey,
  vaultRefClaimKey,
  versionKey,
  versionPk,
  versionSkPrefix,
} from '../../store/keys.ts';
import { lifeEnd, lifeStart } from '../../store/life-store.ts';
import { queryAll } from '../../store/query-pages.ts';
import { secretNamePattern } from '../../validation/names.ts';
import type { Inventory, PurgeEntry, ScannedSecret } from './inventory.ts';
import type { LegacyRef } from './legacy-layout.ts';
import { lifeCut } from './life-cut.ts';
import { finishPurge, purgeEntryPut } from './purges.ts';
import { type MigrationRun, reasonOf } from './run.ts';
import { busyReason, lockSecret, lockTtlMs, unlockSecret } from './secret-lock.ts';
import { purgeQuietly, readOrAbsent, writeVerified } from './vault-copy.ts';

const maxTransactItems = 100;
/** Items of the switch besides version updates: secret, audit, two claims, purge entry, two lives. */
const switchItems = 7;
const dayMs = 86_400_000;

type StoredVersion = VersionRecord & { legacyVaultVersionId?: string };

export async function moveSecrets(run: MigrationRun, inventory: Inventory): Promise<void> {
  const builtInLike = (secret: ScannedSecret) =>
    secret.connection === run.deps.builtInConnection ||
    inventory.localConnections.has(`${secret.tenant}\n${secret.connection}`);
  const groups = new Map<string, { legacy: LegacyRef; records: ScannedSecret[] }>();
  for (const secret of inventory.secrets) {
    if (typeof secret.vaultRef !== 'string' || !builtInLike(secret)) continue;
    const legacy = run.legacy.parse(secret.vaultRef);
    if (!legacy) continue;
    const group = groups.get(secret.vaultRef) ?? { legacy, records: [] };
    group.records.push(secret);
    groups.set(secret.vaultRef, group);
  }
  for (const [legacyRef, { legacy, records }] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const own = records.find(
      (record) =>
        record.tenant === legacy.tenant && record.name === legacy.leaf && secretNamePattern.test(legacy.leaf),
    );
    for (const record of records) {
      if (record === own) continue;
      run.unreachable({
        kind: 'secret',
        tenant: record.tenant,
        name: record.name,
        reason: unreachableReason(run, record, legacy),
      });
    }
    if (!own) continue;
    if (!(await run.next())) return;
    try {
      await moveSecret(run, own, legacyRef);
    } catch (error) {
      run.skip({ kind: 'secret', tenant: own.tenant, name: own.name, reason: reasonOf(error) });
    }
  }
}

function unreachableReason(run: MigrationRun, record: ScannedSecret, legacy: LegacyRef): string {
  if (record.tenant !== legacy.tenant) {
    return `it imported tenant ${legacy.tenant}'s "${legacy.leaf}" before tenants were isolated; left pointing at the old name on purpose (it reads as absent)`;
  }
  if (!secretNamePattern.test(legacy.leaf)) {
    return `it imported secretm's own old-layout entry "${legacy.leaf}"; left pointing at it on purpose (it reads as absent)`;
  }
  return `it imported "${legacy.leaf}", which moves with the secret of that name; it reads as absent: import it again from ${run.deps.namespace.tenantPrefix(record.tenant)}${legacy.leaf} if it is still needed`;
}

async function moveSecret(run: MigrationRun, secret: ScannedSecret, legacyRef: string): Promise<void> {
  const { tenant, name } = secret;
  const skip = (reason: string) => run.skip({ kind: 'secret', tenant, name, reason });
  const now = run.clock.now();
  // Recovery window over: the value is gone by contract, and the record reads as purged.
  if (secret.deletionDate && Date.parse(secret.deletionDate) <= now.getTime()) return;
  const busy = busyReason(secret, now.getTime());
  if (busy) return skip(busy);
  const vault = run.deps.vault;
  const newRef = `${run.deps.namespace.tenantPrefix(tenant)}${name}`;
  const claim = await getItem(run, vaultRefClaimKey(tenant, secret.connection, newRef));
  if (claim && claim.name !== name) {
    return skip(`its new name ${newRef} is already managed by secret "${String(claim.name)}"`);
  }

  const locked = await lockSecret(run, secret);
  if ('refused' in locked) return skip(locked.refused);
  let switched = false;
  try {
    const versions = (
      await queryAll(run.store, {
        pk: versionPk(tenant, name),
        skPrefix: versionSkPrefix,
        consistentRead: true,
      })
    ).map((item) => item as unknown as StoredVersion);
    const deleted = secret.deletionDate !== undefined;
    if (deleted) await restoreQuietly(run, legacyRef);
    // A copy made by a run that stopped before its switch: made again from the start.
    await purgeQuietly(vault, newRef);
    const copied = await copyVersions(run, secret, versions, legacyRef, newRef);
    if ('missing' in copied) return skip(copied.missing);
    if (deleted) {
      const days = Math.ceil((Date.parse(secret.deletionDate!) - now.getTime()) / dayMs);
      await vault.delete(newRef, { mode: 'soft', recoveryWindowDays: Math.min(30, Math.max(7, days)) });
    }
    await switchSecret(run, secret, versions, copied.ids, legacyRef, newRef, locked.lockId);
    switched = true;
    run.summary.moved.secrets += 1;
    for (const version of copied.gone) {
      run.skip({
        kind: 'version',
        tenant,
        name,
        reason: `version ${version} was no longer in the vault before the move; it still reads as absent`,
      });
    }
  } finally {
    if (!switched) await unlockSecret(run, secret, locked.lockId).catch(() => undefined);
  }
  await finishPurge(run, purgeEntryOf(run, secret, legacyRef));
}

function purgeEntryOf(run: MigrationRun, secret: ScannedSecret, legacyRef: string): PurgeEntry {
  // Vaults without staging labels keep a pending rotation's value beside the secret; a finished or
  // abandoned one may have left it.
  const also = run.deps.vault.staging ? [] : [run.legacy.pendingRef(secret.tenant, secret.name)];
  return {
    legacyRef,
    kind: 'secret',
    tenant: secret.tenant,
    name: secret.name,
    ...(also.length ? { also } : {}),
  };
}

async function restoreQuietly(run: MigrationRun, ref: string): Promise<void> {
  try {
    await run.deps.vault.restore(ref);
  } catch (error) {
    // Not pending deletion (restored by an earlier run): nothing to do.
    if (!(error instanceof NotFoundError)) throw error;
  }
}

interface Source {
  legacyId: string;
  kind: SecretPayload['kind'];
}

/**
 * Copies the versions the history references (held versions live in the holding vault, not here),
 * oldest first, the current one last, so the copy's current value is the secret's. An imported
 * secret reads its current value as the vault has it: that one comes last. Answers the old → new
 * version ids, and the versions the vault no longer had.
 */
async function copyVersions(
  run: MigrationRun,
  secret: ScannedSecret,
  versions: StoredVersion[],
  legacyRef: string,
  newRef: string,
): Promise<{ ids: Map<string, string>; gone: number[] } | { missing: string }> {
  const vault = run.deps.vault;
  const own = versions.filter((version) => !version.held).sort((a, b) => a.version - b.version);
  const current = own.find((version) => version.version === secret.version);
  const sources: Source[] = [];
  const add = (source: Source) => {
    const at = sources.findIndex((known) => known.legacyId === source.legacyId);
    if (at >= 0) sources.splice(at, 1);
    sources.push(source);
  };
  for (const version of own) {
    if (version !== current) add({ legacyId: legacyIdOf(version), kind: kindOf(secret, version) });
  }
  if (current) add({ legacyId: legacyIdOf(current), kind: kindOf(secret, current) });
  if (secret.imported) {
    const live = await readOrAbsent(vault, legacyRef, { kind: current ? kindOf(secret, current) : 'map' });
    if (!live) return { missing: `its value is no longer in the vault at ${legacyRef}` };
    if (sources.at(-1)?.legacyId !== live.versionId)
      add({ legacyId: live.versionId, kind: live.payload.kind });
  }

  const ids = new Map<string, string>();
  const goneIds = new Set<string>();
  for (const [i, source] of sources.entries()) {
    const read = await readOrAbsent(vault, legacyRef, { versionId: source.legacyId, kind: source.kind });
    if (!read) {
      if (i === sources.length - 1) {
        return { missing: `its current value is no longer in the vault at ${legacyRef}` };
      }
      goneIds.add(source.legacyId);
      continue;
    }
    const first = ids.size === 0;
    const id = await writeVerified(
      vault,
      newRef,
      read.payload,
      first,
      first
        ? {
            ...(secret.description ? { description: secret.description } : {}),
            ...(secret.tags && Object.keys(secret.tags).length > 0 ? { tags: secret.tags } : {}),
          }
        : {},
    );
    ids.set(source.legacyId, id);
  }
  const gone = own.filter((version) => goneIds.has(legacyIdOf(version))).map((version) => version.version);
  return { ids, gone };
}

/** A version's id in the old ref: an earlier, unfinished run may have pointed it at its copy already. */
const legacyIdOf = (version: StoredVersion) => version.legacyVaultVersionId ?? version.vaultVersionId;
const kindOf = (secret: ScannedSecret, version: StoredVersion) =>
  payloadKindFor(secret.type, version.file ?? secret.file);

/**
 * Points the record at the copy. The secret item, the ref claims, the cost lives, the purge entry and
 * the audit event commit in one transaction with the newest versions' ids; older versions (a history
 * longer than one transaction takes) are switched first, in transactions that also renew the lock,
 * each keeping its old id beside the new one until the record itself is switched.
 */
async function switchSecret(
  run: MigrationRun,
  secret: ScannedSecret,
  versions: StoredVersion[],
  ids: Map<string, string>,
  legacyRef: string,
  newRef: string,
  lockId: string,
): Promise<void> {
  const { tableName } = run.store;
  const { tenant, name, connection } = secret;
  const changes = versions
    .filter((version) => !version.held)
    .flatMap((version) => {
      const id = ids.get(legacyIdOf(version));
      return id === undefined || id === version.vaultVersionId ? [] : [{ version, id }];
    })
    .sort((a, b) => a.version.version - b.version.version);
  const versionUpdate = (change: (typeof changes)[number], keepLegacy: boolean): TransactItem => ({
    Update: {
      TableName: tableName,
      Key: versionKey(tenant, name, change.version.version),
      UpdateExpression: keepLegacy
        ? 'SET #id = :id, #legacyId = :legacyId'
        : 'SET #id = :id REMOVE #legacyId',
      ConditionExpression: '#id = :stored',
      ExpressionAttributeNames: { '#id': 'vaultVersionId', '#legacyId': 'legacyVaultVersionId' },
      ExpressionAttributeValues: {
        ':id': change.id,
        ':stored': change.version.vaultVersionId,
        ...(keepLegacy ? { ':legacyId': legacyIdOf(change.version) } : {}),
      },
    },
  });
  const lockHeld = {
    ConditionExpression: '#lockId = :lockId AND #vaultRef = :legacyRef AND #version = :version',
    ExpressionAttributeNames: { '#lockId': 'lockId', '#vaultRef': 'vaultRef', '#version': 'version' },
    ExpressionAttributeValues: { ':lockId': lockId, ':legacyRef': legacyRef, ':version': secret.version },
  };

  const earlier = changes.slice(0, Math.max(0, changes.length - (maxTransactItems - switchItems)));
  const last = changes.slice(earlier.length);
  for (let at = 0; at < earlier.length; at += maxTransactItems - 1) {
    const now = run.clock.now().getTime();
    await transact(run, [
      {
        Update: {
          TableName: tableName,
          Key: secretKey(tenant, name),
          UpdateExpression: 'SET #lockExpiresAt = :expiresAt',
          ...lockHeld,
          ExpressionAttributeNames: {
            ...lockHeld.ExpressionAttributeNames,
            '#lockExpiresAt': 'lockExpiresAt',
          },
          ExpressionAttributeValues: { ...lockHeld.ExpressionAttributeValues, ':expiresAt': now + lockTtlMs },
        },
      },
      ...earlier.slice(at, at + maxTransactItems - 1).map((change) => versionUpdate(change, true)),
    ]);
  }

  const now = run.clock.now();
  const event = run.event(tenant, 'secret.migrate', `secret:${name}`);
  const oldLife = { tenant, name, connection, vaultRef: legacyRef };
  const newLife = { tenant, name, connection, vaultRef: newRef };
  const life = await getItem(run, lifeKey(tenant, connection, legacyRef));
  const starts = (life?.starts as string[] | undefined) ?? [];
  const ends = (life?.ends as string[] | undefined) ?? [];
  const openedAt = starts.length > ends.length ? starts[ends.length] : undefined;
  const lives: TransactItem[] = [];
  if (secret.deletionDate === undefined) {
    // Active: the open interval passes to the new ref at a whole hour of its count.
    const cut = (openedAt ? lifeCut(new Date(openedAt), now) : now).toISOString();
    if (life) lives.push(lifeEnd(tableName, oldLife, cut, { purged: true, active: openedAt !== undefined }));
    lives.push(
      lifeStart(tableName, newLife, cut, {
        vaultKind: typeof life?.vaultKind === 'string' ? (life.vaultKind as never) : run.deps.vault.kind,
        replicas: typeof life?.replicas === 'number' ? life.replicas : (run.deps.vault.replicas ?? 0),
      }),
    );
  } else if (life) {
    // Waiting out its recovery window: not charged now; a restore starts the new ref's life.
    lives.push(lifeEnd(tableName, oldLife, now.toISOString(), { purged: true, active: false }));
  }
  await transact(run, [
    {
      Update: {
        TableName: tableName,
        Key: secretKey(tenant, name),
        // The versions' vault ids change with the ref: the location the metadata keeps goes too.
        UpdateExpression: 'SET #vaultRef = :newRef REMOVE #lockId, #lockExpiresAt, #location',
        ...lockHeld,
        ExpressionAttributeNames: {
          ...lockHeld.ExpressionAttributeNames,
          '#lockExpiresAt': 'lockExpiresAt',
          '#location': 'location',
        },
        ExpressionAttributeValues: { ...lockHeld.ExpressionAttributeValues, ':newRef': newRef },
      },
    },
    await run.auditPut(event),
    { Delete: { TableName: tableName, Key: vaultRefClaimKey(tenant, connection, legacyRef) } },
    {
      Put: {
        TableName: tableName,
        Item: { ...vaultRefClaimKey(tenant, connection, newRef), name },
        ConditionExpression: 'attribute_not_exists(#pk) OR #name = :name',
        ExpressionAttributeNames: { '#pk': pkName, '#name': 'name' },
        ExpressionAttributeValues: { ':name': name },
      },
    },
    purgeEntryPut(run, purgeEntryOf(run, secret, legacyRef)),
    ...lives,
    ...last.map((change) => versionUpdate(change, false)),
  ]);
}

/** A switch refused by its conditions: the secret changed under the lock, or the new name is taken. */
async function transact(run: MigrationRun, items: TransactItem[]): Promise<void> {
  try {
    await run.store.client.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (failedCondition(error, 0)) {
      throw new ConflictError('it changed meanwhile (its write lock was lost); run again', { cause: error });
    }
    if (failedCondition(error, 3)) {
      throw new ConflictError('its new name is already managed by another secret', { cause: error });
    }
    throw error;
  }
}

async function getItem(run: MigrationRun, key: Record<string, string>) {
  const { Item } = await run.store.client.send(
    new GetCommand({ TableName: run.store.tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}
