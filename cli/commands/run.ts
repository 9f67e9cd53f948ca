/**
 * `secretm run -- CMD ARGS…`: CMD with secrets in its environment, a binding's files on disk and
 * templates rendered, all removed when it ends. Its exit code (or the signal that ended it) becomes
 * secretm's; signals sent to secretm reach it. Values go only into CMD's environment and the files it
 * was promised: never onto a command line, into secretm's output, or into a file left behind (one that
 * `kill -9` of secretm itself would leave is in a private folder under the temporary directory).
 *
 * `--watch` polls the versions of what it injected (metadata only, no values) and restarts CMD with the
 * new values when one changes; when the API cannot be reached it backs off, up to a minute.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ApiClient } from '../api/client.ts';
import type { Context } from '../context.ts';
import { CliError, exitCodes, usageError } from '../lib/errors.ts';
import { setExitCode } from '../lib/outcome.ts';
import { privateFolder } from '../lib/private-files.ts';

interface Options {
  secret?: string[];
  binding?: string;
  template?: string[];
  mountFiles?: boolean;
  override?: boolean;
  watch?: boolean;
  watchInterval?: number;
}

interface FileToWrite {
  /** Where, relative to the private folder, or absolute with --mount-files. */
  path: string;
  content: Buffer;
  mode: number;
}

interface Loaded {
  env: Record<string, string>;
  files: FileToWrite[];
  templates: { out: string; text: string }[];
}

const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
/** Signals a terminal sends the whole foreground process group, the command included: not sent twice. */
const fromTerminal = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT']);

export async function run(ctx: Context, [argv]: [string[]], options: Options): Promise<void> {
  const [command, ...args] = argv;
  if (!command) throw usageError('name the command to run after --', 'secretm run --secret app -- npm start');
  const secrets = options.secret ?? [];
  const templates = (options.template ?? []).map(parseTemplate);
  if (options.watch && secrets.length === 0 && !options.binding)
    throw usageError('--watch needs --secret or --binding');
  const api = await ctx.api();

  let child: ChildProcess | undefined;
  let stopping: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping ??= signal;
    if (child && child.exitCode === null && child.signalCode === null) {
      if (!(fromTerminal.has(signal) && process.stdin.isTTY)) child.kill(signal);
    }
  };
  for (const signal of forwarded) process.on(signal, onSignal);

  let cleanUp = async () => {};
  try {
    for (;;) {
      // Versions first: a change made while the values load is then seen on the next look.
      const fingerprint = options.watch ? await versions(api, secrets, options.binding) : '';
      const loaded = await load(api, secrets, options.binding, templates);
      const prepared = await prepare(ctx, loaded, options);
      cleanUp = prepared.cleanUp;
      if (stopping) break;
      child = spawn(command, args, { stdio: 'inherit', env: prepared.env });
      const ended = exited(child);
      const change = options.watch
        ? watchFor(ctx, api, secrets, options.binding, fingerprint, options.watchInterval ?? 5000, ended)
        : undefined;
      const first = await Promise.race([ended, ...(change ? [change.promise] : [])]);
      if ('changed' in first && !stopping) {
        ctx.out.note(`secretm: ${first.changed}; restarting ${command}`);
        await stop(child, ended);
        await cleanUp();
        continue;
      }
      change?.cancel();
      const result = await ended;
      await cleanUp();
      finish(result);
      return;
    }
  } finally {
    await cleanUp();
    for (const signal of forwarded) process.off(signal, onSignal);
  }
  // Stopped by a signal before the command started.
  if (stopping) reraise(stopping);
}

type Ended = { code: number | null; signal: NodeJS.Signals | null; error?: NodeJS.ErrnoException };

function exited(child: ChildProcess): Promise<Ended> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function finish(result: Ended): void {
  if (result.error) {
    const missing = result.error.code === 'ENOENT';
    throw new CliError(
      `${missing ? 'command not found' : 'cannot run the command'}: ${result.error.path ?? ''} (${result.error.code})`,
      missing ? 127 : 126,
    );
  }
  if (result.signal) reraise(result.signal);
  setExitCode(result.code ?? 1);
}

/** Ends secretm by the signal that ended the command, so its caller sees what a shell would. */
function reraise(signal: NodeJS.Signals): void {
  for (const name of forwarded) process.removeAllListeners(name);
  process.kill(process.pid, signal);
  // A signal Node cannot die of (or one that is ignored here): the shell's number for it.
  setExitCode(128 + (constants.signals[signal] ?? 0));
}

async function stop(child: ChildProcess, ended: Promise<Ended>): Promise<void> {
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await ended;
  clearTimeout(killer);
}

function parseTemplate(spec: string): { file: string; out: string } {
  const at = spec.lastIndexOf(':');
  if (at <= 0 || at === spec.length - 1) throw usageError(`--template takes FILE:OUT, not ${spec}`);
  return { file: spec.slice(0, at), out: spec.slice(at + 1) };
}

async function load(
  api: ApiClient,
  secrets: string[],
  binding: string | undefined,
  templates: { file: string; out: string }[],
): Promise<Loaded> {
  const loaded: Loaded = { env: Object.create(null), files: [], templates: [] };
  for (const name of secrets) {
    const { body } = await api.call('getSecretValue', { params: { name } });
    Object.assign(loaded.env, body.data ?? {});
    if (body.file) {
      loaded.files.push({
        path: body.file.mountPath ? join(body.file.mountPath, body.file.filename) : body.file.filename,
        content: Buffer.from(body.file.content, body.file.encoding === 'base64' ? 'base64' : 'utf8'),
        mode: body.file.mode ? Number.parseInt(body.file.mode, 8) : 0o600,
      });
    }
  }
  if (binding) {
    const { body } = await api.call('resolveBinding', { params: { service: binding } });
    Object.assign(loaded.env, body.env);
    for (const file of body.files) {
      loaded.files.push({
        path: join(file.mountPath, file.filename),
        content: Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8'),
        mode: file.mode ? Number.parseInt(file.mode, 8) : 0o600,
      });
    }
  }
  const { readTextFile } = await import('../lib/input.ts');
  for (const template of templates) {
    const text = await readTextFile(template.file);
    const { body } = await api.call('renderTemplate', { body: { template: text } });
    loaded.templates.push({ out: template.out, text: body.rendered });
  }
  return loaded;
}

/** The command's environment, and how to remove the files written for it. */
async function prepare(ctx: Context, loaded: Loaded, options: Options) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  const kept: string[] = [];
  for (const [key, value] of Object.entries(loaded.env)) {
    if (!options.override && process.env[key] !== undefined) kept.push(key);
    else env[key] = value;
  }
  if (kept.length > 0) {
    ctx.out.note(`secretm: kept ${kept.join(', ')} from the environment (--override replaces them)`);
  }
  const trees: string[] = [];
  const files: string[] = [];
  const folders: string[] = [];
  let done = false;
  const cleanUp = async () => {
    if (done) return;
    done = true;
    await Promise.all([...trees, ...files].map((path) => rm(path, { recursive: true, force: true })));
    // Folders made for files at their mount paths go too, deepest first, while nothing else is in them.
    for (const folder of folders.sort((a, b) => b.length - a.length))
      await rmdir(folder).catch(() => undefined);
  };
  try {
    if (loaded.files.length > 0) {
      const folder = options.mountFiles ? undefined : await privateFolder('run');
      if (folder) {
        trees.push(folder);
        env.SECRETM_FILES_DIR = folder;
      }
      for (const file of loaded.files) {
        const path = folder ? join(folder, file.path) : file.path;
        if (!isAbsolute(path)) throw usageError(`--mount-files: ${file.path} has no mount path to go to`);
        const created = await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        if (!folder) {
          files.push(path);
          if (created)
            for (let at = dirname(path); at.length >= created.length; at = dirname(at)) folders.push(at);
        }
        await writeFile(path, file.content, { mode: file.mode });
      }
    }
    for (const template of loaded.templates) {
      const out = resolve(template.out);
      files.push(out);
      await writeFile(out, template.text, { mode: 0o600 });
      await chmod(out, 0o600);
    }
  } catch (error) {
    await cleanUp();
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot write the command's files: ${(error as Error).message}`, exitCodes.usage);
  }
  return { env, cleanUp };
}

/** What was injected, by version: the secrets' and the binding's. */
async function versions(api: ApiClient, secrets: string[], binding: string | undefined): Promise<string> {
  const parts: string[] = [];
  for (const name of secrets) {
    parts.push(`${name}@${(await api.call('getSecret', { params: { name } })).body.version}`);
  }
  if (binding) {
    const { body } = await api.call('getBinding', { params: { service: binding } });
    parts.push(`binding:${binding}@${body.version}`);
    for (const name of new Set(body.entries.map((entry) => entry.secret))) {
      parts.push(`${name}@${(await api.call('getSecret', { params: { name } })).body.version}`);
    }
  }
  return parts.join('|');
}

function watchFor(
  ctx: Context,
  api: ApiClient,
  secrets: string[],
  binding: string | undefined,
  fingerprint: string,
  interval: number,
  ended: Promise<unknown>,
) {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  void ended.then(() => {
    cancelled = true;
  });
  const promise = new Promise<{ changed: string }>((resolvePromise) => {
    let delay = interval;
    const tick = async () => {
      if (cancelled) return;
      try {
        const now = await versions(api, secrets, binding);
        delay = interval;
        if (now !== fingerprint && !cancelled)
          return resolvePromise({ changed: describeChange(fingerprint, now) });
      } catch (error) {
        delay = Math.min(delay * 2, 60_000);
        ctx.out.note(
          `secretm: cannot check for new versions (${(error as Error).message}); next look in ${Math.round(delay / 1000)}s`,
        );
      }
      if (!cancelled) timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, delay);
  });
  return {
    promise,
    cancel: () => {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

function describeChange(before: string, after: string): string {
  const old = new Map(
    before
      .split('|')
      .map((part) => [part.slice(0, part.lastIndexOf('@')), part.slice(part.lastIndexOf('@') + 1)]),
  );
  const changes = after
    .split('|')
    .map((part) => [part.slice(0, part.lastIndexOf('@')), part.slice(part.lastIndexOf('@') + 1)] as const)
    .filter(([name, version]) => old.get(name) !== version)
    .map(([name, version]) => `${name} changed (version ${old.get(name) ?? '?'} → ${version})`);
  return changes.join(', ') || 'what it injects changed';
}
