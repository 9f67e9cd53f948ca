/**
 * Rotation settings and state, as the secret's metadata item carries them. Key names, secret names,
 * vault version ids and lease ids only: never a value (pending values wait in the vault).
 */
import type { PasswordPolicy } from './password-policy.ts';

export const rotationStrategies = ['random', 'database', 'vault-dynamic'] as const;
export type RotationStrategy = (typeof rotationStrategies)[number];

/** AWS's four rotation steps; a pending rotation records the last one it reached. */
export const rotationSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof rotationSteps)[number];

export interface RandomOptions {
  /** The env keys given new values (created when absent). */
  keys: string[];
  policy: PasswordPolicy;
}

export interface DatabaseOptions {
  mode: 'single-user' | 'alternating-users';
  /** Another secret of the tenant holding the credentials that alter the user (required for alternating users). */
  masterSecret?: string;
  /** TLS to the database: `verify-full` (default), `require` (encrypted, certificate not checked), or `disable`. */
  tls: 'verify-full' | 'require' | 'disable';
  policy: PasswordPolicy;
}

export interface VaultDynamicOptions {
  /** Renew (or re-issue) once this share of the lease has passed. Default 2/3. */
  renewAtFraction: number;
}

export type RotationSettings =
  | { schedule: string; strategy: 'random'; options: RandomOptions }
  | { schedule: string; strategy: 'database'; options: DatabaseOptions }
  | { schedule: string; strategy: 'vault-dynamic'; options: VaultDynamicOptions };

/** The rotation under way, or interrupted: its value waits in the vault as a pending version. */
export interface PendingRotation {
  /** The rotation's id; the idempotency token (AWS ClientRequestToken) of its pending version. */
  id: string;
  /** The last step reached. From `setSecret` on, the database may already hold the pending value. */
  step: RotationStep;
  /** The secretm version the pending value replaces. */
  baseVersion: number;
  /** The vault's id of the pending version. */
  vaultVersionId: string;
  startedAt: string;
}

/** vault-dynamic: the lease of the credentials secretm holds for the secret. */
export interface HeldLease {
  id: string;
  issuedAt: string;
  /** When the lease ends unless renewed. */
  expiresAt: string;
  /** The lease's duration when issued (the increment asked for on renewal). */
  ttlSeconds: number;
}

export interface RotationState {
  lastRotatedAt?: string;
  lastAttemptAt?: string;
  /** The last failure's error code and message (messages never carry a value). */
  lastError?: { code: string; message: string; step?: RotationStep };
  consecutiveFailures: number;
  pending?: PendingRotation;
  lease?: HeldLease;
}

/** Held by the worker that rotates the secret now; it expires, so a crashed worker's rotation is taken over. */
export interface RotationLock {
  id: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** What a rotation did. */
export interface RotationOutcome {
  name: string;
  outcome: 'rotated' | 'renewed' | 'skipped';
  /** The secret's current version after the rotation. */
  version: number;
  nextRotationAt?: string;
  /** Why nothing was done (skipped). */
  reason?: string;
}
