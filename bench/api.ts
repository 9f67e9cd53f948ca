/**
 * The API's hot path, measured in one run: local mode in a process of its own, as `npm start` runs it
 * (bench/local-child.ts, which calls local/start-local.ts), on its own DynamoDB Local (in memory), with
 * this process as its client; and beside it, on the same machine in the same run:
 *
 * - DynamoDB requests per route (named by the items they touch, test/store/table-requests.ts) and the
 *   vault calls the route's usage counters record, counted with local mode's DynamoDB endpoint set to a
 *   counting proxy on loopback in this process (test/layers/secretm/counting-proxy.ts), which logs every
 *   DynamoDB request;
 * - per-route latency percentiles and throughput at concurrency 1, 10 and 50, timed with local mode
 *   restarted on DynamoDB Local directly, no proxy in the path (the same table and data folder);
 * - a raw GetItem on the same DynamoDB Local, directly, through the same SDK;
 * - OpenBao's KV v2 read of a value of the same size (a dev server started here);
 * - each API function bundle (esbuild, as the CDK stack builds them) and its cold import in a fresh
 *   `node`, against a minimal handler that imports only `@aws-sdk/client-secrets-manager`.
 *
 *   npm run bench:api                    (rewrites the `api-after` section of bench/RESULTS.md)
 *   npm run bench:api -- --as before     (rewrites the `api-before` section)
 *   npm run bench:api -- --quick         (short runs, prints the section, writes nothing)
 *   npm run bench:bundles                (the bundles and cold imports only: bench/api-bundles.ts)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startOpenBao } from '../local/peers/openbao.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { secretKey, tagIndexPk, tenantPk } from '../shared/store/keys.ts';
import { countingProxy } from '../test/layers/secretm/counting-proxy.ts';
import { describeTableRequests, vaultCallsOf } from '../test/store/table-requests.ts';
import { bundleGoals, bundleTable, measureBundles } from './api-bundles.ts';
import type { LocalChildAnswer, LocalChildOptions } from './local-child.ts';
import { percentile } from './measure.ts';
import { type SectionName, writeOwnedSection } from './results-file.ts';

const quick = process.argv.includes('--quick');
const asIndex = process.argv.indexOf('--as');
const label = asIndex > 0 ? process.argv[asIndex + 1] : 'after';
if (label !== 'before' && label !== 'after') throw new Error('--as takes before or after');
const section: SectionName = label === 'before' ? 'api-before' : 'api-after';
const command = `npm run bench:api${label === 'before' ? ' -- --as before' : ''}`;
const concurrencies = [1, 10, 50] as const;
const runMs = quick ? 1_000 : 4_000;
const coldRuns = quick ? 3 : 9;
/** How long value reads at c = 10 warm DynamoDB Local's JVM before the timed runs. */
const jvmWarmMs = quick ? 15_000 : 30_000;
/** The size of the value read, in bytes (the same in secretm and in OpenBao). */
const valueBytes = 256;
const listSize = 100;

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const began = Date.now();
const loadAtStart = loadavg()[0]!;
let loadMax = loadAtStart;
const loadSampler = setInterval(() => {
  loadMax = Math.max(loadMax, loadavg()[0]!);
}, 2_000);
loadSampler.unref();
const log = (message: string) =>
  process.stderr.write(`[bench:api ${((Date.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

const dynamodb = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
const proxy = await countingProxy(dynamodb.endpoint);
const bao = await startOpenBao();
const dataDir = await mkdtemp(join(tmpdir(), 'secretm-bench-api-'));
const tableName = 'secretm-bench-api';
const operatorKey = `bench-operator-${randomBytes(16).toString('hex')}`;
const value = 'v'.repeat(valueBytes);

interface LocalChild {
  url: string;
  stop(): Promise<void>;
}

/**
 * Local mode in its own process (bench/local-child.ts) on `dynamodbEndpoint`, with this run's table, data
 * folder and operator key; what it prints goes to this process's stderr. One runs at a time: the data
 * folder is locked to the process that runs on it.
 */
async function startLocalChild(dynamodbEndpoint: string): Promise<LocalChild> {
  const child = fork(fileURLToPath(new URL('./local-child.ts', import.meta.url)), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.pipe(process.stderr, { end: false });
  child.stderr!.pipe(process.stderr, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const answered = new Promise<LocalChildAnswer>((resolve) => {
    child.once('message', (message) => resolve(message as LocalChildAnswer));
  });
  child.send({ dataDir, bootstrapKey: operatorKey, dynamodbEndpoint, tableName } satisfies LocalChildOptions);
  const answer = await Promise.race([
    answered,
    exited.then((code): LocalChildAnswer => ({ error: `it exited (${code}) before it was ready` })),
  ]);
  if ('error' in answer) {
    child.kill();
    throw new Error(`local mode did not start: ${answer.error}`);
  }
  return {
    url: answer.url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('stop');
      else child.kill();
      const stopped = await Promise.race([
        exited.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 15_000).unref()),
      ]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The local mode receiving the bench's requests: through the proxy to count, direct to time. */
let local: LocalChild | undefined;
async function switchLocal(dynamodbEndpoint: string): Promise<void> {
  await local?.stop();
  local = undefined;
  local = await startLocalChild(dynamodbEndpoint);
}
const localUrl = () => local!.url;

async function call(method: string, path: string, key: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${localUrl()}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await response.arrayBuffer();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status}`);
  return response;
}

/** A new API key, made with the operator key (API keys live in DynamoDB: every local mode knows them). */
async function apiKey(
  body: Record<string, unknown> = { name: 'bench', scopes: ['read', 'reveal', 'write', 'admin'] },
): Promise<string> {
  const response = await fetch(`${localUrl()}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 400) throw new Error(`POST /v1/api-keys: ${response.status}`);
  return ((await response.json()) as { key: string }).key;
}

// ---------------------------------------------------------------------------------------------------
// Routes

interface RouteBench {
  label: string;
  /** One request; `worker` and `n` make names distinct where a write needs them. */
  run: (worker: number, n: number) => Promise<unknown>;
}

let createSerial = 0;
function routeBenches(key: string): RouteBench[] {
  return [
    { label: 'GET /v1/secrets/{name}/value', run: () => call('GET', '/v1/secrets/bench/value', key) },
    { label: 'GET /v1/secrets/{name}', run: () => call('GET', '/v1/secrets/bench', key) },
    { label: `GET /v1/secrets (${listSize} secrets)`, run: () => call('GET', '/v1/secrets', key) },
    {
      label: 'POST /v1/secrets',
      run: () =>
        call('POST', '/v1/secrets', key, {
          name: `new-${label}-${++createSerial}`,
          type: 'env',
          data: { V: value },
        }),
    },
    {
      label: 'PATCH /v1/secrets/{name}',
      run: (worker, n) => call('PATCH', `/v1/secrets/patch-${worker}`, key, { set: { V: `${value}${n}` } }),
    },
  ];
}

/** The DynamoDB requests of one call of `run` on a warm instance (its key in the key cache). */
async function requestsOf(run: () => Promise<unknown>) {
  await run();
  const during = async () => {
    proxy.reset();
    await run();
    return proxy.requests();
  };
  let requests = await during();
  // The key's cache entry may have run out between the two calls (it lives 10 s from when the key was
  // read): the read just made renewed it, so the next call is a warm one.
  if (describeTableRequests(requests).some((line) => line.includes('api-key'))) requests = await during();
  return { table: describeTableRequests(requests), vault: vaultCallsOf(requests) };
}

interface Load {
  concurrency: number;
  calls: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/** `run` from `concurrency` loops for runMs; latency percentiles (ms) and throughput. */
async function underLoad(concurrency: number, run: (worker: number, n: number) => Promise<unknown>) {
  const times: number[] = [];
  const start = performance.now();
  const end = start + runMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      let n = 0;
      while (performance.now() < end) {
        const t = performance.now();
        await run(worker, n++);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    concurrency,
    calls: times.length,
    perSecond: times.length / seconds,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    p99: percentile(times, 0.99),
  } satisfies Load;
}

async function loads(name: string, run: (worker: number, n: number) => Promise<unknown>) {
  const result: Load[] = [];
  for (const concurrency of concurrencies) {
    log(`${name} at c=${concurrency}`);
    await run(0, -1);
    result.push(await underLoad(concurrency, run));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// A rare tag at 100 and at 10,000 secrets

/** Tenants of the two sizes; each has `rareCount` secrets tagged `rare=yes`, every secret `env=dev`. */
const tagTenantSizes = [100, 10_000] as const;
const rareCount = 5;
const rareTagPath = '/v1/secrets?tag=rare%3Dyes';

interface TagListFigures {
  secrets: number;
  /** A read key of the tenant. */
  key: string;
  /** The tenant's first tag list: it indexes the secrets written before the index (here, all). */
  firstListMs: number;
  counts: { table: string[]; vault: number };
  loads: Load[];
  /** Read capacity of one rare-tag list the way it is answered now (index query + metadata batch). */
  indexRcu: number;
  /** Read capacity of the same list answered the old way: the tenant's partition, filtered. */
  partitionRcu: number;
}

/**
 * Metadata items as the secret store writes them, put straight into the table with BatchWriteItem (an
 * API create per secret would take minutes at 10,000); with no tag index entries, as a version before the
 * index left them.
 */
async function seedTenant(raw: ReturnType<typeof createDocumentClient>, tenant: string, count: number) {
  const at = new Date().toISOString();
  const every = Math.floor(count / rareCount);
  const items = Array.from({ length: count }, (_, i) => {
    const name = `s-${String(i).padStart(5, '0')}`;
    return {
      ...secretKey(tenant, name),
      tenant,
      name,
      type: 'env',
      connection: 'local',
      vaultRef: `secretm/local/${tenant}/${name}`,
      version: 1,
      keys: ['V'],
      tags: i % every === every - 1 ? { env: 'dev', rare: 'yes' } : { env: 'dev' },
      size: valueBytes,
      createdAt: at,
      createdBy: 'bench',
      updatedAt: at,
      updatedBy: 'bench',
    };
  });
  const batches: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const next = () => batches.shift();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let batch = next(); batch; batch = next()) {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const result = await raw.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
          pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
        }
      }
    }),
  );
}

/** Total read capacity of every page of a query. */
async function queryRcu(raw: ReturnType<typeof createDocumentClient>, input: Record<string, unknown>) {
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await raw.send(
      new QueryCommand({
        TableName: tableName,
        ...input,
        ReturnConsumedCapacity: 'TOTAL',
        ExclusiveStartKey: startKey,
      } as ConstructorParameters<typeof QueryCommand>[0]),
    );
    total += page.ConsumedCapacity?.CapacityUnits ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return total;
}

/**
 * The timed half of the rare-tag lists, on the local mode that reaches DynamoDB Local directly: each
 * tenant seeded, its first list (which indexes it) timed once, then its lists at c = 1, and the read
 * capacity each way. Their request counts come after, through the proxy (`tagListCounts`).
 */
async function tagListTimings(
  raw: ReturnType<typeof createDocumentClient>,
): Promise<Omit<TagListFigures, 'counts'>[]> {
  const figures: Omit<TagListFigures, 'counts'>[] = [];
  for (const size of tagTenantSizes) {
    const tenant = `tags-${size}`;
    log(`rare-tag list: seeding ${size} secrets`);
    await seedTenant(raw, tenant, size);
    const key = await apiKey({ name: 'bench-tags', scopes: ['read'], tenant });
    await call('GET', '/v1/secrets?limit=1', key);
    const t = performance.now();
    await call('GET', rareTagPath, key);
    const firstListMs = performance.now() - t;
    const run = () => call('GET', rareTagPath, key);
    log(`rare-tag list at ${size} secrets, c=1`);
    await run();
    const loads = [await underLoad(1, run)];
    // The capacity each way reads, asked of DynamoDB Local for the same answer (eventually consistent,
    // as the list reads): the index query plus the metadata of its matches (0.5 RCU per item up to 4 KB,
    // as a BatchGetItem charges), against the filtered query of the whole partition.
    const indexQuery = await queryRcu(raw, {
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'tagValue = :v',
      ExpressionAttributeValues: { ':pk': tagIndexPk(tenant, 'rare'), ':v': 'yes' },
    });
    const partitionRcu = await queryRcu(raw, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      FilterExpression: 'tags.#rare = :v AND attribute_not_exists(deletedAt)',
      ExpressionAttributeNames: { '#rare': 'rare' },
      ExpressionAttributeValues: { ':pk': tenantPk(tenant), ':s': 'S#', ':v': 'yes' },
    });
    figures.push({
      secrets: size,
      key,
      firstListMs,
      loads,
      indexRcu: indexQuery + rareCount * 0.5,
      partitionRcu,
    });
  }
  return figures;
}

/** The request counts of each tenant's (already indexed) rare-tag list, on the local mode behind the proxy. */
async function tagListCounts(timings: Omit<TagListFigures, 'counts'>[]): Promise<TagListFigures[]> {
  const figures: TagListFigures[] = [];
  for (const item of timings) {
    figures.push({ ...item, counts: await requestsOf(() => call('GET', rareTagPath, item.key)) });
  }
  return figures;
}

// ---------------------------------------------------------------------------------------------------
// The run

async function measure() {
  // Counted: local mode's DynamoDB requests go through the counting proxy.
  log('local mode (its own process) on DynamoDB Local through the counting proxy: request counts');
  await switchLocal(proxy.endpoint);
  const key = await apiKey();
  await call('POST', '/v1/secrets', key, { name: 'bench', type: 'env', data: { V: value } });
  for (let i = 0; i < listSize - 1; i++) {
    await call('POST', '/v1/secrets', key, { name: `list-${i}`, type: 'env', data: { V: value } });
  }
  for (let worker = 0; worker < 50; worker++) {
    await call('POST', '/v1/secrets', key, { name: `patch-${worker}`, type: 'env', data: { V: value } });
  }
  const routes = routeBenches(key);
  const counts = [];
  for (const route of routes)
    counts.push({ label: route.label, ...(await requestsOf(() => route.run(0, 0))) });

  // Timed: local mode restarted on DynamoDB Local directly, as is the raw GetItem; no proxy in the path.
  log('local mode (its own process) on DynamoDB Local directly: timings');
  await switchLocal(dynamodb.endpoint);
  const raw = createDocumentClient({
    region: 'us-east-1',
    endpoint: dynamodb.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const rawGet = () =>
    raw.send(new GetCommand({ TableName: tableName, Key: { pk: 'T#bench', sk: 'S#none' } }));
  await fetch(`${bao.address}/v1/secret/data/bench`, {
    method: 'POST',
    headers: { 'x-vault-token': bao.rootToken, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { V: value } }),
  });
  const baoRead = async () => {
    const response = await fetch(`${bao.address}/v1/secret/data/bench`, {
      headers: { 'x-vault-token': bao.rootToken },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`OpenBao answered ${response.status}`);
  };

  // DynamoDB Local's JVM compiles its hot code over its first tens of seconds of load, and meanwhile
  // spends several times the CPU per request (docs/performance.md, "Throughput"): warmed first, so the
  // timed runs measure its steady state, not its start (OpenBao, in Go, has none).
  log(`warming DynamoDB Local for ${jvmWarmMs / 1000} s`);
  const warmEnd = performance.now() + jvmWarmMs;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (performance.now() < warmEnd) await routes[0]!.run(0, 0);
    }),
  );
  const timed: { label: string; loads: Load[] }[] = [];
  timed.push({
    label: 'raw GetItem (same DynamoDB Local, SDK)',
    loads: await loads('raw GetItem', rawGet),
  });
  timed.push({ label: `OpenBao KV v2 read (${valueBytes} B)`, loads: await loads('OpenBao', baoRead) });
  for (const route of routes) timed.push({ label: route.label, loads: await loads(route.label, route.run) });
  const tagTimings = await tagListTimings(raw);
  raw.destroy();
  // The tag lists' counts, through the proxy again (each tenant indexed by its timed first list).
  log('local mode (its own process) on DynamoDB Local through the counting proxy: tag-list counts');
  await switchLocal(proxy.endpoint);
  const tags = await tagListCounts(tagTimings);
  await local?.stop();
  local = undefined;
  const built = await measureBundles({ coldRuns, log });
  return { counts, timed, built, tags };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

function report(data: Awaited<ReturnType<typeof measure>>, seconds: number): string {
  const lines: string[] = [];
  const row = (...cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  const at = (name: string, c: number) =>
    data.timed.find((item) => item.label.startsWith(name))!.loads.find((l) => l.concurrency === c)!;
  const valueRoute = 'GET /v1/secrets/{name}/value';
  const valueCount = data.counts.find((item) => item.label === valueRoute)!;
  lines.push(
    `## API hot path — ${label === 'before' ? 'BEFORE' : 'AFTER'} (issue 13)`,
    '',
    `Command: \`${command}\` (runs \`node bench/api.ts\`, which rewrites this section).`,
    '',
    `Run: ${new Date().toISOString()}, ${seconds.toFixed(0)} s; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}; local mode in its own process, as \`npm start\` runs it, on DynamoDB Local (in memory), its requests sent from the bench process; request counts with local mode's DynamoDB endpoint set to a counting proxy (in the bench process), timings with local mode restarted on DynamoDB Local directly (no proxy in the path, nor in the raw GetItem's), after ${jvmWarmMs / 1000} s of value reads warmed DynamoDB Local; OpenBao dev server (its own process); ${runMs / 1000} s per route and concurrency. Load average ${loadAtStart.toFixed(1)} at the start, ${loadMax.toFixed(1)} at most: other work shared this machine's ${cpus().length} cores, so timings are noisy; the request counts are exact.`,
    '',
    '### Goals',
    '',
    '| figure | measured | goal |',
    '|---|---|---|',
  );
  row(
    `DynamoDB requests for one \`${valueRoute}\` (warm instance)`,
    valueCount.table.length,
    valueCount.table.length <= 3 ? '≤ 3: met' : '≤ 3: **missed**',
  );
  for (const goal of bundleGoals(data.built)) row(...goal);
  const vsRaw = at(valueRoute, 1).p50 / at('raw GetItem', 1).p50;
  row(
    'value read p50 vs raw GetItem p50, c = 1',
    `${vsRaw.toFixed(0)}×`,
    vsRaw <= 10 ? '≤ 10×: met' : '≤ 10×: **missed**',
  );
  for (const c of concurrencies) {
    const share = at(valueRoute, c).perSecond / at('OpenBao', c).perSecond;
    row(
      `value-read throughput vs OpenBao KV v2, c = ${c}`,
      `1/${(1 / share).toFixed(0)} (${at(valueRoute, c).perSecond.toFixed(0)} vs ${at('OpenBao', c).perSecond.toFixed(0)} /s)`,
      c === 10 ? (share >= 0.2 ? '≥ 1/5: met' : '≥ 1/5: **missed**') : '—',
    );
  }
  const [smallTags, largeTags] = data.tags as [TagListFigures, TagListFigures];
  const tagRatio = largeTags.loads[0]!.p50 / smallTags.loads[0]!.p50;
  row(
    `rare-tag list p50, ${largeTags.secrets} vs ${smallTags.secrets} secrets in the tenant, c = 1`,
    `${ms(largeTags.loads[0]!.p50)} vs ${ms(smallTags.loads[0]!.p50)} ms (${tagRatio.toFixed(2)}×); read capacity ${largeTags.indexRcu} vs ${smallTags.indexRcu} RCU`,
    tagRatio <= 2 ? '≤ 2×: met' : '≤ 2×: **missed**',
  );
  const creates = at('POST /v1/secrets', 50).perSecond / at('POST /v1/secrets', 1).perSecond;
  row(
    'create throughput at c = 50 vs c = 1',
    `${creates.toFixed(2)}× (p50 at c = 50: ${ms(at('POST /v1/secrets', 50).p50)} ms)`,
    creates >= 1 ? '≥ 1×: met' : '≥ 1×: **missed**',
  );
  lines.push(
    '',
    '### Requests per route (warm instance, one request)',
    '',
    'Each DynamoDB request named by the item kind its key names (test/store/table-requests.ts); vault calls as the route’s usage counters record them (local vault: a file read or write).',
    '',
    '| route | DynamoDB requests | which | vault calls |',
    '|---|---|---|---|',
  );
  for (const item of data.counts)
    row(`\`${item.label}\``, item.table.length, item.table.join(', '), item.vault);
  lines.push(
    '',
    `### A rare tag (${rareCount} matches) at 100 and at 10,000 secrets`,
    '',
    `\`GET ${rareTagPath}\` in a tenant of each size (every secret tagged \`env=dev\`, ${rareCount} also \`rare=yes\`), seeded with BatchWriteItem as metadata without tag index entries, so the tenant's first tag list indexes them. Read capacity as DynamoDB Local reports it for the index query, plus 0.5 RCU per match for the metadata batch; "whole partition" is the filtered query of every secret that answered tag lists before the index.`,
    '',
    '| secrets | first list (indexes the tenant), ms | DynamoDB requests | p50 | p95 | RCU, index + batch | RCU, whole partition |',
    '|---|---|---|---|---|---|---|',
  );
  for (const item of data.tags) {
    row(
      item.secrets,
      ms(item.firstListMs),
      item.counts.table.join(', '),
      ms(item.loads[0]!.p50),
      ms(item.loads[0]!.p95),
      item.indexRcu,
      item.partitionRcu,
    );
  }
  lines.push(
    '',
    '### Latency (ms) and throughput per route',
    '',
    '| route | c | requests | per second | p50 | p95 | p99 |',
    '|---|---|---|---|---|---|---|',
  );
  for (const item of data.timed) {
    for (const load of item.loads) {
      row(
        item.label,
        load.concurrency,
        load.calls,
        load.perSecond.toFixed(0),
        ms(load.p50),
        ms(load.p95),
        ms(load.p99),
      );
    }
  }
  lines.push('', '### Function bundles and cold import', '', ...bundleTable(data.built, coldRuns));
  return lines.join('\n');
}

try {
  const data = await measure();
  const text = report(data, (Date.now() - began) / 1000);
  process.stdout.write(`${text}\n`);
  if (!quick) await writeOwnedSection(section, text);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await local?.stop();
  await proxy.close();
  await Promise.allSettled([dynamodb.stop(), bao.stop(), rm(dataDir, { recursive: true, force: true })]);
  process.exit();
}
