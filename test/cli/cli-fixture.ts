/**
 * The real `secretm` CLI, built as it is published (cli/build.ts: the esbuild bundle), run as a child
 * process against secretm in local mode (test/local/local-fixture.ts), with a config folder of its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../../cli/build.ts';
import { type LocalApi, startLocalApi } from '../local/local-fixture.ts';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Standard input (default: none, closed at once). */
  input?: string;
  /** Added to (or, with undefined, removed from) the environment the CLI gets. */
  env?: Record<string, string | undefined>;
  /** Without SECRETM_ENDPOINT and SECRETM_API_KEY: the CLI uses its profiles. */
  profiles?: boolean;
  cwd?: string;
  timeoutMs?: number;
  /** On a terminal: write `input` only once this text has been shown (as a person answers a prompt). */
  inputAfter?: string;
}

export interface CliFixture {
  api: LocalApi;
  /** The built executable (secretm.mjs). */
  bin: string;
  /** A folder of the test's own: HOME, and the config file under it. */
  home: string;
  configPath: string;
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /**
   * Runs the CLI on a pseudo-terminal (util-linux `script`), as a person at a terminal would: stdout and
   * stderr arrive together in `stdout`, with CRLF line ends turned back into LF.
   */
  runInTerminal(args: string[], options?: RunOptions): Promise<CliResult>;
  /** Starts the CLI and answers at once, for tests that signal it. */
  start(args: string[], options?: RunOptions): { child: ChildProcess; result: Promise<CliResult> };
  stop(): Promise<void>;
}

export async function startCli(): Promise<CliFixture> {
  const [api, buildDir, home] = await Promise.all([
    startLocalApi(),
    mkdtemp(join(tmpdir(), 'secretm-cli-build-')),
    mkdtemp(join(tmpdir(), 'secretm-cli-home-')),
  ]);
  await buildCli(buildDir);
  const bin = join(buildDir, 'secretm.mjs');
  const configPath = join(home, '.config', 'secretm', 'config.json');
  const environment = (options: RunOptions) => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_EC2_METADATA_DISABLED: 'true',
      ...(options.profiles ? {} : { SECRETM_ENDPOINT: api.url, SECRETM_API_KEY: api.adminKey }),
    };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  };
  const start = (args: string[], options: RunOptions = {}) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: environment(options),
      cwd: options.cwd ?? home,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdin!.on('error', () => undefined);
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    const result = new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, result };
  };
  const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const runInTerminal = async (args: string[], options: RunOptions = {}) => {
    // A terminal of a known size: without one, prompts wrap at every character.
    const command = `stty cols 120 rows 40; exec ${[process.execPath, bin, ...args].map(shellQuote).join(' ')}`;
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      env: { ...environment(options), TERM: 'xterm' },
      cwd: options.cwd ?? home,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let answered = options.input === undefined;
    const answer = () => {
      if (answered || (options.inputAfter && !stdout.includes(options.inputAfter))) return;
      answered = true;
      child.stdin!.write(options.input!);
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      answer();
    });
    child.stdin!.on('error', () => undefined);
    answer();
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    return new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: stdout.replaceAll('\r\n', '\n'), stderr: '' });
      });
    });
  };
  return {
    api,
    bin,
    runInTerminal,
    home,
    configPath,
    start,
    run: (args, options) => start(args, options).result,
    async stop() {
      await api.stop();
      await Promise.all([
        rm(buildDir, { recursive: true, force: true }),
        rm(home, { recursive: true, force: true }),
      ]);
    },
  };
}

/** A loopback URL where nothing listens: a port just taken from the system and given back. */
export async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
