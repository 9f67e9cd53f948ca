/**
 * The `local` vault: the built-in vault of local mode, kept in a folder of this machine.
 *
 * - Values are sealed with AES-256-GCM under a 32-byte master key in `<dir>/master.key`, created on
 *   first use with mode 0600 (the folder 0700). A key file of the wrong length or readable by others
 *   is refused, never replaced: replacing it would make every stored value unreadable.
 * - Each version has its own random 12-byte IV; the ref, version id and payload kind are the
 *   additional authenticated data, so a ciphertext moved to another secret or version fails to open.
 * - One JSON file per ref under `<dir>/secrets/`, named by the SHA-256 of the ref (a ref with `/` or
 *   `..` cannot escape the folder). The ref, dates and version ids are stored in clear (they are not
 *   secret, and `discover()` lists them); values only as ciphertext.
 * - Files are written atomically (temp file, then rename, mode 0600); writes to one ref are
 *   serialised inside the process, so concurrent writes never lose a version.
 * - Idempotency tokens are kept with an HMAC of the payload (keyed by a key derived from the master
 *   key, so it reveals nothing of a guessable value). A token reused with the same payload answers
 *   the first version; reused with another payload it is a ConflictError, as AWS answers a
 *   ClientRequestToken reused with another value (ResourceExistsException).
 * - Description and tags are kept in clear in the secret's file (they are metadata, as in every
 *   vault); `updateMetadata` changes them without a version.
 * - Soft delete keeps the secret for its window (7–30 days, as AWS): meanwhile reads and writes are
 *   NotFoundError and `create` is a ConflictError; once the window has passed (by the clock) the
 *   secret counts as purged and its file is removed on the next write to that ref.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Clock, systemClock } from '../clock.ts';
import { ConflictError, NotFoundError, ProviderUnavailableError, ValidationError } from '../errors.ts';
import type {
  ConnectionCheck,
  DeleteMode,
  DiscoveredSecret,
  ReadValue,
  SecretPayload,
  SecretProvider,
  WriteOptions,
  WrittenVersion,
} from './provider.ts';

export interface LocalVaultOptions {
  /** The vault's folder: `master.key` and `secrets/` live inside. Created (0700) when absent. */
  dir: string;
  clock?: Clock;
  /** Prefix of the refs `refFor` names (`<prefix><tenant>/<name>`). Default `secretm/local/`. */
  namePrefix?: string;
}

type PayloadKind = SecretPayload['kind'];

interface StoredVersion {
  id: string;
  kind: PayloadKind;
  /** base64 */
  iv: string;
  /** base64 GCM authentication tag */
  tag: string;
  /** base64 */
  ciphertext: string;
  createdAt: string;
}

interface StoredToken {
  token: string;
  versionId: string;
  /** base64 HMAC-SHA256 of the payload kind and bytes. */
  payloadHmac: string;
}

interface StoredSecret {
  format: 1;
  ref: string;
  createdAt: string;
  updatedAt: string;
  currentVersionId: string;
  versions: StoredVersion[];
  idempotencyTokens: StoredToken[];
  description?: string;
  tags?: Record<string, string>;
  deletedAt?: string;
  /** The recovery deadline: from then on the secret counts as purged. */
  deletionDate?: string;
}

interface VaultKeys {
  /** The master key, prepared once: a cipher made from a KeyObject skips importing raw key bytes. */
  encryption: KeyObject;
  idempotency: Buffer;
}

const keyLength = 32;
const ivLength = 12;
const minRecoveryDays = 7;
const maxRecoveryDays = 30;
const defaultPageSize = 100;
const maxPageSize = 1000;
const maxRefLength = 2048;
const secretFilePattern = /^[0-9a-f]{64}\.json$/;
const dayMs = 24 * 60 * 60 * 1000;

/** Per-file promise chains, shared by every vault instance of this process. */
const writeQueues = new Map<string, Promise<void>>();

export function createLocalVault(options: LocalVaultOptions): SecretProvider {
  const dir = resolve(options.dir);
  const clock = options.clock ?? systemClock;
  const namePrefix = options.namePrefix ?? 'secretm/local/';
  const secretsDir = join(dir, 'secrets');
  const keyPath = join(dir, 'master.key');
  let keysPromise: Promise<VaultKeys> | undefined;

  const keys = (): Promise<VaultKeys> => {
    if (!keysPromise) {
      keysPromise = prepareVault(dir, secretsDir, keyPath);
      keysPromise.catch(() => {
        keysPromise = undefined;
      });
    }
    return keysPromise;
  };

  const fileOf = (ref: string) =>
    join(secretsDir, `${createHash('sha256').update(ref, 'utf8').digest('hex')}.json`);
  const isPurged = (secret: StoredSecret) =>
    secret.deletionDate !== undefined && clock.now().getTime() >= Date.parse(secret.deletionDate);

  /** The secret's file as stored, or undefined when absent or past its recovery deadline. */
  const load = async (ref: string): Promise<StoredSecret | undefined> => {
    const secret = await readSecretFile(fileOf(ref), ref);
    return secret && !isPurged(secret) ? secret : undefined;
  };

  /** Like `load`, inside the ref's write lock: also removes the file of a purged secret. */
  const loadForWrite = async (ref: string): Promise<StoredSecret | undefined> => {
    const path = fileOf(ref);
    const secret = await readSecretFile(path, ref);
    if (secret && isPurged(secret)) {
      await rm(path, { force: true }).catch((error) => {
        throw unavailable(`remove the purged secret "${ref}"`, error);
      });
      return undefined;
    }
    return secret;
  };

  const save = (ref: string, secret: StoredSecret) =>
    writeAtomic(fileOf(ref), `${JSON.stringify(secret, null, 2)}\n`).catch((error) => {
      throw unavailable(`write the secret "${ref}"`, error);
    });

  /** Seals the payload as a new version of `secret` (mutated), answering that version's id. */
  const addVersion = (
    vaultKeys: VaultKeys,
    secret: StoredSecret,
    payload: SecretPayload,
    options: WriteOptions | undefined,
  ): string => {
    const now = clock.now().toISOString();
    const versionId = String(
      secret.versions.reduce((max, version) => Math.max(max, Number(version.id)), 0) + 1,
    );
    secret.versions.push(seal(vaultKeys.encryption, secret.ref, versionId, payload, now));
    secret.currentVersionId = versionId;
    secret.updatedAt = now;
    if (options?.idempotencyToken !== undefined) {
      secret.idempotencyTokens.push({
        token: options.idempotencyToken,
        versionId,
        payloadHmac: payloadHmac(vaultKeys.idempotency, payload),
      });
    }
    if (options?.description !== undefined) secret.description = options.description;
    if (options?.tags !== undefined) secret.tags = { ...options.tags };
    return versionId;
  };

  /** The version a reused token already wrote, or undefined for a token not seen (or no token). */
  const replayed = (
    vaultKeys: VaultKeys,
    secret: StoredSecret,
    payload: SecretPayload,
    options: WriteOptions | undefined,
  ): WrittenVersion | undefined => {
    const token = options?.idempotencyToken;
    if (token === undefined) return undefined;
    const seen = secret.idempotencyTokens.find((entry) => entry.token === token);
    if (!seen) return undefined;
    const expected = Buffer.from(seen.payloadHmac, 'base64');
    const actual = Buffer.from(payloadHmac(vaultKeys.idempotency, payload), 'base64');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new ConflictError(
        `the idempotency token was already used on "${secret.ref}" with a different value; use a new token for a new value`,
      );
    }
    return { versionId: seen.versionId };
  };

  return {
    kind: 'local',

    refFor(tenant: string, name: string): string {
      return `${namePrefix}${tenant}/${name}`;
    },

    absent: notFound,

    async create(ref, payload, options) {
      checkRef(ref);
      checkPayload(payload);
      checkWriteOptions(options);
      const vaultKeys = await keys();
      return serialised(fileOf(ref), async () => {
        const existing = await loadForWrite(ref);
        if (existing?.deletionDate !== undefined) {
          throw new ConflictError(
            `"${ref}" is scheduled for deletion on ${existing.deletionDate}; restore it, or purge it to reuse the name`,
          );
        }
        if (existing) {
          const first = replayed(vaultKeys, existing, payload, options);
          if (first) return first;
          throw new ConflictError(`"${ref}" exists already`);
        }
        const now = clock.now().toISOString();
        const secret: StoredSecret = {
          format: 1,
          ref,
          createdAt: now,
          updatedAt: now,
          currentVersionId: '',
          versions: [],
          idempotencyTokens: [],
        };
        const versionId = addVersion(vaultKeys, secret, payload, options);
        await save(ref, secret);
        return { versionId };
      });
    },

    async put(ref, payload, options) {
      checkRef(ref);
      checkPayload(payload);
      checkWriteOptions(options);
      const vaultKeys = await keys();
      return serialised(fileOf(ref), async () => {
        const secret = await loadForWrite(ref);
        if (!secret || secret.deletionDate !== undefined) throw notFound(ref);
        const first = replayed(vaultKeys, secret, payload, options);
        if (first) return first;
        const versionId = addVersion(vaultKeys, secret, payload, options);
        await save(ref, secret);
        return { versionId };
      });
    },

    async get(ref, options): Promise<ReadValue> {
      checkRef(ref);
      const wanted = options?.versionId;
      if (wanted !== undefined && (typeof wanted !== 'string' || wanted === '')) {
        throw new ValidationError('a version id must be a non-empty string');
      }
      const vaultKeys = await keys();
      const secret = await load(ref);
      if (!secret || secret.deletionDate !== undefined) throw notFound(ref);
      const versionId = wanted ?? secret.currentVersionId;
      const version = secret.versions.find((candidate) => candidate.id === versionId);
      if (!version) throw new NotFoundError(`"${ref}" has no version "${versionId}"`);
      return { payload: unseal(vaultKeys.encryption, ref, version), versionId };
    },

    async delete(ref, mode: DeleteMode) {
      checkRef(ref);
      if (mode.mode === 'soft') {
        const days = mode.recoveryWindowDays;
        if (!Number.isInteger(days) || days < minRecoveryDays || days > maxRecoveryDays) {
          throw new ValidationError(
            `the recovery window must be a whole number of days from ${minRecoveryDays} to ${maxRecoveryDays}`,
          );
        }
      } else if (mode.mode !== 'purge') {
        throw new ValidationError('the delete mode must be "soft" or "purge"');
      }
      await keys();
      const path = fileOf(ref);
      await serialised(path, async () => {
        const secret = await loadForWrite(ref);
        if (mode.mode === 'purge') {
          if (!secret) throw notFound(ref);
          await rm(path, { force: true }).catch((error) => {
            throw unavailable(`purge the secret "${ref}"`, error);
          });
          return;
        }
        if (!secret || secret.deletionDate !== undefined) throw notFound(ref);
        const now = clock.now();
        secret.deletedAt = now.toISOString();
        secret.deletionDate = new Date(now.getTime() + mode.recoveryWindowDays * dayMs).toISOString();
        await save(ref, secret);
      });
    },

    async restore(ref) {
      checkRef(ref);
      await keys();
      await serialised(fileOf(ref), async () => {
        const secret = await loadForWrite(ref);
        if (!secret) throw notFound(ref);
        if (secret.deletionDate === undefined) {
          throw new NotFoundError(`"${ref}" is not pending deletion, so there is nothing to restore`);
        }
        delete secret.deletedAt;
        delete secret.deletionDate;
        secret.updatedAt = clock.now().toISOString();
        await save(ref, secret);
      });
    },

    async updateMetadata(ref, changes) {
      checkRef(ref);
      await keys();
      await serialised(fileOf(ref), async () => {
        const secret = await loadForWrite(ref);
        if (!secret || secret.deletionDate !== undefined) throw notFound(ref);
        if (changes.description === null) delete secret.description;
        else if (changes.description !== undefined) secret.description = changes.description;
        if (changes.tags) {
          const tags = { ...secret.tags };
          for (const [key, value] of Object.entries(changes.tags)) {
            if (value === null) delete tags[key];
            else tags[key] = value;
          }
          secret.tags = tags;
        }
        secret.updatedAt = clock.now().toISOString();
        await save(ref, secret);
      });
    },

    async test(): Promise<ConnectionCheck> {
      const steps: ConnectionCheck['steps'] = [];
      const attempt = async (step: string, run: () => Promise<string>): Promise<boolean> => {
        try {
          steps.push({ step, ok: true, message: await run() });
          return true;
        } catch (error) {
          steps.push({ step, ok: false, message: error instanceof Error ? error.message : String(error) });
          return false;
        }
      };
      let fresh: VaultKeys | undefined;
      const ok =
        (await attempt('folder', async () => {
          await ensureFolders(dir, secretsDir);
          const probe = join(secretsDir, `.probe-${randomBytes(8).toString('hex')}.tmp`);
          await writeAtomic(probe, 'probe').catch((error) => {
            throw unavailable('write in the secrets folder', error);
          });
          const read = await readFile(probe, 'utf8').catch((error) => {
            throw unavailable('read in the secrets folder', error);
          });
          await rm(probe, { force: true });
          if (read !== 'probe')
            throw new ProviderUnavailableError('the secrets folder did not read back what was written');
          return 'the vault folder is readable and writable';
        })) &&
        (await attempt('master key', async () => {
          fresh = await loadOrCreateMasterKey(keyPath);
          keysPromise = Promise.resolve(fresh);
          return `the master key file holds a ${keyLength * 8}-bit key readable by its owner only`;
        })) &&
        (await attempt('encryption', async () => {
          const probe: SecretPayload = { kind: 'text', text: randomBytes(16).toString('hex') };
          const opened = unseal(fresh!.encryption, 'probe', seal(fresh!.encryption, 'probe', '1', probe, ''));
          if (opened.kind !== 'text' || opened.text !== probe.text) {
            throw new ProviderUnavailableError(
              'a value sealed with the master key did not open to the same value',
            );
          }
          return 'AES-256-GCM seals and opens a value with the master key';
        }));
      return { ok, steps };
    },

    async discover(options) {
      const limit = options?.limit ?? defaultPageSize;
      if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
        throw new ValidationError(`the page limit must be a whole number from 1 to ${maxPageSize}`);
      }
      const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
      let names: string[];
      try {
        names = (await readdir(secretsDir)).filter((name) => secretFilePattern.test(name));
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return { items: [] };
        throw unavailable('list the secrets folder', error);
      }
      const live: DiscoveredSecret[] = [];
      const prefix = options?.prefix ?? '';
      for (const name of names) {
        const secret = await readSecretFile(join(secretsDir, name));
        if (!secret || secret.deletionDate !== undefined || !secret.ref.startsWith(prefix)) continue;
        live.push({ ref: secret.ref, createdAt: secret.createdAt, updatedAt: secret.updatedAt });
      }
      live.sort((a, b) => compare(a.ref, b.ref));
      const remaining = after === undefined ? live : live.filter((item) => compare(item.ref, after) > 0);
      const items = remaining.slice(0, limit);
      const last = items.at(-1);
      return remaining.length > limit && last ? { items, cursor: encodeCursor(last.ref) } : { items };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Master key and folders

async function prepareVault(dir: string, secretsDir: string, keyPath: string): Promise<VaultKeys> {
  await ensureFolders(dir, secretsDir);
  return loadOrCreateMasterKey(keyPath);
}

async function ensureFolders(dir: string, secretsDir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unavailable('create the vault folder', error);
  }
}

/** Reads the key file, or creates it (0600) when absent; another writer racing us wins cleanly. */
async function loadOrCreateMasterKey(keyPath: string): Promise<VaultKeys> {
  const existing = await readMasterKey(keyPath);
  if (existing) return deriveKeys(existing);
  const key = randomBytes(keyLength);
  const temp = `${keyPath}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    await writeExclusive(temp, key);
    // A hard link publishes the complete file atomically and fails if a key appeared meanwhile.
    await link(temp, keyPath);
    return deriveKeys(key);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw unavailable('create the master key file', error);
    const theirs = await readMasterKey(keyPath);
    if (!theirs) throw unavailable('read the master key file', error);
    return deriveKeys(theirs);
  } finally {
    await rm(temp, { force: true });
  }
}

async function readMasterKey(keyPath: string): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(keyPath, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw unavailable('open the master key file', error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw new ProviderUnavailableError(`the master key file ${basename(keyPath)} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ProviderUnavailableError(
        `the master key file ${basename(keyPath)} has mode ${mode}, so other users may read it; it must be readable by its owner only (chmod 600). The key was left as it is`,
      );
    }
    const key = await handle.readFile();
    if (key.length !== keyLength) {
      throw new ProviderUnavailableError(
        `the master key file ${basename(keyPath)} holds ${key.length} bytes, but a master key is exactly ${keyLength} bytes; it was left as it is (put the right key file back, or move it away to start an empty vault)`,
      );
    }
    return key;
  } catch (error) {
    if (error instanceof ProviderUnavailableError) throw error;
    throw unavailable('read the master key file', error);
  } finally {
    await handle.close();
  }
}

function deriveKeys(master: Buffer): VaultKeys {
  return {
    encryption: createSecretKey(master),
    idempotency: Buffer.from(
      hkdfSync('sha256', master, Buffer.alloc(0), 'secretm local vault: idempotency', 32),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Sealing values

function aad(ref: string, versionId: string, kind: PayloadKind): Buffer {
  return Buffer.from(JSON.stringify(['secretm-local/1', ref, versionId, kind]), 'utf8');
}

function plaintextOf(payload: SecretPayload): Buffer {
  switch (payload.kind) {
    case 'map':
      return Buffer.from(JSON.stringify(payload.data), 'utf8');
    case 'text':
      return Buffer.from(payload.text, 'utf8');
    case 'binary':
      return Buffer.from(payload.bytes.buffer, payload.bytes.byteOffset, payload.bytes.byteLength);
  }
}

function seal(
  key: KeyObject,
  ref: string,
  versionId: string,
  payload: SecretPayload,
  createdAt: string,
): StoredVersion {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(ref, versionId, payload.kind));
  const ciphertext = Buffer.concat([cipher.update(plaintextOf(payload)), cipher.final()]);
  return {
    id: versionId,
    kind: payload.kind,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    createdAt,
  };
}

/** Opens a stored version; a ciphertext that fails authentication is a ProviderUnavailableError. */
function unseal(key: KeyObject, ref: string, version: StoredVersion): SecretPayload {
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(version.iv, 'base64'));
    decipher.setAAD(aad(ref, version.id, version.kind));
    decipher.setAuthTag(Buffer.from(version.tag, 'base64'));
    plaintext = Buffer.concat([decipher.update(Buffer.from(version.ciphertext, 'base64')), decipher.final()]);
  } catch (error) {
    throw new ProviderUnavailableError(
      `the local vault could not decrypt version "${version.id}" of "${ref}": the stored ciphertext was altered, belongs to another secret or version, or was sealed under another master key`,
      { cause: error },
    );
  }
  switch (version.kind) {
    case 'map':
      return { kind: 'map', data: JSON.parse(plaintext.toString('utf8')) as Record<string, string> };
    case 'text':
      return { kind: 'text', text: plaintext.toString('utf8') };
    case 'binary':
      return { kind: 'binary', bytes: new Uint8Array(plaintext) };
  }
}

function payloadHmac(key: Buffer, payload: SecretPayload): string {
  return createHmac('sha256', key).update(`${payload.kind}\0`).update(plaintextOf(payload)).digest('base64');
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Read in one synchronous call: a secret's file is a few KiB on the machine's own disk, which
 * `readFileSync` reads in about 5 µs of CPU, where `fs/promises` takes about 45 µs in four thread-pool
 * steps (open, stat, read, close) and their promises; every value read reads one. Writes stay
 * asynchronous (and serialised per file).
 */
async function readSecretFile(path: string, expectedRef?: string): Promise<StoredSecret | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw unavailable('read a secret file', error);
  }
  let secret: unknown;
  try {
    secret = JSON.parse(text);
  } catch (error) {
    throw new ProviderUnavailableError(`the local vault file ${basename(path)} is not valid JSON`, {
      cause: error,
    });
  }
  if (!isStoredSecret(secret)) {
    throw new ProviderUnavailableError(
      `the local vault file ${basename(path)} does not have the expected layout`,
    );
  }
  if (expectedRef !== undefined && secret.ref !== expectedRef) {
    throw new ProviderUnavailableError(
      `the local vault file ${basename(path)} holds another secret than "${expectedRef}"`,
    );
  }
  return secret;
}

function isStoredSecret(value: unknown): value is StoredSecret {
  if (typeof value !== 'object' || value === null) return false;
  const secret = value as Partial<StoredSecret>;
  return (
    secret.format === 1 &&
    typeof secret.ref === 'string' &&
    typeof secret.currentVersionId === 'string' &&
    Array.isArray(secret.versions) &&
    secret.versions.every(
      (version) =>
        typeof version?.id === 'string' &&
        (version.kind === 'map' || version.kind === 'text' || version.kind === 'binary') &&
        typeof version.iv === 'string' &&
        typeof version.tag === 'string' &&
        typeof version.ciphertext === 'string',
    ) &&
    Array.isArray(secret.idempotencyTokens)
  );
}

async function writeExclusive(path: string, content: string | Buffer): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a whole file or nothing: a temp file (0600) renamed over the target. */
async function writeAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  try {
    await writeExclusive(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Runs `task` after every earlier task queued on `key` has settled. */
async function serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = writeQueues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  writeQueues.set(key, settled);
  try {
    return await run;
  } finally {
    if (writeQueues.get(key) === settled) writeQueues.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks, cursors, errors

function checkRef(ref: string): void {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > maxRefLength) {
    throw new ValidationError(`a local vault ref must be a string of 1 to ${maxRefLength} characters`);
  }
}

function checkPayload(payload: SecretPayload): void {
  const kind = (payload as { kind?: unknown } | undefined)?.kind;
  switch (kind) {
    case 'map': {
      const data = (payload as { data?: unknown }).data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new ValidationError('a map payload needs `data`, an object of string values');
      }
      const wrong = Object.entries(data).find(([, value]) => typeof value !== 'string');
      if (wrong) throw new ValidationError(`the value of "${wrong[0]}" must be a string`);
      return;
    }
    case 'text':
      if (typeof (payload as { text?: unknown }).text !== 'string') {
        throw new ValidationError('a text payload needs `text`, a string');
      }
      return;
    case 'binary':
      if (!((payload as { bytes?: unknown }).bytes instanceof Uint8Array)) {
        throw new ValidationError('a binary payload needs `bytes`, a Uint8Array');
      }
      return;
    default:
      throw new ValidationError('the payload kind must be "map", "text" or "binary"');
  }
}

function checkWriteOptions(options: WriteOptions | undefined): void {
  const token = options?.idempotencyToken;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0 || token.length > 256)) {
    throw new ValidationError('an idempotency token must be a string of 1 to 256 characters');
  }
}

function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (decoded as { after?: unknown } | null)?.after;
    if (typeof after === 'string') return after;
  } catch {
    // reported below
  }
  throw new ValidationError('the cursor is not one this vault issued');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function notFound(ref: string): NotFoundError {
  return new NotFoundError(`no secret "${ref}" in the local vault`);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function unavailable(action: string, error: unknown): ProviderUnavailableError {
  const code = errorCode(error);
  return new ProviderUnavailableError(`the local vault could not ${action}${code ? ` (${code})` : ''}`, {
    cause: error,
  });
}
