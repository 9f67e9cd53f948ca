/**
 * The layer's client: `getSecret` and friends over one cache (cache.ts), resolving each name to a
 * vault read (references.ts), loading each vault's code only when a secret on it is first read.
 *
 * Cache keys. One entry per secret and version (`name`, or `name` + version): the value as the vault
 * answered it, whichever connection and reference it came through. What a call asks of that value
 * (`key`, `transform`) is derived once per loaded value and kept with it, so reading five keys of one
 * secret costs one vault call per TTL, and two calls that differ in any option that changes the answer
 * never share a result. TTL is not part of the key: a call's `ttl` only says how old a value it accepts.
 *
 * Warm reads. A fresh entry answers with a promise made when its value was derived: no allocation, no
 * await inside, one map lookup, and the clock as read earlier in the same event-loop turn (turn-clock.ts).
 *
 * Cost records. With a table and a tenant, the client counts every vault request and cache hit into
 * secretm's usage counters (usage.ts): the readers count requests, the loader says which connection and
 * reference each name stands for, and the hits the cache counts anyway are collected when flushing.
 */
import type { ResolvedBinding } from '../../../shared/bindings/binding-types.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { SecretPayload } from '../../../shared/providers/provider.ts';
import type { FileMetadata } from '../../../shared/secrets/secret-types.ts';
import type { BoundRead } from './bindings.ts';
import { type CacheEntry, createCache, type LayerClock, type Loaded, systemLayerClock } from './cache.ts';
import { createMetrics, type LayerStats, type MetricsOptions } from './metrics.ts';
import { parseReference } from './references.ts';
import type { AwsRegionTarget } from './sources/aws.ts';
import {
  countedProvider,
  type ReadableProvider,
  type ReadOptions,
  type RequestCounter,
  readerFor,
  type SecretReader,
} from './sources/reader.ts';
import type { VaultSourceOptions } from './sources/vault.ts';
import type { BindingEntry, TableReader } from './table.ts';
import { checkTransform, derive, type Transform, wholeValue } from './transform.ts';
import type { createLayerUsage } from './usage.ts';

export interface GetSecretOptions {
  /** One key of a key/value secret (or of a JSON object held as text). */
  key?: string;
  /** A version: secretm's version number for a secretm name, else the vault's own version id. */
  version?: string | number;
  transform?: Transform;
  /** Seconds this call accepts a cached value for (default: the connection's TTL). */
  ttl?: number;
  /** Powertools' name for `ttl`. */
  maxAge?: number;
  /** Reads the vault now (still one request in flight per secret). */
  forceFetch?: boolean;
}

export interface SecretRequest extends GetSecretOptions {
  name: string;
}

/** An Azure credential (`@azure/identity`'s TokenCredential, or anything with its `getToken`). */
export interface AzureCredential {
  getToken(
    scopes: string | string[],
    options?: object,
  ): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** A vault connection the layer reads through: any shared/providers adapter, and its cache TTL. */
export interface PluggedConnection {
  provider: ReadableProvider;
  ttlSeconds?: number;
}

/**
 * Finds the connection a secretm secret is stored on (its `connection` field). The built-in `aws`
 * (AWS Secrets Manager in the function's account) and `local` connections need none; a resolver adds
 * connections stored in secretm's table. Answer undefined for a connection it does not know.
 */
export type ConnectionResolver = (
  tenant: string,
  connection: string,
) => PluggedConnection | undefined | Promise<PluggedConnection | undefined>;

export interface SecretmOptions {
  /** secretm's table and the function's tenant: with both, plain names are secretm secrets. */
  tableName?: string;
  tenant?: string;
  /** Seconds a value stays fresh, for connections without their own TTL. Default 300. */
  ttlSeconds?: number;
  /** Seconds after expiry a read answers the old value while one refresh runs. Default 60. */
  staleWhileRevalidateSeconds?: number;
  /** Seconds after expiry a value is still served while its vault is unreachable. Default 900. */
  serveStaleSeconds?: number;
  /** Most entries kept (least recently used evicted first). Default 1000. */
  maxEntries?: number;
  /** Bound on one vault call, in ms. Default 5000. */
  timeoutMs?: number;
  aws?: {
    region?: string;
    endpoint?: string;
    /**
     * Static credentials; else the function's own from the environment (AWS_ACCESS_KEY_ID, …), else the
     * AWS SDK's default chain.
     */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** Regions to fall back to, in order, when the primary region fails. */
    replicas?: AwsRegionTarget[];
    /**
     * Reads through the AWS SDK even where the layer's own signed requests would do (static
     * credentials, the aws or aws-cn partition, no FIPS or dual-stack endpoint). Default false.
     */
    useSdk?: boolean;
  };
  dynamodb?: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  vault?: VaultSourceOptions;
  azure?: {
    credential?: AzureCredential;
    clientSecret?: { tenantId: string; clientId: string; clientSecret: string };
    /** Replaces the shared adapter (tests). */
    createProvider?: (
      config: { vaultUrl: string },
      credential: AzureCredential,
      network: { timeoutMs?: number },
    ) => ReadableProvider;
  };
  /** The `local` connection's folder. */
  localVaultDir?: string;
  connections?: ConnectionResolver;
  metrics?: MetricsOptions;
  /** Seconds between writes of the usage counters (with a table and tenant). Default 60. */
  usageFlushSeconds?: number;
  clock?: LayerClock;
}

export interface Secretm {
  getSecret(name: string, options: GetSecretOptions & { transform: 'json' }): Promise<unknown>;
  getSecret(name: string, options: GetSecretOptions & { key: string }): Promise<string>;
  getSecret(name: string, options: GetSecretOptions & { transform: 'binary' }): Promise<string>;
  getSecret(name: string, options?: GetSecretOptions): Promise<string | Uint8Array | unknown>;
  /** Several secrets at once, in order; misses go out together (one BatchGetSecretValue per 20 AWS secrets). */
  getSecrets(requests: readonly (string | SecretRequest)[], options?: GetSecretOptions): Promise<unknown[]>;
  /**
   * The environment a service's binding describes: `{ DB_PASSWORD: "…" }`, its keys only (its files are
   * in `resolveBinding`). The same `env` as the API's `GET /v1/bindings/{service}/resolve`.
   */
  getBinding(service: string): Promise<Record<string, string>>;
  /**
   * A service's binding resolved as the API's `GET /v1/bindings/{service}/resolve` answers it: the
   * environment, and the files (content as stored, `base64` for bytes; each at `mountPath/filename`).
   */
  resolveBinding(service: string): Promise<ResolvedBinding>;
  /** Renders `{{secrets.NAME.KEY}}` references (shared/templates/render.ts). */
  render(template: string): Promise<string>;
  /** Forgets a secret (every version and key of it), or everything: the next read asks the vault. */
  invalidate(name?: string): void;
  /** The value a fresh cache entry holds right now, or `notCached`; never reads a vault. */
  peek(name: string, options?: GetSecretOptions): unknown;
  stats(): LayerStats;
  /** Writes the pending metrics line now (see metrics.ts). */
  flushMetrics(): string | undefined;
  /**
   * Writes the vault calls and cache hits counted since the last flush to secretm's cost records now
   * (with a table and tenant; else there is nothing to write). Never rejects: counts that could not be
   * written are kept for the next flush.
   */
  flushUsage(): Promise<void>;
}

/** What `peek` answers when the value is not in the cache, or not fresh. */
export const notCached: unique symbol = Symbol('secretm.notCached');

interface SecretData {
  payload: SecretPayload;
  /** A secretm file secret's file (name, encoding, mount path, mode), as its metadata has it. */
  file?: FileMetadata;
  versionId: string;
  plain: View | undefined;
  /** Views by key. */
  keyViews: Map<string, View>;
  /** Views by transform and key. */
  transformViews: Map<string, View>;
}

interface View {
  promise: Promise<unknown>;
  ok: boolean;
  value: unknown;
}

const defaultTtlSeconds = 300;
const defaultTimeoutMs = 5_000;

/**
 * How the client loads each vault's code: `import()`s, so that a bundler makes each its own chunk and
 * a function loads only those it reads from. An entry point leaves out what it does not offer.
 */
export interface SourceLoaders {
  aws?: () => Promise<typeof import('./sources/aws.ts')>;
  vault?: () => Promise<typeof import('./sources/vault.ts')>;
  azure?: () => Promise<typeof import('./sources/azure.ts')>;
  local?: () => Promise<typeof import('./sources/local.ts')>;
  table?: () => Promise<typeof import('./table.ts')>;
  /** Connections stored in the table (a Vault, Azure or other AWS connection of a secretm secret). */
  stored?: () => Promise<typeof import('./stored-connections.ts')>;
  /** Counts into the cost records (usage.ts), with `table`; its writes go through the table module. */
  usage?: typeof createLayerUsage;
}

function need<T>(loader: (() => Promise<T>) | undefined, what: string): Promise<T> {
  if (loader === undefined) {
    return Promise.reject(
      new ValidationError(`this entry point of secretm does not read ${what}; import from 'secretm' instead`),
    );
  }
  return loader();
}

export function createClient(options: SecretmOptions, loaders: SourceLoaders): Secretm {
  const clock = options.clock ?? systemLayerClock;
  const tenant = options.tenant;
  const secretmNames = loaders.table !== undefined && options.tableName !== undefined && tenant !== undefined;
  const defaultTtlMs = checkSeconds(options.ttlSeconds ?? defaultTtlSeconds, 'ttlSeconds') * 1000;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const metrics = createMetrics({ now: () => clock.now(), ...options.metrics });
  const cacheOptions = {
    clock,
    ...(options.maxEntries === undefined ? {} : { maxEntries: options.maxEntries }),
    ...(options.staleWhileRevalidateSeconds === undefined
      ? {}
      : {
          staleWhileRevalidateMs:
            checkSeconds(options.staleWhileRevalidateSeconds, 'staleWhileRevalidateSeconds') * 1000,
        }),
    ...(options.serveStaleSeconds === undefined
      ? {}
      : { serveStaleMs: checkSeconds(options.serveStaleSeconds, 'serveStaleSeconds') * 1000 }),
    countersFor: metrics.counters,
    // Counting needs no call; only EMF lines need their flush armed.
    ...(options.metrics?.enabled ? { onActivity: metrics.touch } : {}),
  };
  const cache = createCache<SecretData>(cacheOptions);
  const bindings = createCache<BindingEntry[]>(cacheOptions);
  const request = metrics.request;

  // Each vault's code is imported on first use, so a function that reads only AWS never loads Azure's.
  let aws: Promise<SecretReader> | undefined;
  let vault: Promise<SecretReader> | undefined;
  let azure: Promise<SecretReader> | undefined;
  let local: Promise<SecretReader> | undefined;
  let table: Promise<TableReader> | undefined;
  const once = <T>(start: () => Promise<T>, forget: () => void): Promise<T> => {
    const started = start();
    started.catch(forget);
    return started;
  };

  const awsReader = () =>
    (aws ??= once(
      async () => {
        const region = options.aws?.region;
        if (region === undefined) {
          throw new ValidationError(
            'reading an AWS secret needs a region: set AWS_REGION, or pass aws.region',
          );
        }
        const { createAwsReader } = await need(loaders.aws, 'AWS Secrets Manager');
        return createAwsReader(
          {
            region,
            ...(options.aws?.endpoint === undefined ? {} : { endpoint: options.aws.endpoint }),
            ...(options.aws?.credentials === undefined ? {} : { credentials: options.aws.credentials }),
            ...(options.aws?.replicas === undefined ? {} : { replicas: options.aws.replicas }),
            ...(options.aws?.useSdk ? { useSdk: true } : {}),
            timeoutMs,
            clock,
          },
          counterOf('aws'),
        );
      },
      () => {
        aws = undefined;
      },
    ));
  const vaultReader = () =>
    (vault ??= once(
      async () =>
        (await need(loaders.vault, 'vault://')).createVaultReader(
          { timeoutMs, ...options.vault },
          counterOf('vault'),
        ),
      () => {
        vault = undefined;
      },
    ));
  const azureReader = () =>
    (azure ??= once(
      async () => {
        const { createAzureReader } = await need(loaders.azure, 'azure://');
        const azureOptions = options.azure ?? {};
        return createAzureReader(
          {
            timeoutMs,
            ...(azureOptions.credential === undefined
              ? {}
              : {
                  credential: azureOptions.credential as Parameters<
                    typeof createAzureReader
                  >[0]['credential'],
                }),
            ...(azureOptions.clientSecret === undefined ? {} : { clientSecret: azureOptions.clientSecret }),
            ...(azureOptions.createProvider === undefined
              ? {}
              : {
                  createProvider: azureOptions.createProvider as NonNullable<
                    Parameters<typeof createAzureReader>[0]['createProvider']
                  >,
                }),
          },
          counterOf('azure'),
        );
      },
      () => {
        azure = undefined;
      },
    ));
  const localReader = () =>
    (local ??= once(
      async () => {
        if (!options.localVaultDir) {
          throw new ValidationError('the local connection needs its folder: set SECRETM_LOCAL_VAULT_DIR');
        }
        return (await need(loaders.local, 'the local connection')).createLocalReader(
          { dir: options.localVaultDir },
          counterOf('local'),
        );
      },
      () => {
        local = undefined;
      },
    ));
  const tableReader = () =>
    (table ??= once(
      async () => {
        const region = options.dynamodb?.region ?? options.aws?.region;
        if (region === undefined) {
          throw new ValidationError(
            'reading the secretm table needs a region: set AWS_REGION, or pass dynamodb.region',
          );
        }
        const { createTableReader } = await need(loaders.table, 'secretm names');
        return createTableReader(
          {
            tableName: options.tableName!,
            tenant: tenant!,
            region,
            ...(options.dynamodb?.endpoint === undefined ? {} : { endpoint: options.dynamodb.endpoint }),
            ...(options.dynamodb?.credentials === undefined
              ? {}
              : { credentials: options.dynamodb.credentials }),
            timeoutMs,
          },
          request,
        );
      },
      () => {
        table = undefined;
      },
    ));
  const usage = secretmNames
    ? loaders.usage?.({
        tenant: tenant!,
        clock,
        flushSeconds: options.usageFlushSeconds,
        table: tableReader,
        request,
        counters: metrics.counters,
        entries: cache.entries,
      })
    : undefined;
  /** What a connection's readers count their requests with: the cost records' counter when recording. */
  const counterOf = (connection: string): RequestCounter => usage?.counter(connection) ?? request;

  // Stored connections' credentials live in secretm's own vault: the local vault in local mode (and
  // there only may vaults on this machine be reached), this account's Secrets Manager in AWS.
  let stored: Promise<import('./stored-connections.ts').StoredConnections> | undefined;
  const storedConnections = () =>
    (stored ??= once(
      async () => {
        const { createStoredConnections } = await need(loaders.stored, 'stored connections');
        const systemVault = () => (options.localVaultDir ? localReader() : awsReader());
        return createStoredConnections({
          record: async (id) => (await tableReader()).connection(id),
          credentials: async (ref) => {
            const { payload } = await (await systemVault()).read(ref, { kind: 'map' });
            if (payload.kind !== 'map') {
              throw new NotFoundError('the connection’s credentials in secretm’s vault are unreadable');
            }
            return payload.data;
          },
          allowLoopback: options.localVaultDir !== undefined,
          timeoutMs,
        });
      },
      () => {
        stored = undefined;
      },
    ));

  /** Connections by id, resolved once per TTL. */
  const connections = new Map<
    string,
    { until: number; resolved: Promise<{ reader: SecretReader; ttlMs: number }> }
  >();
  const connection = (id: string): Promise<{ reader: SecretReader; ttlMs: number }> => {
    const known = connections.get(id);
    if (known && known.until > clock.now()) return known.resolved;
    const resolved = (async () => {
      const ttlOf = (plugged: PluggedConnection) =>
        plugged.ttlSeconds === undefined
          ? defaultTtlMs
          : checkSeconds(plugged.ttlSeconds, 'ttlSeconds') * 1000;
      const plugged = await options.connections?.(tenant!, id);
      if (plugged) {
        return {
          reader: readerFor(
            countedProvider(plugged.provider, counterOf(id), {
              get: `${id}:get`,
              batch: `${id}:batch`,
            }),
          ),
          ttlMs: ttlOf(plugged),
        };
      }
      if (id === 'aws') return { reader: await awsReader(), ttlMs: defaultTtlMs };
      if (id === 'local') return { reader: await localReader(), ttlMs: defaultTtlMs };
      const found =
        loaders.stored === undefined ? undefined : await (await storedConnections())(id, counterOf(id));
      if (found) return { reader: readerFor(found.provider), ttlMs: ttlOf(found) };
      throw new NotFoundError(
        loaders.stored === undefined
          ? `the connection "${id}" is not one this entry point reads (aws); import from 'secretm' instead`
          : `the connection "${id}" of the tenant "${tenant}" does not exist`,
      );
    })();
    connections.set(id, { until: clock.now() + defaultTtlMs, resolved });
    resolved.catch(() => connections.delete(id));
    return resolved;
  };

  const loader =
    (name: string, version: string | number | undefined) => async (): Promise<Loaded<SecretData>> => {
      const reference = parseReference(name, secretmNames);
      let reader: SecretReader;
      let connectionId: string;
      let ref: string;
      const readOptions: ReadOptions = {};
      let ttlMs = defaultTtlMs;
      let refreshBy: number | undefined;
      let file: FileMetadata | undefined;
      if (reference.scheme === 'secretm') {
        const tableNow = await tableReader();
        const [meta, versionId] = await Promise.all([
          tableNow.secret(reference.name),
          version === undefined ? undefined : tableNow.vaultVersion(reference.name, secretmVersion(version)),
        ]);
        const resolved = await connection(meta.connection);
        connectionId = meta.connection;
        reader = resolved.reader;
        ttlMs = resolved.ttlMs;
        ref = meta.vaultRef;
        readOptions.kind = meta.kind;
        if (versionId !== undefined) readOptions.versionId = versionId;
        refreshBy = meta.refreshBy;
        file = meta.file;
      } else {
        reader = await (reference.scheme === 'aws'
          ? awsReader()
          : reference.scheme === 'vault'
            ? vaultReader()
            : azureReader());
        // Read by itself, a reference counts under the connection of its scheme: aws, vault, azure.
        connectionId = reference.scheme;
        ref = reference.scheme === 'aws' ? reference.id : name;
        if (version !== undefined) readOptions.versionId = String(version);
      }
      metrics.counters(name).vaultCalls++;
      usage?.label(name, connectionId, ref);
      const read = await reader.read(ref, readOptions);
      return {
        value: {
          payload: read.payload,
          ...(file === undefined ? {} : { file }),
          versionId: read.versionId,
          plain: undefined,
          keyViews: new Map(),
          transformViews: new Map(),
        },
        ttlMs,
        ...(read.leaseExpiresAt === undefined ? {} : { leaseExpiresAt: read.leaseExpiresAt.getTime() }),
        ...(refreshBy === undefined ? {} : { refreshBy }),
      };
    };

  const keyOf = (name: string, version: string | number | undefined) =>
    version === undefined ? name : `${name}\u0000v${version}`;

  const makeView = (
    data: SecretData,
    name: string,
    key: string | undefined,
    transform: Transform | undefined,
  ): View => {
    try {
      const value = derive(data.payload, name, key, transform);
      return { promise: Promise.resolve(value), ok: true, value };
    } catch (error) {
      const promise = Promise.reject(error);
      promise.catch(() => {
        // Each caller awaits it and sees the error.
      });
      return { promise, ok: false, value: undefined };
    }
  };

  const plainView = (data: SecretData, name: string): View => {
    if (data.plain === undefined) data.plain = makeView(data, name, undefined, undefined);
    return data.plain;
  };

  const viewOf = (data: SecretData, name: string, options: GetSecretOptions | undefined): View => {
    const key = options?.key;
    const transform = options?.transform === undefined ? undefined : checkTransform(options.transform);
    if (key === undefined && transform === undefined) return plainView(data, name);
    if (key !== undefined && typeof key !== 'string') throw new ValidationError('key must be a string');
    // A key alone is its own view key (no string to build on a warm read); with a transform, both.
    const views = transform === undefined ? data.keyViews : data.transformViews;
    const viewKey = transform === undefined ? (key as string) : `${transform}\u0000${key ?? ''}`;
    let view = views.get(viewKey);
    if (view === undefined) {
      view = makeView(data, name, key, transform);
      views.set(viewKey, view);
    }
    return view;
  };

  const ttlOf = (options: GetSecretOptions | undefined): number | undefined => {
    const ttl = options?.ttl ?? options?.maxAge;
    return ttl === undefined ? undefined : checkSeconds(ttl, 'ttl') * 1000;
  };

  const entryFor = (name: string, options: GetSecretOptions | undefined): Promise<CacheEntry<SecretData>> => {
    if (typeof name !== 'string') return Promise.reject(new ValidationError('a secret name is a string'));
    const version = options?.version;
    const ttlMs = ttlOf(options);
    return cache.get(keyOf(name, version), name, loader(name, version), {
      ...(ttlMs === undefined ? {} : { ttlMs }),
      ...(options?.forceFetch ? { forceFetch: true } : {}),
    });
  };

  const slowGet = async (name: string, options: GetSecretOptions | undefined): Promise<unknown> => {
    const entry = await entryFor(name, options);
    return viewOf(entry.value!, name, options).promise;
  };

  function getSecret(name: string, options?: GetSecretOptions): Promise<unknown> {
    if (options === undefined) {
      const entry = cache.fresh(name);
      if (entry !== undefined) return plainView(entry.value!, name).promise;
      return slowGet(name, undefined);
    }
    if (!options.forceFetch) {
      try {
        const entry = cache.fresh(keyOf(name, options.version), ttlOf(options));
        if (entry !== undefined) return viewOf(entry.value!, name, options).promise;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return slowGet(name, options);
  }

  /**
   * Several secrets at once. When some of them go to the vault, those past half their TTL are refreshed
   * in the same tick, so they ride in the same batch: secrets read together stay in step, and cost
   * ⌈n/20⌉ AWS requests per TTL instead of drifting into more, smaller batches.
   */
  const getSecrets = (requests: readonly (string | SecretRequest)[], common?: GetSecretOptions) => {
    if (!Array.isArray(requests))
      return Promise.reject(new ValidationError('getSecrets takes a list of secrets'));
    const asked = requests.map((item) =>
      typeof item === 'string'
        ? { name: item, options: common }
        : { name: item.name, options: { ...common, ...withoutName(item) } },
    );
    const reads = asked.map(({ name, options }) => getSecret(name, options));
    const entries = asked.map(({ name, options }) => cache.entries.get(keyOf(name, options?.version)));
    if (entries.some((entry) => entry === undefined || entry.inflight !== undefined)) {
      const now = clock.now();
      asked.forEach(({ name, options }, i) => {
        const entry = entries[i];
        const halfLife = entry === undefined ? 0 : (entry.freshUntil - entry.fetchedAt) / 2;
        if (entry?.loaded && entry.inflight === undefined && now - entry.fetchedAt >= halfLife) {
          cache.refresh(entry.key, loader(name, options?.version));
        }
      });
    }
    return Promise.all(reads);
  };

  const bindingEntries = async (service: string): Promise<BindingEntry[]> => {
    if (!secretmNames) {
      throw new ValidationError(
        'bindings live in the secretm table: set SECRETM_TABLE_NAME and SECRETM_TENANT',
      );
    }
    if (typeof service !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(service)) {
      throw new ValidationError('a service name is 1–128 of A–Z a–z 0–9 . _ -');
    }
    const label = `binding:${service}`;
    const entry = await bindings.get(label, label, async () => {
      const entries = await (await tableReader()).binding(service);
      return { value: entries, ttlMs: defaultTtlMs };
    });
    return entry.value!;
  };

  /** Reads every secret the entries bind (at once, so they batch), then resolves them as the API does. */
  const resolveEntries = async (
    service: string,
    entries: readonly BindingEntry[],
  ): Promise<ResolvedBinding> => {
    const names = [...new Set(entries.map((item) => item.secret))];
    const settled = await Promise.allSettled(names.map((name) => entryFor(name, undefined)));
    const reads = new Map<string, BoundRead>(
      names.map((name, i) => {
        const read = settled[i]!;
        return [
          name,
          read.status === 'rejected' ? read : { status: 'fulfilled', value: boundValue(read.value.value!) },
        ];
      }),
    );
    const { resolveFromReads } = await import('./bindings.ts');
    return resolveFromReads(service, entries, reads);
  };

  const getBinding = async (service: string): Promise<Record<string, string>> => {
    const entries = await bindingEntries(service);
    return (
      await resolveEntries(
        service,
        entries.filter((item) => item.key !== undefined),
      )
    ).env;
  };

  const resolveBinding = async (service: string): Promise<ResolvedBinding> =>
    resolveEntries(service, await bindingEntries(service));

  // The template code is loaded on first use, like a vault's: most functions never render.
  const render = async (template: string) => {
    const { renderTemplate } = await import('../../../shared/templates/render.ts');
    return renderTemplate(template, async (name) => {
      const entry = await entryFor(name, undefined);
      return wholeValue(entry.value!.payload);
    });
  };

  return {
    getSecret: getSecret as Secretm['getSecret'],
    getSecrets,
    getBinding,
    resolveBinding,
    render,

    invalidate(name) {
      if (name === undefined) {
        cache.invalidate();
        bindings.invalidate();
        connections.clear();
        return;
      }
      cache.invalidate(name);
      bindings.invalidate(`binding:${name}`);
    },

    peek(name, options) {
      if (options === undefined) {
        const entry = cache.fresh(name);
        if (entry === undefined) return notCached;
        const view = plainView(entry.value!, name);
        return view.ok ? view.value : notCached;
      }
      const entry = cache.fresh(keyOf(name, options.version), ttlOf(options));
      if (entry === undefined) return notCached;
      const view = viewOf(entry.value!, name, options);
      return view.ok ? view.value : notCached;
    },

    stats: () => metrics.stats(),
    flushMetrics: () => metrics.flush(),
    flushUsage: () => usage?.flush() ?? Promise.resolve(),
  };
}

function boundValue(data: SecretData): { payload: SecretPayload; file?: FileMetadata } {
  return data.file === undefined ? { payload: data.payload } : { payload: data.payload, file: data.file };
}

function withoutName(request: SecretRequest): GetSecretOptions {
  const { name: _name, ...rest } = request;
  return rest;
}

function secretmVersion(version: string | number): number {
  const number = typeof version === 'number' ? version : /^\d+$/.test(version) ? Number(version) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new ValidationError('a secretm version is a whole number from 1');
  }
  return number;
}

function checkSeconds(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${field} must be a number of seconds, 0 or more`);
  }
  return value;
}
