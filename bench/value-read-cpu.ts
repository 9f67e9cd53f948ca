/**
 * Where a value read's CPU goes (docs/performance.md, "Throughput"): local mode in this process on its
 * own DynamoDB Local (in memory, no proxy), `GET /v1/secrets/{name}/value` sent from a child process
 * (this file with `--load`) at each concurrency, so the client's work is not the server's; then each
 * request kind a value read sends, straight to DynamoDB Local through the same SDK. For each: the rate,
 * this process's CPU per request (process.cpuUsage) and DynamoDB Local's (its JVM's /proc/<pid>/stat).
 * Prints, writes nothing.
 *
 *   npm run bench:value-read-cpu
 *   node --cpu-prof --cpu-prof-dir=DIR bench/value-read-cpu.ts     (and a CPU profile of this process)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

const seconds = 6;
const warmSeconds = 3;
const jvmWarmSeconds = 15;

if (process.argv[2] === '--load') {
  const [url, key, c, secs] = process.argv.slice(3) as [string, string, string, string];
  const read = async () => {
    const response = await fetch(`${url}/v1/secrets/bench/value`, {
      headers: { authorization: `Bearer ${key}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`the value read answered ${response.status}`);
  };
  process.send!({ reads: await loop(Number(c), Number(secs), read) });
  process.exit(0);
}

/** Runs `op` from `concurrency` loops for `secs`; how many completed. */
async function loop(concurrency: number, secs: number, op: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + secs * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return done;
}

const { startDynamoDbLocal } = await import('../local/dynamodb-local.ts');
const { startLocal } = await import('../local/start-local.ts');
const { createDocumentClient } = await import('../shared/store/dynamo-client.ts');

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const dynamodb = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
const jvm = dynamodb.process.child.pid!;
/** DynamoDB Local's CPU time so far, ms (user + system, in clock ticks of 10 ms). */
const jvmCpu = () => {
  const fields = readFileSync(`/proc/${jvm}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const ownCpu = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const dataDir = await mkdtemp(join(tmpdir(), 'secretm-value-read-cpu-'));
const tableName = 'secretm-value-read-cpu';
const operatorKey = `bench-operator-${randomBytes(16).toString('hex')}`;
const local = await startLocal({
  dataDir,
  port: 0,
  bootstrapKey: operatorKey,
  dynamodbEndpoint: dynamodb.endpoint,
  tableName,
});

async function post(path: string, key: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${local.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status >= 400) throw new Error(`POST ${path}: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

const { key } = (await post('/v1/api-keys', operatorKey, {
  name: 'bench',
  scopes: ['read', 'reveal', 'write', 'admin'],
})) as { key: string };
await post('/v1/secrets', key, { name: 'bench', type: 'env', data: { V: 'v'.repeat(256) } });

function line(label: string, count: number, secs: number, own: number, jvmMs: number) {
  return `| ${label} | ${(count / secs).toFixed(0)} /s | ${(own / count).toFixed(2)} ms | ${(jvmMs / count).toFixed(2)} ms |`;
}

const lines = [
  `Load average ${loadavg()[0]!.toFixed(1)} at the start; DynamoDB Local warmed by ${jvmWarmSeconds} s of value reads; ${seconds} s per row after ${warmSeconds} s of warm-up.`,
  '',
  '| requests at concurrency c | rate | this process, CPU per request | DynamoDB Local, CPU per request |',
  '|---|---|---|---|',
];
/** Value reads from a child process at concurrency c for secs; how many completed. */
const reads = async (c: number, secs: number) => {
  const child = fork(fileURLToPath(import.meta.url), ['--load', local.url, key, String(c), String(secs)]);
  const message = await new Promise<{ reads: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { reads: number }));
    child.once('exit', (code) => (code ? reject(new Error(`the load process exited ${code}`)) : undefined));
  });
  return message.reads;
};
// DynamoDB Local's JVM compiles its hot code in its first seconds of load, at a CPU cost that would
// count against the first rows: it warms up first.
await reads(10, jvmWarmSeconds);
for (const c of [1, 10, 50]) {
  const run = (secs: number) => reads(c, secs);
  await run(warmSeconds);
  const own = ownCpu();
  const jvmMs = jvmCpu();
  const count = await run(seconds);
  lines.push(line(`value read, c = ${c}`, count, seconds, ownCpu() - own, jvmCpu() - jvmMs));
}

// The request kinds a value read sends, straight to DynamoDB Local through the same SDK.
const client = createDocumentClient({
  region: 'us-east-1',
  endpoint: dynamodb.endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
let serial = 0;
const raw: [string, () => Promise<unknown>][] = [
  [
    'raw GetItem',
    () => client.send(new GetCommand({ TableName: tableName, Key: { pk: 'T#raw', sk: 'S#x' } })),
  ],
  [
    'raw UpdateItem ADD',
    () =>
      client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: 'T#raw', sk: 'U#x' },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
  ],
  [
    'raw PutItem',
    () =>
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: 'T#raw', sk: `E#${serial++}`, v: 'x'.repeat(300) },
        }),
      ),
  ],
];
for (const [label, op] of raw) {
  await loop(10, warmSeconds, op);
  const own = ownCpu();
  const jvmMs = jvmCpu();
  const count = await loop(10, seconds, op);
  lines.push(line(`${label}, c = 10`, count, seconds, ownCpu() - own, jvmCpu() - jvmMs));
}
client.destroy();
process.stdout.write(`${lines.join('\n')}\n`);
await local.stop();
await dynamodb.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
