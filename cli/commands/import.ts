/**
 * `secretm import`: one .env file as a secret; a folder of files as many (each file a secret named by
 * its path under the folder, `.env` left off, after `--prefix`), with a progress bar on a terminal and
 * every file's outcome at the end; or, with `--from`, a secret that already exists in a vault.
 *
 * A folder is imported file by file, each on its own: one that fails does not stop the others, and
 * the command says which failed and why, and exits non-zero. Re-run it with `--skip-existing` to
 * import only what is still missing.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { ApiClient } from '../api/client.ts';
import type { Context } from '../context.ts';
import { CliError, exitCodes, usageError } from '../lib/errors.ts';
import { allPages } from '../lib/pages.ts';

interface Options {
  name?: string;
  prefix?: string;
  type?: 'env' | 'file';
  skipExisting?: boolean;
  connection?: string;
  from?: string;
  ref?: string;
}

interface Outcome {
  file: string;
  name: string;
  outcome: 'imported' | 'skipped' | 'failed';
  version?: number;
  error?: { message: string; exitCode: number; requestId?: string };
}

export async function run(ctx: Context, [path]: [string | undefined], options: Options): Promise<void> {
  if (options.from || options.ref) return adopt(ctx, path, options);
  if (!path) throw usageError('name a .env file or a folder, or use --from CONNECTION --ref REF');
  const found = await stat(path).catch(() => {
    throw usageError(`there is no file or folder ${path}`);
  });
  if (found.isDirectory()) return importFolder(ctx, path, options);
  if (options.prefix) throw usageError('--prefix names the secrets of a folder; for one file use --name');
  const name = options.name ?? nameOf(basename(path));
  if (!name) throw usageError(`cannot name a secret after ${basename(path)}; give --name`);
  const api = await ctx.api();
  const { body } = await api.call('createSecret', { body: await secretBody(name, path, options) });
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.success(`Imported ${path} as ${body.name} (${body.keys.length} key(s), version ${body.version})`);
}

async function adopt(ctx: Context, path: string | undefined, options: Options): Promise<void> {
  if (path) throw usageError('--from adopts a vault secret; leave out the file or folder');
  if (!options.from || !options.ref) throw usageError('--from CONNECTION and --ref REF go together');
  const { body } = await (await ctx.api()).call('importSecret', {
    body: {
      connection: options.from,
      ref: options.ref,
      ...(options.name ? { name: options.name } : {}),
      ...(options.type ? { type: options.type } : {}),
    },
  });
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.success(
    `Adopted ${options.ref} from ${options.from} as ${body.name} (${body.type}); the value stays in the vault`,
  );
}

async function importFolder(ctx: Context, folder: string, options: Options): Promise<void> {
  if (options.name) throw usageError('--name names one file’s secret; for a folder use --prefix');
  const prefix = options.prefix ?? '';
  const files = await filesIn(folder);
  if (files.length === 0) throw usageError(`${folder} holds no files`);
  const api = await ctx.api();
  const existing = options.skipExisting ? await namesUnder(api, prefix) : new Set<string>();
  const progress = ctx.out.stderrIsTty && !ctx.out.json ? await progressBar(files.length) : undefined;
  const outcomes: Outcome[] = [];
  for (const file of files) {
    const name = `${prefix}${nameOf(relative(folder, file).split(sep).join('/'))}`;
    const shown = relative(process.cwd(), file) || file;
    progress?.advance(name);
    if (existing.has(name)) {
      outcomes.push({ file: shown, name, outcome: 'skipped' });
      continue;
    }
    try {
      const { body } = await api.call('createSecret', { body: await secretBody(name, file, options) });
      outcomes.push({ file: shown, name, outcome: 'imported', version: body.version });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      outcomes.push({
        file: shown,
        name,
        outcome: 'failed',
        error: {
          message: error.message,
          exitCode: error.exitCode,
          ...(error.api?.requestId ? { requestId: error.api.requestId } : {}),
        },
      });
    }
  }
  const failed = outcomes.filter((item) => item.outcome === 'failed');
  const count = (outcome: Outcome['outcome']) => outcomes.filter((item) => item.outcome === outcome).length;
  progress?.stop(`${count('imported')} imported, ${count('skipped')} skipped, ${failed.length} failed`);
  if (ctx.out.json) ctx.out.data(outcomes);
  else if (ctx.out.tty) {
    ctx.out.table(
      ['FILE', 'SECRET', 'OUTCOME'],
      outcomes.map((item) => [
        item.file,
        item.name,
        item.error ? `failed: ${item.error.message}` : item.outcome,
      ]),
    );
  } else {
    for (const item of outcomes)
      ctx.out.line([item.file, item.name, item.outcome, item.error?.message ?? ''].join('\t'));
  }
  if (failed.length > 0) {
    const codes = new Set(failed.map((item) => item.error!.exitCode));
    throw new CliError(
      `${failed.length} of ${files.length} file(s) failed: ${failed.map((item) => item.file).join(', ')}; the others were imported`,
      codes.size === 1 ? [...codes][0]! : exitCodes.usage,
      'fix them and run the same command with --skip-existing to import only what is missing',
    );
  }
}

async function secretBody(name: string, file: string, options: Options) {
  const connection = options.connection ? { connection: options.connection } : {};
  if (options.type === 'file') {
    const content = await readFile(file);
    return {
      name,
      type: 'file' as const,
      file: { content: content.toString('base64'), encoding: 'base64' as const, filename: basename(file) },
      ...connection,
    };
  }
  return { name, type: 'env' as const, dotenv: await readFile(file, 'utf8'), ...connection };
}

/** `db.env` → `db`, `payments/api.env` → `payments/api`, `payments/.env` → `payments`. */
function nameOf(path: string): string {
  const parts = path.split('/');
  if (parts.at(-1) === '.env') parts.pop();
  else parts[parts.length - 1] = parts.at(-1)!.replace(/\.env$/, '');
  return parts.join('/');
}

async function filesIn(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

async function namesUnder(api: ApiClient, prefix: string): Promise<Set<string>> {
  const items = await allPages(
    async (cursor) =>
      (
        await api.call('listSecrets', {
          query: { limit: 100, ...(cursor ? { cursor } : {}), ...(prefix ? { prefix } : {}) },
        })
      ).body,
  );
  return new Set(items.map((item) => item.name));
}

async function progressBar(max: number) {
  const { progress } = await import('@clack/prompts');
  const bar = progress({ max, output: process.stderr, withGuide: false });
  bar.start(`Importing ${max} file(s)`);
  return {
    advance: (name: string) => bar.advance(1, name),
    stop: (message: string) => bar.stop(message),
  };
}
