/**
 * How long `npm start` takes, against DynamoDB Local's own start time, on this machine, now.
 *
 *   node bench/local-start.ts [rounds]      (npm run bench:start; rewrites the local-start section of
 *                                            bench/RESULTS.md, between its markers; about 4 minutes)
 *
 * Each round, interleaved so that the machine's load falls on every variant alike:
 * - DynamoDB Local as its documentation starts it (`java -Djava.library.path=… -jar DynamoDBLocal.jar
 *   -port P -dbPath DIR`), until its port answers HTTP: its own start time;
 * - the same with the JVM settings local mode uses (`-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`);
 * - `node local/main.ts` on a new data folder, until it prints that it listens (the first start);
 * - `node local/main.ts` again on that folder (a restart), with the time each stage line came at;
 * - `node local/main.ts` with its port in use, until it exits with its one line (a wrong setting).
 * `npm start` itself adds `scripts/install-servers.sh dynamodb-local`, which finds it installed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoDbLocalDir } from '../local/dynamodb-local.ts';
import { freePort } from '../local/managed-process.ts';
import { median } from './measure.ts';
import { writeOwnedSection } from './results-file.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 5);

interface Timed {
  totalMs: number;
  /** Each stderr line of main.ts and when it came, in ms from the start. */
  stages: [string, number][];
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** DynamoDB Local alone, until its port answers. */
async function dynamoDbLocalAlone(jvmFlags: string[]): Promise<number> {
  const dir = dynamoDbLocalDir();
  const dbPath = await mkdtemp(join(tmpdir(), 'secretm-bench-ddb-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      ...jvmFlags,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-dbPath',
      dbPath,
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  try {
    while (!(await answers(`http://127.0.0.1:${port}`))) {
      if (child.exitCode !== null) throw new Error('DynamoDB Local exited');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return performance.now() - started;
  } finally {
    await stopped(child);
    await rm(dbPath, { recursive: true, force: true });
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

/** `node local/main.ts` on `dataDir`, until it says it listens; stopped with SIGINT as Ctrl-C would. */
async function secretmStart(dataDir: string): Promise<Timed> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(repoRoot, 'local', 'main.ts')], {
    env: { ...process.env, SECRETM_DATA_DIR: dataDir, PORT: '0', AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stages: [string, number][] = [];
  let pending = '';
  child.stderr.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) stages.push([line, performance.now() - started]);
  });
  try {
    const totalMs = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('is listening on')) resolve(performance.now() - started);
      });
      child.once('exit', (code) =>
        reject(new Error(`main.ts exited with ${code}: ${JSON.stringify(stages)}`)),
      );
    });
    return { totalMs, stages };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
}

/** `node local/main.ts` with PORT taken, until it exits (status 1, one line): how fast a mistake is told. */
async function wrongSettingStart(): Promise<number> {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const parent = await mkdtemp(join(tmpdir(), 'secretm-bench-wrong-'));
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'local', 'main.ts')],
        { env: { ...process.env, PORT: String(port), SECRETM_DATA_DIR: join(parent, 'data') } },
        (error, _stdout, stderr) =>
          error?.code === 1 && stderr.includes('is in use')
            ? resolve()
            : reject(new Error(`expected exit status 1 for a port in use: ${stderr}`)),
      );
    });
    return performance.now() - started;
  } finally {
    taken.close();
    await rm(parent, { recursive: true, force: true });
  }
}

const code = (text: string) => ['`', text, '`'].join('');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A Markdown table with padded columns, as the formatter leaves it. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, 3, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const began = Date.now();
  const plain: number[] = [];
  const quick: number[] = [];
  const first: Timed[] = [];
  const restart: Timed[] = [];
  const wrong: number[] = [];
  for (let round = 0; round < rounds; round++) {
    wrong.push(await wrongSettingStart());
    plain.push(await dynamoDbLocalAlone([]));
    quick.push(await dynamoDbLocalAlone(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']));
    const parent = await mkdtemp(join(tmpdir(), 'secretm-bench-start-'));
    try {
      first.push(await secretmStart(join(parent, 'data')));
      restart.push(await secretmStart(join(parent, 'data')));
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
    console.error(`round ${round + 1}/${rounds} done`);
  }
  const ddb = median(plain);
  const rows = [
    ['DynamoDB Local alone, as documented (`java -jar`)', ddb],
    ['DynamoDB Local alone, with local mode’s JVM settings', median(quick)],
    ['`npm start`, first start (new data folder)', median(first.map((t) => t.totalMs))],
    ['`npm start`, restart (same data folder)', median(restart.map((t) => t.totalMs))],
  ] as const;
  const stageNames = restart[0]!.stages.map(([line]) => line.replace(/ in [\d.]+ s$/, ''));
  const stageRows = stageNames.map((name, i) => [
    name,
    median(restart.map((t) => t.stages[i]?.[1] ?? Number.NaN)),
  ]);
  const report = `## \`npm start\` — start time

Command: \`npm run bench:start\` (runs \`node bench/local-start.ts ${rounds}\`; it rewrites only this section, between the local-start markers, and \`npm run bench\` keeps it).

Run: ${new Date(began).toISOString()}, ${Math.round((Date.now() - began) / 1000)} s; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; Node ${process.version}; load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end. Medians of ${rounds} rounds, each variant once per round, interleaved.

Goal: \`npm start\` ready (its \`GET /v1/health/ready\` answers 200) within 2× DynamoDB Local's own start time; a wrong setting told in one line in under 2 s.

${table(
  ['start', 'median', '÷ DynamoDB Local alone'],
  rows.map(([name, ms]) => [name, seconds(ms), (ms / ddb).toFixed(2)]),
)}

A wrong setting (\`PORT\` in use): \`npm start\` exits with its one line after ${seconds(median(wrong))} (median; Node's own start included).

A restart: when each line of \`npm start\` came (median, from the start of \`node local/main.ts\`).

${table(
  ['line', 'at'],
  stageRows.map(([name, ms]) => [code(name as string), seconds(ms as number)]),
)}
`;
  await writeOwnedSection('local-start', report);
  console.log(report);
}

await main();
