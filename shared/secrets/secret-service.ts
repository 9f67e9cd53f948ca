/**
 * The secrets domain: create, read, write, version, delete and restore secrets whose values live in
 * a connection's vault while their metadata, history and audit live in the store. Every value write
 * takes the secret's write lock first, so concurrent writers never lose a version and the vault's
 * current value always matches the metadata's current version.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { can, requireNewSecret, requireSecret } from '../access/authorize.ts';
import type { AccessAction } from '../access/rules.ts';
import { auditEvent } from '../audit/audit-event.ts';
import type { RequestContext } from '../auth/principal.ts';
import { type Clock, systemClock } from '../clock.ts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../errors.ts';
import {
  type MetadataChanges,
  payloadSize,
  type SecretPayload,
  type SecretProvider,
  type WrittenVersion,
} from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import { revokeLease } from '../rotation/lease-revocation.ts';
import { pendingRotationMessage } from '../rotation/pending-rotation.ts';
import type { HoldingVault } from '../rotation/vault-refs.ts';
import type { AuditStore, Page, SecretListQuery, SecretStore } from '../store/store-types.ts';
import { envKeyPattern, secretNamePattern } from '../validation/names.ts';
import type {
  CloneSecretBody,
  CreateSecretBody,
  ImportSecretBody,
  PatchSecretBody,
  ReplaceSecretBody,
} from './secret-schemas.ts';
import type {
  SecretRecord,
  SecretValue,
  VersionAction,
  VersionLocation,
  VersionRecord,
} from './secret-types.ts';
import {
  assertValueSize,
  envValue,
  fileMetadataOf,
  fromPayload,
  keysOf,
  payloadKindFor,
  toPayload,
  valueFromInput,
} from './secret-value.ts';

export interface SecretServiceDeps {
  store: SecretStore;
  audit: AuditStore;
  providers: ProviderResolver;
  /** The connection a secret created without one goes to (`local` in local mode). */
  defaultConnection: string;
  clock?: Clock;
  /** How long a write lock lasts before another writer may take it over. */
  lockTtlMs?: number;
  /** How long a writer waits for another writer's lock before answering 409. */
  lockWaitMs?: number;
  /** secretm's own vault, holding the Vault dynamic credentials a `vault-dynamic` rotation renews. */
  holding?: HoldingVault;
  /** Writes the vault calls counted so far (never throws); a value read runs it beside its audit write. */
  flushUsage?: () => Promise<void>;
}

export interface WriteOptions {
  /** The version the caller last saw (`If-Match`); a stale one is refused with 412. */
  expectedVersion?: number;
  /** The request's `Idempotency-Key`, passed on to the vault so a retried write makes no duplicate. */
  idempotencyKey?: string;
}

export interface DeleteOptions {
  force?: boolean;
  recoveryWindowDays?: number;
  expectedVersion?: number;
}

export interface RevealedValue {
  record: SecretRecord;
  version: number;
  value: SecretValue;
}

export interface NextVersion {
  /** The new value; absent when only metadata changes (the new version keeps the current value). */
  value?: SecretValue;
  sourceVersion?: number;
  description?: string | null;
  tags?: Record<string, string | null>;
  /**
   * Puts the value in the vault instead of a plain new version at the secret's ref: a rotation
   * promotes its pending version (AWS staging labels) or writes to the holding vault.
   */
  write?: (provider: SecretProvider, payload: SecretPayload) => Promise<WrittenVersion>;
  /** Last changes to the record, committed in the same transaction as the version (rotation state). */
  amend?: (record: SecretRecord) => SecretRecord;
  /** The value lives in the holding vault (see VersionRecord.held). */
  held?: boolean;
}

export const defaultRecoveryWindowDays = 30;

export function createSecretService(deps: SecretServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const lockTtlMs = deps.lockTtlMs ?? 30_000;
  const lockWaitMs = deps.lockWaitMs ?? 5_000;
  const { store } = deps;

  const target = (name: string) => `secret:${name}`;
  const isPurged = (record: SecretRecord, now: Date) =>
    record.deletionDate !== undefined && Date.parse(record.deletionDate) <= now.getTime();

  /**
   * The secret, scheduled for deletion or not, when the caller may `action` it; NotFound once its
   * recovery window has passed, and — exactly alike — when the caller's access rules do not reach it.
   */
  async function live(ctx: RequestContext, name: string, action: AccessAction): Promise<SecretRecord> {
    const record = await store.get(ctx.principal.tenant, name);
    if (!record || isPurged(record, clock.now())) throw new NotFoundError(`secret ${name} not found`);
    requireSecret(ctx.principal, action, record);
    return record;
  }

  function assertActive(record: SecretRecord): void {
    if (record.deletionDate) {
      throw new ConflictError(
        `secret ${record.name} is scheduled for deletion on ${record.deletionDate}; restore it first`,
      );
    }
  }

  /** A value write, delete or rotation change must wait while a rotation runs or waits pending. */
  function assertNotRotating(record: SecretRecord): void {
    const pending = record.rotationState?.pending;
    const rotating = record.rotationLock && record.rotationLock.expiresAt >= clock.now().getTime();
    if (pending || rotating) {
      throw new ConflictError(
        pending
          ? pendingRotationMessage(record.name, pending.step)
          : `secret ${record.name} is being rotated right now; retry once that rotation ends`,
      );
    }
  }

  async function active(ctx: RequestContext, name: string, action: AccessAction): Promise<SecretRecord> {
    const record = await live(ctx, name, action);
    assertActive(record);
    return record;
  }

  function vaultToken(ctx: RequestContext, key: string | undefined, operation: string): string | undefined {
    if (!key) return undefined;
    return createHash('sha256').update(`${ctx.principal.tenant}\n${operation}\n${key}`).digest('hex');
  }

  /**
   * The value of `version` of the secret. Where it is comes from the metadata when that version is the
   * current one and the metadata keeps its location (no read of the version item); else from the
   * version item.
   */
  async function readVersion(record: SecretRecord, version: number): Promise<SecretValue> {
    const located: VersionLocation | undefined =
      record.location?.version === version
        ? record.location
        : await store.getVersion(record.tenant, record.name, version);
    if (!located) throw new NotFoundError(`secret ${record.name} has no version ${version}`);
    // Held dynamic credentials are read while their lease lives; after that (rotation turned off, or
    // failing), the secret reads as any imported dynamic secret: fresh credentials from Vault.
    const lease = record.rotationState?.lease;
    if (
      located.held &&
      deps.holding &&
      version === record.version &&
      lease &&
      Date.parse(lease.expiresAt) > clock.now().getTime()
    ) {
      const read = await deps.holding.vault.get(deps.holding.refFor(record.tenant, record.name), {
        versionId: located.vaultVersionId,
        kind: payloadKindFor(record.type, located.file),
      });
      return fromPayload(read.payload, record.type, located.file);
    }
    const provider = await deps.providers(record.tenant, record.connection);
    const readCurrentFromVault = record.imported && version === record.version;
    const read = await provider.get(record.vaultRef, {
      ...(readCurrentFromVault ? {} : { versionId: located.vaultVersionId }),
      kind: payloadKindFor(record.type, located.file),
    });
    return fromPayload(read.payload, record.type, located.file);
  }

  /** Takes the write lock, waiting a bounded time for another writer to finish. */
  async function acquire(
    tenant: string,
    name: string,
    lockId: string,
    expectedVersion?: number,
  ): Promise<SecretRecord> {
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        return await store.lock(
          tenant,
          name,
          { id: lockId, expiresAt: clock.now().getTime() + lockTtlMs },
          { ...(expectedVersion !== undefined ? { expectedVersion } : {}), now: clock.now().getTime() },
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        if (Date.now() >= deadline) {
          throw new ConflictError(`another write to secret ${name} is in progress; retry shortly`, {
            cause: error,
          });
        }
        await sleep(20 + Math.random() * 60);
      }
    }
  }

  async function writeVersion(
    ctx: RequestContext,
    name: string,
    options: WriteOptions,
    action: VersionAction,
    build: (current: SecretRecord) => Promise<NextVersion>,
  ): Promise<SecretRecord> {
    const tenant = ctx.principal.tenant;
    // Under access rules, a secret outside them answers as absent before its lock or version is touched.
    const needs: AccessAction = action === 'rotate' ? 'rotate' : 'write';
    if (ctx.principal.rules) await live(ctx, name, needs);
    const lockId = randomUUID();
    const current = await acquire(tenant, name, lockId, options.expectedVersion);
    try {
      if (isPurged(current, clock.now())) throw new NotFoundError(`secret ${name} not found`);
      assertActive(current);
      if (action !== 'rotate') assertNotRotating(current);
      const next = await build(current);
      const now = clock.now().toISOString();
      let record: SecretRecord = {
        ...withMetadataChanges(current, next.description, next.tags),
        version: current.version + 1,
        updatedAt: now,
        updatedBy: ctx.principal.actor,
      };
      let written: WrittenVersion;
      let held = next.held === true;
      const metadata = metadataChangesOf(next);
      const provider = next.value || metadata ? await deps.providers(tenant, current.connection) : undefined;
      if (next.value && provider) {
        const payload = toPayload(next.value);
        record.size = assertValueSize(payload);
        record.keys = keysOf(next.value);
        const file = fileMetadataOf(next.value);
        if (file) record.file = file;
        else delete record.file;
        const token = vaultToken(ctx, options.idempotencyKey, `${action}:${name}:${current.version}`);
        written = next.write
          ? await next.write(provider, payload)
          : await provider.put(current.vaultRef, payload, token ? { idempotencyToken: token } : {});
      } else {
        // Metadata only: the new version is the current value again; no value is written to the vault.
        const kept = await store.getVersion(tenant, name, current.version);
        if (!kept) throw new NotFoundError(`secret ${name} has no version ${current.version}`);
        written = { versionId: kept.vaultVersionId };
        held = kept.held === true;
      }
      // The vault keeps the description and tags too, where it has them (its console, its CLI and
      // tag-based policies see them): the changes go there before they are committed here.
      if (metadata && provider?.updateMetadata) await provider.updateMetadata(current.vaultRef, metadata);
      if (next.amend) record = next.amend(record);
      const version = versionRecord(record, written.versionId, action, ctx, now, next.sourceVersion);
      if (held) version.held = true;
      await store.commitVersion(
        record,
        version,
        lockId,
        auditEvent(ctx, `secret.${action}`, target(name), clock.now()),
        current.tags,
      );
      return record;
    } catch (error) {
      await store.unlock(tenant, name, lockId).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Writes a brand-new secret (create, clone): records the create first (a lease on the vault secret's
   * life, store.beginCreate), then writes the vault, then the metadata, which ends the lease. A crash
   * between the vault write and the metadata leaves no secret, its vault calls billed to its name, and
   * a lease that tells the next create of the name (once the lease is stale) to remove the vault secret
   * it may have left.
   */
  async function createWith(
    ctx: RequestContext,
    input: {
      name: string;
      connection: string;
      value: SecretValue;
      description?: string;
      tags?: Record<string, string>;
    },
    action: 'create' | 'clone',
    idempotencyKey?: string,
  ): Promise<SecretRecord> {
    const tenant = ctx.principal.tenant;
    requireNewSecret(ctx.principal, input.name, input.connection);
    const payload = toPayload(input.value);
    const size = assertValueSize(payload);
    const existing = await store.get(tenant, input.name);
    if (existing) {
      if (!isPurged(existing, clock.now())) {
        throw new ConflictError(
          existing.deletionDate
            ? `a secret named ${input.name} is scheduled for deletion; restore it or choose another name`
            : `a secret named ${input.name} already exists`,
        );
      }
      await purge(ctx, existing);
    }
    const provider = await deps.providers(tenant, input.connection);
    const vaultRef = provider.refFor(tenant, input.name);
    const token = vaultToken(ctx, idempotencyKey, `${action}:${input.name}`);
    const subject = { tenant, name: input.name, connection: input.connection, vaultRef };
    const lease = { id: randomUUID(), at: clock.now().getTime(), ...(token ? { token } : {}) };
    const { cutOff } = await store.beginCreate(subject, lease, {
      staleBefore: lease.at - lockTtlMs,
      vaultKind: provider.kind,
    });
    if (cutOff) await purgeVault(provider, vaultRef);
    let written: WrittenVersion;
    try {
      written = await provider.create(vaultRef, payload, {
        ...(token ? { idempotencyToken: token } : {}),
        ...(input.description ? { description: input.description } : {}),
        ...(input.tags ? { tags: input.tags } : {}),
      });
    } catch (error) {
      await store.endCreate(subject, lease.id).catch(() => undefined);
      throw error;
    }
    const now = clock.now().toISOString();
    const file = fileMetadataOf(input.value);
    const record: SecretRecord = {
      tenant,
      name: input.name,
      type: input.value.type,
      connection: input.connection,
      vaultRef,
      version: 1,
      keys: keysOf(input.value),
      ...(file ? { file } : {}),
      ...(input.description ? { description: input.description } : {}),
      tags: input.tags ?? {},
      size,
      createdAt: now,
      createdBy: ctx.principal.actor,
      updatedAt: now,
      updatedBy: ctx.principal.actor,
    };
    try {
      await store.create(
        record,
        versionRecord(record, written.versionId, action, ctx, now),
        auditEvent(ctx, `secret.${action}`, target(input.name), clock.now()),
        { vaultKind: provider.kind, replicas: provider.replicas ?? 0, lease: lease.id },
      );
    } catch (error) {
      // Without an idempotency key nobody can complete this create later: take the vault write back
      // while the lease says it is this create's. With a key, the lease waits for a retry with it.
      if (!token) {
        await store.endCreate(subject, lease.id, () => purgeVault(provider, vaultRef)).catch(() => undefined);
      }
      throw error;
    }
    return record;
  }

  async function purge(ctx: RequestContext, record: SecretRecord): Promise<void> {
    const provider = await deps.providers(record.tenant, record.connection);
    if (provider.leases) {
      // A vault that issues leased credentials holds a role there, not the secret: the role stays,
      // and the credentials secretm held for this secret stop working with it.
      const { lease } = record.rotationState ?? {};
      await revokeLease(lease, { ctx, name: record.name, provider, audit: deps.audit, now: clock.now() });
    } else {
      await purgeVault(provider, record.vaultRef);
    }
    if (record.rotationState?.lease && deps.holding) {
      await purgeVault(deps.holding.vault, deps.holding.refFor(record.tenant, record.name));
    }
    await store.remove(
      record.tenant,
      record.name,
      auditEvent(ctx, 'secret.purge', target(record.name), clock.now()),
    );
  }

  return {
    async create(
      ctx: RequestContext,
      input: CreateSecretBody,
      options: WriteOptions = {},
    ): Promise<SecretRecord> {
      const value = valueFromInput(input.type, input);
      return createWith(
        ctx,
        {
          name: input.name,
          connection: input.connection ?? deps.defaultConnection,
          value,
          ...(input.description ? { description: input.description } : {}),
          ...(input.tags ? { tags: input.tags } : {}),
        },
        'create',
        options.idempotencyKey,
      );
    },

    async list(ctx: RequestContext, query: SecretListQuery): Promise<Page<SecretRecord>> {
      const page = await store.list(ctx.principal.tenant, query);
      await deps.audit.record(auditEvent(ctx, 'secret.list', 'secrets', clock.now()));
      const now = clock.now();
      // A secret outside the caller's access rules is left out, as if it were not there.
      const visible = (record: SecretRecord) =>
        !isPurged(record, now) &&
        can(ctx.principal, 'read', { secret: record.name, connection: record.connection });
      return { ...page, items: page.items.filter(visible) };
    },

    /** Whether the secret exists but lies outside the caller's access rules (for what only names it). */
    async hidden(ctx: RequestContext, name: string): Promise<boolean> {
      if (!ctx.principal.rules) return false;
      const record = await store.get(ctx.principal.tenant, name);
      return (
        record !== undefined && !can(ctx.principal, 'read', { secret: name, connection: record.connection })
      );
    },

    async get(ctx: RequestContext, name: string): Promise<SecretRecord> {
      const record = await live(ctx, name, 'read');
      await deps.audit.record(auditEvent(ctx, 'secret.describe', target(name), clock.now()));
      return record;
    },

    /** Reads a value. The reveal is audited before the value is returned; no audit, no value. */
    async getValue(
      ctx: RequestContext,
      name: string,
      options: { version?: number } = {},
    ): Promise<RevealedValue> {
      const record = await active(ctx, name, 'reveal');
      const version = options.version ?? record.version;
      const value = await readVersion(record, version);
      // The reveal is audited before the value is answered (fail closed); the usage counters of the vault
      // read are written beside it rather than after it.
      await Promise.all([
        deps.audit.record(auditEvent(ctx, 'secret.reveal', target(name), clock.now())),
        deps.flushUsage?.(),
      ]);
      return { record, version, value };
    },

    async replace(
      ctx: RequestContext,
      name: string,
      input: ReplaceSecretBody,
      options: WriteOptions = {},
    ): Promise<SecretRecord> {
      if (input.name !== undefined && input.name !== name) {
        throw new ValidationError('the name in the body differs from the name in the path');
      }
      return writeVersion(ctx, name, options, 'replace', async (current) => {
        if (input.type !== undefined && input.type !== current.type) {
          throw new ValidationError(`secret ${name} is of type ${current.type}; a type cannot change`);
        }
        if (input.connection !== undefined && input.connection !== current.connection) {
          throw new ValidationError('a secret cannot move to another connection; clone it there instead');
        }
        return {
          value: valueFromInput(current.type, input),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.tags !== undefined ? { tags: replaceTags(current.tags, input.tags) } : {}),
        };
      });
    },

    async patch(
      ctx: RequestContext,
      name: string,
      input: PatchSecretBody,
      options: WriteOptions = {},
    ): Promise<SecretRecord> {
      const changesValue = input.set !== undefined || input.unset !== undefined;
      if (changesValue) {
        return writeVersion(ctx, name, options, 'patch', async (current) => {
          if (current.type !== 'env') {
            throw new ValidationError('set and unset change env secrets; replace a file secret with PUT');
          }
          const value = await readVersion(current, current.version);
          return {
            value: envValue(applyKeyChanges(value.type === 'env' ? value.data : {}, input.set, input.unset)),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.tags !== undefined ? { tags: input.tags } : {}),
          };
        });
      }
      // Metadata only: a new version too, so its ETag changes and If-Match guards it like any write.
      return writeVersion(ctx, name, options, 'patch', async () => ({
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
      }));
    },

    async remove(
      ctx: RequestContext,
      name: string,
      options: DeleteOptions = {},
    ): Promise<{ name: string; deletionDate: string }> {
      const current = await live(ctx, name, 'delete');
      if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
        throw new PreconditionFailedError(
          `secret ${name} is at version ${current.version}, not ${options.expectedVersion}`,
        );
      }
      if (options.force) {
        await purge(ctx, current);
        return { name, deletionDate: clock.now().toISOString() };
      }
      if (current.deletionDate) {
        throw new ConflictError(
          `secret ${name} is already scheduled for deletion on ${current.deletionDate}; DELETE it with ?force=true to delete it now, or restore it`,
        );
      }
      assertNotRotating(current);
      const days = options.recoveryWindowDays ?? defaultRecoveryWindowDays;
      const now = clock.now();
      const deletionDate = new Date(now.getTime() + days * 86_400_000).toISOString();
      const provider = await deps.providers(current.tenant, current.connection);
      const issued = provider.leases !== undefined;
      if (!issued) await provider.delete(current.vaultRef, { mode: 'soft', recoveryWindowDays: days });
      const next: SecretRecord = {
        ...current,
        deletedAt: now.toISOString(),
        deletionDate,
        updatedAt: now.toISOString(),
        updatedBy: ctx.principal.actor,
      };
      try {
        await store.update(
          next,
          { expectedVersion: current.version, now: now.getTime(), life: 'end' },
          auditEvent(ctx, 'secret.delete', target(name), now),
        );
      } catch (error) {
        if (!issued) await provider.restore(current.vaultRef).catch(() => undefined);
        throw error;
      }
      return { name, deletionDate };
    },

    async restore(ctx: RequestContext, name: string): Promise<SecretRecord> {
      const current = await live(ctx, name, 'delete');
      if (!current.deletionDate) throw new ConflictError(`secret ${name} is not scheduled for deletion`);
      const provider = await deps.providers(current.tenant, current.connection);
      if (!provider.leases) await provider.restore(current.vaultRef);
      const { deletedAt: _deletedAt, deletionDate: _deletionDate, ...rest } = current;
      const next: SecretRecord = {
        ...rest,
        updatedAt: clock.now().toISOString(),
        updatedBy: ctx.principal.actor,
      };
      await store.update(
        next,
        { expectedVersion: current.version, now: clock.now().getTime(), life: 'start' },
        auditEvent(ctx, 'secret.restore', target(name), clock.now()),
      );
      return next;
    },

    async clone(
      ctx: RequestContext,
      name: string,
      input: CloneSecretBody,
      options: WriteOptions = {},
    ): Promise<SecretRecord> {
      const source = await active(ctx, name, 'reveal');
      const value = await readVersion(source, source.version);
      const description = input.description ?? source.description;
      return createWith(
        ctx,
        {
          name: input.name,
          connection: input.connection ?? source.connection,
          value,
          ...(description ? { description } : {}),
          tags: input.tags ?? source.tags,
        },
        'clone',
        options.idempotencyKey,
      );
    },

    async listVersions(
      ctx: RequestContext,
      name: string,
      page: { limit: number; cursor?: string },
    ): Promise<{ record: SecretRecord; page: Page<VersionRecord> }> {
      const record = await live(ctx, name, 'read');
      const versions = await store.listVersions(ctx.principal.tenant, name, page);
      await deps.audit.record(auditEvent(ctx, 'secret.versions', target(name), clock.now()));
      return { record, page: versions };
    },

    /**
     * Adopts a secret that already lives in a connected vault: records metadata only, the value
     * stays where it is. The type is detected unless given: a flat key/value map is `env`.
     */
    async import(ctx: RequestContext, input: ImportSecretBody): Promise<SecretRecord> {
      const tenant = ctx.principal.tenant;
      const name = input.name ?? nameFromRef(input.ref);
      requireNewSecret(ctx.principal, name, input.connection);
      const existing = await store.get(tenant, name);
      if (existing && !isPurged(existing, clock.now()))
        throw new ConflictError(`a secret named ${name} already exists`);
      if (existing) await purge(ctx, existing);
      const provider = await deps.providers(tenant, input.connection);
      const read = await provider.get(input.ref);
      const type = input.type ?? (read.payload.kind === 'map' ? 'env' : 'file');
      if (type === 'env' && read.payload.kind !== 'map') {
        throw new ValidationError('the vault secret is not a flat key/value map; import it with type file');
      }
      const filename = input.ref.split(/[/:]/).filter(Boolean).at(-1) ?? name;
      const value =
        type === 'env'
          ? envValue(read.payload.kind === 'map' ? read.payload.data : {})
          : fromPayload(read.payload, 'file', {
              filename: /^[A-Za-z0-9._-][A-Za-z0-9._ -]{0,254}$/.test(filename) ? filename : name,
              encoding: read.payload.kind === 'binary' ? 'base64' : 'utf8',
            });
      const invalidKeys = keysOf(value).filter((key) => !envKeyPattern.test(key));
      if (invalidKeys.length > 0) {
        throw new ValidationError(
          `keys ${invalidKeys.slice(0, 5).join(', ')} are not environment variable names; import it with type file`,
        );
      }
      const now = clock.now().toISOString();
      const file = fileMetadataOf(value);
      const record: SecretRecord = {
        tenant,
        name,
        type,
        connection: input.connection,
        vaultRef: input.ref,
        imported: true,
        version: 1,
        keys: keysOf(value),
        ...(file ? { file } : {}),
        ...(input.description ? { description: input.description } : {}),
        tags: input.tags ?? {},
        size: payloadSize(read.payload),
        createdAt: now,
        createdBy: ctx.principal.actor,
        updatedAt: now,
        updatedBy: ctx.principal.actor,
      };
      await store.create(
        record,
        versionRecord(record, read.versionId, 'import', ctx, now),
        auditEvent(ctx, 'secret.import', target(name), clock.now()),
        { vaultKind: provider.kind },
      );
      return record;
    },

    /** The current value of a secret, for other domain services (rotation). Not a reveal: not audited as one. */
    async readCurrent(record: SecretRecord): Promise<SecretValue> {
      return readVersion(record, record.version);
    },

    /**
     * Commits a rotation's new value through the same path as every value write: the write lock, the
     * vault (`build`'s `write` promotes a pending version), then metadata, version and audit event
     * (`secret.rotate`) in one transaction. `build` sees the record as locked.
     */
    async commitRotation(
      ctx: RequestContext,
      name: string,
      build: (current: SecretRecord) => Promise<NextVersion>,
    ): Promise<SecretRecord> {
      return writeVersion(ctx, name, {}, 'rotate', build);
    },

    async rollback(
      ctx: RequestContext,
      name: string,
      toVersion: number,
      options: WriteOptions = {},
    ): Promise<SecretRecord> {
      return writeVersion(ctx, name, options, 'rollback', async (current) => {
        if (toVersion >= current.version + 1)
          throw new NotFoundError(`secret ${name} has no version ${toVersion}`);
        const value = await readVersion(current, toVersion);
        return { value, sourceVersion: toVersion };
      });
    },
  };
}

export type SecretService = ReturnType<typeof createSecretService>;

function versionRecord(
  record: SecretRecord,
  vaultVersionId: string,
  action: VersionAction,
  ctx: RequestContext,
  at: string,
  sourceVersion?: number,
): VersionRecord {
  return {
    tenant: record.tenant,
    name: record.name,
    version: record.version,
    vaultVersionId,
    action,
    ...(sourceVersion !== undefined ? { sourceVersion } : {}),
    keys: record.keys,
    ...(record.file ? { file: record.file } : {}),
    size: record.size,
    createdAt: at,
    createdBy: ctx.principal.actor,
  };
}

/** What a new version changes of the description and tags, as the vault takes it; undefined for nothing. */
function metadataChangesOf(next: NextVersion): MetadataChanges | undefined {
  if (next.description === undefined && next.tags === undefined) return undefined;
  return {
    ...(next.description !== undefined ? { description: next.description } : {}),
    ...(next.tags !== undefined ? { tags: next.tags } : {}),
  };
}

/** Applies a description (null removes it) and merged tags (null removes a tag). */
function withMetadataChanges(
  record: SecretRecord,
  description: string | null | undefined,
  tags: Record<string, string | null> | undefined,
): SecretRecord {
  const next: SecretRecord = { ...record, tags: tags ? mergeTags(record.tags, tags) : record.tags };
  if (description === null) delete next.description;
  else if (description !== undefined) next.description = description;
  return next;
}

function mergeTags(
  current: Record<string, string>,
  changes: Record<string, string | null>,
): Record<string, string> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (Object.keys(merged).length > 50) throw new ValidationError('a secret carries at most 50 tags');
  return merged;
}

/** PUT replaces the tag set: tags not named are removed. */
function replaceTags(
  current: Record<string, string>,
  next: Record<string, string>,
): Record<string, string | null> {
  const changes: Record<string, string | null> = { ...next };
  for (const key of Object.keys(current)) if (!(key in next)) changes[key] = null;
  return changes;
}

function applyKeyChanges(
  data: Record<string, string>,
  set: Record<string, string> | undefined,
  unset: string[] | undefined,
): Record<string, string> {
  const next = { ...data };
  for (const key of unset ?? []) {
    if (set && key in set) throw new ValidationError(`key ${key} is both set and unset`);
    if (!(key in next)) {
      throw new ValidationError(`key ${key} is not in the secret`, {
        details: [{ path: `body.unset`, message: `no key ${key}` }],
      });
    }
    delete next[key];
  }
  return { ...next, ...set };
}

/** `secret/data/app/prod-db`, `arn:…:secret:prod-db-AbCdEf` → a secretm name from its last segment. */
function nameFromRef(ref: string): string {
  const last = ref.split(/[/:]/).filter(Boolean).at(-1) ?? '';
  const name = last.replace(/-[A-Za-z0-9]{6}$/, (suffix) => (ref.startsWith('arn:') ? '' : suffix));
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
  if (!secretNamePattern.test(cleaned))
    throw new ValidationError('cannot derive a secret name from ref; give name');
  return cleaned;
}

async function purgeVault(provider: SecretProvider, ref: string): Promise<void> {
  try {
    await provider.delete(ref, { mode: 'purge' });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
}
