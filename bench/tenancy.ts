/**
 * What per-tenant credentials cost a request of secretm's API in an AWS deployment, measured side by
 * side in one run through the real Lambda handler with API Gateway v2 events (JWT claims of the tenant):
 *
 * - with tenant sessions: the AWS configuration, each tenant's requests on credentials the function
 *   assumes with STS AssumeRole and the tenant's session policy (shared/tenancy/tenant-sessions.ts);
 * - without: the same graph and configuration on the function's own credentials
 *   (`DependencyOverrides.tenantAccess`: `localTenantAccess(client)`, the Secrets Manager calls signed
 *   with the function's keys). Both carry the table guard; its own cost is measured apart.
 *
 * For `GET /v1/secrets/{name}/value` of a secret on the built-in `aws` connection and `GET /v1/secrets`:
 * cold (a tenant's first request on an instance that has never seen it: graph built, session assumed,
 * clients made), warm (later requests of known tenants), the AWS requests each makes, STS calls per
 * tenant, and the table guard's check per command against an unguarded client.
 *
 * Servers: moto (STS and Secrets Manager) and DynamoDB Local, started here on loopback
 * (test/servers/moto.ts, local/dynamodb-local.ts); each variant talks to them through recording proxies
 * of its own (test/tenancy/recording-proxy.ts), which count and attribute every AWS request.
 *
 *   npm run bench:tenancy            (rewrites the tenancy section of bench/RESULTS.md; a few minutes)
 *   npm run bench:tenancy -- --quick (few samples, prints the section, writes nothing)
 */
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDependencies } from '../functions/dependencies.ts';
import { type ApiHandler, createApiHandler } from '../functions/http/api-handler.ts';
import { routes } from '../functions/routes.ts';
import { dynamoDbLocalDir, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { ensureTable } from '../local/ensure-table.ts';
import type { Config } from '../shared/config.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { tenantTableRules } from '../shared/tenancy/table-access.ts';
import { checksOf, guardedTableClient } from '../shared/tenancy/table-guard.ts';
import { localTenantAccess, type TenantAccess } from '../shared/tenancy/tenant-access.ts';
import { createTenantSessions } from '../shared/tenancy/tenant-sessions.ts';
import { event } from '../test/functions/http/api-events.ts';
import {
  type CountingProxy,
  countingProxy,
  type LoggedRequest,
} from '../test/layers/secretm/counting-proxy.ts';
import { motoDir, startMoto } from '../test/servers/moto.ts';
import { median, perCall, percentile, type Summary } from './measure.ts';
import { writeOwnedSection } from './results-file.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const command = 'npm run bench:tenancy';
const quick = process.argv.includes('--quick');

const region = 'us-east-1';
const stage = 'bench';
const functionCredentials = { accessKeyId: 'AKIDBENCHFUNCTION', secretAccessKey: 'bench-function-secret' };
/** Fresh tenants per variant and route, each timed on its first request. */
const coldTenants = quick ? 10 : 100;
/** Known tenants per variant, visited in turn by the warm samples. */
const warmTenants = 10;
/** Warm requests per variant and route (after a warm-up). */
const warmSamples = quick ? 60 : 1_500;
const warmUp = quick ? 20 : 100;

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const began = Date.now();
const loadAtStart = loadavg()[0]!;
let loadMax = loadAtStart;
const loadSampler = setInterval(() => {
  loadMax = Math.max(loadMax, loadavg()[0]!);
}, 2_000);
loadSampler.unref();
const log = (message: string) =>
  process.stderr.write(`[bench:tenancy ${((Date.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

type VariantKey = 'sessions' | 'own';
type RouteKey = 'value' | 'list';

interface Variant {
  key: VariantKey;
  label: string;
  handler: ApiHandler;
  /** In front of moto: STS and Secrets Manager. */
  aws: CountingProxy;
  /** In front of DynamoDB Local. */
  dynamodb: CountingProxy;
}

const variantLabels: Record<VariantKey, string> = {
  sessions: 'with tenant sessions (STS)',
  own: 'without (function’s own credentials)',
};
const routeLabels: Record<RouteKey, string> = {
  value: '`GET /v1/secrets/{name}/value`',
  list: '`GET /v1/secrets`',
};
const secretName = 'db';
const secretData = { PASSWORD: 'bench-value', USER: 'app' };

const moto = await startMoto();
const dynamodbLocal = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
const motoEndpoint = moto.provided.motoEndpoint!;
const tableName = 'secretm-bench-tenancy';
const proxies: CountingProxy[] = [];

const tenantAccessConfig = {
  roleArn: 'arn:aws:iam::123456789012:role/secretm-tenant-access',
  tableArn: `arn:aws:dynamodb:${region}:123456789012:table/${tableName}`,
};

function configFor(endpoints: { aws: string; dynamodb: string }): Config {
  return {
    mode: 'aws',
    stage,
    tableName,
    region,
    dynamodbEndpoint: endpoints.dynamodb,
    awsEndpoint: endpoints.aws,
    defaultConnection: 'aws',
    auditRetentionDays: 30,
    jwtTenantClaim: 'tenant',
    tenantAccess: tenantAccessConfig,
  };
}

/** The deployment's table client, on the function's own credentials. */
function functionClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient({ region, endpoint, credentials: functionCredentials });
}

/**
 * The baseline: tenants reach the table through the deployment's client (guarded, as in every mode) and
 * Secrets Manager with the function's own keys: no STS, no per-tenant clients for the table.
 */
function ownCredentialsAccess(client: DynamoDBDocumentClient): TenantAccess {
  const local = localTenantAccess(client);
  const own = async () => functionCredentials;
  return { table: local.table, awsCredentials: () => own };
}

async function variant(key: VariantKey): Promise<Variant> {
  const aws = await countingProxy(motoEndpoint);
  const dynamodb = await countingProxy(dynamodbLocal.endpoint);
  proxies.push(aws, dynamodb);
  const client = functionClient(dynamodb.endpoint);
  const deps = createDependencies(configFor({ aws: aws.endpoint, dynamodb: dynamodb.endpoint }), {
    client,
    awsCredentials: functionCredentials,
    ...(key === 'own' ? { tenantAccess: ownCredentialsAccess(client) } : {}),
  });
  await deps.ready();
  return {
    key,
    label: variantLabels[key],
    handler: createApiHandler(routes, async () => deps),
    aws,
    dynamodb,
  };
}

const tenantOf = (variant: VariantKey, phase: string, i: number) => `${variant}-${phase}-${i}`;

function request(route: RouteKey, tenant: string, scopes = ['read', 'reveal']) {
  return route === 'value'
    ? event('GET /v1/secrets/{name}/value', {
        path: `/v1/secrets/${secretName}/value`,
        pathParameters: { name: secretName },
        claims: { sub: `user@${tenant}`, tenant },
        scopes,
      })
    : event('GET /v1/secrets', { path: '/v1/secrets', claims: { sub: `user@${tenant}`, tenant }, scopes });
}

/** One request through the handler, timed in ns; anything but the expected answer stops the bench. */
async function timed(target: Variant, route: RouteKey, tenant: string): Promise<number> {
  const input = request(route, tenant);
  const start = process.hrtime.bigint();
  const answer = await target.handler(input);
  const elapsed = Number(process.hrtime.bigint() - start);
  const body = JSON.parse(answer.body ?? '{}') as { data?: unknown; items?: { name: string }[] };
  const expected =
    route === 'value'
      ? JSON.stringify(body.data) === JSON.stringify(secretData)
      : body.items?.length === 1 && body.items[0]?.name === secretName;
  if (answer.statusCode !== 200 || !expected) {
    throw new Error(`${target.label}, ${route} for ${tenant}: ${answer.statusCode} ${answer.body}`);
  }
  return elapsed;
}

// ---------------------------------------------------------------------------------------------------
// Set-up: the table, and one secret on the built-in `aws` connection for every tenant the bench uses

const setupClient = new DynamoDBClient({
  region,
  endpoint: dynamodbLocal.endpoint,
  credentials: functionCredentials,
});
await ensureTable(setupClient, tableName);
/** Commands the set-up instance's tenant table clients send while capturing (the guard's bench). */
const captured: { input: Record<string, unknown> }[] = [];
let capturing = false;
const setupTable = functionClient(dynamodbLocal.endpoint);
const capturingTable = new Proxy(setupTable, {
  get: (target, property, receiver) =>
    property === 'send'
      ? (command: { input: Record<string, unknown> }, ...rest: unknown[]) => {
          if (capturing) captured.push(command);
          return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
        }
      : Reflect.get(target, property, receiver),
});
const setupDeps = createDependencies(configFor({ aws: motoEndpoint, dynamodb: dynamodbLocal.endpoint }), {
  client: setupTable,
  awsCredentials: functionCredentials,
  tenantAccess: ownCredentialsAccess(capturingTable),
});
const setup = createApiHandler(routes, async () => setupDeps);

async function createSecret(tenant: string): Promise<void> {
  const answer = await setup(
    event('POST /v1/secrets', {
      path: '/v1/secrets',
      claims: { sub: `user@${tenant}`, tenant },
      scopes: ['write'],
      body: { name: secretName, type: 'env', data: secretData },
    }),
  );
  if (answer.statusCode !== 201) throw new Error(`set-up for ${tenant}: ${answer.statusCode} ${answer.body}`);
}

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const variantKeys: VariantKey[] = ['sessions', 'own'];
const routeKeys: RouteKey[] = ['value', 'list'];
const tenantsToCreate = [
  'guard',
  ...variantKeys.flatMap((key) => [
    ...Array.from({ length: warmTenants }, (_, i) => tenantOf(key, 'warm', i)),
    ...routeKeys.flatMap((route) =>
      Array.from({ length: coldTenants }, (_, i) => tenantOf(key, `${route}-cold`, i)),
    ),
  ]),
];

// ---------------------------------------------------------------------------------------------------
// Counting AWS requests

interface Counts {
  sts: number;
  secretsManager: number;
  dynamodb: number;
  /** Secrets Manager and DynamoDB requests signed with the function's own access key id. */
  signedByFunction: number;
}

function countsOf(target: Variant): Counts {
  const sts = target.aws.requests().filter((request) => request.operation === 'AssumeRole');
  const secretsManager = target.aws.requests().filter((request) => request.operation !== 'AssumeRole');
  const data = [...secretsManager, ...target.dynamodb.requests()];
  return {
    sts: sts.length,
    secretsManager: secretsManager.length,
    dynamodb: target.dynamodb.requests().length,
    signedByFunction: data.filter(
      (request: LoggedRequest) => request.accessKeyId === functionCredentials.accessKeyId,
    ).length,
  };
}

/** AssumeRole calls per variant over the whole run (added up as the proxies' records are cleared). */
const stsTotals: Record<VariantKey, number> = { sessions: 0, own: 0 };

function resetCounts(variants: Variant[]): void {
  for (const target of variants) {
    stsTotals[target.key] += countsOf(target).sts;
    target.aws.reset();
    target.dynamodb.reset();
  }
}

/** The variants take turns, in alternating order, so that drift hits them alike. */
const inTurn = <T>(items: T[], i: number) => (i % 2 === 0 ? items : [...items].reverse());

interface PhaseResult {
  times: Record<VariantKey, number[]>;
  counts: Record<VariantKey, Counts>;
  requests: number;
}

async function phase(
  variants: Variant[],
  requests: number,
  next: (target: Variant, i: number) => Promise<number>,
): Promise<PhaseResult> {
  resetCounts(variants);
  const times: Record<VariantKey, number[]> = { sessions: [], own: [] };
  for (let i = 0; i < requests; i++) {
    for (const target of inTurn(variants, i)) times[target.key].push(await next(target, i));
  }
  const counts = Object.fromEntries(variants.map((target) => [target.key, countsOf(target)])) as Record<
    VariantKey,
    Counts
  >;
  for (const target of variants) {
    const { signedByFunction } = counts[target.key];
    const data = counts[target.key].secretsManager + counts[target.key].dynamodb;
    // What each variant claims: every tenant call on a tenant session, or every one on the function's keys.
    if (target.key === 'sessions' ? signedByFunction !== 0 : signedByFunction !== data) {
      throw new Error(`${target.label}: ${signedByFunction} of ${data} calls were signed by the function`);
    }
  }
  return { times, counts, requests };
}

async function cold(variants: Variant[], route: RouteKey): Promise<PhaseResult> {
  log(`cold: ${route}, ${coldTenants} fresh tenants per variant`);
  return phase(variants, coldTenants, (target, i) =>
    timed(target, route, tenantOf(target.key, `${route}-cold`, i)),
  );
}

async function warm(variants: Variant[], route: RouteKey): Promise<PhaseResult> {
  log(`warm: ${route}, ${warmSamples} requests per variant over ${warmTenants} known tenants`);
  for (let i = 0; i < warmUp; i++) {
    for (const target of variants) await timed(target, route, tenantOf(target.key, 'warm', i % warmTenants));
  }
  return phase(variants, warmSamples, (target, i) =>
    timed(target, route, tenantOf(target.key, 'warm', i % warmTenants)),
  );
}

/**
 * A fresh tenant's session on its own, as the request path gets it (tenant-sessions.ts): the session
 * policy, a new STS client, one AssumeRole on moto through a proxy like the variants' own. In ns.
 */
async function sessionAlone(): Promise<number[]> {
  log(`a tenant's session alone: ${coldTenants} fresh tenants`);
  const proxy = await countingProxy(motoEndpoint);
  proxies.push(proxy);
  const sessions = createTenantSessions({
    roleArn: tenantAccessConfig.roleArn,
    region,
    endpoint: proxy.endpoint,
    credentials: functionCredentials,
    scope: { tableArn: tenantAccessConfig.tableArn, stage },
  });
  const times: number[] = [];
  for (let i = 0; i < coldTenants; i++) {
    const start = process.hrtime.bigint();
    await sessions.credentials(`session-alone-${i}`)();
    times.push(Number(process.hrtime.bigint() - start));
  }
  if (proxy.requests().filter((request) => request.operation === 'AssumeRole').length !== coldTenants) {
    throw new Error('a session alone: expected one AssumeRole per tenant');
  }
  return times;
}

// ---------------------------------------------------------------------------------------------------
// The table guard alone

interface GuardRow {
  label: string;
  requests: RouteKey[];
  unguarded: Summary;
  guarded: Summary;
}

/** What one command is, for a reader: the command, the action the guard checks and the key's shape. */
function commandLabel(command: { input: Record<string, unknown> }): string {
  const checks = checksOf(command);
  const keys = checks.flatMap((check) => check.leadingKeys).map((key) => key.replace(/^T#guard/, 'T#‹t›'));
  return `${command.constructor.name} (${[...new Set(keys)].join(', ') || 'no key'})`;
}

async function guardAlone(commands: Record<RouteKey, { input: Record<string, unknown> }[]>) {
  log('the table guard alone');
  // An unguarded client that answers at once: what is left is the guard's own work per command.
  const answered = Promise.resolve({});
  const unguarded = { send: () => answered } as unknown as DynamoDBDocumentClient;
  const guarded = guardedTableClient(unguarded, tenantTableRules('guard'));
  const distinct = new Map<string, { command: { input: Record<string, unknown> }; requests: RouteKey[] }>();
  for (const route of routeKeys) {
    for (const sent of commands[route]) {
      const label = commandLabel(sent);
      const found = distinct.get(label);
      if (found) found.requests.push(route);
      else distinct.set(label, { command: sent, requests: [route] });
    }
  }
  const send = (client: DynamoDBDocumentClient, sent: { input: Record<string, unknown> }) =>
    (client.send as (command: unknown) => Promise<unknown>)(sent);
  const results = await perCall(
    [...distinct].flatMap(([label, { command: sent }]) => [
      { name: `unguarded ${label}`, run: () => send(unguarded, sent) },
      { name: `guarded ${label}`, run: () => send(guarded, sent) },
    ]),
    quick ? { batch: 200, samples: 30, warmup: 2_000 } : { batch: 1_000, samples: 200, warmup: 20_000 },
  );
  const rows: GuardRow[] = [...distinct].map(([label, { requests }]) => ({
    label,
    requests,
    unguarded: results[`unguarded ${label}`]!,
    guarded: results[`guarded ${label}`]!,
  }));
  return { rows, commands };
}

// ---------------------------------------------------------------------------------------------------
// Report

const ms = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`;
const nsText = (ns: number) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const perRequest = (count: number, requests: number) =>
  Number.isInteger(count / requests) ? String(count / requests) : (count / requests).toFixed(2);

const bootstrapRounds = 2_000;

/** The 2.5th and 97.5th percentiles of median(a) − median(b) over resamples with replacement. */
function bootstrapInterval([a, b]: [number[], number[]]): [number, number] {
  const resample = (values: number[]) =>
    median(Array.from(values, () => values[Math.floor(Math.random() * values.length)]!));
  const differences = Array.from({ length: bootstrapRounds }, () => resample(a) - resample(b));
  return [percentile(differences, 0.025), percentile(differences, 0.975)];
}

async function versions(): Promise<string> {
  const versionOf = async (name: string) =>
    (
      JSON.parse(await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  const names = [
    '@aws-sdk/client-sts',
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/lib-dynamodb',
    '@aws-sdk/client-secrets-manager',
  ];
  const found = await Promise.all(names.map(async (name) => `${name} ${await versionOf(name)}`));
  return found.join(', ');
}

function report(data: {
  cold: Record<RouteKey, PhaseResult>;
  warm: Record<RouteKey, PhaseResult>;
  session: number[];
  guard: Awaited<ReturnType<typeof guardAlone>>;
  stsPerTenant: Record<VariantKey, { calls: number; tenants: number }>;
  packages: string;
  seconds: number;
  loadAtEnd: number;
}): string {
  const lines: string[] = [];
  const row = (...cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  const motoVersion = basename(motoDir()).replace(/^moto-/, '');
  const dynamodbVersion = basename(dynamoDbLocalDir()).replace(/^dynamodb-local-/, '');
  const loadNote =
    loadMax >= cpus().length
      ? `other work shared the machine: the 1-minute load reached ${loadMax.toFixed(1)} on ${cpus().length} cores`
      : `highest 1-minute load during the run ${loadMax.toFixed(1)} on ${cpus().length} cores`;
  lines.push(
    '## Tenant sessions — what scoped credentials cost a request',
    '',
    `Command: \`${command}\` (runs \`node bench/tenancy.ts\`; it rewrites only this section, between the tenancy markers, and \`npm run bench\` keeps it).`,
    '',
    `Run: ${new Date().toISOString()}, ${data.seconds.toFixed(0)} s; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}; moto ${motoVersion} (server mode, on loopback: STS and Secrets Manager), DynamoDB Local ${dynamodbVersion} (in memory, on loopback); load average ${loadAtStart.toFixed(1)} at the start, ${data.loadAtEnd.toFixed(1)} at the end (${loadNote}).`,
    `Packages: ${data.packages}.`,
    '',
    `Every figure below comes from this one run. Both variants are the same dependency graph (\`createDependencies\`, configuration with \`tenantAccess\`) behind the real Lambda handler, fed API Gateway v2 events with JWT claims of the tenant (scopes read and reveal), one request at a time as a Lambda sandbox serves them, taking turns in alternating order. Each variant talks to moto and DynamoDB Local through recording proxies of its own, which count every AWS request and check who signed it: with tenant sessions, no Secrets Manager or DynamoDB call was signed with the function’s key; without, every one was. The request reads one secret on the built-in \`aws\` connection (an env secret of two keys); the list answers that one secret.`,
    '',
    '- **with tenant sessions**: the AWS configuration. A tenant’s first request assumes the tenant-access role with STS AssumeRole and the tenant’s session policy, and makes that tenant’s DynamoDB and Secrets Manager clients on the session; the credentials are kept in the instance until five minutes before they expire.',
    '- **without**: `DependencyOverrides.tenantAccess` = `localTenantAccess(client)` on the function’s own table client and keys (for benchmarks and tests only): no STS, one table client for every tenant.',
    '- **cold**: the first request of a tenant this instance has never seen (its graph built, its session assumed, its clients made), one fresh tenant per sample. Both variants build the tenant’s graph and its Secrets Manager client on that request; with sessions it also assumes the session and makes the tenant’s own DynamoDB client. The instance itself is warm: this is not a Lambda cold start (no process start, no module load).',
    '- **warm**: later requests of known tenants (10 per variant, in turn), after a warm-up.',
    '',
    `**STS here is moto on loopback, not AWS’s STS.** moto answers AssumeRole in a few milliseconds of Python, over a plain-HTTP connection to 127.0.0.1; AWS’s regional STS endpoint is a network round trip over TLS, and its AssumeRole typically takes tens of milliseconds (not measured here: no AWS account is reached) (more on a new TLS connection, which each tenant’s first STS call here also opens). So the cold difference below stands for: one STS round trip + building the session policy + making the tenant’s clients, with moto’s round trip in place of AWS’s. In AWS, read it as the moto figure minus moto’s AssumeRole plus AWS’s; likewise, each tenant’s first DynamoDB call on its own client opens a new connection, which on loopback is cheap and in AWS is a TLS handshake. The warm figures involve no STS call at all.`,
    '',
    '### Per request, through the Lambda handler',
    '',
    `Cold: ${coldTenants} fresh tenants per variant and request (median and p95; a p99 of ${coldTenants} samples would be one sample). Warm: ${warmSamples} requests per variant and request.`,
    '',
    '| request | phase | variant | samples | median | p95 | p99 |',
    '|---|---|---|---|---|---|---|',
  );
  const pick = (values: number[], share: number) => percentile(values, share);
  for (const route of routeKeys) {
    for (const [name, result] of [
      ['cold', data.cold[route]],
      ['warm', data.warm[route]],
    ] as const) {
      for (const key of variantKeys) {
        const values = result.times[key];
        row(
          routeLabels[route],
          name,
          variantLabels[key],
          values.length,
          ms(pick(values, 0.5)),
          ms(pick(values, 0.95)),
          name === 'cold' ? '—' : ms(pick(values, 0.99)),
        );
      }
    }
  }
  lines.push(
    '',
    '### What tenant sessions add (with − without)',
    '',
    '| request | phase | median | 95% interval of the median’s difference | p95 | p99 |',
    '|---|---|---|---|---|---|',
  );
  const signed = (difference: number) => `${difference >= 0 ? '+' : '−'}${ms(Math.abs(difference))}`;
  const delta = (values: [number[], number[]], share: number) =>
    signed(pick(values[0], share) - pick(values[1], share));
  for (const route of routeKeys) {
    for (const [name, result] of [
      ['cold', data.cold[route]],
      ['warm', data.warm[route]],
    ] as const) {
      const values: [number[], number[]] = [result.times.sessions, result.times.own];
      row(
        routeLabels[route],
        name,
        delta(values, 0.5),
        bootstrapInterval(values)
          .map((bound) => signed(bound))
          .join(' … '),
        delta(values, 0.95),
        name === 'cold' ? '—' : delta(values, 0.99),
      );
    }
  }
  lines.push(
    '',
    `Differences of percentiles, not percentiles of differences. The interval is a bootstrap of the medians’ difference (${bootstrapRounds} resamples of each variant’s samples): where it spans zero, this run cannot tell the variants apart.`,
    '',
    `The session on its own — what a tenant’s first request adds in STS: the session policy, a new STS client and one AssumeRole, timed for ${data.session.length} fresh tenants through a proxy like the variants’ own (tenant-sessions.ts, outside the handler): median ${ms(pick(data.session, 0.5))}, p95 ${ms(pick(data.session, 0.95))}. This is moto’s figure; in AWS the same call is a TLS round trip to STS, typically tens of milliseconds.`,
    '',
    '### AWS requests per API request',
    '',
    'Counted by the proxies during the timed requests, divided by the number of requests.',
    '',
    '| request | phase | variant | STS | Secrets Manager | DynamoDB |',
    '|---|---|---|---|---|---|',
  );
  for (const route of routeKeys) {
    for (const [name, result] of [
      ['cold', data.cold[route]],
      ['warm', data.warm[route]],
    ] as const) {
      for (const key of variantKeys) {
        const counts = result.counts[key];
        row(
          routeLabels[route],
          name,
          variantLabels[key],
          perRequest(counts.sts, result.requests),
          perRequest(counts.secretsManager, result.requests),
          perRequest(counts.dynamodb, result.requests),
        );
      }
    }
  }
  const sessions = data.stsPerTenant.sessions;
  const own = data.stsPerTenant.own;
  lines.push(
    '',
    `STS calls per tenant over the whole run: with tenant sessions ${sessions.calls} AssumeRole for ${sessions.tenants} tenants (${perRequest(sessions.calls, sessions.tenants)} per tenant); without ${own.calls} for ${own.tenants} tenants. A tenant’s later requests make none until its credentials are within five minutes of expiry (tenant-sessions.ts: sessions of one hour), so a busy tenant costs one AssumeRole per instance per 55 minutes (from the code’s settings; this run is shorter than a session).`,
    '',
    '### The table guard alone',
    '',
    `Every tenant table client, in both variants above, carries the guard (shared/tenancy/table-guard.ts): each command’s partition keys are checked against the tenant’s rules before it is sent. Here it runs over the very command objects one \`GET …/value\` and one \`GET /v1/secrets\` sent (captured from a set-up instance), in front of a client that answers at once, against that client unguarded: ns per awaited \`send\`, ${quick ? 200 : 1_000} calls per sample, ${quick ? 30 : 200} samples per variant, interleaved. ‹t› is the tenant.`,
    '',
    '| command | sent by | unguarded (median) | guarded (median) | guarded (p99) | the guard’s cost (median) |',
    '|---|---|---|---|---|---|',
  );
  for (const item of data.guard.rows) {
    row(
      item.label,
      item.requests.join(', '),
      nsText(item.unguarded.median),
      nsText(item.guarded.median),
      nsText(item.guarded.p99),
      nsText(item.guarded.median - item.unguarded.median),
    );
  }
  const costOf = (route: RouteKey) =>
    data.guard.commands[route].reduce((sum, sent) => {
      const item = data.guard.rows.find((candidate) => candidate.label === commandLabel(sent))!;
      return sum + item.guarded.median - item.unguarded.median;
    }, 0);
  lines.push(
    '',
    `Per request: ${routeKeys
      .map(
        (route) =>
          `${routeLabels[route]} sends ${data.guard.commands[route].length} table commands, ${nsText(costOf(route))} of guard in all`,
      )
      .join(
        '; ',
      )} — against warm requests of ${ms(percentile(data.warm.value.times.own, 0.5))} and ${ms(percentile(data.warm.list.times.own, 0.5))} here.`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

try {
  log(`set-up: ${tenantsToCreate.length} tenants, one secret each`);
  await inPool(tenantsToCreate, 4, createSecret);
  capturing = true;
  const guardCommands = {} as Record<RouteKey, { input: Record<string, unknown> }[]>;
  for (const route of routeKeys) {
    captured.length = 0;
    const answer = await setup(request(route, 'guard'));
    if (answer.statusCode !== 200) throw new Error(`guard capture: ${answer.statusCode} ${answer.body}`);
    guardCommands[route] = [...captured];
  }
  capturing = false;

  const variants = [await variant('sessions'), await variant('own')];
  const packages = await versions();
  // Warm tenants: their first request is not timed.
  for (let i = 0; i < warmTenants; i++) {
    for (const target of variants) await timed(target, 'value', tenantOf(target.key, 'warm', i));
  }
  const coldResults = {} as Record<RouteKey, PhaseResult>;
  const warmResults = {} as Record<RouteKey, PhaseResult>;
  for (const route of routeKeys) coldResults[route] = await cold(variants, route);
  const session = await sessionAlone();
  for (const route of routeKeys) warmResults[route] = await warm(variants, route);
  // Every AssumeRole of the run, the untimed requests' included.
  resetCounts(variants);
  const guard = await guardAlone(guardCommands);
  const tenantsServed = warmTenants + coldTenants * routeKeys.length;
  const text = report({
    cold: coldResults,
    warm: warmResults,
    session,
    guard,
    stsPerTenant: {
      sessions: { calls: stsTotals.sessions, tenants: tenantsServed },
      own: { calls: stsTotals.own, tenants: tenantsServed },
    },
    packages,
    seconds: (Date.now() - began) / 1000,
    loadAtEnd: loadavg()[0]!,
  });
  if (!quick) await writeOwnedSection('tenancy', text);
  process.stdout.write(`${text}\n`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearInterval(loadSampler);
  await Promise.allSettled(proxies.map((proxy) => proxy.close()));
  setupClient.destroy();
  await Promise.allSettled([moto.stop(), dynamodbLocal.stop()]);
  process.exit();
}
