/**
 * The secretm layer's benchmark, in one run, side by side with Powertools for AWS Lambda
 * (`@aws-lambda-powertools/parameters` getSecret), middy (`@middy/core` + `@middy/secrets-manager`) and a
 * raw GetSecretValue, all against the same live moto server this script starts (test/servers/moto.ts),
 * behind a counting proxy on loopback (test/layers/secretm/counting-proxy.ts) that counts vault requests.
 *
 *   npm run bench          (writes bench/RESULTS.md; about a minute and a half on 2 cores)
 *   node bench/weight.ts   (only the code each minimal handler loads for a read, by source; seconds)
 *
 * Sections: warm cached read per call; 100 concurrent first reads; vault requests per secret per TTL
 * over a run of several TTLs (1 and 25 secrets); the middleware's cost per warm invocation; bundle size
 * and cold start (a fresh `node` per start) of a minimal handler per option and per vault kind.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_PROVIDERS } from '@aws-lambda-powertools/parameters/base';
import { getSecret as powertoolsGetSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import secretsManager from '@middy/secrets-manager';
import type { Context } from 'aws-lambda';
import { createSecretm } from '../layers/secretm/src/index.ts';
import { countingProxy } from '../test/layers/secretm/counting-proxy.ts';
import { startMoto } from '../test/servers/moto.ts';
import { startOpenBao } from '../test/servers/openbao.ts';
import { type Bundle, bundle, type ColdRun, coldStart, loadedBySource, loadedFiles } from './bundles.ts';
import { median, runFor, type Summary, summarise } from './measure.ts';
import { keepingSections } from './results-file.ts';

const execFileAsync = promisify(execFile);
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const command = 'npm run bench';
const region = 'us-east-1';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const coldRuns = 9;
const ttlRunMs = 5_000;

const began = Date.now();
const loadAtStart = loadavg()[0]!;
const log = (message: string) =>
  process.stderr.write(`[bench ${((Date.now() - began) / 1000).toFixed(0)}s] ${message}\n`);

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const moto = await startMoto();
const motoEndpoint = moto.provided.motoEndpoint!;
const proxy = await countingProxy(motoEndpoint);
// The SDK clients Powertools' getSecret and the minimal handlers make read their endpoint and
// credentials from here: the counting proxy on loopback, and moto's dummy keys.
Object.assign(process.env, {
  AWS_REGION: region,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
});
const clientConfig = { region, endpoint: proxy.endpoint, credentials };
const sdk = new SecretsManagerClient({ region, endpoint: motoEndpoint, credentials });
const bao = await startOpenBao();
const workDir = await mkdtemp(join(tmpdir(), 'secretm-bench-'));
let middyCaches = 0;
const middyCacheKey = () => `bench-${++middyCaches}`;

async function secret(value: string): Promise<string> {
  const name = `bench/${randomUUID()}`;
  await sdk.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}

function freshPowertools(): void {
  DEFAULT_PROVIDERS.secrets = new SecretsProvider({ clientConfig });
}

// ---------------------------------------------------------------------------------------------------
// Warm cached reads

const warmRounds = 5;

/** warm-child.ts in fresh processes (each its own JIT history), a few rounds; the medians of their figures. */
async function warmReads() {
  log('warm cached reads');
  const name = await secret('warm-value');
  const jsonName = await secret('{"user":"app","password":"pw"}');
  proxy.reset();
  const rounds = new Map<string, Summary[]>();
  let secretmVaultCalls = 0;
  for (let round = 0; round < warmRounds; round++) {
    const { stdout } = await execFileAsync(process.execPath, [join(benchDir, 'warm-child.ts')], {
      env: childEnv({
        BENCH_SECRET: name,
        BENCH_JSON_SECRET: jsonName,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.endpoint,
      }),
    });
    const answer = JSON.parse(stdout) as { results: Record<string, Summary>; secretmVaultCalls: number };
    secretmVaultCalls += answer.secretmVaultCalls;
    for (const [variant, summary] of Object.entries(answer.results)) {
      rounds.set(variant, [...(rounds.get(variant) ?? []), summary]);
    }
  }
  const results = Object.fromEntries(
    [...rounds].map(([variant, list]) => [
      variant,
      { median: median(list.map((item) => item.median)), p99: median(list.map((item) => item.p99)) },
    ]),
  );
  // Each process reads each secret once before timing (secretm, secretm on an exact clock, then Powertools).
  const requestsDuringWarm = proxy.count() - warmRounds * 4;
  const raw = new SecretsManagerClient(clientConfig);
  const rawTimes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const start = process.hrtime.bigint();
    await raw.send(new GetSecretValueCommand({ SecretId: name }));
    rawTimes.push(Number(process.hrtime.bigint() - start));
  }
  raw.destroy();
  return { results, raw: summarise(rawTimes), requestsDuringWarm, secretmVaultCalls };
}

/** The environment of a child process: loopback endpoint, moto's dummy keys, and `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------------
// 100 concurrent first reads

async function concurrentFirstReads() {
  log('100 concurrent first reads');
  const name = await secret('concurrent');
  const count = async (work: () => Promise<unknown>) => {
    proxy.reset();
    await Promise.all(Array.from({ length: 100 }, work));
    return proxy.count('GetSecretValue') + proxy.count('BatchGetSecretValue');
  };
  const secretm = createSecretm({ aws: clientConfig });
  freshPowertools();
  const middyHandler = middy(
    async (_event: unknown, context: Context) => (context as unknown as Record<string, unknown>).s,
  ).use(
    secretsManager({
      fetchData: { s: name },
      setToContext: true,
      disablePrefetch: true,
      cacheKey: middyCacheKey(),
      awsClientOptions: clientConfig,
    }),
  );
  const raw = new SecretsManagerClient(clientConfig);
  const results = {
    secretm: await count(() => secretm.getSecret(name)),
    Powertools: await count(() => powertoolsGetSecret(name)),
    middy: await count(() => middyHandler({}, {} as never)),
    'raw GetSecretValue': await count(() => raw.send(new GetSecretValueCommand({ SecretId: name }))),
  };
  raw.destroy();
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Vault requests per secret per TTL over a long run (TTL 1 s, real time)

async function requestsPerTtl() {
  const one = await secret('ttl');
  const many = await Promise.all(Array.from({ length: 25 }, (_, i) => secret(`ttl-${i}`)));
  const periods = ttlRunMs / 1_000;
  const runs: { option: string; secrets: number; requests: number; calls: number }[] = [];
  const measure = async (option: string, secrets: number, work: () => Promise<unknown>) => {
    log(`requests per TTL: ${option}, ${secrets} secret(s)`);
    proxy.reset();
    const calls = await runFor(ttlRunMs, 10, work);
    await new Promise((resolve) => setTimeout(resolve, 200));
    runs.push({
      option,
      secrets,
      // Only requests for these secrets: middy keeps refreshing earlier stacks' secrets on timers.
      requests: proxy.countNaming(secrets === 1 ? [one] : many),
      calls,
    });
  };
  const secretmOne = createSecretm({ aws: clientConfig, ttlSeconds: 1 });
  await measure('secretm', 1, () => secretmOne.getSecret(one));
  freshPowertools();
  await measure('Powertools', 1, () => powertoolsGetSecret(one, { maxAge: 1 }));
  const middyOne = middy(async () => 'ok').use(
    secretsManager({
      fetchData: { s: one },
      setToContext: true,
      cacheExpiry: 1_000,
      cacheKey: middyCacheKey(),
      awsClientOptions: clientConfig,
    }),
  );
  await measure('middy', 1, () => middyOne({}, {} as never));
  const secretmMany = createSecretm({ aws: clientConfig, ttlSeconds: 1 });
  await measure('secretm', 25, () => secretmMany.getSecrets(many));
  freshPowertools();
  await measure('Powertools', 25, () =>
    Promise.all(many.map((name) => powertoolsGetSecret(name, { maxAge: 1 }))),
  );
  const middyMany = middy(async () => 'ok').use(
    secretsManager({
      fetchData: Object.fromEntries(many.map((name, i) => [`s${i}`, name])),
      setToContext: true,
      cacheExpiry: 1_000,
      cacheKey: middyCacheKey(),
      awsClientOptions: clientConfig,
    }),
  );
  await measure('middy', 25, () => middyMany({}, {} as never));
  return { periods, runs };
}

// ---------------------------------------------------------------------------------------------------
// The middleware's cost per warm invocation

const middlewareVariants = [
  'bare middy',
  'middy + no-op middleware',
  'middy + secretm',
  'middy + @middy/secrets-manager',
] as const;
const middlewareRounds = 5;

/** middleware-child.ts in fresh processes, a few rounds; the medians of their figures. */
async function middlewareCost() {
  log('middleware cost per warm invocation');
  const name = await secret('middleware');
  const rounds = new Map<string, Summary[]>(middlewareVariants.map((variant) => [variant, []]));
  for (let round = 0; round < middlewareRounds; round++) {
    const { stdout } = await execFileAsync(process.execPath, [join(benchDir, 'middleware-child.ts')], {
      env: childEnv({ BENCH_SECRET: name }),
    });
    const answer = JSON.parse(stdout) as {
      results: Record<string, Summary>;
      tokens: Record<string, unknown>;
    };
    if (
      answer.tokens['middy + secretm'] !== 'middleware' ||
      answer.tokens['middy + @middy/secrets-manager'] !== 'middleware'
    ) {
      throw new Error('a middleware did not load the secret into the context');
    }
    for (const variant of middlewareVariants) rounds.get(variant)!.push(answer.results[variant]!);
  }
  const results = Object.fromEntries(
    [...rounds].map(([variant, list]) => [
      variant,
      { median: median(list.map((item) => item.median)), p99: median(list.map((item) => item.p99)) },
    ]),
  );
  return { results };
}

// ---------------------------------------------------------------------------------------------------
// Bundle size and cold start

/** A cold start of a bundled handler, in the environment of a child (childEnv) plus `env`. */
function coldStartWith(entryFile: string, env: Record<string, string>, trace = false): Promise<ColdRun> {
  return coldStart(entryFile, childEnv(env), trace);
}

async function sizesAndColdStarts() {
  log('bundles');
  const awsSecret = await secret('cold-value');
  const profileFile = join(workDir, 'credentials');
  await writeFile(
    profileFile,
    `[default]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
  );
  await fetch(`${bao.address}/v1/secret/data/bench`, {
    method: 'POST',
    headers: { 'X-Vault-Token': bao.rootToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ data: { password: 'cold-vault' } }),
  });
  const bundles = {
    secretm: await bundle(workDir, 'secretm', 'secretm.ts'),
    'secretm/aws': await bundle(workDir, 'secretm/aws', 'secretm-aws.ts'),
    Powertools: await bundle(workDir, 'Powertools', 'powertools.ts'),
    middy: await bundle(workDir, 'middy + @middy/secrets-manager', 'middy.ts'),
    raw: await bundle(workDir, 'raw GetSecretValue', 'raw.ts'),
  };
  const options: { label: string; bundle: Bundle; env: Record<string, string>; expectError?: string }[] = [
    { label: 'secretm (AWS secret)', bundle: bundles.secretm, env: { BENCH_SECRET: awsSecret } },
    { label: 'secretm/aws (AWS secret)', bundle: bundles['secretm/aws'], env: { BENCH_SECRET: awsSecret } },
    {
      // No keys in the environment: the layer cannot sign, and reads through the AWS SDK (its fallback).
      label: 'secretm/aws (AWS secret, credentials from a profile: through the SDK)',
      bundle: bundles['secretm/aws'],
      env: {
        BENCH_SECRET: awsSecret,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SHARED_CREDENTIALS_FILE: profileFile,
        AWS_CONFIG_FILE: join(workDir, 'no-config'),
      },
    },
    { label: 'Powertools getSecret', bundle: bundles.Powertools, env: { BENCH_SECRET: awsSecret } },
    { label: 'middy + @middy/secrets-manager', bundle: bundles.middy, env: { BENCH_SECRET: awsSecret } },
    { label: 'raw GetSecretValue', bundle: bundles.raw, env: { BENCH_SECRET: awsSecret } },
    {
      label: 'secretm (vault:// KV v2 on OpenBao)',
      bundle: bundles.secretm,
      env: { BENCH_SECRET: 'vault://secret/bench', VAULT_ADDR: bao.address, VAULT_TOKEN: bao.rootToken },
    },
    {
      label: 'secretm (azure://: SDK load only, no Key Vault here)',
      bundle: bundles.secretm,
      env: { BENCH_SECRET: 'azure://bench-vault/bench' },
      expectError: 'ValidationError',
    },
  ];
  log('cold starts');
  const runs = new Map<string, ColdRun[]>(options.map((option) => [option.label, []]));
  for (const option of options) await coldStartWith(option.bundle.entryFile, option.env); // file-system cache warm
  for (let i = 0; i < coldRuns; i++) {
    for (const option of options) {
      const run = await coldStartWith(option.bundle.entryFile, option.env);
      if (run.error !== option.expectError)
        throw new Error(`${option.label}: the cold start failed (${run.error})`);
      runs.get(option.label)!.push(run);
    }
  }
  const cold = [];
  for (const option of options) {
    const traced = await coldStartWith(option.bundle.entryFile, option.env, true);
    const loaded = loadedFiles(option.bundle, traced);
    const list = runs.get(option.label)!;
    cold.push({
      label: option.label,
      importMs: median(list.map((run) => run.importMs)),
      firstReadMs: median(list.map((run) => run.firstReadMs)),
      totalMs: median(list.map((run) => run.totalMs)),
      sinceProcessStartMs: median(list.map((run) => run.sinceProcessStartMs)),
      loadedBytes: loaded.reduce((sum, file) => sum + file.bytes, 0),
      loadedGzip: loaded.reduce((sum, file) => sum + file.gzip, 0),
      loadedFiles: loaded.length,
      loadedBySource: loadedBySource(option.bundle, loaded),
    });
  }
  const sizes = Object.values(bundles).map((item) => ({
    option: item.option,
    files: item.files.length,
    bytes: item.files.reduce((sum, file) => sum + file.bytes, 0),
    gzip: item.files.reduce((sum, file) => sum + file.gzip, 0),
  }));
  return { sizes, cold };
}

// ---------------------------------------------------------------------------------------------------
// Report

const ns = (value: number) =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} µs` : `${value.toFixed(0)} ns`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const mark = (met: boolean) => (met ? 'met' : '**missed**');

function report(data: {
  warm: Awaited<ReturnType<typeof warmReads>>;
  concurrent: Awaited<ReturnType<typeof concurrentFirstReads>>;
  perTtl: Awaited<ReturnType<typeof requestsPerTtl>>;
  middleware: Awaited<ReturnType<typeof middlewareCost>>;
  bundles: Awaited<ReturnType<typeof sizesAndColdStarts>>;
  seconds: number;
  packages: Record<string, string>;
}): string {
  const { warm, concurrent, perTtl, middleware, bundles } = data;
  const w = warm.results as Record<string, Summary>;
  const mapGet = w['awaited Map.get']!;
  const secretm = w['secretm getSecret(name)']!;
  const powertools = w['Powertools getSecret(name)']!;
  const vsMap = secretm.median / mapGet.median;
  const vsPowertools = powertools.median / secretm.median;
  const m = middleware.results as Record<string, Summary>;
  const bare = m['bare middy']!.median;
  const secretmAdded = m['middy + secretm']!.median - bare;
  const noopAdded = m['middy + no-op middleware']!.median - bare;
  const middyAdded = m['middy + @middy/secrets-manager']!.median - bare;
  const size = (option: string) => bundles.sizes.find((item) => item.option === option)!;
  const cold = (label: string) => bundles.cold.find((item) => item.label === label)!;
  const awsOnly = size('secretm/aws');
  const full = size('secretm');
  const ptSize = size('Powertools');
  const coldSecretm = cold('secretm (AWS secret)');
  const coldAwsOnly = cold('secretm/aws (AWS secret)');
  const coldPowertools = cold('Powertools getSecret');
  const secretmTtl = perTtl.runs.filter((run) => run.option === 'secretm');
  const ttlMet = secretmTtl.every(
    (run) => run.requests <= (perTtl.periods + 1) * Math.ceil(run.secrets / 20),
  );
  const lines: string[] = [];
  const row = (...cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
  lines.push(
    '# secretm layer — benchmark results',
    '',
    `Command: \`${command}\` (runs \`node bench/run.ts\`; this file is written by that run).`,
    '',
    `Run: ${new Date().toISOString()}, ${data.seconds.toFixed(0)} s; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}; moto 5.2.5 (server mode, on loopback), OpenBao 2.7.2 dev server; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (other work shared the machine when above ${cpus().length}).`,
    `Compared: ${Object.entries(data.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    'Every figure below comes from this one run. Vault requests are counted by a proxy on loopback between the clients and moto.',
    '',
    '## Goals',
    '',
    '| goal | measured | |',
    '|---|---|---|',
  );
  row(
    'warm cached read ≤ 1.5× an awaited `Map.get`',
    `${vsMap.toFixed(2)}× (${ns(secretm.median)} vs ${ns(mapGet.median)}, medians)`,
    mark(vsMap <= 1.5),
  );
  row(
    'warm cached read ≥ 3× faster than Powertools’ cached getSecret',
    `${vsPowertools.toFixed(1)}× (${ns(powertools.median)} vs ${ns(secretm.median)})`,
    mark(vsPowertools >= 3),
  );
  row(
    'middleware ≤ 0.3 µs over bare middy',
    `+${ns(secretmAdded)} (a no-op middleware: +${ns(noopAdded)}; @middy/secrets-manager: +${ns(middyAdded)})`,
    mark(secretmAdded <= 300),
  );
  row(
    'one vault request per key per TTL under any concurrency',
    `100 concurrent first reads → ${concurrent.secretm} request; ${secretmTtl.map((run) => `${run.secrets} secret(s): ${run.requests} requests in ${perTtl.periods} TTLs`).join('; ')}`,
    mark(concurrent.secretm === 1 && ttlMet),
  );
  row(
    'minimal AWS-only handler loads no more code for a read than the Powertools one (minified)',
    `secretm/aws loads ${kb(coldAwsOnly.loadedBytes)} vs Powertools ${kb(coldPowertools.loadedBytes)} (gzip ${kb(coldAwsOnly.loadedGzip)} vs ${kb(coldPowertools.loadedGzip)}); secretm (all vaults) loads ${kb(coldSecretm.loadedBytes)}; emitted: secretm/aws ${kb(awsOnly.bytes)}, secretm ${kb(full.bytes)}, Powertools ${kb(ptSize.bytes)}`,
    mark(coldAwsOnly.loadedBytes <= coldPowertools.loadedBytes),
  );
  row(
    'cold import + first read no slower than Powertools',
    `secretm/aws ${ms(coldAwsOnly.totalMs)}, secretm ${ms(coldSecretm.totalMs)} vs Powertools ${ms(coldPowertools.totalMs)} (medians of ${coldRuns})`,
    mark(Math.max(coldAwsOnly.totalMs, coldSecretm.totalMs) <= coldPowertools.totalMs),
  );
  lines.push(
    '',
    '## Warm cached read, per call',
    '',
    `Each of ${warmRounds} fresh \`node\` processes (warm-child.ts) times every variant, interleaved: a sample is 1,000 sequential \`await\`ed calls divided by 1,000, 300 samples per variant after a warm-up; the table holds the medians of the ${warmRounds} processes' figures. The values are cached (Powertools with \`maxAge: 300\`): ${warm.requestsDuringWarm} vault requests were made while timing. The raw GetSecretValue row is 300 sequential requests through the counting proxy, from the bench process. secretm's freshness check reads the wall clock once per event-loop turn (at most 64 reads on one reading; layers/secretm/src/turn-clock.ts), and sequential awaited reads share a turn; the "clock read on every call" row is the same read on a clock read each time, which is what the first read of a turn (the first of a Lambda invocation) costs.`,
    '',
    '| read | median | p99 | × awaited Map.get | Powertools ÷ this |',
    '|---|---|---|---|---|',
  );
  for (const [name, summary] of Object.entries(w)) {
    row(
      name,
      ns(summary.median),
      ns(summary.p99),
      (summary.median / mapGet.median).toFixed(2),
      (powertools.median / summary.median).toFixed(1),
    );
  }
  row(
    'raw GetSecretValue (no cache, one request each)',
    ns(warm.raw.median),
    ns(warm.raw.p99),
    (warm.raw.median / mapGet.median).toFixed(0),
    '—',
  );
  lines.push(
    '',
    '## 100 concurrent first reads of one secret',
    '',
    '| option | vault requests |',
    '|---|---|',
  );
  for (const [option, requests] of Object.entries(concurrent)) row(option, requests);
  lines.push(
    '',
    `## Vault requests per TTL over a long run`,
    '',
    `TTL 1 s (Powertools \`maxAge: 1\`, middy \`cacheExpiry: 1000\`), ${perTtl.periods} s of 10 concurrent callers reading as fast as they can (real time). secretm batches its refresh of 25 secrets with BatchGetSecretValue (20 per call); a batch of one is a plain GetSecretValue. Only requests naming the secrets of the row are counted (middy refreshes every cached secret on a timer, invoked or not, so earlier stacks keep calling).`,
    '',
    '| option | secrets | calls made | vault requests | requests per TTL | per secret per TTL | ideal per TTL |',
    '|---|---|---|---|---|---|---|',
  );
  for (const run of perTtl.runs) {
    row(
      run.option,
      run.secrets,
      run.calls,
      run.requests,
      (run.requests / perTtl.periods).toFixed(1),
      (run.requests / perTtl.periods / run.secrets).toFixed(2),
      Math.ceil(run.secrets / 20),
    );
  }
  lines.push(
    '',
    '## Middleware cost per warm invocation',
    '',
    `Each stack runs on its own copy of @middy/core (imported again under another URL), so middy's code sees one middleware stack as in a Lambda sandbox, while the variants are timed interleaved in one process: 1,000 warm invocations per sample, 250 samples per variant; ${middlewareRounds} fresh processes, and the medians of their figures. The no-op middleware (\`{ before: () => undefined }\`) is what middy itself costs for any middleware.`,
    '',
    '| handler | median | p99 | added over bare middy (median) |',
    '|---|---|---|---|',
  );
  for (const [name, summary] of Object.entries(m))
    row(name, ns(summary.median), ns(summary.p99), name === 'bare middy' ? '—' : ns(summary.median - bare));
  lines.push(
    '',
    '## Bundle size of a minimal handler',
    '',
    'esbuild, bundled with every dependency (AWS SDK included), minified, ESM, code splitting; gzip is per file (as a zip stores them). `secretm` emits a chunk per vault (and one for the DynamoDB client), loaded only on first use; `secretm/aws` is the AWS-only entry point. Both emit the AWS SDK client too, which an AWS read loads only when the layer cannot sign its requests itself (credentials only the SDK finds, a FIPS or dual-stack endpoint, a partition other than aws and aws-cn).',
    '',
    '| option | files | minified | gzip |',
    '|---|---|---|---|',
  );
  for (const item of bundles.sizes) row(item.option, item.files, kb(item.bytes), kb(item.gzip));
  lines.push(
    '',
    '## Cold start: fresh `node` process, import + first read',
    '',
    `Medians of ${coldRuns} starts per option (interleaved, after one start each to warm the file cache). "import" is the handler module's import; "first read" its first call; "since process start" adds Node's own start-up. "loaded" is the bundle code the process actually loaded.`,
    '',
    '| handler | import | first read | import + first read | since process start | loaded (minified) | loaded (gzip) |',
    '|---|---|---|---|---|---|---|',
  );
  for (const item of bundles.cold) {
    row(
      item.label,
      ms(item.importMs),
      ms(item.firstReadMs),
      ms(item.totalMs),
      ms(item.sinceProcessStartMs),
      kb(item.loadedBytes),
      kb(item.loadedGzip),
    );
  }
  lines.push(
    '',
    `What the \`secretm/aws\` read loads, by source (minified, from esbuild's metafile; \`node bench/weight.ts\` prints this alone): ${coldAwsOnly.loadedBySource
      .map((item) => `${item.source} ${kb(item.bytes)}`)
      .join(', ')}.`,
    '',
  );
  return lines.join('\n');
}

async function packageVersions(): Promise<Record<string, string>> {
  const versionOf = async (name: string) =>
    (
      JSON.parse(await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  const names = [
    '@aws-lambda-powertools/parameters',
    '@middy/core',
    '@middy/secrets-manager',
    '@aws-sdk/client-secrets-manager',
    'esbuild',
  ];
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, await versionOf(name)] as const)),
  );
}

try {
  const packages = await packageVersions();
  const warm = await warmReads();
  const middleware = await middlewareCost();
  const concurrent = await concurrentFirstReads();
  const bundles = await sizesAndColdStarts();
  const perTtl = await requestsPerTtl();
  const text = report({
    warm,
    concurrent,
    perTtl,
    middleware,
    bundles,
    seconds: (Date.now() - began) / 1000,
    packages,
  });
  // Sections other benches own (bench:tenancy's, between its markers) are kept as they were.
  const resultsFile = join(benchDir, 'RESULTS.md');
  const previous = await readFile(resultsFile, 'utf8').catch(() => undefined);
  await writeFile(resultsFile, keepingSections(text, previous));
  // The repository's formatter lays out Markdown tables too; format the file as `npm run lint` expects.
  await execFileAsync(
    join(repoRoot, 'node_modules', '.bin', 'biome'),
    ['format', '--write', join(benchDir, 'RESULTS.md')],
    {
      cwd: repoRoot,
    },
  );
  process.stdout.write(`${text}\n`);
  log(`written to ${relative(process.cwd(), join(benchDir, 'RESULTS.md'))}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  // middy's secrets-manager keeps refreshing its cache on timers; once moto is gone those refreshes fail
  // with nobody to tell. Nothing is measured any more, so they are let go, and the process ends here.
  process.on('unhandledRejection', () => {});
  await proxy.close();
  await Promise.allSettled([moto.stop(), bao.stop(), rm(workDir, { recursive: true, force: true })]);
  process.exit();
}
