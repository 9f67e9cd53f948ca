/**
 * What access rules and the sealed audit cost a request, measured side by side in one run:
 *
 * - rule evaluation: a whole request through the real Lambda handler (API Gateway v2 events with JWT
 *   claims), by a principal with access rules against one with the same scopes and none, for
 *   `GET /v1/secrets/{name}/value` (one secret checked) and `GET /v1/secrets` (every listed secret
 *   checked); and one check alone (`can`), in ns, with no rules, 5 and 50;
 * - the audit write: the event write every request makes, sealed (its HMAC under the tenant's audit key,
 *   shared/audit/audit-seal.ts) against the same write unsealed, one at a time and from 20 concurrent
 *   writers of one tenant (no item is shared between writers: each event is its own item); the HMAC
 *   alone; and what the digest job, off the request path, takes to digest and chain an hour of events.
 *
 * Servers: DynamoDB Local (in memory, on loopback, started here) and the local vault in a temporary
 * folder; local mode's configuration.
 *
 *   npm run bench:audit            (rewrites the audit section of bench/RESULTS.md; a few minutes)
 *   npm run bench:audit -- --quick (few samples, prints the section, writes nothing)
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDependencies } from '../functions/dependencies.ts';
import { createApiHandler } from '../functions/http/api-handler.ts';
import { routes } from '../functions/routes.ts';
import { dynamoDbLocalDir, startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { ensureTable } from '../local/ensure-table.ts';
import { can } from '../shared/access/authorize.ts';
import { type AccessRule, compileRules } from '../shared/access/rules.ts';
import { createAuditDigestJob } from '../shared/audit/audit-digests.ts';
import { createAuditKeys } from '../shared/audit/audit-keys.ts';
import { eventText, hmacOf } from '../shared/audit/audit-seal.ts';
import type { AuditEvent } from '../shared/audit/audit-types.ts';
import type { Principal } from '../shared/auth/principal.ts';
import type { Config } from '../shared/config.ts';
import { createLocalVault } from '../shared/providers/local.ts';
import { createAuditDigestStore } from '../shared/store/audit-digest-store.ts';
import { createAuditStore } from '../shared/store/audit-store.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { registerTenant } from '../shared/store/tenant-registry.ts';
import { vaultNamespace } from '../shared/tenancy/vault-namespace.ts';
import { event } from '../test/functions/http/api-events.ts';
import { median, perCall, percentile } from './measure.ts';
import { writeOwnedSection } from './results-file.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const command = 'npm run bench:audit';
const quick = process.argv.includes('--quick');

/** Requests per variant and route (after a warm-up), and audit writes per variant. */
const requestSamples = quick ? 60 : 1_000;
const writeSamples = quick ? 60 : 1_000;
const warmUp = quick ? 20 : 100;
const concurrentWriters = 20;
const eventsPerWriter = quick ? 10 : 20;
const concurrentRounds = quick ? 3 : 10;
const digestEvents = quick ? 200 : 2_000;
const listed = 50;

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const began = Date.now();
const loadAtStart = loadavg()[0]!;
let loadMax = loadAtStart;
const loadSampler = setInterval(() => {
  loadMax = Math.max(loadMax, loadavg()[0]!);
}, 2_000);
loadSampler.unref();
const log = (message: string) =>
  process.stderr.write(`[bench:audit ${((Date.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

const region = 'us-east-1';
const tableName = 'secretm-bench-audit';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const dynamodbLocal = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
const vaultDir = await mkdtemp(join(tmpdir(), 'secretm-bench-audit-'));
const client = createDocumentClient({ region, endpoint: dynamodbLocal.endpoint, credentials });
const config: Config = {
  mode: 'local',
  stage: 'local',
  tableName,
  region,
  dynamodbEndpoint: dynamodbLocal.endpoint,
  localVaultDir: vaultDir,
  defaultConnection: 'local',
  auditRetentionDays: 400,
  jwtTenantClaim: 'tenant',
  jwtRulesClaim: 'secretm_rules',
};
const namespace = vaultNamespace(config.stage);

/** The rules of the ruled principal: five, the target allowed by the first and checked against all. */
const rules: AccessRule[] = [
  { actions: ['read', 'reveal'], secrets: ['payments/**'], effect: 'allow' },
  { actions: ['read'], secrets: ['ci/*/build', 'shared/**'], connections: ['**'], effect: 'allow' },
  { actions: ['reveal'], secrets: ['payments/prod/admin/**'], effect: 'deny' },
  { actions: ['write', 'rotate'], secrets: ['payments/dev/*'], effect: 'allow' },
  { actions: ['read', 'reveal'], secrets: ['legacy-*'], connections: ['local'], effect: 'deny' },
];
const tenant = 'bench';
const secretName = 'payments/prod/db';
/** A secret outside the rules: the ruled principal meets it as absent, and its list leaves it out. */
const outsideName = 'outside/db';
const secretData = { PASSWORD: 'bench-value', USER: 'app' };

type RouteKey = 'value' | 'list';
type RulesKey = 'rules' | 'none';
const routeLabels: Record<RouteKey, string> = {
  value: '`GET /v1/secrets/{name}/value`',
  list: `\`GET /v1/secrets\` (${listed + 1} secrets)`,
};
const rulesLabels: Record<RulesKey, string> = {
  rules: `with ${rules.length} access rules`,
  none: 'without rules (scopes only)',
};

function request(route: RouteKey, withRules: boolean, body?: unknown, name = secretName) {
  const claims: Record<string, string> = {
    sub: withRules ? 'ruled' : 'plain',
    tenant,
    ...(withRules ? { secretm_rules: JSON.stringify(rules) } : {}),
  };
  const scopes = ['read', 'reveal', 'write'];
  if (body !== undefined) return event('POST /v1/secrets', { path: '/v1/secrets', claims, scopes, body });
  const encoded = encodeURIComponent(name);
  return route === 'value'
    ? event('GET /v1/secrets/{name}/value', {
        path: `/v1/secrets/${encoded}/value`,
        pathParameters: { name: encoded },
        claims,
        scopes,
      })
    : {
        ...event('GET /v1/secrets', { path: '/v1/secrets', claims, scopes }),
        queryStringParameters: { limit: '100' },
      };
}

const deps = createDependencies(config, { client });
const handler = createApiHandler(routes, async () => deps);

/** One request through the handler, timed in ns; anything but the expected answer stops the bench. */
async function timed(route: RouteKey, withRules: boolean): Promise<number> {
  const input = request(route, withRules);
  const start = process.hrtime.bigint();
  const answer = await handler(input);
  const elapsed = Number(process.hrtime.bigint() - start);
  const body = JSON.parse(answer.body ?? '{}') as { data?: unknown; items?: unknown[] };
  const expected =
    route === 'value'
      ? JSON.stringify(body.data) === JSON.stringify(secretData)
      : body.items?.length === (withRules ? listed : listed + 1);
  if (answer.statusCode !== 200 || !expected) {
    throw new Error(`${route}, ${withRules ? 'ruled' : 'plain'}: ${answer.statusCode} ${answer.body}`);
  }
  return elapsed;
}

/** The variants take turns, in alternating order, so that drift hits them alike. */
async function interleaved(
  samples: number,
  run: (key: RulesKey) => Promise<number>,
): Promise<Record<RulesKey, number[]>> {
  const times: Record<RulesKey, number[]> = { rules: [], none: [] };
  for (let i = 0; i < samples; i++) {
    const order: RulesKey[] = i % 2 === 0 ? ['rules', 'none'] : ['none', 'rules'];
    for (const key of order) times[key].push(await run(key));
  }
  return times;
}

async function requests(): Promise<Record<RouteKey, Record<RulesKey, number[]>>> {
  const result = {} as Record<RouteKey, Record<RulesKey, number[]>>;
  for (const route of ['value', 'list'] as const) {
    log(`requests: ${route}, ${requestSamples} per variant`);
    for (let i = 0; i < warmUp; i++) {
      await timed(route, true);
      await timed(route, false);
    }
    result[route] = await interleaved(requestSamples, (key) => timed(route, key === 'rules'));
  }
  return result;
}

/** One check alone: `can` for a principal with no rules, 5 and 50 (the target decided by the last). */
async function checksAlone() {
  log('one access check alone');
  const principal = (list?: AccessRule[]): Principal => ({
    tenant,
    actor: 'jwt:bench',
    scopes: new Set(['read', 'reveal']),
    operator: false,
    ...(list ? { rules: { list, compiled: compileRules(list) } } : {}),
  });
  const fifty: AccessRule[] = Array.from({ length: 49 }, (_, i) => ({
    actions: ['read', 'reveal'],
    secrets: [`team-${i}/**`, `shared/${i}/*`],
    effect: 'allow' as const,
  }));
  fifty.push({ actions: ['reveal'], secrets: ['payments/**'], effect: 'allow' });
  const variants = {
    none: principal(),
    five: principal(rules),
    fifty: principal(fifty),
  };
  const target = { secret: secretName, connection: 'local' };
  for (const p of Object.values(variants)) {
    if (!can(p, 'reveal', target)) throw new Error('the check should allow the target');
  }
  return perCall(
    Object.entries(variants).map(([name, p]) => ({ name, run: () => can(p, 'reveal', target) })),
    quick ? { batch: 200, samples: 30, warmup: 2_000 } : { batch: 1_000, samples: 100, warmup: 10_000 },
  );
}

// ---------------------------------------------------------------------------------------------------
// The audit write

const sealedKeys = createAuditKeys({
  vault: () => createLocalVault({ dir: vaultDir, namePrefix: namespace.stagePrefix }),
  ref: namespace.auditKeyRef,
  create: {
    register: (forTenant) => registerTenant({ client, tableName }, forTenant),
    clock: { now: () => new Date() },
  },
});
const sealed = createAuditStore({ client, tableName, auditKeys: sealedKeys });
const plain = createAuditStore({ client, tableName });
let written = 0;

function auditEventOf(forTenant: string): AuditEvent {
  written++;
  return {
    tenant: forTenant,
    actor: 'jwt:bench',
    action: 'secret.reveal',
    target: `secret:${secretName}`,
    outcome: 'success',
    requestId: `bench-${written}`,
    sourceIp: '198.51.100.7',
    userAgent: 'bench/1.0',
    at: new Date().toISOString(),
  };
}

async function writeTimed(store: typeof sealed, forTenant: string): Promise<number> {
  const start = process.hrtime.bigint();
  await store.record(auditEventOf(forTenant));
  return Number(process.hrtime.bigint() - start);
}

async function writesOneAtATime() {
  log(`audit writes one at a time: ${writeSamples} per variant`);
  for (let i = 0; i < warmUp; i++) {
    await writeTimed(sealed, 'sealed-writes');
    await writeTimed(plain, 'plain-writes');
  }
  return interleaved(writeSamples, (key) =>
    key === 'rules' ? writeTimed(sealed, 'sealed-writes') : writeTimed(plain, 'plain-writes'),
  );
}

/** Events per second of one tenant's audit from 20 writers at once, per round. */
async function writesConcurrent() {
  log(`audit writes from ${concurrentWriters} writers at once: ${concurrentRounds} rounds per variant`);
  const round = async (store: typeof sealed, forTenant: string) => {
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrentWriters }, async () => {
        for (let i = 0; i < eventsPerWriter; i++) await store.record(auditEventOf(forTenant));
      }),
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return (concurrentWriters * eventsPerWriter) / seconds;
  };
  return interleaved(concurrentRounds, (key) =>
    key === 'rules' ? round(sealed, 'sealed-concurrent') : round(plain, 'plain-concurrent'),
  );
}

async function hmacAlone() {
  log('the HMAC alone');
  const key = await sealedKeys.forWriting('sealed-writes');
  const sample = auditEventOf('sealed-writes');
  const sk = `${sample.at}#${sample.requestId}#0123456789abcdef`;
  return perCall(
    [{ name: 'hmac', run: () => hmacOf(key, eventText(sk, sample, 1_900_000_000)) }],
    quick ? { batch: 200, samples: 30, warmup: 2_000 } : { batch: 1_000, samples: 100, warmup: 10_000 },
  );
}

/** The digest job over one hour of `digestEvents` events of one tenant: what chaining costs, off the request path. */
async function digestHour() {
  log(`the digest job over an hour of ${digestEvents} events`);
  const forTenant = 'digested';
  const hour = '2026-01-01T10:00:00.000Z';
  await sealedKeys.forWriting(forTenant);
  const events = Array.from({ length: digestEvents }, (_, i) => ({
    ...auditEventOf(forTenant),
    at: new Date(Date.parse(hour) + Math.floor((i * 3_600_000) / digestEvents)).toISOString(),
  }));
  for (let i = 0; i < events.length; i += 20) {
    await Promise.all(events.slice(i, i + 20).map((item) => sealed.record(item)));
  }
  const key = await sealedKeys.forWriting(forTenant);
  const job = createAuditDigestJob({
    events: plain,
    digests: createAuditDigestStore({ client, tableName }),
    // The key was made now; the bench's hour is an earlier one: start the chain there.
    keys: { find: async () => ({ ...key, createdAt: '2026-01-01T11:00:00.000Z' }) },
    tenants: async function* () {
      yield forTenant;
    },
    clock: { now: () => new Date('2026-01-01T11:25:00.000Z') },
    retentionDays: 400,
  });
  const start = process.hrtime.bigint();
  const summary = await job.digestAll();
  const elapsed = Number(process.hrtime.bigint() - start);
  // The chain starts the hour before the key's hour (audit-seal.ts, chainStart): 10:00, the bench's hour.
  if (summary.digests !== 1 || summary.failed.length > 0) {
    throw new Error(`digest job: ${JSON.stringify(summary)}`);
  }
  return { elapsed, events: digestEvents };
}

// ---------------------------------------------------------------------------------------------------
// Report

const ms = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`;
const nsText = (ns: number) => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`);
const signed = (difference: number, unit: (value: number) => string) =>
  `${difference >= 0 ? '+' : '−'}${unit(Math.abs(difference))}`;
const bootstrapRounds = 2_000;

/** The 2.5th and 97.5th percentiles of median(a) − median(b) over resamples with replacement. */
function bootstrapInterval(a: number[], b: number[]): [number, number] {
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
  const names = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'];
  const found = await Promise.all(names.map(async (name) => `${name} ${await versionOf(name)}`));
  return found.join(', ');
}

function report(data: {
  requests: Record<RouteKey, Record<RulesKey, number[]>>;
  checks: Awaited<ReturnType<typeof checksAlone>>;
  writes: Record<RulesKey, number[]>;
  concurrent: Record<RulesKey, number[]>;
  hmac: Awaited<ReturnType<typeof hmacAlone>>;
  digest: Awaited<ReturnType<typeof digestHour>>;
  packages: string;
  seconds: number;
  loadAtEnd: number;
}): string {
  const lines: string[] = [];
  const row = (...cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  const dynamodbVersion = basename(dynamoDbLocalDir()).replace(/^dynamodb-local-/, '');
  const loadNote =
    loadMax >= cpus().length
      ? `other work shared the machine: the 1-minute load reached ${loadMax.toFixed(1)} on ${cpus().length} cores`
      : `highest 1-minute load during the run ${loadMax.toFixed(1)} on ${cpus().length} cores`;
  const pick = percentile;
  lines.push(
    '## Access rules and the sealed audit — what they cost a request',
    '',
    `Command: \`${command}\` (runs \`node bench/audit.ts\`; it rewrites only this section, between the audit markers, and \`npm run bench\` keeps it).`,
    '',
    `Run: ${new Date().toISOString()}, ${data.seconds.toFixed(0)} s; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}; DynamoDB Local ${dynamodbVersion} (in memory, on loopback); the local vault; load average ${loadAtStart.toFixed(1)} at the start, ${data.loadAtEnd.toFixed(1)} at the end (${loadNote}).`,
    `Packages: ${data.packages}.`,
    '',
    'Every figure below comes from this one run; variants take turns in alternating order, so drift hits them alike. DynamoDB Local on loopback answers in about a millisecond; DynamoDB in AWS is a network round trip, so in AWS the fixed costs below are the same and the totals larger.',
    '',
    '### Access rules, per request through the Lambda handler',
    '',
    `Local mode’s dependency graph behind the real handler, fed API Gateway v2 events with JWT claims (scopes read, reveal, write), one request at a time. The ruled principal carries ${rules.length} rules in its \`secretm_rules\` claim (parsed and compiled on each request, as a token’s are) and may read the secret; the other has the same scopes and no rules. The value read checks one secret; the list checks each secret it reads (${listed} inside the rules, one outside, which the ruled list leaves out and the other answers). ${requestSamples} requests per variant and request, after a warm-up.`,
    '',
    '| request | variant | median | p95 | p99 |',
    '|---|---|---|---|---|',
  );
  for (const route of ['value', 'list'] as const) {
    for (const key of ['none', 'rules'] as const) {
      const values = data.requests[route][key];
      row(
        routeLabels[route],
        rulesLabels[key],
        ms(pick(values, 0.5)),
        ms(pick(values, 0.95)),
        ms(pick(values, 0.99)),
      );
    }
  }
  lines.push(
    '',
    '| request | what rules add (median) | 95% interval of the median’s difference | p95 |',
    '|---|---|---|---|',
  );
  for (const route of ['value', 'list'] as const) {
    const { rules: ruled, none } = data.requests[route];
    row(
      routeLabels[route],
      signed(pick(ruled, 0.5) - pick(none, 0.5), ms),
      bootstrapInterval(ruled, none)
        .map((bound) => signed(bound, ms))
        .join(' … '),
      signed(pick(ruled, 0.95) - pick(none, 0.95), ms),
    );
  }
  lines.push(
    '',
    'Differences of percentiles, not percentiles of differences; the interval is a bootstrap of the medians’ difference: where it spans zero, this run cannot tell the variants apart.',
    '',
    'One check alone (`can(principal, "reveal", { secret, connection })`, shared/access/authorize.ts, the rules compiled once), ns per call:',
    '',
    '| principal | median | p99 |',
    '|---|---|---|',
  );
  for (const [name, label] of [
    ['none', 'no rules (scopes only)'],
    ['five', `the ${rules.length} rules above`],
    ['fifty', '50 rules (the target matched by the last)'],
  ] as const) {
    row(label, nsText(data.checks[name]!.median), nsText(data.checks[name]!.p99));
  }
  const { rules: sealedTimes, none: plainTimes } = data.writes;
  lines.push(
    '',
    '### The audit write: sealed (HMAC) against plain',
    '',
    `The write every request makes (\`AuditStore.record\`, one PutItem conditioned on a fresh key; a change puts the same item in its own transaction). Sealed: the event carries its HMAC-SHA256 under the tenant’s audit key, which the instance reads from the system vault once and keeps. Plain: the same write with no HMAC. ${writeSamples} writes per variant, one at a time.`,
    '',
    '| write | median | p95 | p99 |',
    '|---|---|---|---|',
  );
  row('plain', ms(pick(plainTimes, 0.5)), ms(pick(plainTimes, 0.95)), ms(pick(plainTimes, 0.99)));
  row('sealed (HMAC)', ms(pick(sealedTimes, 0.5)), ms(pick(sealedTimes, 0.95)), ms(pick(sealedTimes, 0.99)));
  lines.push(
    '',
    `What sealing adds (median): ${signed(pick(sealedTimes, 0.5) - pick(plainTimes, 0.5), ms)} (95% interval ${bootstrapInterval(
      sealedTimes,
      plainTimes,
    )
      .map((bound) => signed(bound, ms))
      .join(
        ' … ',
      )}); the HMAC alone (the event’s canonical text and its HMAC-SHA256): median ${nsText(data.hmac.hmac!.median)}, p99 ${nsText(data.hmac.hmac!.p99)}.`,
    '',
    `From ${concurrentWriters} writers at once into one tenant’s audit (${eventsPerWriter} events each, per round; ${concurrentRounds} rounds per variant), events per second:`,
    '',
    '| write | median | lowest round |',
    '|---|---|---|',
  );
  const { rules: sealedRate, none: plainRate } = data.concurrent;
  const low = (values: number[]) => Math.min(...values);
  row('plain', pick(plainRate, 0.5).toFixed(0), low(plainRate).toFixed(0));
  row('sealed (HMAC)', pick(sealedRate, 0.5).toFixed(0), low(sealedRate).toFixed(0));
  lines.push(
    '',
    'The chain is not on the request path: each event is its own item, and no writer reads or updates anything another writer writes, so concurrent writers never wait on one another (what DynamoDB Local serialises inside itself, it does alike for both variants). The hourly digest job links events after the fact:',
    '',
    `- the digest job over one hour of ${data.digest.events} events of one tenant (read them, list and hash them in parts, HMAC the digest, write it, the first of its chain): ${ms(data.digest.elapsed)}, one run; the job does this once per tenant and hour.`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

try {
  const setupClient = new DynamoDBClient({ region, endpoint: dynamodbLocal.endpoint, credentials });
  await ensureTable(setupClient, tableName);
  setupClient.destroy();
  log(`set-up: ${listed} secrets of tenant ${tenant}`);
  for (let i = 0; i < listed; i++) {
    const name = i === 0 ? secretName : `payments/svc-${String(i).padStart(2, '0')}/db`;
    const answer = await handler(request('value', false, { name, type: 'env', data: secretData }));
    if (answer.statusCode !== 201) throw new Error(`set-up: ${answer.statusCode} ${answer.body}`);
  }
  const outside = await handler(
    request('value', false, { name: outsideName, type: 'env', data: secretData }),
  );
  if (outside.statusCode !== 201) throw new Error(`set-up: ${outside.statusCode} ${outside.body}`);
  // The rules are in force: the ruled principal meets the secret outside them as absent.
  const [ruledOutside, plainOutside] = await Promise.all(
    [true, false].map((withRules) => handler(request('value', withRules, undefined, outsideName))),
  );
  if (ruledOutside?.statusCode !== 404 || plainOutside?.statusCode !== 200) {
    throw new Error(`rules not in force: ${ruledOutside?.statusCode} / ${plainOutside?.statusCode}`);
  }
  const packages = await versions();
  const requestTimes = await requests();
  const checks = await checksAlone();
  const writes = await writesOneAtATime();
  const concurrent = await writesConcurrent();
  const hmac = await hmacAlone();
  const digest = await digestHour();
  const text = report({
    requests: requestTimes,
    checks,
    writes,
    concurrent,
    hmac,
    digest,
    packages,
    seconds: (Date.now() - began) / 1000,
    loadAtEnd: loadavg()[0]!,
  });
  if (!quick) await writeOwnedSection('audit', text);
  process.stdout.write(`${text}\n`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  clearInterval(loadSampler);
  await dynamodbLocal.stop().catch(() => undefined);
  await rm(vaultDir, { recursive: true, force: true });
  process.exit();
}
