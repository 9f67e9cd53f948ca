/**
 * Rotation: settings per secret, and rotations that never leave a broken secret.
 *
 * A rotation holds the secret's rotation lock (a conditional write with an expiry, on the metadata
 * item) from start to end, so two workers never rotate one secret at once, and a crashed worker's
 * rotation is taken over once its lock expires. `random` and `database` follow AWS's four steps:
 *
 *   createSecret  the pending value is made and staged in the vault (staging.ts); its version id is
 *                 recorded in the metadata (rotationState.pending) before anything else changes;
 *   setSecret     it is set where it must work (the database); recorded first, as from here on the
 *                 database may hold it;
 *   testSecret    it is proven to work (a login);
 *   finishSecret  it is promoted through the secrets service's write path (write lock, vault, then
 *                 metadata + version + audit in one transaction), which also clears the pending state.
 *
 * When a step fails the current value stays current: a pending value that was not set anywhere is
 * dropped; after setSecret the strategy makes the current value work again (restore) and the pending
 * one is dropped, or, when it cannot tell, kept for the next attempt to resume. The failure is
 * recorded on the metadata (lastAttemptAt, lastError, consecutiveFailures), audited, and the next
 * attempt is pushed out exponentially. A rotation that stopped half-way (crash, timeout) is resumed by
 * the next attempt from its recorded step. Nothing here logs, stores or reports a value.
 *
 * `vault-dynamic` holds the credentials of one lease of a Vault database role in secretm's holding
 * vault, renews the lease before it ends, and issues new credentials (a new version) when it cannot;
 * once they are current, the lease they replace is revoked (lease-revocation.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { can, requireSecret } from '../access/authorize.ts';
import { auditEvent } from '../audit/audit-event.ts';
import type { Principal, RequestContext } from '../auth/principal.ts';
import { type Clock, systemClock } from '../clock.ts';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  SecretmError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import type { SecretPayload } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import type { SecretService } from '../secrets/secret-service.ts';
import type { SecretRecord, SecretValue } from '../secrets/secret-types.ts';
import { envValue, fromPayload, toPayload } from '../secrets/secret-value.ts';
import type { AuditStore, SecretStore } from '../store/store-types.ts';
import { revokeLease } from './lease-revocation.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import type { DatabaseDriver, DatabaseLogin } from './postgres.ts';
import type { RotationBody } from './rotation-schemas.ts';
import type {
  HeldLease,
  PendingRotation,
  RotationOutcome,
  RotationSettings,
  RotationState,
  RotationStep,
} from './rotation-types.ts';
import { parseSchedule } from './schedule.ts';
import { pendingStage } from './staging.ts';
import {
  databaseCredentials,
  databaseKeys,
  databaseStrategy,
  randomStrategy,
  type StagedStrategy,
} from './strategies.ts';
import type { HoldingVault } from './vault-refs.ts';

export interface RotationServiceDeps {
  store: SecretStore;
  audit: AuditStore;
  secrets: SecretService;
  providers: ProviderResolver;
  /** secretm's own vault: holds `vault-dynamic` credentials (the local vault, or the deployment's Secrets Manager). */
  holding?: HoldingVault;
  databases: DatabaseDriver;
  clock?: Clock;
  /** How long a rotation lock lasts; above the worker's timeout. Default 5 minutes. */
  lockTtlMs?: number;
  /** Called after each of the four steps completes (tests stop a rotation there). */
  afterStep?: (step: RotationStep, name: string) => Promise<void>;
}

/** The first retry after a failure; each further failure doubles it, up to a day. */
export const retryBaseMs = 5 * 60_000;
export const retryMaxMs = 24 * 60 * 60_000;
/** How long a rotation retries a state write refused because a value write holds the secret. */
const stateWriteWaitMs = 5_000;

export function createRotationService(deps: RotationServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const lockTtlMs = deps.lockTtlMs ?? 5 * 60_000;
  const { store } = deps;
  const target = (name: string) => `secret:${name}`;
  const afterStep = async (step: RotationStep, name: string) => {
    if (deps.afterStep) await deps.afterStep(step, name);
  };

  /** Writes the rotation fields under the rotation lock, waiting out a value write in progress. */
  async function save(
    record: SecretRecord,
    lockId: string,
    audit?: ReturnType<typeof auditEvent>,
  ): Promise<void> {
    const deadline = Date.now() + stateWriteWaitMs;
    for (;;) {
      try {
        await store.saveRotation(record, lockId, { now: clock.now().getTime() }, audit);
        return;
      } catch (error) {
        // A value write holds the secret for a moment (or the lock is lost: then retrying changes nothing).
        if (!(error instanceof ConflictError) || Date.now() >= deadline) throw error;
        await sleep(20 + Math.random() * 60);
      }
    }
  }

  function withState(
    record: SecretRecord,
    change: Partial<RotationState>,
    drop: (keyof RotationState)[] = [],
  ): SecretRecord {
    const state: RotationState = { consecutiveFailures: 0, ...record.rotationState, ...change };
    for (const key of drop) delete state[key];
    return { ...record, rotationState: state };
  }

  function released(record: SecretRecord): SecretRecord {
    const { rotationLock: _lock, ...rest } = record;
    return rest;
  }

  /** The success state: counters reset, next time from the schedule (or the lease), lock released. */
  function succeeded(record: SecretRecord, now: Date, lease?: HeldLease): SecretRecord {
    const settings = record.rotation;
    const next = released(
      withState(
        record,
        {
          lastRotatedAt: now.toISOString(),
          lastAttemptAt: now.toISOString(),
          consecutiveFailures: 0,
          ...(lease ? { lease } : {}),
        },
        ['lastError', 'pending'],
      ),
    );
    if (settings) next.nextRotationAt = nextRotationTime(settings, now, lease);
    return next;
  }

  function nextRotationTime(settings: RotationSettings, now: Date, lease?: HeldLease): string {
    const scheduled = parseSchedule(settings.schedule).next(now).getTime();
    if (settings.strategy !== 'vault-dynamic' || !lease) return new Date(scheduled).toISOString();
    const remaining = Date.parse(lease.expiresAt) - now.getTime();
    const renewal = now.getTime() + Math.max(0, remaining * settings.options.renewAtFraction);
    return new Date(Math.min(scheduled, renewal)).toISOString();
  }

  function retryTime(record: SecretRecord, now: Date, failures: number): string {
    let delay = Math.min(retryBaseMs * 2 ** Math.min(failures - 1, 20), retryMaxMs);
    const lease = record.rotationState?.lease;
    if (record.rotation?.strategy === 'vault-dynamic' && lease) {
      // Held credentials must be renewed before their lease ends: retries stay well inside it.
      const remaining = Date.parse(lease.expiresAt) - now.getTime();
      if (remaining > 0) delay = Math.min(delay, Math.max(retryBaseMs / 5, remaining / 3));
    }
    return new Date(now.getTime() + delay).toISOString();
  }

  /** Records a failed attempt (state, back-off, audit) and releases the lock; answers the error to throw. */
  async function failed(
    ctx: RequestContext,
    record: SecretRecord,
    lockId: string,
    error: unknown,
    step: RotationStep | undefined,
    pending: PendingRotation | undefined,
  ): Promise<unknown> {
    const now = clock.now();
    const failures = (record.rotationState?.consecutiveFailures ?? 0) + 1;
    const code = error instanceof SecretmError ? error.code : 'internal_error';
    const message = error instanceof SecretmError ? error.message.slice(0, 500) : 'internal error';
    const next = released(
      withState(
        record,
        {
          lastAttemptAt: now.toISOString(),
          lastError: { code, message, ...(step ? { step } : {}) },
          consecutiveFailures: failures,
          ...(pending ? { pending } : {}),
        },
        pending ? [] : ['pending'],
      ),
    );
    if (record.rotation) next.nextRotationAt = retryTime(record, now, failures);
    try {
      await save(next, lockId, auditEvent(ctx, 'secret.rotate', target(record.name), now, { reason: code }));
    } catch {
      // The lock expires on its own; the error the caller sees is the rotation's.
    }
    if (!(error instanceof SecretmError)) return error;
    const kept = pending ? ' (its pending value is kept; the next attempt resumes it)' : '';
    const where = step ? ` at ${step}` : '';
    const ErrorClass = error.constructor as new (
      message: string,
      options: { cause: unknown },
    ) => SecretmError;
    return new ErrorClass(
      `rotation of ${record.name} failed${where}: ${error.message}; version ${record.version} stays current${kept}`,
      { cause: error },
    );
  }

  async function strategyFor(record: SecretRecord): Promise<StagedStrategy> {
    const settings = record.rotation;
    if (settings?.strategy === 'random') return randomStrategy(settings.options);
    if (settings?.strategy === 'database') {
      const master = settings.options.masterSecret
        ? await masterLogin(record.tenant, settings.options.masterSecret, settings.options.tls)
        : undefined;
      return databaseStrategy(settings.options, deps.databases, master);
    }
    throw new UnprocessableError(`secret ${record.name} has no staged rotation configured`);
  }

  async function masterLogin(
    tenant: string,
    name: string,
    tls: 'verify-full' | 'require' | 'disable',
  ): Promise<DatabaseLogin> {
    const master = await store.get(tenant, name);
    if (!master || master.deletionDate)
      throw new UnprocessableError(`the master secret ${name} does not exist`);
    const credentials = databaseCredentials(
      await deps.secrets.readCurrent(master),
      tls,
      `the master secret ${name}`,
    );
    return { username: credentials.username, password: credentials.password };
  }

  /** random and database: the four steps, resumable from the recorded one. */
  async function runStaged(
    ctx: RequestContext,
    claimed: SecretRecord,
    lockId: string,
  ): Promise<RotationOutcome> {
    let record = claimed;
    const name = record.name;
    const provider = await deps.providers(record.tenant, record.connection);
    const stage = pendingStage(provider, record);
    let pending = record.rotationState?.pending;
    let staged: { versionId: string } | undefined;
    let step: RotationStep = 'createSecret';
    let run: Awaited<ReturnType<StagedStrategy['open']>> | undefined;
    let setStarted = pending !== undefined && pending.step !== 'createSecret';
    try {
      const strategy = await strategyFor(record);
      const current = await deps.secrets.readCurrent(record);
      let next: SecretValue;
      if (pending) {
        next = fromPayload(await stage.read(pending.vaultVersionId, 'map'), 'env');
      } else {
        await stage.cleanup();
        next = strategy.create(current);
        const id = randomUUID();
        staged = await stage.put(toPayload(next), id);
        pending = {
          id,
          step: 'createSecret',
          baseVersion: record.version,
          vaultVersionId: staged.versionId,
          startedAt: clock.now().toISOString(),
        };
        record = withState(record, { pending });
        await save(record, lockId);
      }
      await afterStep('createSecret', name);

      step = 'setSecret';
      run = await strategy.open(current, next);
      if (pending.step === 'createSecret') {
        pending = { ...pending, step: 'setSecret' };
        record = withState(record, { pending });
        await save(record, lockId);
      }
      setStarted = true;
      await run.set();
      await afterStep('setSecret', name);

      step = 'testSecret';
      await run.test();
      await run.close();
      await afterStep('testSecret', name);

      step = 'finishSecret';
      const promoted = pending;
      const committed = await deps.secrets.commitRotation(ctx, name, async (locked) => {
        if (locked.rotationLock?.id !== lockId)
          throw new ConflictError(`the rotation lock on ${name} was lost`);
        if (locked.version !== promoted.baseVersion) {
          throw new ConflictError(`secret ${name} changed during the rotation`);
        }
        return {
          value: next,
          write: (_provider, payload: SecretPayload) =>
            stage.promote(payload, promoted.vaultVersionId, promoted.id),
          amend: (changed) => succeeded(changed, clock.now()),
        };
      });
      await stage.cleanup().catch(() => undefined);
      await afterStep('finishSecret', name);
      return rotated(committed);
    } catch (error) {
      let keep = pending;
      if (step !== 'finishSecret') {
        const dropped = await dropPending(
          run,
          setStarted,
          stage,
          pending?.vaultVersionId ?? staged?.versionId,
        );
        if (dropped) keep = undefined;
      }
      await run?.close().catch(() => undefined);
      throw await failed(ctx, record, lockId, error, step, keep);
    }
  }

  /**
   * After a failure before finishSecret: drops the pending value when nothing outside the vault holds
   * it, or when the strategy made the current value work again. False when it must be kept.
   */
  async function dropPending(
    run: { restore(): Promise<boolean> } | undefined,
    setStarted: boolean,
    stage: ReturnType<typeof pendingStage>,
    versionId: string | undefined,
  ): Promise<boolean> {
    try {
      if (setStarted && !(run && (await run.restore()))) return false;
      if (versionId) await stage.discard(versionId);
      return true;
    } catch {
      return false;
    }
  }

  /** vault-dynamic: renew the held lease while it can be; otherwise (or on demand) issue new credentials. */
  async function runDynamic(
    ctx: RequestContext,
    record: SecretRecord,
    lockId: string,
    renewFirst: boolean,
  ): Promise<RotationOutcome> {
    const settings = record.rotation;
    const holding = deps.holding;
    let step: RotationStep | undefined;
    try {
      if (settings?.strategy !== 'vault-dynamic')
        throw new UnprocessableError(`secret ${record.name} has no vault-dynamic rotation`);
      if (!holding)
        throw new UnprocessableError('this deployment has no holding vault for dynamic credentials');
      const provider = await deps.providers(record.tenant, record.connection);
      if (!provider.leases) {
        throw new UnprocessableError(`the connection ${record.connection} does not issue leased credentials`);
      }
      const lease = record.rotationState?.lease;
      const now = clock.now();
      if (renewFirst && lease && Date.parse(lease.expiresAt) > now.getTime()) {
        try {
          step = 'setSecret';
          const renewed = await provider.leases.renew(lease.id, lease.ttlSeconds);
          const remainingMs = renewed.expiresAt.getTime() - Date.now();
          // Worth keeping while the renewed lease still spans half its first duration (not at max TTL).
          if (remainingMs >= (lease.ttlSeconds * 1000) / 2) {
            const kept: HeldLease = {
              ...lease,
              expiresAt: new Date(now.getTime() + remainingMs).toISOString(),
            };
            const next = succeeded(record, now, kept);
            await save(next, lockId, auditEvent(ctx, 'secret.rotate', target(record.name), now));
            return { name: record.name, outcome: 'renewed', version: record.version, ...nextOf(next) };
          }
        } catch {
          // Gone, not renewable, or not allowed (the policy lacks sys/leases/renew): issue new ones.
        }
      }
      step = 'createSecret';
      const issued = await provider.get(record.vaultRef);
      if (issued.payload.kind !== 'map' || !issued.leaseExpiresAt) {
        throw new UnprocessableError(`the vault issued no leased credentials for ${record.vaultRef}`);
      }
      const ttlMs = issued.leaseExpiresAt.getTime() - Date.now();
      const issuedLease: HeldLease = {
        id: issued.versionId,
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
        ttlSeconds: Math.max(1, Math.round(ttlMs / 1000)),
      };
      const value = envValue(issued.payload.data);
      step = 'finishSecret';
      const ref = holding.refFor(record.tenant, record.name);
      const committed = await deps.secrets.commitRotation(ctx, record.name, async (locked) => {
        if (locked.rotationLock?.id !== lockId)
          throw new ConflictError(`the rotation lock on ${record.name} was lost`);
        return {
          value,
          held: true,
          write: async (_provider, payload) => {
            try {
              return await holding.vault.put(ref, payload);
            } catch (error) {
              if (!(error instanceof NotFoundError)) throw error;
              return holding.vault.create(ref, payload, {
                description: `Vault credentials secretm holds for ${record.name}`,
              });
            }
          },
          amend: (changed) => succeeded(changed, clock.now(), issuedLease),
        };
      });
      // The new credentials are current: the lease they replace ends now, not at its TTL.
      if (lease && lease.id !== issuedLease.id) {
        await revokeLease(lease, { ctx, name: record.name, provider, audit: deps.audit, now: clock.now() });
      }
      return rotated(committed);
    } catch (error) {
      throw await failed(ctx, record, lockId, error, step, undefined);
    }
  }

  function nextOf(record: SecretRecord): { nextRotationAt?: string } {
    return record.nextRotationAt ? { nextRotationAt: record.nextRotationAt } : {};
  }

  function rotated(record: SecretRecord): RotationOutcome {
    return { name: record.name, outcome: 'rotated', version: record.version, ...nextOf(record) };
  }

  /** Checks that `settings` can rotate `record`, from its metadata alone (never its value). */
  /** Under access rules, a secret the caller may not rotate answers as absent before it is claimed. */
  async function requireRotate(ctx: RequestContext, name: string): Promise<void> {
    if (!ctx.principal.rules) return;
    const record = await store.get(ctx.principal.tenant, name);
    if (!record) throw new NotFoundError(`secret ${name} not found`);
    requireSecret(ctx.principal, 'rotate', record);
  }

  async function checkSettings(
    record: SecretRecord,
    settings: RotationSettings,
    principal?: Principal,
  ): Promise<void> {
    parseSchedule(settings.schedule);
    if (record.type !== 'env')
      throw new ValidationError('rotation changes env secrets (key/value pairs); this one is a file');
    switch (settings.strategy) {
      case 'random':
        checkPasswordPolicy(settings.options.policy);
        if (record.imported && (await deps.providers(record.tenant, record.connection)).leases) {
          throw new ValidationError(
            'Vault issues these credentials: rotate them with the vault-dynamic strategy',
          );
        }
        return;
      case 'database': {
        checkPasswordPolicy(settings.options.policy);
        const missing = databaseKeys.filter((key) => !record.keys.includes(key));
        if (missing.length > 0) {
          throw new ValidationError(
            `database rotation needs the keys ${databaseKeys.join(', ')}; the secret lacks ${missing.join(', ')}`,
          );
        }
        const masterName = settings.options.masterSecret;
        if (settings.options.mode === 'alternating-users' && !masterName) {
          throw new ValidationError(
            'alternating users need options.masterSecret, the secret with admin credentials',
            {
              details: [{ path: 'body.options.masterSecret', message: 'required for alternating-users' }],
            },
          );
        }
        if (masterName !== undefined) {
          if (masterName === record.name)
            throw new ValidationError('a secret cannot be its own master secret');
          const master = await store.get(record.tenant, masterName);
          // A master the caller may not reveal is as absent as a missing one: rotation would reveal it.
          if (
            !master ||
            master.deletionDate ||
            (principal && !can(principal, 'reveal', { secret: master.name, connection: master.connection }))
          )
            throw new UnprocessableError(`the master secret ${masterName} does not exist`);
          const lacking = ['username', 'password'].filter((key) => !master.keys.includes(key));
          if (lacking.length > 0)
            throw new ValidationError(`the master secret ${masterName} lacks ${lacking.join(', ')}`);
        }
        return;
      }
      case 'vault-dynamic': {
        const provider = await deps.providers(record.tenant, record.connection);
        if (!record.imported || !provider.leases) {
          throw new ValidationError(
            'vault-dynamic rotates secrets imported from a HashiCorp Vault database-engine connection',
          );
        }
        if (!deps.holding)
          throw new UnprocessableError('this deployment has no holding vault for dynamic credentials');
      }
    }
  }

  return {
    /** `PUT /v1/secrets/{name}/rotation`: turns rotation on with these settings, or off. */
    async configure(
      ctx: RequestContext,
      name: string,
      body: RotationBody,
      options: { expectedVersion?: number } = {},
    ): Promise<SecretRecord> {
      const tenant = ctx.principal.tenant;
      const record = await store.get(tenant, name);
      if (record) requireSecret(ctx.principal, 'rotate', record);
      if (!record || record.deletionDate) {
        throw record
          ? new ConflictError(`secret ${name} is scheduled for deletion; restore it first`)
          : new NotFoundError(`secret ${name} not found`);
      }
      if (options.expectedVersion !== undefined && options.expectedVersion !== record.version) {
        throw new PreconditionFailedError(
          `secret ${name} is at version ${record.version}, not ${options.expectedVersion}`,
        );
      }
      const now = clock.now();
      if (!('strategy' in body)) {
        return store.configureRotation(
          tenant,
          name,
          {},
          { now: now.getTime() },
          auditEvent(ctx, 'secret.rotation.disable', target(name), now),
        );
      }
      const settings = {
        schedule: body.schedule,
        strategy: body.strategy,
        options: body.options,
      } as RotationSettings;
      await checkSettings(record, settings, ctx.principal);
      const lease = record.rotationState?.lease;
      const holdsLive = lease !== undefined && Date.parse(lease.expiresAt) > now.getTime();
      // Dynamic credentials are held from the first rotation on: that one is due at once.
      const nextRotationAt =
        settings.strategy === 'vault-dynamic' && !holdsLive
          ? now.toISOString()
          : nextRotationTime(settings, now, lease);
      return store.configureRotation(
        tenant,
        name,
        { rotation: settings, nextRotationAt },
        { now: now.getTime() },
        auditEvent(ctx, 'secret.rotation.configure', target(name), now),
      );
    },

    /**
     * `DELETE …/rotation?discardPending=true`: the way out of a rotation that cannot finish (its
     * database gone for good): drops the pending value, and turns rotation off. The current value stays
     * current; after a single-user setSecret the database may hold the dropped password, which is why
     * this is never done on its own.
     */
    async discardPending(ctx: RequestContext, name: string): Promise<SecretRecord> {
      await requireRotate(ctx, name);
      const now = clock.now();
      const lockId = randomUUID();
      const record = await store.claimRotation(
        ctx.principal.tenant,
        name,
        { id: lockId, expiresAt: now.getTime() + lockTtlMs },
        { now: now.getTime() },
      );
      const pending = record.rotationState?.pending;
      if (pending && record.rotation?.strategy !== 'vault-dynamic') {
        const provider = await deps.providers(record.tenant, record.connection);
        await pendingStage(provider, record)
          .discard(pending.vaultVersionId)
          .catch(() => undefined);
      }
      const {
        rotation: _settings,
        nextRotationAt: _next,
        ...rest
      } = released(withState(record, {}, ['pending']));
      await save(rest, lockId, auditEvent(ctx, 'secret.rotation.disable', target(name), now));
      return rest;
    },

    /**
     * Rotates now (`POST …/rotate`), or, with `scheduled`, only when due (the worker). Answers what was
     * done; a failure is recorded, then thrown as a typed error saying which step failed.
     */
    async rotate(
      ctx: RequestContext,
      name: string,
      options: { scheduled?: boolean; expectedVersion?: number } = {},
    ): Promise<RotationOutcome> {
      const tenant = ctx.principal.tenant;
      await requireRotate(ctx, name);
      const now = clock.now();
      const lockId = randomUUID();
      let record: SecretRecord;
      try {
        record = await store.claimRotation(
          tenant,
          name,
          { id: lockId, expiresAt: now.getTime() + lockTtlMs },
          { now: now.getTime(), ...(options.scheduled ? { dueBy: now.toISOString() } : {}) },
        );
      } catch (error) {
        const skip =
          error instanceof ConflictError ||
          error instanceof NotFoundError ||
          error instanceof UnprocessableError;
        if (options.scheduled && skip) return { name, outcome: 'skipped', version: 0, reason: error.message };
        throw error;
      }
      const release = async (next: SecretRecord) => {
        await save(released(next), lockId).catch(() => undefined);
      };
      if (options.expectedVersion !== undefined && options.expectedVersion !== record.version) {
        await release(record);
        throw new PreconditionFailedError(
          `secret ${name} is at version ${record.version}, not ${options.expectedVersion}`,
        );
      }
      const deletion = record.deletionDate;
      if (deletion) {
        // Not rotated while it waits out its recovery window; looked at again one period later.
        const settings = record.rotation!;
        await release({
          ...record,
          nextRotationAt: parseSchedule(settings.schedule).next(now).toISOString(),
        });
        if (options.scheduled)
          return { name, outcome: 'skipped', version: record.version, reason: 'scheduled for deletion' };
        throw new ConflictError(`secret ${name} is scheduled for deletion on ${deletion}; restore it first`);
      }
      if (record.rotation?.strategy === 'vault-dynamic') {
        return runDynamic(ctx, record, lockId, options.scheduled === true);
      }
      return runStaged(ctx, record, lockId);
    },
  };
}

export type RotationService = ReturnType<typeof createRotationService>;
