/** Domain types of a secret. Values never appear in these records: they live only in the vault. */
import type { RotationLock, RotationSettings, RotationState } from '../rotation/rotation-types.ts';

export type SecretType = 'env' | 'file';

export interface FileMetadata {
  filename: string;
  /** How the content travels in the API: `utf8` text or `base64` bytes. */
  encoding: 'utf8' | 'base64';
  mountPath?: string;
  /** Octal file mode as a string, e.g. "0400". */
  mode?: string;
}

/** The metadata item of a secret, as stored in DynamoDB. */
export interface SecretRecord {
  tenant: string;
  name: string;
  type: SecretType;
  /** Connection id; `local` is the built-in local vault. */
  connection: string;
  /** The vault's own reference (name, ARN, path). Set by secretm, never by a client. */
  vaultRef: string;
  /**
   * Adopted from a vault (import): the vault stays the source of truth, so the current value is read
   * as the vault has it now (changes made there directly, dynamic credentials issued per read).
   */
  imported?: boolean;
  /** Current version number; every value write adds one. */
  version: number;
  /** Key NAMES of an env secret (never values); empty for file secrets. */
  keys: string[];
  file?: FileMetadata;
  description?: string;
  tags: Record<string, string>;
  /** Size of the current value in bytes. */
  size: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  /** Set while the secret waits out its recovery window. */
  deletedAt?: string;
  deletionDate?: string;
  /** Rotation settings; absent while rotation is off. */
  rotation?: RotationSettings;
  /**
   * When the secret is rotated next (ISO-8601), while rotation is on. The `secretm` layer expires its
   * cached value no later than this; the store indexes it so due secrets are found without a scan.
   */
  nextRotationAt?: string;
  /** How rotations went, the rotation in progress, a held lease. */
  rotationState?: RotationState;
  /** Taken by the worker that rotates the secret now. */
  rotationLock?: RotationLock;
  /**
   * Where the current version's value is, copied from its version item when that version was written
   * (version items never change after), so a value read needs no read of the version item. Absent on
   * metadata written before it was kept, or after a move of the vault secret; then the version item is
   * read. Trusted only while its `version` is the record's. Never shown by the API.
   */
  location?: VersionLocation;
}

/** What locating a version's value in its vault takes, from its version item. */
export type VersionLocation = Pick<VersionRecord, 'version' | 'vaultVersionId' | 'held' | 'file'>;

export type VersionAction = 'create' | 'replace' | 'patch' | 'rollback' | 'clone' | 'import' | 'rotate';

/** One entry of a secret's history. */
export interface VersionRecord {
  tenant: string;
  name: string;
  version: number;
  /** The vault's own id of this version. */
  vaultVersionId: string;
  action: VersionAction;
  /** For a rollback: the version whose value was written again. */
  sourceVersion?: number;
  /**
   * The value is kept in secretm's holding vault, not at the secret's own ref: Vault dynamic
   * credentials that secretm holds and renews by lease (the `vault-dynamic` rotation).
   */
  held?: boolean;
  keys: string[];
  file?: FileMetadata;
  size: number;
  createdAt: string;
  createdBy: string;
}

/** The value of a secret as the API carries it. */
export type SecretValue =
  | { type: 'env'; data: Record<string, string> }
  | { type: 'file'; file: FileMetadata & { content: string } };
