/**
 * One run of the layout migration: its deps, its summary as it grows, the time budget, the audit
 * events it writes, and the run lease (`MIGRATION`/`LEASE`) that keeps two runs from overlapping.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAuditKeys } from '../../audit/audit-keys.ts';
import type { AuditEvent } from '../../audit/audit-types.ts';
import { type Clock, systemClock } from '../../clock.ts';
import { ConflictError } from '../../errors.ts';
import { auditPut, defaultAuditRetentionDays, type TransactItem } from '../../store/audit-store.ts';
import type { StoreDeps } from '../../store/dynamo-client.ts';
import { migrationLeaseKey, pkName } from '../../store/keys.ts';
import { registerTenant } from '../../store/tenant-registry.ts';
import { type LegacyLayout, legacyLayout } from './legacy-layout.ts';
import {
  type LayoutMigrationDeps,
  type LayoutMigrationSummary,
  type MigrationItem,
  migrationActor,
} from './types.ts';

/** A lease outlives a run that crashed by this much at most; a live run renews it long before. */
const leaseMs = 5 * 60_000;

export interface MigrationRun {
  readonly deps: LayoutMigrationDeps;
  readonly store: StoreDeps;
  readonly legacy: LegacyLayout;
  readonly clock: Clock;
  readonly runId: string;
  readonly summary: LayoutMigrationSummary;
  /** Before each item: false when the time is up (the summary then says `done: false`). */
  next(): Promise<boolean>;
  skip(item: MigrationItem): void;
  unreachable(item: MigrationItem): void;
  /** An audit event of this run, in `tenant`'s audit. */
  event(tenant: string, action: string, target: string): AuditEvent;
  /** The transaction item of an audit event, HMAC'd with its tenant's audit key (made on first use). */
  auditPut(event: AuditEvent): Promise<TransactItem>;
}

export function startRun(deps: LayoutMigrationDeps): MigrationRun {
  const clock = deps.clock ?? systemClock;
  const store = { client: deps.client, tableName: deps.tableName };
  // The migration writes into every tenant's audit, each event sealed with that tenant's key.
  const audit = {
    ...store,
    auditRetentionDays: deps.auditRetentionDays ?? defaultAuditRetentionDays,
    auditKeys: createAuditKeys({
      vault: () => deps.vault,
      ref: (tenant) => deps.namespace.auditKeyRef(tenant),
      create: { register: (tenant) => registerTenant(store, tenant), clock },
    }),
  };
  const runId = randomUUID();
  const summary: LayoutMigrationSummary = {
    done: true,
    moved: { secrets: 0, credentials: 0, held: 0, keys: 0, operatorKey: 0 },
    skipped: [],
    unreachable: [],
  };
  let leaseRenewedAt = 0;
  return {
    deps,
    store,
    legacy: legacyLayout(deps.legacyPrefix),
    clock,
    runId,
    summary,
    auditPut: (event) => auditPut(audit, event),
    async next() {
      if (deps.timeLeft && deps.timeLeft() <= 0) {
        summary.done = false;
        return false;
      }
      if (deps.lease !== false && Date.now() - leaseRenewedAt > leaseMs / 3) {
        await holdLease(store, runId, clock);
        leaseRenewedAt = Date.now();
      }
      return true;
    },
    skip: (item) => summary.skipped.push(item),
    unreachable: (item) => summary.unreachable.push(item),
    event: (tenant, action, target) => ({
      tenant,
      actor: migrationActor,
      action,
      target,
      outcome: 'success',
      requestId: `migration-${runId}`,
      sourceIp: 'migration',
      at: clock.now().toISOString(),
    }),
  };
}

export class LeaseHeldError extends ConflictError {
  constructor() {
    super('another run of the layout migration is in progress; run it again once that one has ended');
  }
}

/** Takes or renews the run lease: free, expired, or already this run's. */
async function holdLease(store: StoreDeps, runId: string, clock: Clock): Promise<void> {
  const now = clock.now().getTime();
  try {
    await store.client.send(
      new PutCommand({
        TableName: store.tableName,
        Item: { ...migrationLeaseKey(), runId, expiresAt: now + leaseMs },
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now OR #runId = :runId',
        ExpressionAttributeNames: { '#pk': pkName, '#expiresAt': 'expiresAt', '#runId': 'runId' },
        ExpressionAttributeValues: { ':now': now, ':runId': runId },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new LeaseHeldError();
    throw error;
  }
}

export async function releaseLease(run: MigrationRun): Promise<void> {
  if (run.deps.lease === false) return;
  try {
    await run.store.client.send(
      new DeleteCommand({
        TableName: run.store.tableName,
        Key: migrationLeaseKey(),
        ConditionExpression: '#runId = :runId',
        ExpressionAttributeNames: { '#runId': 'runId' },
        ExpressionAttributeValues: { ':runId': run.runId },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** An error's message for the summary (secretm's messages never hold a value). */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = error instanceof ConflictError ? message : `failed: ${message}`;
  return reason.endsWith('run again') ? reason : `${reason}; run again`;
}
