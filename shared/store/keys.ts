/**
 * The key layout of secretm's one table, in one place. Every tenant-scoped partition key starts with
 * `T#<tenant>`; a tenant id never contains `#`, so no tenant's keys can be spelled from another's.
 * Sort-key prefixes keep the item kinds of one partition apart.
 *
 *   secret metadata   pk T#<tenant>            sk S#<name>
 *   secret version    pk T#<tenant>#S#<name>   sk V#<version, 10 digits>
 *   tag index entry   pk T#<tenant>#TAG:<tag key>  sk <name>          (tagValue: the tag's value)
 *   tag index marker  pk T#<tenant>            sk M#TAGINDEX     (every secret of the tenant is in the tag index)
 *   idempotency key   pk T#<tenant>            sk I#<key>                  (TTL expiresAt)
 *   audit event       pk T#<tenant>#A          sk <ISO time>#<requestId>#<random>  (TTL expiresAt; HMAC'd)
 *   audit digest      pk T#<tenant>#D          sk H#<hour start ISO> (header), P#<hour start ISO>#<generation>#<part, 4 digits>
 *   API key           pk T#<tenant>            sk K#<id>        (its hash, scopes, expiry, revocation)
 *   API key pointer   pk K#<id>                sk K              (the key's tenant, read before it is known)
 *   operator key      pk OPERATOR              sk OPERATOR       (its hash; no tenant's partition)
 *   vault ref claim   pk T#<tenant>            sk R#<connection>#<sha256 of vaultRef>
 *   connection        pk T#<tenant>            sk C#<id>
 *   secret life       pk T#<tenant>            sk L#<connection>#<sha256 of vaultRef>   (cost: when it existed; a create under way)
 *   usage counters    pk T#<tenant>#U#<month>  sk <connection>#<sha256 of vaultRef | *>  (atomic ADD)
 *   cost roll-up      pk T#<tenant>#R#<month>  sk H (summary), P#<part, 4 digits>
 *   tenant registry   pk TENANTS               sk <tenant>   (who the cost roll-up and the audit digests visit)
 *   migration lease   pk MIGRATION             sk LEASE      (one run of the layout migration at a time)
 *   migration purge   pk MIGRATION             sk P#<sha256 of a legacy vault ref>  (moved; old entry still to delete)
 *
 * Index gsi1 (secrets by next rotation time): gsi1pk ROTATION#<shard>, gsi1sk <nextRotationAt>#<tenant>#<name>,
 * on the secret metadata items whose rotation is on.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { tableDefinition } from './table-definition.ts';

export const { partitionKey: pkName, sortKey: skName, ttlAttribute: ttlName } = tableDefinition;

export type ItemKey = Record<typeof pkName | typeof skName, string>;

export const secretSkPrefix = 'S#';
export const versionSkPrefix = 'V#';
export const idempotencySkPrefix = 'I#';
export const apiKeyListingSkPrefix = 'K#';

const versionDigits = 10;
const maxVersion = 10 ** versionDigits - 1;

function key(pk: string, sk: string): ItemKey {
  return { [pkName]: pk, [skName]: sk } as ItemKey;
}

/** The tenant's partition. A tenant id with `#` could collide with another tenant's keys, so it is refused. */
export function tenantPk(tenant: string): string {
  if (tenant.length === 0 || tenant.includes('#')) throw new ValidationError('invalid tenant');
  return `T#${tenant}`;
}

export function secretKey(tenant: string, name: string): ItemKey {
  return key(tenantPk(tenant), `${secretSkPrefix}${name}`);
}

export function versionPk(tenant: string, name: string): string {
  return `${tenantPk(tenant)}#S#${name}`;
}

export function versionSk(version: number): string {
  if (!Number.isSafeInteger(version) || version < 1 || version > maxVersion) {
    throw new ValidationError('invalid version');
  }
  return `${versionSkPrefix}${String(version).padStart(versionDigits, '0')}`;
}

export function versionKey(tenant: string, name: string, version: number): ItemKey {
  return key(versionPk(tenant, name), versionSk(version));
}

/**
 * One tag key of a tenant's secrets: an entry per secret carrying it, sorted by name. A tag key never
 * contains `#`, so the part after the last `#` always starts `TAG:` and no entry can be spelled as
 * another kind's partition (such as an audit partition, `…#A`, which tenants may only add to).
 */
export function tagIndexPk(tenant: string, tagKey: string): string {
  if (tagKey.length === 0 || tagKey.includes('#')) throw new ValidationError('invalid tag key');
  return `${tenantPk(tenant)}#TAG:${tagKey}`;
}

export function tagIndexKey(tenant: string, tagKey: string, name: string): ItemKey {
  return key(tagIndexPk(tenant, tagKey), name);
}

/** Present once every secret of the tenant has its tag index entries (shared/store/tag-index.ts). */
export function tagIndexMarkerKey(tenant: string): ItemKey {
  return key(tenantPk(tenant), 'M#TAGINDEX');
}

export function idempotencyKey(tenant: string, idempotencyKeyValue: string): ItemKey {
  return key(tenantPk(tenant), `${idempotencySkPrefix}${idempotencyKeyValue}`);
}

export function auditPk(tenant: string): string {
  return `${tenantPk(tenant)}#A`;
}

/** `at` must already be a normalised ISO time (Date#toISOString), so sort keys order by time. */
export function auditKey(tenant: string, at: string, requestId: string, random: string): ItemKey {
  return key(auditPk(tenant), `${at}#${requestId}#${random}`);
}

/**
 * The tenant's audit digests (shared/audit/audit-digests.ts): one header per hour, `H#<hour start>`,
 * chained to the one before, and the parts listing that hour's events, `P#<hour start>#<generation>#<part>`.
 */
export function auditDigestPk(tenant: string): string {
  return `${tenantPk(tenant)}#D`;
}

export const auditDigestHeaderPrefix = 'H#';
export const auditDigestPartPrefix = 'P#';

/** The pointer from an API key id to its tenant. */
export function apiKeyPointerKey(id: string): ItemKey {
  return key(`K#${id}`, 'K');
}

/** The API key itself, in its tenant's partition. */
export function apiKeyKey(tenant: string, id: string): ItemKey {
  return key(tenantPk(tenant), `${apiKeyListingSkPrefix}${id}`);
}

export const operatorKeyPk = 'OPERATOR';

export function operatorKeyKey(): ItemKey {
  return key(operatorKeyPk, operatorKeyPk);
}

export const connectionSkPrefix = 'C#';

export function connectionKey(tenant: string, id: string): ItemKey {
  return key(tenantPk(tenant), `${connectionSkPrefix}${id}`);
}

/** A vault reference as a fixed-length key part (references can be long ARNs or paths). */
export function refDigest(vaultRef: string): string {
  return createHash('sha256').update(vaultRef).digest('hex');
}

export const lifeSkPrefix = 'L#';

/** When a secret existed, for its secret-hours: one item per connection and vault reference. */
export function lifeKey(tenant: string, connection: string, vaultRef: string): ItemKey {
  return key(tenantPk(tenant), `${lifeSkPrefix}${connection}#${refDigest(vaultRef)}`);
}

/** `month` is YYYY-MM. */
export function usagePk(tenant: string, month: string): string {
  return `${tenantPk(tenant)}#U#${month}`;
}

/** Usage of one secret (by vault reference), or of the connection as a whole (no reference). */
export function usageKey(tenant: string, month: string, connection: string, vaultRef?: string): ItemKey {
  return key(usagePk(tenant, month), `${connection}#${vaultRef === undefined ? '*' : refDigest(vaultRef)}`);
}

export function rollupPk(tenant: string, month: string): string {
  return `${tenantPk(tenant)}#R#${month}`;
}

export const tenantRegistryPk = 'TENANTS';

export function tenantRegistryKey(tenant: string): ItemKey {
  tenantPk(tenant);
  return key(tenantRegistryPk, tenant);
}

/** The layout migration's own items (shared/tenancy/layout-migration.ts): in no tenant's partition. */
export const migrationPk = 'MIGRATION';

/** Held by the run of the layout migration under way, so two runs never overlap. */
export function migrationLeaseKey(): ItemKey {
  return key(migrationPk, 'LEASE');
}

export const migrationPurgeSkPrefix = 'P#';

/** An old-layout vault entry whose value has moved and whose record points at the copy: it is deleted next. */
export function migrationPurgeKey(legacyRef: string): ItemKey {
  return key(migrationPk, `${migrationPurgeSkPrefix}${refDigest(legacyRef)}`);
}

/** One secretm secret per vault secret: the claim is written with the metadata and removed with it. */
export function vaultRefClaimKey(tenant: string, connection: string, vaultRef: string): ItemKey {
  return key(tenantPk(tenant), `R#${connection}#${refDigest(vaultRef)}`);
}

/**
 * The index of secrets by next rotation time (`gsi1`, keys only): `gsi1pk` spreads the secrets over a
 * few shards, so writes to the index never crowd one partition; `gsi1sk` sorts them by due time. A
 * secret is in the index exactly while its rotation is on.
 */
export const rotationShards = 4;

export function rotationIndexPk(shard: number): string {
  return `ROTATION#${shard}`;
}

export function rotationShardOf(tenant: string, name: string): number {
  return createHash('sha256').update(`${tenant}\n${name}`).digest()[0]! % rotationShards;
}

/** `nextRotationAt` must be a normalised ISO time (Date#toISOString), so sort keys order by time. */
export function rotationIndexSk(nextRotationAt: string, tenant: string, name: string): string {
  return `${nextRotationAt}#${tenant}#${name}`;
}
