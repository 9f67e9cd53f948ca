/**
 * Reads what the layer needs from secretm's table (shared/store/keys.ts): a secret's metadata item
 * (`pk=T#<tenant>`, `sk=S#<name>`: its connection, vault reference, type, and `nextRotationAt` when a
 * rotation is scheduled, and a file secret's file name, encoding, mount path and mode), a version item
 * for a pinned version, and a binding item (`sk=B#<service>`: `{ service, entries: [{ name, secret,
 * key?, mountPath? }] }`). Never a value: those live in vaults.
 * Its one write is the usage counters (usage.ts, shared/store/usage-store.ts), on the same client.
 *
 * Metadata reads that arrive in the same tick go out as one BatchGetItem (up to 100 keys), so
 * `getSecrets` and concurrent first reads cost one table request. Loaded only when a secretm name is
 * first read: this module is the one that pulls in the DynamoDB client.
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  type UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ConnectionRecord } from '../../../shared/connections/connection-types.ts';
import {
  ForbiddenError,
  NotFoundError,
  ProviderUnavailableError,
  SecretmError,
  ValidationError,
} from '../../../shared/errors.ts';
import type { SecretPayload } from '../../../shared/providers/provider.ts';
import type { FileMetadata } from '../../../shared/secrets/secret-types.ts';
import { connectionKey, secretKey, tenantPk, versionKey } from '../../../shared/store/keys.ts';
import { createUsageStore, type UsageStore } from '../../../shared/store/usage-store.ts';
import { createTickBatcher } from './batcher.ts';
import type { RequestCounter } from './sources/reader.ts';

export interface TableOptions {
  tableName: string;
  tenant: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  timeoutMs?: number;
  schedule?: (flush: () => void) => void;
}

export interface SecretMetadata {
  connection: string;
  vaultRef: string;
  /** How secretm wrote the value, as a decode hint for the vault. */
  kind: SecretPayload['kind'];
  version: number;
  /** The next scheduled rotation, epoch ms. */
  refreshBy?: number;
  /** A file secret's file: its name, encoding, mount path and mode. */
  file?: FileMetadata;
}

export interface BindingEntry {
  /** The environment variable the service sees (a key), or the entry's name (a file). */
  name: string;
  /** The secretm secret it comes from. */
  secret: string;
  key?: string;
  /** The directory a file is mounted in, when the entry says. */
  mountPath?: string;
}

export interface TableReader {
  secret(name: string): Promise<SecretMetadata>;
  /** A connection stored in the table (its settings, never its credentials); undefined when absent. */
  connection(id: string): Promise<ConnectionRecord | undefined>;
  /** The vault's own version id of a secretm version. */
  vaultVersion(name: string, version: number): Promise<string>;
  binding(service: string): Promise<BindingEntry[]>;
  /** Adds to the tenant's usage counters (one UpdateItem per line); answers the lines not written. */
  addUsage: UsageStore['add'];
}

const maxBatchKeys = 100;
const batchAttempts = 5;
const bindingSkPrefix = 'B#';
const projection = {
  '#pk': 'pk',
  '#sk': 'sk',
  '#connection': 'connection',
  '#vaultRef': 'vaultRef',
  '#type': 'type',
  '#file': 'file',
  '#version': 'version',
  '#deletionDate': 'deletionDate',
  '#nextRotationAt': 'nextRotationAt',
};

export function createTableReader(options: TableOptions, count: RequestCounter): TableReader {
  const { tableName, tenant } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: 2,
  });
  const bounded = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });

  const send = async <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    count(`dynamodb:${operation}`);
    try {
      return await call();
    } catch (error) {
      throw tableError(error);
    }
  };

  // Usage writes are bounded like reads, so a write that hangs cannot hold back every later flush.
  const usage = createUsageStore({
    client: {
      send: ((command: UpdateItemCommand) => {
        count('dynamodb:UpdateItem');
        return client.send(command, bounded());
      }) as DynamoDBClient['send'],
    },
    tableName,
  });

  const batcher = createTickBatcher<string, Record<string, AttributeValue> | undefined>({
    maxBatch: maxBatchKeys,
    keyOf: (name) => name,
    ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
    run: async (names) => {
      const found = new Map<string, Record<string, AttributeValue>>();
      let keys: Record<string, AttributeValue>[] = names.map((name) => attributes(secretKey(tenant, name)));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt === batchAttempts) {
          throw new ProviderUnavailableError(
            'the secretm table did not answer every key of a batch read; try again',
          );
        }
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
        const answer = await send('BatchGetItem', () =>
          client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tableName]: {
                  Keys: keys,
                  ConsistentRead: true,
                  ProjectionExpression: Object.keys(projection).join(', '),
                  ExpressionAttributeNames: projection,
                },
              },
            }),
            bounded(),
          ),
        );
        for (const item of answer.Responses?.[tableName] ?? []) {
          const sk = item.sk?.S;
          if (sk !== undefined) found.set(sk, item);
        }
        keys = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      return names.map((name) => ({ value: found.get(`S#${name}`) }));
    },
  });

  return {
    async secret(name) {
      const item = await batcher.load(name);
      if (item === undefined || item.deletionDate?.S !== undefined) {
        throw new NotFoundError(
          item === undefined
            ? `no secret "${name}" in the tenant "${tenant}"`
            : `the secret "${name}" is scheduled for deletion; restore it to read it`,
        );
      }
      const connection = item.connection?.S;
      const vaultRef = item.vaultRef?.S;
      const type = item.type?.S;
      if (!connection || !vaultRef || (type !== 'env' && type !== 'file')) {
        throw new ProviderUnavailableError(`the metadata of "${name}" in the secretm table is incomplete`);
      }
      const encoding = item.file?.M?.encoding?.S;
      const file = type === 'file' ? fileMetadata(item.file?.M, name) : undefined;
      const rotation = item.nextRotationAt?.S ?? item.nextRotationAt?.N;
      const refreshBy =
        rotation === undefined
          ? Number.NaN
          : /^\d+$/.test(rotation)
            ? Number(rotation)
            : Date.parse(rotation);
      return {
        connection,
        vaultRef,
        kind: type === 'env' ? 'map' : encoding === 'base64' ? 'binary' : 'text',
        version: Number(item.version?.N ?? 0),
        ...(Number.isFinite(refreshBy) ? { refreshBy } : {}),
        ...(file === undefined ? {} : { file }),
      };
    },

    async vaultVersion(name, version) {
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new ValidationError('a secretm version is a whole number from 1');
      }
      const answer = await send('GetItem', () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: attributes(versionKey(tenant, name, version)),
            ConsistentRead: true,
            ProjectionExpression: '#id',
            ExpressionAttributeNames: { '#id': 'vaultVersionId' },
          }),
          bounded(),
        ),
      );
      const id = answer.Item?.vaultVersionId?.S;
      if (!id) throw new NotFoundError(`the secret "${name}" has no version ${version}`);
      return id;
    },

    async connection(id) {
      const answer = await send('GetItem', () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: attributes(connectionKey(tenant, id)),
            ConsistentRead: true,
          }),
          bounded(),
        ),
      );
      if (!answer.Item) return undefined;
      const { pk: _pk, sk: _sk, ...record } = plain({ M: answer.Item }) as Record<string, unknown>;
      return record as unknown as ConnectionRecord;
    },

    async binding(service) {
      const answer = await send('GetItem', () =>
        client.send(
          new GetItemCommand({
            TableName: tableName,
            Key: { pk: { S: tenantPk(tenant) }, sk: { S: `${bindingSkPrefix}${service}` } },
            ConsistentRead: true,
          }),
          bounded(),
        ),
      );
      if (!answer.Item)
        throw new NotFoundError(`no binding for the service "${service}" in the tenant "${tenant}"`);
      const entries = answer.Item.entries?.L ?? [];
      return entries.map((entry, i) => {
        const fields = entry.M ?? {};
        const envName = fields.name?.S;
        const secret = fields.secret?.S;
        if (!envName || !secret) {
          throw new ProviderUnavailableError(
            `the binding of "${service}" has an incomplete entry (number ${i + 1})`,
          );
        }
        const key = fields.key?.S;
        const mountPath = fields.mountPath?.S;
        return {
          name: envName,
          secret,
          ...(key === undefined ? {} : { key }),
          ...(mountPath === undefined ? {} : { mountPath }),
        };
      });
    },

    addUsage: (lines) => usage.add(lines),
  };
}

/** A file secret's metadata as stored (shared/store/secret-store.ts); its name when the file has none. */
function fileMetadata(stored: Record<string, AttributeValue> | undefined, name: string): FileMetadata {
  const mountPath = stored?.mountPath?.S;
  const mode = stored?.mode?.S;
  return {
    filename: stored?.filename?.S ?? name,
    encoding: stored?.encoding?.S === 'base64' ? 'base64' : 'utf8',
    ...(mountPath === undefined ? {} : { mountPath }),
    ...(mode === undefined ? {} : { mode }),
  };
}

/** A stored attribute as plain data (strings, numbers, booleans, maps, lists: what connection items hold). */
function plain(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.M !== undefined)
    return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  if (value.L !== undefined) return value.L.map(plain);
  return undefined;
}

function attributes(key: Record<string, string>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }]));
}

function tableError(error: unknown): SecretmError {
  if (error instanceof SecretmError) return error;
  if (error instanceof DynamoDBServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (error.name === 'AccessDeniedException' || status === 403) {
      return new ForbiddenError(
        `the function may not read the secretm table (${error.name}): grant it dynamodb:GetItem and dynamodb:BatchGetItem on the table`,
        { cause: error },
      );
    }
    if (error.name === 'ResourceNotFoundException') {
      return new ProviderUnavailableError(
        'the secretm table named by SECRETM_TABLE_NAME does not exist in this region',
        {
          cause: error,
        },
      );
    }
    return new ProviderUnavailableError(`the secretm table could not be read (${error.name}); try again`, {
      cause: error,
    });
  }
  return new ProviderUnavailableError('the secretm table could not be reached; try again', { cause: error });
}
