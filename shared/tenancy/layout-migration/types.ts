/** What the layout migration (../layout-migration.ts) is given, and what it answers. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../clock.ts';
import type { SecretProvider } from '../../providers/provider.ts';
import type { VaultNamespace } from '../vault-namespace.ts';

export interface LayoutMigrationDeps {
  /** The deployment's own table client, NOT tenant-guarded: the migration sees every tenant. */
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The built-in vault itself (the local vault, or the deployment's Secrets Manager), unconfined. */
  vault: SecretProvider;
  /** The built-in connection's id: `local` in local mode, `aws` in AWS. */
  builtInConnection: string;
  /** What the built-in vault's names started with before stages: `''` (local vault), `secretm/` (AWS). */
  legacyPrefix: string;
  /** Where things live now (`secretm/<stage>/…`). */
  namespace: VaultNamespace;
  clock?: Clock;
  /**
   * Milliseconds left to start more work (a Lambda run: its remaining time less a margin). At 0 or
   * below the run stops before the next item and answers `done: false`; without it, a run goes on to
   * the end.
   */
  timeLeft?: () => number;
  /**
   * The operator key of the old layout (`K#operator`): `adopt` makes it the operator key when none is
   * installed yet (local mode: the key printed before keeps working); `drop` only removes it (AWS: the
   * new stack generated a new operator key into its secret, which the functions install).
   */
  legacyOperatorKey?: 'adopt' | 'drop';
  /**
   * Hold the run lease (the `MIGRATION` item) so two runs never overlap. Default true; local mode's
   * data-folder lock guarantees one run already.
   */
  lease?: boolean;
  auditRetentionDays?: number;
}

/** A thing the migration could not move, or left behind on purpose: names and tenants, never values. */
export interface MigrationItem {
  kind: 'secret' | 'version' | 'credentials' | 'held' | 'api-key';
  tenant: string;
  /** The secret's name, the connection's id, or the API key's id. */
  name: string;
  reason: string;
}

export interface LayoutMigrationSummary {
  /** False when the run stopped early (out of time, or another run holds the lease): run it again. */
  done: boolean;
  /** Moved by this run (a second run of a finished migration moves nothing). */
  moved: {
    secrets: number;
    credentials: number;
    held: number;
    keys: number;
    operatorKey: number;
  };
  /** Not moved, with why and what to do; items marked "run again" may move on the next run. */
  skipped: MigrationItem[];
  /**
   * Records left pointing at an old-layout name on purpose: imports of another tenant's secret (or of
   * secretm's own entries) made before tenants were isolated. They read as absent from now on.
   */
  unreachable: MigrationItem[];
  /** Why the run did nothing, when another run holds the lease. */
  busy?: string;
}

export const migrationActor = 'secretm:migration';
