/**
 * The port every vault adapter implements, one file per vault kind under shared/providers/.
 * Domain services depend on this interface only; test/providers/provider-contract.ts runs the same
 * cases against every adapter, each on a live server.
 */

import type { NotFoundError } from '../errors.ts';

export const vaultKinds = ['local', 'aws-secrets-manager', 'azure-key-vault', 'hashicorp-vault'] as const;
export type VaultKind = (typeof vaultKinds)[number];

/** A secret's value as the vault holds it: a flat key/value map (env secrets), text, or bytes (file secrets). */
export type SecretPayload =
  | { kind: 'map'; data: Record<string, string> }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Uint8Array };

/**
 * How an adapter reaches its vault. Every adapter builds its HTTP(S) agent from this, so the
 * connection layer can pin the address its SSRF guard checked (`lookup`), trust a private CA, and bound
 * every call. Adapters never follow redirects.
 */
export interface NetworkOptions {
  /** Replaces DNS resolution for the vault's host (same signature as `net.connect`'s `lookup`). */
  lookup?: import('node:net').LookupFunction;
  /** PEM of a private CA to trust for this vault only (never process-wide). */
  caCert?: string;
  /** Upper bound for one vault call, connect included. Default 10 000 ms. */
  timeoutMs?: number;
}

export const defaultVaultTimeoutMs = 10_000;

export interface WriteOptions {
  /**
   * Makes the write idempotent in the vault itself: writing again with the same token and the same
   * payload returns the first version instead of making a second (AWS ClientRequestToken semantics).
   */
  idempotencyToken?: string;
  description?: string;
  tags?: Record<string, string>;
}

/** Changes to the description and tags a vault keeps with a secret (beside its value, not in a version). */
export interface MetadataChanges {
  /** The new description; null removes it; absent leaves it as it is. */
  description?: string | null;
  /** Tags to set; a tag whose value is null is removed; tags not named stay as they are. */
  tags?: Record<string, string | null>;
}

export interface WrittenVersion {
  /** The vault's own id of the version just written (AWS VersionId, KV v2 version, Azure version). */
  versionId: string;
}

export interface ReadValue {
  payload: SecretPayload;
  versionId: string;
  /** Dynamic credentials only: when the vault's lease ends. */
  leaseExpiresAt?: Date;
}

export type DeleteMode = { mode: 'soft'; recoveryWindowDays: number } | { mode: 'purge' };

export interface ConnectionCheck {
  ok: boolean;
  steps: { step: string; ok: boolean; message: string }[];
}

export interface DiscoveredSecret {
  /** The vault's own name, ARN or path, as `import` takes it. */
  ref: string;
  createdAt?: string;
  updatedAt?: string;
}

/**
 * Staging labels, where a vault has them (AWS Secrets Manager's AWSPENDING, AWSCURRENT, AWSPREVIOUS):
 * a version written as pending stays out of every read of the current value until it is promoted.
 * Rotation keeps its pending value this way.
 */
export interface StagingLabels {
  /** Writes a new version labelled pending; the current one stays current. Idempotent by token (its version id). */
  putPending(ref: string, payload: SecretPayload, token: string): Promise<WrittenVersion>;
  /** Makes the pending version current (the old current becomes previous) and drops its pending label. Idempotent. */
  promotePending(ref: string, versionId: string): Promise<void>;
  /** Drops the pending label from the version (the vault discards unlabelled versions in time). Idempotent. */
  discardPending(ref: string, versionId: string): Promise<void>;
}

/** Leases of dynamic credentials (HashiCorp Vault's database engine), where the vault issues them. */
export interface Leases {
  /**
   * Extends the lease by up to `incrementSeconds` (the vault caps it at the role's max TTL) and answers
   * its new end. NotFoundError when the lease is gone; ValidationError when it cannot be renewed.
   */
  renew(leaseId: string, incrementSeconds: number): Promise<{ expiresAt: Date }>;
  /**
   * Ends the lease now: the vault revokes its credentials (for a database role, drops the database
   * user). NotFoundError when the lease is already gone (expired or revoked).
   */
  revoke(leaseId: string): Promise<void>;
}

export interface SecretProvider {
  readonly kind: VaultKind;
  /**
   * The adapter tells the request meter (shared/costs/request-meter.ts) of every request it sends, so
   * its calls are counted request by request rather than one per operation.
   */
  readonly countsRequests?: boolean;
  /** Other regions each secret it creates is kept in (replicas, each billed as a secret of its own). */
  readonly replicas?: number;
  /** Present on vaults with staging labels. */
  readonly staging?: StagingLabels;
  /** Present on vaults that issue leased credentials. */
  readonly leases?: Leases;

  /** The vault reference secretm uses for one of its own secrets. Deterministic and tenant-scoped. */
  refFor(tenant: string, name: string): string;

  /** The error this vault answers for a ref it does not hold (so a refusal can look exactly like it). */
  absent?(ref: string): NotFoundError;

  /** Creates the secret. ConflictError when it exists (unless the idempotency token matches the first write). */
  create(ref: string, payload: SecretPayload, options?: WriteOptions): Promise<WrittenVersion>;

  /** Writes a new version of an existing secret. NotFoundError when it does not exist. */
  put(ref: string, payload: SecretPayload, options?: WriteOptions): Promise<WrittenVersion>;

  /**
   * Reads the current version, or the one named. NotFoundError when the secret or version is absent or
   * deleted. `kind` says how secretm wrote it (a file secret whose text happens to be JSON stays text);
   * without it (import, discover) the adapter detects: a flat JSON object / KV map of strings is a map.
   */
  get(ref: string, options?: { versionId?: string; kind?: SecretPayload['kind'] }): Promise<ReadValue>;

  /** Soft delete keeps the secret recoverable for the window; purge removes it and all its versions now. */
  delete(ref: string, mode: DeleteMode): Promise<void>;

  /** Cancels a soft delete. NotFoundError when nothing is pending deletion at ref. */
  restore(ref: string): Promise<void>;

  /**
   * Present on vaults that keep a description and tags with a secret (AWS Secrets Manager, Vault KV v2
   * custom_metadata, Azure Key Vault tags, the local vault); absent where the vault has no such thing.
   * Applies the changes without writing a version, so the vault's own view (its console, its CLI, tag
   * based policies) stays in step with secretm's metadata. NotFoundError when the secret is absent or
   * deleted.
   */
  updateMetadata?(ref: string, changes: MetadataChanges): Promise<void>;

  /**
   * Reaches the vault and authenticates; says what worked and what did not, in words a person can act
   * on. Only steps that ran are reported, in order, up to the first that failed: an address the
   * connection's guard refused (never dialled) is a failed first step, and nothing after it is claimed.
   */
  test(): Promise<ConnectionCheck>;

  /**
   * Lists the vault's existing secrets, a page at a time. `prefix` narrows the listing where the vault
   * can filter by name (the built-in vaults do); callers still check each ref they are answered.
   */
  discover(options?: {
    cursor?: string;
    limit?: number;
    prefix?: string;
  }): Promise<{ items: DiscoveredSecret[]; cursor?: string }>;
}

/** Size in bytes of a payload as secretm measures it for limits (the serialised form a vault stores). */
export function payloadSize(payload: SecretPayload): number {
  switch (payload.kind) {
    case 'map':
      return Buffer.byteLength(JSON.stringify(payload.data), 'utf8');
    case 'text':
      return Buffer.byteLength(payload.text, 'utf8');
    case 'binary':
      return payload.bytes.byteLength;
  }
}
