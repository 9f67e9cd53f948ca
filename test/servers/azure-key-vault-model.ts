/**
 * The secrets of one Key Vault, as its REST API (specification/keyvault/data-plane,
 * Security.KeyVault.Secrets, of Azure/azure-rest-api-specs) describes them, for the test server in
 * azure-key-vault.ts: secrets with versions, tags and attributes per version, soft delete with a
 * recovery level and a scheduled purge date, recover and purge, and the states in between.
 *
 * Delete, recover and purge complete in the background in Key Vault (the SDK polls for them), so for
 * `settleMs` after each, a secret is in a passing state: being deleted (absent from both the secrets
 * and the deleted secrets, and its name refused), being recovered (not yet readable), being purged
 * (still listed as deleted, its name refused).
 *
 * What the specification leaves open is modelled on Key Vault's observed answers and named as such:
 * the inner error codes `ObjectIsDeletedButRecoverable` and `ObjectIsBeingDeleted`, a value over
 * 25,600 bytes refused as BadParameter, and an empty version list for a secret that does not exist.
 */
import { randomBytes } from 'node:crypto';

/** A Key Vault error: its HTTP status and the `{ error: { code, message, innererror? } }` body. */
export class KeyVaultFault extends Error {
  readonly status: number;
  readonly code: string;
  readonly innerCode: string | undefined;

  constructor(status: number, code: string, message: string, innerCode?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.innerCode = innerCode;
  }
}

export type SecretPermission = 'get' | 'list' | 'set' | 'delete' | 'recover' | 'purge';
export const allPermissions: readonly SecretPermission[] = [
  'get',
  'list',
  'set',
  'delete',
  'recover',
  'purge',
];

export interface KeyVaultModelOptions {
  /** Soft-delete retention (7–90 days); 0 for a vault without soft delete (deletion is final). Default 90. */
  retentionDays?: number;
  /** Purge protection: a deleted secret cannot be purged before its retention ends. */
  purgeProtection?: boolean;
  /** How long a delete, recover or purge takes to complete. Default 0 (at once). */
  settleMs?: number;
}

export interface Attributes {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
}

export interface SecretVersion {
  id: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface StoredSecret {
  /** The name as first set (Key Vault names are case-insensitive). */
  name: string;
  /** In creation order; the last is the current version. */
  versions: SecretVersion[];
  /** Backs a Key Vault certificate: Key Vault manages its lifetime (`managed`, and the key's `kid`). */
  certificate?: { kid: string };
}

export interface Deletion {
  deletedDate: number;
  scheduledPurgeDate: number;
}

type Entry =
  | { state: 'live'; secret: StoredSecret }
  | { state: 'deleting'; secret: StoredSecret; deletion: Deletion; until: number }
  | { state: 'deleted'; secret: StoredSecret; deletion: Deletion }
  | { state: 'recovering'; secret: StoredSecret; until: number }
  | { state: 'purging'; secret: StoredSecret; deletion: Deletion; until: number };

/** Key Vault's limits on a secret. */
export const keyVaultLimits = {
  valueBytes: 25_600,
  tags: 15,
  tagNameLength: 512,
  tagValueLength: 256,
} as const;
const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
const versionPattern = /^[0-9a-f]{32}$/i;

const seconds = () => Math.floor(Date.now() / 1000);

export function createKeyVaultModel(options: KeyVaultModelOptions = {}) {
  const retentionDays = options.retentionDays ?? 90;
  const purgeProtection = options.purgeProtection ?? false;
  const settleMs = options.settleMs ?? 0;
  const entries = new Map<string, Entry>();

  const recoveryLevel =
    retentionDays === 0
      ? 'Purgeable'
      : `${retentionDays < 90 ? 'CustomizedRecoverable' : 'Recoverable'}${purgeProtection ? '' : '+Purgeable'}`;

  /** The entry of `name` with any passing state that has run its time completed. */
  const entryOf = (name: string): Entry | undefined => {
    const key = name.toLowerCase();
    const entry = entries.get(key);
    if (!entry || !('until' in entry) || entry.until > Date.now()) return entry;
    if (entry.state === 'purging') {
      entries.delete(key);
      return undefined;
    }
    const settled: Entry =
      entry.state === 'deleting'
        ? { state: 'deleted', secret: entry.secret, deletion: entry.deletion }
        : { state: 'live', secret: entry.secret };
    entries.set(key, settled);
    return settled;
  };

  const checkName = (name: string): void => {
    if (!namePattern.test(name)) {
      throw new KeyVaultFault(
        400,
        'BadParameter',
        `The request URI contains an invalid name: ${name}. Secret names are 1 to 127 letters, digits and dashes.`,
      );
    }
  };

  const notFound = (what: string): KeyVaultFault =>
    new KeyVaultFault(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${what} was not found in this key vault.`,
    );

  const live = (name: string): StoredSecret => {
    checkName(name);
    const entry = entryOf(name);
    if (entry?.state !== 'live') throw notFound(name);
    return entry.secret;
  };

  /** A deleted secret; `settledOnly` refuses one being purged, which is still listed but can change no more. */
  const deleted = (name: string, settledOnly = false): { secret: StoredSecret; deletion: Deletion } => {
    checkName(name);
    const entry = entryOf(name);
    if (entry?.state === 'purging' && settledOnly) {
      throw new KeyVaultFault(
        409,
        'Conflict',
        `Secret ${name} is currently being deleted.`,
        'ObjectIsBeingDeleted',
      );
    }
    if (entry?.state !== 'deleted' && entry?.state !== 'purging') {
      throw new KeyVaultFault(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    }
    return entry;
  };

  const versionOf = (secret: StoredSecret, version: string): SecretVersion => {
    if (version === '') return secret.versions.at(-1)!;
    if (!versionPattern.test(version)) {
      throw new KeyVaultFault(400, 'BadParameter', `Invalid secret version: ${version}`);
    }
    const found = secret.versions.find((candidate) => candidate.id === version.toLowerCase());
    if (!found) throw notFound(`${secret.name}/${version}`);
    return found;
  };

  const checkTags = (tags: Record<string, string> | undefined): void => {
    if (tags === undefined) return;
    const entriesOfTags = Object.entries(tags);
    if (entriesOfTags.length > keyVaultLimits.tags) {
      throw new KeyVaultFault(400, 'BadParameter', `A secret has at most ${keyVaultLimits.tags} tags.`);
    }
    for (const [key, value] of entriesOfTags) {
      if (typeof value !== 'string' || key.length > keyVaultLimits.tagNameLength) {
        throw new KeyVaultFault(400, 'BadParameter', `Tag "${key.slice(0, 64)}" is not valid.`);
      }
      if (value.length > keyVaultLimits.tagValueLength) {
        throw new KeyVaultFault(
          400,
          'BadParameter',
          `The value of tag "${key}" is longer than ${keyVaultLimits.tagValueLength} characters.`,
        );
      }
    }
  };

  const settle = (name: string, entry: Entry): void => {
    entries.set(name.toLowerCase(), entry);
    if (settleMs === 0) entryOf(name);
  };

  return {
    recoveryLevel,
    recoverableDays: retentionDays,

    set(
      name: string,
      input: { value: string; contentType?: string; tags?: Record<string, string>; attributes?: Attributes },
    ): { secret: StoredSecret; version: SecretVersion } {
      checkName(name);
      if (Buffer.byteLength(input.value, 'utf8') > keyVaultLimits.valueBytes) {
        throw new KeyVaultFault(
          400,
          'BadParameter',
          `The secret value is larger than ${keyVaultLimits.valueBytes} bytes.`,
        );
      }
      checkTags(input.tags);
      const entry = entryOf(name);
      if (entry?.state === 'deleted') {
        throw new KeyVaultFault(
          409,
          'Conflict',
          `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
          'ObjectIsDeletedButRecoverable',
        );
      }
      if (entry?.state === 'deleting' || entry?.state === 'purging') {
        throw new KeyVaultFault(
          409,
          'Conflict',
          `Secret ${name} is currently being deleted.`,
          'ObjectIsBeingDeleted',
        );
      }
      if (entry?.state === 'recovering') {
        throw new KeyVaultFault(409, 'Conflict', `Secret ${name} is currently being recovered.`);
      }
      const now = seconds();
      const version: SecretVersion = {
        id: randomBytes(16).toString('hex'),
        value: input.value,
        ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
        ...(input.tags === undefined ? {} : { tags: { ...input.tags } }),
        enabled: input.attributes?.enabled ?? true,
        ...(input.attributes?.nbf === undefined ? {} : { nbf: input.attributes.nbf }),
        ...(input.attributes?.exp === undefined ? {} : { exp: input.attributes.exp }),
        created: now,
        updated: now,
      };
      const secret = entry?.secret ?? { name, versions: [] };
      secret.versions.push(version);
      entries.set(name.toLowerCase(), { state: 'live', secret });
      return { secret, version };
    },

    /** What creating a certificate makes: a secret backing it, which Key Vault manages. */
    addCertificate(name: string, value: string): void {
      const { secret } = this.set(name, { value, contentType: 'application/x-pkcs12' });
      secret.certificate = { kid: `https://vault/keys/${name}` };
    },

    /** The version asked for ('' = current), with its value; a disabled version is refused. */
    get(name: string, version: string): { secret: StoredSecret; version: SecretVersion } {
      const secret = live(name);
      const found = versionOf(secret, version);
      if (!found.enabled) {
        throw new KeyVaultFault(
          403,
          'Forbidden',
          'Operation get is not allowed on a disabled secret.',
          'SecretDisabled',
        );
      }
      return { secret, version: found };
    },

    /** Changes a version's content type, attributes or tags; what is not given stays. */
    update(
      name: string,
      version: string,
      input: { contentType?: string; tags?: Record<string, string>; attributes?: Attributes },
    ): { secret: StoredSecret; version: SecretVersion } {
      const secret = live(name);
      const found = versionOf(secret, version);
      checkTags(input.tags);
      if (input.contentType !== undefined) found.contentType = input.contentType;
      if (input.tags !== undefined) found.tags = { ...input.tags };
      if (input.attributes?.enabled !== undefined) found.enabled = input.attributes.enabled;
      if (input.attributes?.nbf !== undefined) found.nbf = input.attributes.nbf;
      if (input.attributes?.exp !== undefined) found.exp = input.attributes.exp;
      found.updated = seconds();
      return { secret, version: found };
    },

    /** Live secrets in name order. */
    list(): StoredSecret[] {
      return [...entries.keys()]
        .map((key) => entryOf(key))
        .flatMap((entry) => (entry?.state === 'live' ? [entry.secret] : []))
        .sort((a, b) => compare(a.name.toLowerCase(), b.name.toLowerCase()));
    },

    versions(name: string): { secret?: StoredSecret; versions: SecretVersion[] } {
      checkName(name);
      const entry = entryOf(name);
      return entry?.state === 'live'
        ? { secret: entry.secret, versions: entry.secret.versions }
        : { versions: [] };
    },

    /** Soft delete (or final deletion in a vault without soft delete); answers what was deleted. */
    delete(name: string): { secret: StoredSecret; deletion?: Deletion } {
      const secret = live(name);
      if (retentionDays === 0) {
        entries.delete(name.toLowerCase());
        return { secret };
      }
      const now = seconds();
      const deletion = { deletedDate: now, scheduledPurgeDate: now + retentionDays * 86_400 };
      settle(name, { state: 'deleting', secret, deletion, until: Date.now() + settleMs });
      return { secret, deletion };
    },

    getDeleted(name: string): { secret: StoredSecret; deletion: Deletion } {
      return deleted(name);
    },

    listDeleted(): { secret: StoredSecret; deletion: Deletion }[] {
      return [...entries.keys()]
        .map((key) => entryOf(key))
        .flatMap((entry) =>
          entry?.state === 'deleted' || entry?.state === 'purging'
            ? [{ secret: entry.secret, deletion: entry.deletion }]
            : [],
        )
        .sort((a, b) => compare(a.secret.name.toLowerCase(), b.secret.name.toLowerCase()));
    },

    purge(name: string): void {
      const found = deleted(name, true);
      if (purgeProtection) {
        throw new KeyVaultFault(
          403,
          'Forbidden',
          `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
        );
      }
      settle(name, {
        state: 'purging',
        secret: found.secret,
        deletion: found.deletion,
        until: Date.now() + settleMs,
      });
    },

    recover(name: string): StoredSecret {
      const { secret } = deleted(name, true);
      settle(name, { state: 'recovering', secret, until: Date.now() + settleMs });
      return secret;
    },
  };
}

export type KeyVaultModel = ReturnType<typeof createKeyVaultModel>;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
