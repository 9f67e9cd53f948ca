/**
 * What the domain asks of the store. The DynamoDB implementations live beside this file; every
 * method is scoped by tenant, every read-modify-write is a conditional write.
 */
import type { AccessRule } from '../access/rules.ts';
import type { AuditEvent, AuditQuery, AuditRecord } from '../audit/audit-types.ts';
import type { Scope } from '../auth/principal.ts';
import type { VaultKind } from '../providers/provider.ts';
import type { RotationLock } from '../rotation/rotation-types.ts';
import type { SecretRecord, SecretType, VersionRecord } from '../secrets/secret-types.ts';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  cursor?: string;
}

export interface SecretListQuery {
  limit: number;
  /** Opaque cursor from a previous page. A cursor that was not made by the store is a ValidationError. */
  cursor?: string;
  /** Names starting with this prefix. */
  prefix?: string;
  type?: SecretType;
  connection?: string;
  /** Secrets carrying this tag key (and value, when given). */
  tag?: { key: string; value?: string };
  /** Include secrets waiting out their recovery window. */
  includeDeleted?: boolean;
}

/** What the cost records keep of a secret when it is created: the vault kind it is priced by, its replicas. */
export interface LifeFacts {
  vaultKind?: VaultKind;
  /** Replica regions (each is billed as a secret of its own). */
  replicas?: number;
  /** The id of the create's lease (SecretStore.beginCreate): the create is saved only while it holds it. */
  lease?: string;
}

/** Which secret a create is for, and the vault secret it writes. */
export type CreateSubject = Pick<SecretRecord, 'tenant' | 'name' | 'connection' | 'vaultRef'>;

/** A create under way, recorded before it writes to the vault (SecretStore.beginCreate). */
export interface CreateLease {
  id: string;
  /** Epoch milliseconds: when the create began. */
  at: number;
  /** The vault idempotency token of the create, when it has one: a retry with the same token goes on. */
  token?: string;
}

/** A short-lived write lock taken before a vault write, so concurrent writers never lose a version. */
export interface WriteLock {
  id: string;
  /** Epoch milliseconds after which another writer may take the lock over. */
  expiresAt: number;
}

/** The fields of a secret's metadata that belong to rotation; `update` never touches them. */
export type RotationFields = Pick<
  SecretRecord,
  'rotation' | 'nextRotationAt' | 'rotationState' | 'rotationLock'
>;

/** A secret whose rotation is due, as the index by next rotation time lists it. */
export interface DueRotation {
  tenant: string;
  name: string;
  nextRotationAt: string;
}

export interface SecretStore {
  /** The secret's metadata, deleted (pending purge) or not; undefined when absent. */
  get(tenant: string, name: string): Promise<SecretRecord | undefined>;
  /** Secrets by name order, filtered, one page at a time. Deleted secrets only with `includeDeleted`. */
  list(tenant: string, query: SecretListQuery): Promise<Page<SecretRecord>>;
  /**
   * Puts metadata, version 1 and the audit event in one transaction, and starts the secret's life (its
   * secret-hours) there too. ConflictError when the name exists.
   */
  create(record: SecretRecord, version: VersionRecord, audit: AuditEvent, facts?: LifeFacts): Promise<void>;
  /**
   * Before a create writes its vault secret: records that a create of `subject` is under way (a lease
   * on the vault secret's life, which also names the secret, so the vault calls made for it are billed
   * to its name however the create ends). `create` with `facts.lease` ends the lease. ConflictError
   * while another create of the vault secret began after `staleBefore` (unless it had the same token),
   * or while a secret secretm manages is active there. `cutOff` says a create that began earlier never
   * ended (a crash between its vault write and its metadata): what it wrote, if anything, is no one's.
   */
  beginCreate(
    subject: CreateSubject,
    lease: CreateLease,
    options: { staleBefore: number; vaultKind?: VaultKind },
  ): Promise<{ cutOff: boolean }>;
  /**
   * Ends the lease of a create that made no secret, while `leaseId` still holds it: `takeBack` (taking
   * the vault write back) runs first, and when it fails the lease stays. Answers false, having run
   * nothing, when the lease is another create's or gone.
   */
  endCreate(subject: CreateSubject, leaseId: string, takeBack?: () => Promise<void>): Promise<boolean>;
  /**
   * Takes the secret's write lock. PreconditionFailedError when `expectedVersion` is given and is not
   * the current version; ConflictError while another unexpired lock is held; NotFoundError when absent.
   * Returns the record as it was when locked.
   */
  lock(
    tenant: string,
    name: string,
    lock: WriteLock,
    options: { expectedVersion?: number; now: number },
  ): Promise<SecretRecord>;
  /**
   * Commits a new version under the lock `lockId` in one transaction: the metadata `next` (whose
   * version is the new one), the version item and the audit event, and the tag index entries of the tags
   * that changed from `previousTags` (the tags as the lock found them: nothing else changes them while the
   * lock is held); releases the lock. ConflictError when the lock was lost (expired and taken by another
   * writer).
   */
  commitVersion(
    next: SecretRecord,
    version: VersionRecord,
    lockId: string,
    audit: AuditEvent,
    previousTags: Record<string, string> | undefined,
  ): Promise<void>;
  /** Releases a lock without changes (after a failed vault write). No error when the lock is gone. */
  unlock(tenant: string, name: string, lockId: string): Promise<void>;
  /**
   * Replaces metadata that does not change the value (description, tags, deletion marks), with the
   * audit event, in one transaction. The rotation fields are left as they are in the table (a rotation
   * may have moved on since `next` was read). PreconditionFailedError when the current version is not
   * `expectedVersion`; ConflictError while a write lock is held; NotFoundError when absent.
   */
  update(
    next: SecretRecord,
    options: {
      expectedVersion: number;
      now: number;
      /** A delete ends the secret's active interval (at `deletedAt`), a restore starts one (at `updatedAt`). */
      life?: 'start' | 'end';
    },
    audit: AuditEvent,
  ): Promise<void>;
  /**
   * Takes the secret's rotation lock. With `dueBy`, only when its next rotation is due by then (so a
   * secret rotated a moment ago by another worker is not rotated again). NotFoundError when absent;
   * UnprocessableError when rotation is off; ConflictError while another rotation lock or a write
   * lock is held, or when it is not due. Returns the record as locked.
   */
  claimRotation(
    tenant: string,
    name: string,
    lock: RotationLock,
    options: { now: number; dueBy?: string },
  ): Promise<SecretRecord>;
  /**
   * Writes the rotation fields of `record` (absent ones are removed), and the index entry they imply,
   * while the caller holds the rotation lock `lockId`; with the audit event in the same transaction.
   * ConflictError when the rotation lock was lost or a write lock is held.
   */
  saveRotation(
    record: SecretRecord,
    lockId: string,
    options: { now: number },
    audit?: AuditEvent,
  ): Promise<void>;
  /**
   * Changes the rotation settings and the next rotation time (absent: removed, rotation off) with the
   * audit event. ConflictError while a rotation runs or waits pending, or a write lock is held;
   * NotFoundError when absent. Returns the record as changed.
   */
  configureRotation(
    tenant: string,
    name: string,
    settings: Pick<RotationFields, 'rotation' | 'nextRotationAt'>,
    options: { now: number },
    audit: AuditEvent,
  ): Promise<SecretRecord>;
  /**
   * Secrets of every tenant whose next rotation is due by `dueBy`, earliest first, from one shard of
   * the index (`rotationShards` in keys.ts), one page at a time. The index is eventually consistent:
   * claimRotation decides.
   */
  listDueRotations(query: {
    shard: number;
    dueBy: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<DueRotation>>;
  /** Removes the metadata and every version item (purge). Audited in the same transaction as the metadata delete. */
  remove(tenant: string, name: string, audit: AuditEvent): Promise<void>;
  getVersion(tenant: string, name: string, version: number): Promise<VersionRecord | undefined>;
  /** Newest first. */
  listVersions(
    tenant: string,
    name: string,
    page: { limit: number; cursor?: string },
  ): Promise<Page<VersionRecord>>;
}

/** The answer stored for an idempotency key: only what the API answered, which never holds a value. */
export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'completed'; response: StoredResponse }
  | { state: 'in-progress' };

export interface IdempotencyStore {
  /**
   * Claims `key` for a request whose body and target hash to `fingerprint`. A key seen before with
   * another fingerprint is an UnprocessableError (the first result stays untouched).
   */
  claim(
    tenant: string,
    key: string,
    options: { fingerprint: string; now: Date; ttlSeconds: number },
  ): Promise<IdempotencyClaim>;
  complete(tenant: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets a claim whose request failed, so a retry can run it again. */
  release(tenant: string, key: string): Promise<void>;
}

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  /** Access rules below the scopes; none: the scopes alone decide. */
  rules?: AccessRule[];
  /** Hex SHA-256 of the key's secret part; the key itself is never stored. */
  hash: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  revokedAt?: string;
}

/** A key as listings and answers show it: never its hash. */
export type ApiKeyListing = Omit<ApiKeyRecord, 'hash'>;

/** One tenant's API keys, in the tenant's partition (hash included). */
export interface ApiKeyStore {
  /** Writes the key and the pointer from its id to its tenant, with the audit event. ConflictError when the id exists. */
  put(record: ApiKeyRecord, audit: AuditEvent): Promise<void>;
  get(tenant: string, id: string): Promise<ApiKeyRecord | undefined>;
  list(tenant: string, page: { limit: number; cursor?: string }): Promise<Page<ApiKeyListing>>;
  /** NotFoundError when the tenant has no such key. */
  revoke(tenant: string, id: string, at: string, audit: AuditEvent): Promise<void>;
}

/** Which tenant an API key id belongs to: read before the tenant is known, so outside every tenant. */
export interface ApiKeyDirectory {
  tenantOf(id: string): Promise<string | undefined>;
}

/** The operator key: one per deployment, in no tenant's partition. */
export interface OperatorKeyRecord {
  /** The tenant the operator acts in by default. */
  tenant: string;
  hash: string;
  createdAt: string;
  createdBy: string;
}

export interface OperatorKeyStore {
  get(): Promise<OperatorKeyRecord | undefined>;
  /** Replaces the operator key (bootstrap, rotation). */
  put(record: OperatorKeyRecord): Promise<void>;
}

export interface AuditStore {
  /** Writes one event, HMAC'd; throws AuditUnavailableError when it cannot (fail closed). */
  record(event: AuditEvent): Promise<void>;
  /**
   * Newest first, filtered. A page reads at most `query.maxRead` items: a range larger than that
   * answers what matched so far and a cursor, never a timeout.
   */
  list(tenant: string, query: AuditQuery): Promise<Page<AuditRecord>>;
  /** Oldest first: every event with from ≤ time < to (ISO times), a query page at a time, strongly consistent. */
  range(tenant: string, from: string, to: string): AsyncGenerator<AuditRecord[]>;
}
