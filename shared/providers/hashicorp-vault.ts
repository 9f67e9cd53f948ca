/**
 * The `hashicorp-vault` adapter: HashiCorp Vault and OpenBao (same HTTP API), over
 * hashicorp-vault-client.ts. Two engines:
 *
 * KV version 2 (`engine: { type: 'kv-v2', mount, path? }`), read and written by secretm.
 * - Refs are paths under the mount: secretm's own secrets live at `secretm/<tenant>/<name>`, or at
 *   `<path>/secretm/<tenant>/<name>` when the engine names a `path` (a folder the connection's policy
 *   may be limited to); an imported secret keeps its own path.
 * - How payloads are stored (the data of one KV version):
 *     map    → the map itself, `{ "DB_USER": "app", … }` (what any Vault tool shows and writes);
 *     text   → `{ "content": "<text>", "secretm:kind": "text" }`;
 *     binary → `{ "content_base64": "<base64>", "secretm:kind": "binary" }`.
 *   The `secretm:kind` key marks secretm's own text and binary versions, so a read needs no hint and
 *   every version keeps its kind. Unmarked data (written by another tool) is a map when all its values
 *   are strings; otherwise, or when the hint asks for text or binary, the JSON of the data is the text.
 *   A map may not use the key `secretm:kind` (ValidationError).
 * - Version ids are KV version numbers ("1", "2", …).
 * - create writes with check-and-set 0 (the path must be new: ConflictError otherwise); put writes
 *   with check-and-set = the current version and retries when another write came first, so concurrent
 *   puts each make a version.
 * - Idempotency: the last write's token and version are kept in the secret's custom_metadata
 *   (`secretm-idempotency-token`, `secretm-idempotency-version`). A write repeating that token with
 *   the same data answers that version; with other data it is a ConflictError.
 * - description and tags go to custom_metadata too (`description`, `tag:<key>`); `updateMetadata`
 *   patches them there (a removed one is patched to null, which deletes the key), writing no version.
 * - Soft delete marks every live version deleted (KV `delete`, recoverable by `undelete`) and
 *   records `secretm-deleted-at` and `secretm-purge-after` in custom_metadata. Vault itself never
 *   purges at that deadline: secretm does (a secret past its deadline counts as purged, and a create
 *   at its path destroys it first). restore undeletes the deleted versions and clears the marks.
 *   purge deletes the metadata, which destroys every version.
 * - discover lists the whole mount (or only below `path`) recursively (LIST on metadata paths), live
 *   secrets only, in byte order of their paths, with an opaque cursor (the last path seen).
 *
 * Database secrets engine (`engine: { type: 'database', mount, role }`), read-only.
 * - The ref is a role name: `get` asks `<mount>/creds/<role>` for new credentials and answers
 *   `{ username, password }` as a map, the lease id as versionId and the lease's end as
 *   `leaseExpiresAt`. Each read issues new credentials; an earlier lease cannot be read again.
 * - create, put, delete and restore are refused with a ValidationError: Vault issues these values.
 * - `leases.renew` extends a lease (`sys/leases/renew`, capped by the role's max TTL): the
 *   `vault-dynamic` rotation keeps the credentials secretm holds alive with it. `leases.revoke` ends
 *   one now (`sys/leases/revoke`, synchronous): the rotation revokes the lease its successor replaced,
 *   and a purge the lease it held.
 * - discover lists the mount's roles; test checks that the connection's role exists and may be read.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, NotFoundError, ProviderUnavailableError, ValidationError } from '../errors.ts';
import {
  createVaultClient,
  errorFor,
  type HashicorpVaultCredentials,
  numberField,
  objectField,
  stringList,
  type VaultClient,
  vaultMessage,
} from './hashicorp-vault-client.ts';
import type {
  ConnectionCheck,
  DeleteMode,
  DiscoveredSecret,
  Leases,
  MetadataChanges,
  NetworkOptions,
  ReadValue,
  SecretPayload,
  SecretProvider,
  WriteOptions,
  WrittenVersion,
} from './provider.ts';

export type { HashicorpVaultCredentials } from './hashicorp-vault-client.ts';

export type HashicorpVaultEngine =
  | {
      type: 'kv-v2';
      mount: string /** Folder under the mount for new secrets and discover. */;
      path?: string;
    }
  | { type: 'database'; mount: string; role: string };

export interface HashicorpVaultConfig {
  url: string;
  /** Vault Enterprise / OpenBao namespace, sent as X-Vault-Namespace. */
  namespace?: string;
  /** PEM of a private CA for this vault only. */
  caCert?: string;
  engine: HashicorpVaultEngine;
}

export const kindKey = 'secretm:kind';
export const customMetadataKeys = {
  idempotencyToken: 'secretm-idempotency-token',
  idempotencyVersion: 'secretm-idempotency-version',
  deletedAt: 'secretm-deleted-at',
  purgeAfter: 'secretm-purge-after',
  description: 'description',
  tagPrefix: 'tag:',
} as const;

const minRecoveryDays = 7;
const maxRecoveryDays = 30;
const dayMs = 24 * 60 * 60 * 1000;
const defaultPageSize = 100;
const maxPageSize = 1000;
const maxRefLength = 1024;
const maxPutAttempts = 40;
const metadataReadsInParallel = 16;
/** Vault's limits on custom_metadata: 64 keys, keys of 128 bytes, values of 512 bytes. */
const customMetadataLimits = { keys: 64, keyBytes: 128, valueBytes: 512 } as const;

export function createHashicorpVaultProvider(
  config: HashicorpVaultConfig,
  credentials: HashicorpVaultCredentials,
  network?: NetworkOptions,
): SecretProvider {
  const client = createVaultClient({
    url: config.url,
    credentials,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    ...(config.caCert ? { caCert: config.caCert } : {}),
    ...(network ? { network } : {}),
  });
  const mount = mountPath(config.engine.mount);
  return config.engine.type === 'kv-v2'
    ? kvProvider(client, mount, folderPrefix(config.engine.path))
    : databaseProvider(client, mount, checkedSegment(config.engine.role, 'role'));
}

// =================================================================================================
// KV version 2
// =================================================================================================

interface KvVersionState {
  deleted: boolean;
  destroyed: boolean;
}

interface KvMetadata {
  currentVersion: number;
  createdTime?: string;
  updatedTime?: string;
  custom: Record<string, string>;
  versions: Map<number, KvVersionState>;
}

/** `prefix` is '' or a folder path ending in "/" under which new secrets go and discover looks. */
function kvProvider(client: VaultClient, mount: string, prefix: string): SecretProvider {
  const dataPath = (ref: string) => `${mount}/data/${encodeRef(ref)}`;
  const metadataPath = (ref: string) => `${mount}/metadata/${encodeRef(ref)}`;

  const readMetadata = async (ref: string): Promise<KvMetadata | undefined> => {
    const response = await client.call(
      { method: 'GET', path: metadataPath(ref) },
      `read the metadata of "${ref}"`,
    );
    if (response.status === 404) return undefined;
    return parseMetadata(response.body);
  };

  const readVersionData = async (
    ref: string,
    version: number,
  ): Promise<Record<string, unknown> | undefined> => {
    const response = await client.call(
      { method: 'GET', path: dataPath(ref), query: { version: String(version) } },
      `read version ${version} of "${ref}"`,
    );
    if (response.status === 404) return undefined;
    return objectField(objectField(response.body, 'data'), 'data');
  };

  const patchCustomMetadata = async (ref: string, patch: Record<string, string | null>): Promise<void> => {
    if (Object.keys(patch).length === 0) return;
    const response = await client.call(
      { method: 'PATCH', path: metadataPath(ref), body: { custom_metadata: patch } },
      `update the metadata of "${ref}"`,
    );
    if (response.status === 404)
      throw new NotFoundError(`the secret "${ref}" disappeared while secretm wrote it`);
  };

  /** Writes one version. Answers the version number, or 'cas-mismatch' when another write came first. */
  const writeVersion = async (
    ref: string,
    data: Record<string, string>,
    cas: number,
  ): Promise<number | 'cas-mismatch'> => {
    const action = `write "${ref}"`;
    const response = await client.call(
      { method: 'POST', path: dataPath(ref), body: { options: { cas }, data } },
      action,
      [400, 404],
    );
    if (response.status === 400 && /check-and-set/i.test(vaultMessage(response.body))) return 'cas-mismatch';
    if (response.status >= 300) throw errorFor(response, action, client.address);
    const version = numberField(objectField(response.body, 'data'), 'version');
    if (version < 1)
      throw new ProviderUnavailableError(`the vault answered a write of "${ref}" without a version`);
    return version;
  };

  /** The version a repeated idempotency token stands for, or undefined when the token is new here. */
  const repeatedWrite = async (
    ref: string,
    metadata: KvMetadata,
    data: Record<string, string>,
    token: string | undefined,
  ): Promise<WrittenVersion | undefined> => {
    if (token === undefined || metadata.custom[customMetadataKeys.idempotencyToken] !== token)
      return undefined;
    const version = Number(metadata.custom[customMetadataKeys.idempotencyVersion]);
    const stored = Number.isInteger(version) && version > 0 ? await readVersionData(ref, version) : undefined;
    if (stored && isDeepStrictEqual(stored, data)) return { versionId: String(version) };
    throw new ConflictError(
      `the idempotency token was already used to write another value to "${ref}": use a new token for a new value`,
    );
  };

  const recordWrite = (ref: string, version: number, options: WriteOptions | undefined) =>
    patchCustomMetadata(ref, {
      ...(options?.idempotencyToken !== undefined
        ? {
            [customMetadataKeys.idempotencyToken]: options.idempotencyToken,
            [customMetadataKeys.idempotencyVersion]: String(version),
          }
        : {}),
      ...describedBy(options),
    });

  const purge = async (ref: string): Promise<void> => {
    await client.call({ method: 'DELETE', path: metadataPath(ref) }, `purge "${ref}"`);
  };

  const create = async (
    ref: string,
    payload: SecretPayload,
    options?: WriteOptions,
  ): Promise<WrittenVersion> => {
    checkRef(ref);
    const data = encodePayload(payload);
    checkCustomMetadata(options);
    for (let attempt = 0; attempt < 2; attempt++) {
      const written = await writeVersion(ref, data, 0);
      if (written !== 'cas-mismatch') {
        await recordWrite(ref, written, options);
        return { versionId: String(written) };
      }
      const metadata = await readMetadata(ref);
      if (!metadata) continue; // purged in between: try again
      const repeated = await repeatedWrite(ref, metadata, data, options?.idempotencyToken);
      if (repeated) return repeated;
      if (pastDeadline(metadata)) {
        await purge(ref);
        continue;
      }
      if (pendingDeletion(metadata)) {
        throw new ConflictError(
          `a secret at "${ref}" is scheduled for deletion: restore it, or purge it before creating it again`,
        );
      }
      throw new ConflictError(`a secret already exists at "${ref}": write a new version with put instead`);
    }
    throw new ConflictError(`another write to "${ref}" keeps coming first: retry the create`);
  };

  const put = async (
    ref: string,
    payload: SecretPayload,
    options?: WriteOptions,
  ): Promise<WrittenVersion> => {
    checkRef(ref);
    const data = encodePayload(payload);
    checkCustomMetadata(options);
    for (let attempt = 0; attempt < maxPutAttempts; attempt++) {
      const metadata = await readMetadata(ref);
      if (!metadata || metadata.currentVersion === 0)
        throw new NotFoundError(`no secret at "${ref}" to write to`);
      if (pendingDeletion(metadata)) {
        throw new NotFoundError(
          `the secret at "${ref}" is scheduled for deletion: restore it before writing to it`,
        );
      }
      const repeated = await repeatedWrite(ref, metadata, data, options?.idempotencyToken);
      if (repeated) return repeated;
      const written = await writeVersion(ref, data, metadata.currentVersion);
      if (written !== 'cas-mismatch') {
        await recordWrite(ref, written, options);
        return { versionId: String(written) };
      }
      await pause(attempt);
    }
    throw new ConflictError(
      `other writes to "${ref}" kept coming first ${maxPutAttempts} times: retry the write`,
    );
  };

  const get = async (
    ref: string,
    options?: { versionId?: string; kind?: SecretPayload['kind'] },
  ): Promise<ReadValue> => {
    checkRef(ref);
    const query: Record<string, string> = {};
    if (options?.versionId !== undefined) {
      if (!/^[1-9]\d{0,15}$/.test(options.versionId)) {
        throw new NotFoundError(
          `"${ref}" has no version "${options.versionId}": KV version ids are numbers from 1`,
        );
      }
      query.version = options.versionId;
    }
    const response = await client.call({ method: 'GET', path: dataPath(ref), query }, `read "${ref}"`);
    const body = objectField(response.body, 'data');
    const data = objectField(body, 'data');
    if (response.status === 404 || !data) {
      throw new NotFoundError(
        options?.versionId === undefined
          ? `no secret at "${ref}" (or it is deleted)`
          : `no version "${options.versionId}" of "${ref}" (or it is deleted)`,
      );
    }
    const version = numberField(objectField(body, 'metadata'), 'version');
    return { payload: decodeData(data, options?.kind), versionId: String(version) };
  };

  const remove = async (ref: string, mode: DeleteMode): Promise<void> => {
    checkRef(ref);
    const metadata = await readMetadata(ref);
    if (mode.mode === 'purge') {
      if (!metadata) throw new NotFoundError(`no secret at "${ref}" to purge`);
      await purge(ref);
      return;
    }
    const days = mode.recoveryWindowDays;
    if (!Number.isInteger(days) || days < minRecoveryDays || days > maxRecoveryDays) {
      throw new ValidationError(
        `the recovery window must be a whole number of days from ${minRecoveryDays} to ${maxRecoveryDays}, not ${days}`,
      );
    }
    if (!metadata || pendingDeletion(metadata)) throw new NotFoundError(`no secret at "${ref}" to delete`);
    const live = [...metadata.versions]
      .filter(([, state]) => !state.deleted && !state.destroyed)
      .map(([v]) => v);
    // Versions first: should the mark fail, a secret without a live version still counts as deleted.
    const response = await client.call(
      { method: 'POST', path: `${mount}/delete/${encodeRef(ref)}`, body: { versions: live } },
      `delete "${ref}"`,
    );
    if (response.status === 404) throw new NotFoundError(`no secret at "${ref}" to delete`);
    const now = Date.now();
    await patchCustomMetadata(ref, {
      [customMetadataKeys.deletedAt]: new Date(now).toISOString(),
      [customMetadataKeys.purgeAfter]: new Date(now + days * dayMs).toISOString(),
    });
  };

  const restore = async (ref: string): Promise<void> => {
    checkRef(ref);
    const metadata = await readMetadata(ref);
    if (!metadata || !pendingDeletion(metadata) || pastDeadline(metadata)) {
      throw new NotFoundError(`nothing is scheduled for deletion at "${ref}"`);
    }
    const deleted = [...metadata.versions]
      .filter(([, state]) => state.deleted && !state.destroyed)
      .map(([v]) => v);
    if (deleted.length > 0) {
      await client.call(
        { method: 'POST', path: `${mount}/undelete/${encodeRef(ref)}`, body: { versions: deleted } },
        `restore "${ref}"`,
      );
    }
    await patchCustomMetadata(ref, {
      [customMetadataKeys.deletedAt]: null,
      [customMetadataKeys.purgeAfter]: null,
    });
  };

  const updateMetadata = async (ref: string, changes: MetadataChanges): Promise<void> => {
    checkRef(ref);
    const patch: Record<string, string | null> = {};
    if (changes.description !== undefined) patch[customMetadataKeys.description] = changes.description;
    for (const [key, value] of Object.entries(changes.tags ?? {})) {
      patch[`${customMetadataKeys.tagPrefix}${key}`] = value;
    }
    checkCustomMetadata({
      ...(typeof changes.description === 'string' ? { description: changes.description } : {}),
      tags: Object.fromEntries(
        Object.entries(changes.tags ?? {}).flatMap(([key, value]) => (value === null ? [] : [[key, value]])),
      ),
    });
    const metadata = await readMetadata(ref);
    if (!metadata || metadata.currentVersion === 0 || pendingDeletion(metadata)) {
      throw new NotFoundError(`no secret at "${ref}" (or it is deleted)`);
    }
    await patchCustomMetadata(ref, patch);
  };

  const listKeys = async (dir: string): Promise<string[]> => {
    const response = await client.call(
      { method: 'GET', path: `${mount}/metadata/${encodeRef(dir)}`, query: { list: 'true' } },
      `list "${dir || '/'}"`,
    );
    if (response.status === 404) return [];
    return stringList(objectField(response.body, 'data')?.keys).sort(byteOrder);
  };

  /** Every path below `dir` after `after`, in byte order (a depth-first walk of sorted keys is that order). */
  async function* walk(dir: string, after: string | undefined): AsyncGenerator<string> {
    for (const key of await listKeys(dir)) {
      const path = `${dir}${key}`;
      if (key.endsWith('/')) {
        if (after === undefined) yield* walk(path, undefined);
        else if (after.startsWith(path)) yield* walk(path, after);
        else if (byteOrder(path, after) > 0) yield* walk(path, undefined);
      } else if (after === undefined || byteOrder(path, after) > 0) {
        yield path;
      }
    }
  }

  const discover = async (options?: { cursor?: string; limit?: number }) => {
    const limit = pageLimit(options?.limit);
    const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const paths = walk(prefix, after);
    const items: DiscoveredSecret[] = [];
    let last: string | undefined;
    let exhausted = false;
    while (items.length < limit && !exhausted) {
      const batch: string[] = [];
      while (batch.length < Math.min(limit - items.length, metadataReadsInParallel)) {
        const next = await paths.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        batch.push(next.value);
      }
      const metadata = await Promise.all(batch.map((path) => readMetadata(path)));
      batch.forEach((path, i) => {
        const found = metadata[i];
        if (found && found.currentVersion > 0 && !pendingDeletion(found)) {
          items.push({
            ref: path,
            ...(found.createdTime ? { createdAt: found.createdTime } : {}),
            ...(found.updatedTime ? { updatedAt: found.updatedTime } : {}),
          });
        }
      });
      last = batch.at(-1) ?? last;
    }
    const more = !exhausted && !(await paths.next()).done;
    await paths.return(undefined);
    return more && last !== undefined ? { items, cursor: encodeCursor(last) } : { items };
  };

  const testRef = encodeRef(`${prefix}secretm/connection-test`);
  const test = async (): Promise<ConnectionCheck> =>
    runChecks(client, [
      async () => {
        const response = await client.call(
          { method: 'GET', path: `sys/internal/ui/mounts/${mount}` },
          `look up the mount "${mount}"`,
        );
        const data = objectField(response.body, 'data');
        const type = typeof data?.type === 'string' ? data.type : undefined;
        const version = objectField(data, 'options')?.version;
        if (response.status === 404 || !type) {
          return {
            step: 'mount',
            ok: false,
            message: `there is no mount at "${mount}/": enable a KV version 2 engine there`,
          };
        }
        if (type !== 'kv' || version !== '2') {
          return {
            step: 'mount',
            ok: false,
            message: `"${mount}/" is a ${type}${version ? ` version ${version}` : ''} mount, not KV version 2: point the connection at a KV v2 mount`,
          };
        }
        return { step: 'mount', ok: true, message: `"${mount}/" is a KV version 2 mount` };
      },
      () =>
        capabilityCheck(client, 'permissions', [
          { path: `${mount}/data/${testRef}`, needs: ['create', 'read', 'update'] },
          { path: `${mount}/metadata/${testRef}`, needs: ['read', 'patch', 'delete', 'list'] },
          { path: `${mount}/delete/${testRef}`, needs: ['update'] },
          { path: `${mount}/undelete/${testRef}`, needs: ['update'] },
        ]),
    ]);

  return {
    kind: 'hashicorp-vault',
    refFor: (tenant, name) => `${prefix}secretm/${tenant}/${name}`,
    create,
    put,
    get,
    delete: remove,
    restore,
    updateMetadata,
    test,
    discover,
  };
}

function parseMetadata(body: unknown): KvMetadata {
  const data = objectField(body, 'data');
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(objectField(data, 'custom_metadata') ?? {})) {
    if (typeof value === 'string') custom[key] = value;
  }
  const versions = new Map<number, KvVersionState>();
  const now = Date.now();
  for (const [key, value] of Object.entries(objectField(data, 'versions') ?? {})) {
    const state = value as { deletion_time?: unknown; destroyed?: unknown };
    const deletionTime = typeof state.deletion_time === 'string' ? state.deletion_time : '';
    versions.set(Number(key), {
      // A future deletion_time is KV's delete_version_after: not deleted yet.
      deleted: deletionTime !== '' && Date.parse(deletionTime) <= now,
      destroyed: state.destroyed === true,
    });
  }
  return {
    currentVersion: numberField(data, 'current_version'),
    ...(typeof data?.created_time === 'string' ? { createdTime: data.created_time } : {}),
    ...(typeof data?.updated_time === 'string' ? { updatedTime: data.updated_time } : {}),
    custom,
    versions,
  };
}

/** Soft-deleted by secretm, or with no readable current version (deleted with another tool). */
function pendingDeletion(metadata: KvMetadata): boolean {
  if (metadata.custom[customMetadataKeys.purgeAfter] !== undefined) return true;
  const current = metadata.versions.get(metadata.currentVersion);
  return metadata.currentVersion > 0 && (!current || current.deleted || current.destroyed);
}

function pastDeadline(metadata: KvMetadata): boolean {
  const deadline = metadata.custom[customMetadataKeys.purgeAfter];
  return deadline !== undefined && Date.parse(deadline) <= Date.now();
}

export function encodePayload(payload: SecretPayload): Record<string, string> {
  switch (payload.kind) {
    case 'map':
      if (Object.hasOwn(payload.data, kindKey)) {
        throw new ValidationError(`the key "${kindKey}" is reserved by secretm in Vault: rename it`, {
          details: [{ path: `data.${kindKey}`, message: 'reserved key' }],
        });
      }
      return { ...payload.data };
    case 'text':
      return { content: payload.text, [kindKey]: 'text' };
    case 'binary':
      return { content_base64: Buffer.from(payload.bytes).toString('base64'), [kindKey]: 'binary' };
  }
}

export function decodeData(data: Record<string, unknown>, hint?: SecretPayload['kind']): SecretPayload {
  const marked = data[kindKey];
  if (marked === 'text' && typeof data.content === 'string') return { kind: 'text', text: data.content };
  if (marked === 'binary' && typeof data.content_base64 === 'string') {
    return { kind: 'binary', bytes: new Uint8Array(Buffer.from(data.content_base64, 'base64')) };
  }
  const entries = Object.entries(data);
  const allStrings = entries.every(([, value]) => typeof value === 'string');
  if (hint === 'text') {
    const only = entries.length === 1 && typeof data.content === 'string';
    return { kind: 'text', text: only ? (data.content as string) : JSON.stringify(data) };
  }
  if (hint === 'binary') {
    if (entries.length === 1 && typeof data.content_base64 === 'string') {
      return { kind: 'binary', bytes: new Uint8Array(Buffer.from(data.content_base64, 'base64')) };
    }
    const text =
      entries.length === 1 && typeof data.content === 'string' ? data.content : JSON.stringify(data);
    return { kind: 'binary', bytes: new Uint8Array(Buffer.from(text, 'utf8')) };
  }
  if (allStrings || hint === 'map') {
    return {
      kind: 'map',
      data: Object.fromEntries(
        entries.map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
      ),
    };
  }
  return { kind: 'text', text: JSON.stringify(data) };
}

function describedBy(options: WriteOptions | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  if (options?.description !== undefined) fields[customMetadataKeys.description] = options.description;
  for (const [key, value] of Object.entries(options?.tags ?? {})) {
    fields[`${customMetadataKeys.tagPrefix}${key}`] = value;
  }
  return fields;
}

/** Checks description and tags against Vault's custom_metadata limits before anything is written. */
function checkCustomMetadata(options: WriteOptions | undefined): void {
  const fields = describedBy(options);
  const reserved = 4;
  if (Object.keys(fields).length > customMetadataLimits.keys - reserved) {
    throw new ValidationError(
      `Vault keeps at most ${customMetadataLimits.keys - reserved} tags and description per secret: remove some tags`,
    );
  }
  for (const [key, value] of Object.entries(fields)) {
    if (Buffer.byteLength(key) > customMetadataLimits.keyBytes) {
      throw new ValidationError(
        `the tag "${key}" is longer than Vault's ${customMetadataLimits.keyBytes} bytes`,
      );
    }
    if (Buffer.byteLength(value) > customMetadataLimits.valueBytes) {
      throw new ValidationError(
        `the ${key === customMetadataKeys.description ? 'description' : `tag "${key}"`} is longer than Vault's ${customMetadataLimits.valueBytes} bytes`,
      );
    }
  }
}

// =================================================================================================
// Database secrets engine (dynamic credentials)
// =================================================================================================

const readOnlyMessage =
  'dynamic credentials are issued by Vault; they cannot be written: change the role in Vault instead, or use a KV v2 connection for secrets secretm writes';

function databaseProvider(client: VaultClient, mount: string, role: string): SecretProvider {
  const refused = async (): Promise<never> => {
    throw new ValidationError(readOnlyMessage);
  };

  const get = async (ref: string, options?: { versionId?: string }): Promise<ReadValue> => {
    const asked = checkedSegment(ref, 'role');
    if (options?.versionId !== undefined) {
      throw new NotFoundError(
        `dynamic credentials of "${asked}" cannot be read again by lease: each read issues new ones`,
      );
    }
    const action = `issue credentials for the role "${asked}"`;
    const response = await client.call(
      { method: 'GET', path: `${mount}/creds/${encodeURIComponent(asked)}` },
      action,
      [400, 404],
    );
    if (
      response.status === 404 ||
      (response.status === 400 && /unknown role/i.test(vaultMessage(response.body)))
    ) {
      throw new NotFoundError(`there is no role "${asked}" in the database engine at "${mount}/"`);
    }
    if (response.status >= 300) throw errorFor(response, action, client.address);
    const body = response.body as Record<string, unknown> | undefined;
    const data = objectField(body, 'data') ?? {};
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(data)) {
      if (typeof value === 'string') values[key] = value;
    }
    if (values.username === undefined || values.password === undefined) {
      throw new ProviderUnavailableError(
        `the role "${asked}" answered no username and password: check that it is a dynamic role of a database that uses passwords`,
      );
    }
    const leaseSeconds = numberField(body, 'lease_duration');
    const leaseId =
      typeof body?.lease_id === 'string' && body.lease_id ? body.lease_id : `${mount}/creds/${asked}`;
    return {
      payload: { kind: 'map', data: values },
      versionId: leaseId,
      ...(leaseSeconds > 0 ? { leaseExpiresAt: new Date(Date.now() + leaseSeconds * 1000) } : {}),
    };
  };

  const discover = async (options?: { cursor?: string; limit?: number }) => {
    const limit = pageLimit(options?.limit);
    const after = options?.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const response = await client.call(
      { method: 'GET', path: `${mount}/roles`, query: { list: 'true' } },
      `list the roles of "${mount}/"`,
    );
    const roles = stringList(objectField(response.body, 'data')?.keys)
      .sort(byteOrder)
      .filter((name) => after === undefined || byteOrder(name, after) > 0);
    const items = roles.slice(0, limit).map((name) => ({ ref: name }));
    const last = items.at(-1);
    return roles.length > limit && last ? { items, cursor: encodeCursor(last.ref) } : { items };
  };

  const test = (): Promise<ConnectionCheck> =>
    runChecks(client, [
      () => capabilityCheck(client, 'permissions', [{ path: `${mount}/creds/${role}`, needs: ['read'] }]),
      async () => {
        const response = await client.callRaw({
          method: 'GET',
          path: `${mount}/roles/${encodeURIComponent(role)}`,
        });
        if (response.status < 300) {
          return {
            step: 'role',
            ok: true,
            message: `the role "${role}" exists in the database engine at "${mount}/"`,
          };
        }
        if (response.status === 404) {
          return {
            step: 'role',
            ok: false,
            message: `there is no role "${role}" at "${mount}/roles/": create it, or fix the connection's role`,
          };
        }
        if (response.status === 403) {
          return {
            step: 'role',
            ok: false,
            message: `the token may not read "${mount}/roles/${role}", so secretm cannot check that the role exists: grant "read" on that path`,
          };
        }
        return {
          step: 'role',
          ok: false,
          message: errorFor(response, `read the role "${role}"`, client.address).message,
        };
      },
    ]);

  const checkLease = (leaseId: string): void => {
    if (!leaseId.startsWith(`${mount}/creds/`)) {
      throw new ValidationError(`the lease ${leaseId} was not issued by the database engine at "${mount}/"`);
    }
  };

  const leases: Leases = {
    async renew(leaseId, incrementSeconds) {
      checkLease(leaseId);
      const action = `renew the lease ${leaseId}`;
      const response = await client.call(
        {
          method: 'PUT',
          path: 'sys/leases/renew',
          body: { lease_id: leaseId, increment: Math.max(1, Math.round(incrementSeconds)) },
        },
        action,
        [400],
      );
      if (response.status === 400) {
        const message = vaultMessage(response.body);
        if (/not renewable/i.test(message)) {
          throw new ValidationError(`the lease ${leaseId} cannot be renewed: ${message}`);
        }
        throw new NotFoundError(`the lease ${leaseId} is gone (expired or revoked): ${message}`);
      }
      const seconds = numberField(response.body as Record<string, unknown> | undefined, 'lease_duration');
      return { expiresAt: new Date(Date.now() + seconds * 1000) };
    },

    async revoke(leaseId) {
      checkLease(leaseId);
      const action = `revoke the lease ${leaseId}`;
      // Synchronous: when the call returns, the database engine has run the role's revocation
      // statements (by default the database user is dropped).
      const response = await client.call(
        { method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: leaseId, sync: true } },
        action,
        [400],
      );
      if (response.status === 400) {
        throw new NotFoundError(
          `the lease ${leaseId} is gone (expired or revoked): ${vaultMessage(response.body)}`,
        );
      }
    },
  };

  return {
    kind: 'hashicorp-vault',
    refFor: () => role,
    leases,
    create: refused,
    put: refused,
    get,
    delete: refused,
    restore: refused,
    test,
    discover,
  };
}

// =================================================================================================
// Connection checks shared by both engines
// =================================================================================================

type Step = ConnectionCheck['steps'][number];

/** reach → authenticate → the engine's own steps; a step that fails stops the ones after it. */
async function runChecks(
  client: VaultClient,
  engineSteps: (() => Promise<Step>)[],
): Promise<ConnectionCheck> {
  const steps: Step[] = [];
  const finish = () => ({ ok: steps.every((step) => step.ok), steps });

  try {
    const health = await client.callAnonymous({
      method: 'GET',
      path: 'sys/health',
      query: { standbyok: 'true', perfstandbyok: 'true' },
    });
    const version = (health.body as { version?: unknown } | undefined)?.version;
    steps.push(
      health.status === 200
        ? {
            step: 'reach',
            ok: true,
            message: `${client.address} answered${typeof version === 'string' ? ` (version ${version})` : ''}`,
          }
        : {
            step: 'reach',
            ok: false,
            message: errorFor(health, 'answer its health check', client.address).message,
          },
    );
  } catch (error) {
    steps.push({ step: 'reach', ok: false, message: messageOf(error) });
  }
  if (!steps.at(-1)?.ok) return finish();

  try {
    const info = await client.authenticate();
    const lasts =
      info.ttlSeconds > 0
        ? `lasts ${info.ttlSeconds} s${info.renewable ? ' and is renewable' : ''}`
        : 'does not expire';
    steps.push({
      step: 'authenticate',
      ok: true,
      message: `the vault accepted the connection's credentials; the token ${lasts}${info.policies.length > 0 ? `, with the policies ${info.policies.join(', ')}` : ''}`,
    });
  } catch (error) {
    steps.push({ step: 'authenticate', ok: false, message: messageOf(error) });
    return finish();
  }

  for (const run of engineSteps) {
    try {
      steps.push(await run());
    } catch (error) {
      steps.push({ step: 'engine', ok: false, message: messageOf(error) });
    }
    if (!steps.at(-1)?.ok) break;
  }
  return finish();
}

/** Asks sys/capabilities-self what the token may do on each path, and names what is missing. */
async function capabilityCheck(
  client: VaultClient,
  step: string,
  wanted: { path: string; needs: string[] }[],
): Promise<Step> {
  const response = await client.call(
    { method: 'POST', path: 'sys/capabilities-self', body: { paths: wanted.map((item) => item.path) } },
    'check its permissions (sys/capabilities-self)',
  );
  const data = objectField(response.body, 'data') ?? (response.body as Record<string, unknown> | undefined);
  const missing: string[] = [];
  for (const { path, needs } of wanted) {
    const granted = stringList(data?.[path]);
    if (granted.includes('root')) continue;
    const lacking = needs.filter((capability) => !granted.includes(capability));
    if (lacking.length > 0)
      missing.push(`${lacking.join(', ')} on "${path.replace(/\/connection-test$/, '/*')}"`);
  }
  return missing.length === 0
    ? {
        step,
        ok: true,
        message: `the token may ${[...new Set(wanted.flatMap((item) => item.needs))].join(', ')} where secretm needs to`,
      }
    : {
        step,
        ok: false,
        message: `the token's policies lack ${missing.join('; ')}: add them to the connection's policy`,
      };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// =================================================================================================
// Refs, cursors, small helpers
// =================================================================================================

function mountPath(mount: string): string {
  const trimmed = mount.replace(/^\/+|\/+$/g, '');
  if (!trimmed) throw new ValidationError('the engine mount is empty: name the mount, e.g. "secret"');
  return encodeRef(checkRef(trimmed, 'mount'));
}

/** The engine's `path` as a folder prefix ("teams/payments/"), or '' for the mount's root. */
function folderPrefix(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? `${checkRef(trimmed, 'path')}/` : '';
}

function checkRef(ref: string, what = 'ref'): string {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > maxRefLength) {
    throw new ValidationError(`the ${what} must be a path of 1 to ${maxRefLength} characters`);
  }
  const segments = ref.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ValidationError(
      `the ${what} "${ref}" must be a path without empty, "." or ".." segments and without a leading or trailing "/"`,
    );
  }
  if ([...ref].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
    throw new ValidationError(`the ${what} must not contain control characters`);
  }
  return ref;
}

function checkedSegment(value: string, what: string): string {
  checkRef(value, what);
  if (value.includes('/')) throw new ValidationError(`the ${what} "${value}" must not contain "/"`);
  return value;
}

/** Encodes each segment of a path (a folder's trailing slash stays). */
function encodeRef(ref: string): string {
  return ref.split('/').map(encodeURIComponent).join('/');
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new ValidationError(`the page limit must be a whole number from 1 to ${maxPageSize}`);
  }
  return limit;
}

function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (decoded as { after?: unknown } | null)?.after;
    if (typeof after === 'string' && after.length > 0) return after;
  } catch {
    // falls through to the refusal below
  }
  throw new ValidationError(
    'the cursor is not one this vault connection issued: start again without a cursor',
  );
}

/** A short, growing, random pause between check-and-set retries, so concurrent writers spread out. */
function pause(attempt: number): Promise<void> {
  const ms = Math.min(200, 5 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}
