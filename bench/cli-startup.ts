/**
 * The `secretm` CLI's start-up, side by side with `node -e 0`: `secretm --version` (parse and print),
 * `secretm run -- true` (the run command's own cost, no secret), and `secretm run --secret app -- true`
 * (one secret read from local mode over loopback, then the command), each a fresh process of the
 * published bundle (cli/build.ts), runs interleaved so drift hits them alike. Also what the argument
 * parser alone costs to import: commander, and citty when BENCH_CLI_CITTY names a folder whose
 * node_modules holds it (it is not a dependency: `npm install citty` in an empty folder). Goal (issue 12):
 * `run` adds at most 150 ms over the command itself.
 *
 *   npm run bench:cli     (rewrites the cli section of bench/RESULTS.md; about a minute)
 *   BENCH_CLI_CITTY=/tmp/probe npm run bench:cli
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildCli } from '../cli/build.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { startLocal } from '../local/start-local.ts';
import { createDocumentClient } from '../shared/store/dynamo-client.ts';
import { percentile } from './measure.ts';
import { writeOwnedSection } from './results-file.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const runs = Number(process.env.BENCH_CLI_RUNS ?? 25);
const quick = process.argv.includes('--print');

/**
 * One fresh process: its wall time from spawn to exit and the CPU time it used (user + system, its own
 * children included), in ms; it must exit 0. Python's os.wait4 gives the CPU time to the microsecond,
 * which Node does not offer for a child; python's own start is outside both figures.
 */
const measureScript = `
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
if os.waitstatus_to_exitcode(status) != 0: sys.exit(f"{sys.argv[1:]} failed: {status}")
print(wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000)
`;

async function timeOnce(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ wall: number; cpu: number }> {
  const { stdout } = await promisify(execFile)('python3', ['-c', measureScript, command, ...args], { env });
  const [wall, cpu] = stdout.trim().split(' ').map(Number);
  return { wall: wall!, cpu: cpu! };
}

const workDir = await mkdtemp(join(tmpdir(), 'secretm-bench-cli-'));
process.env.AWS_EC2_METADATA_DISABLED = 'true';
const dynamodb = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
const adminKey = `bench-operator-${randomBytes(16).toString('hex')}`;
const local = await startLocal({
  dataDir: join(workDir, 'data'),
  port: 0,
  bootstrapKey: adminKey,
  dynamodbEndpoint: dynamodb.endpoint,
  overrides: {
    client: createDocumentClient({
      region: 'us-east-1',
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  },
});
try {
  const bin = join(await buildCli(join(workDir, 'cli')), 'secretm.mjs');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    SECRETM_ENDPOINT: local.url,
    SECRETM_API_KEY: adminKey,
  };
  const node = process.execPath;
  const created = await fetch(`${local.url}/v1/secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'app', type: 'env', data: { GREETING: 'hello' } }),
  });
  if (created.status !== 201) throw new Error(`creating the secret: ${created.status}`);
  const probe = async (name: string, entry: string) => {
    const file = join(workDir, `${name}.mjs`);
    await writeFile(file, `import '${entry}';\n`);
    return { label: `\`node\` importing ${name}`, args: [file] };
  };
  const parsers = [await probe('commander', join(repoRoot, 'node_modules', 'commander', 'index.js'))];
  const cittyDir = process.env.BENCH_CLI_CITTY;
  if (cittyDir) {
    const entry = join(cittyDir, 'node_modules', 'citty', 'dist', 'index.mjs');
    await access(entry);
    const { version } = JSON.parse(
      await readFile(join(cittyDir, 'node_modules', 'citty', 'package.json'), 'utf8'),
    );
    parsers.push({ ...(await probe('citty', entry)), label: `\`node\` importing citty ${version}` });
  }
  const { version: commanderVersion } = JSON.parse(
    await readFile(join(repoRoot, 'node_modules', 'commander', 'package.json'), 'utf8'),
  );
  parsers[0]!.label = `\`node\` importing commander ${commanderVersion}`;

  const variants: { label: string; args: string[] }[] = [
    { label: '`node -e 0`', args: ['-e', '0'] },
    ...parsers,
    { label: '`secretm --version`', args: [bin, '--version'] },
    { label: '`secretm run -- true`', args: [bin, 'run', '--', 'true'] },
    { label: '`secretm run --secret app -- true`', args: [bin, 'run', '--secret', 'app', '--', 'true'] },
  ];
  for (const variant of variants) await timeOnce(node, variant.args, env);
  const walls = variants.map(() => [] as number[]);
  const cpuTimes = variants.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    for (const [i, variant] of variants.entries()) {
      const { wall, cpu } = await timeOnce(node, variant.args, env);
      walls[i]!.push(wall);
      cpuTimes[i]!.push(cpu);
    }
  }
  const median = (values: number[]) => percentile(values, 0.5);
  const over = (values: number[][], i: number) =>
    i === 0 ? '—' : `+${(median(values[i]!) - median(values[0]!)).toFixed(0)}`;
  const at = (label: string) => variants.findIndex((variant) => variant.label === label);
  const added = (label: string, values: number[][]) =>
    (median(values[at(label)]!) - median(values[0]!)).toFixed(0);
  const rows = variants.map(
    (variant, i) =>
      `| ${variant.label} | ${median(walls[i]!).toFixed(0)} | ${percentile(walls[i]!, 0.9).toFixed(0)} | ${over(walls, i)} | ${median(cpuTimes[i]!).toFixed(0)} | ${over(cpuTimes, i)} |`,
  );
  const text = `## CLI start-up: \`secretm\` as published, fresh process each run

Written by \`npm run bench:cli\` (bench/cli-startup.ts) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores,
Node ${process.versions.node}, load average ${loadavg()[0]!.toFixed(2)} at the end; ${runs} runs of each, interleaved,
after one warm-up run each. \`run --secret app\` reads one secret from local mode on loopback (local
mode runs in the bench's own process, DynamoDB Local in a JVM: their time is in that row). Wall time
from spawn to exit, and the CPU time the process used (user + system), in ms; on a loaded machine the
CPU time is the steadier figure, and close to what the wall time is on an idle one.${loadavg()[0]! > cpus().length ? ' The machine was loaded beyond its cores while this ran: read the differences, not the absolute figures.' : ''}

| Command | Wall median | Wall p90 | Wall over \`node -e 0\` | CPU median | CPU over \`node -e 0\` |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Goal: \`secretm run\` adds at most 150 ms over the command itself (\`true\` takes about a millisecond, so
\`node -e 0\` is the floor any Node CLI pays): \`run -- true\` adds ${added('`secretm run -- true`', walls)} ms of wall time
(${added('`secretm run -- true`', cpuTimes)} ms of CPU), and with one secret read ${added('`secretm run --secret app -- true`', walls)} ms of wall time
(${added('`secretm run --secret app -- true`', cpuTimes)} ms of CPU; the rest is waiting for local mode's answer).
`;
  if (quick) process.stdout.write(text);
  else {
    await writeOwnedSection('cli', text);
    process.stdout.write(text);
  }
} finally {
  await local.stop();
  await dynamodb.stop();
  await rm(workDir, { recursive: true, force: true });
}
