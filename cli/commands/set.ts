/**
 * `secretm set NAME`: `KEY=VALUE` arguments set those keys and keep the others (PATCH); a .env file
 * (`--from-file`) or dotenv text on stdin (`-`) is the whole new value (PUT), as is `--replace`. A
 * secret that does not exist yet is created, unless `--if-version` says which version to expect.
 */
import type { Answer } from '../api/client.ts';
import type { Context } from '../context.ts';
import { CliError, usageError } from '../lib/errors.ts';
import { readStdin, readTextFile } from '../lib/input.ts';

interface Options {
  fromFile?: string;
  replace?: boolean;
  ifVersion?: number;
  connection?: string;
  description?: string;
}

type Value = { dotenv: string } | { data: Record<string, string> };

export async function run(ctx: Context, [name, pairs]: [string, string[]], options: Options): Promise<void> {
  const fromStdin = pairs.includes('-');
  if ((fromStdin || options.fromFile) && pairs.some((pair) => pair !== '-')) {
    throw usageError('give KEY=VALUE pairs, or --from-file / - (the whole value), not both');
  }
  if (fromStdin && options.fromFile) throw usageError('give --from-file or -, not both');
  let value: Value;
  let whole = options.replace === true;
  if (fromStdin || options.fromFile) {
    value = { dotenv: fromStdin ? await readStdin() : await readTextFile(options.fromFile!) };
    whole = true;
  } else if (pairs.length > 0) {
    value = { data: parsePairs(pairs) };
  } else {
    throw usageError(
      'nothing to set',
      'give KEY=VALUE pairs, --from-file .env, or - to read dotenv text from stdin',
    );
  }

  const api = await ctx.api();
  const ifMatch = options.ifVersion !== undefined ? { ifMatch: options.ifVersion } : {};
  let saved: Answer<'createSecret'>;
  let created = false;
  try {
    saved = whole
      ? (await api.call('replaceSecret', { params: { name }, body: value, ...ifMatch })).body
      : (
          await api.call('patchSecret', {
            params: { name },
            body: { set: (value as { data: Record<string, string> }).data },
            ...ifMatch,
          })
        ).body;
  } catch (error) {
    if (!(error instanceof CliError && error.api?.status === 404 && options.ifVersion === undefined))
      throw error;
    saved = (
      await api.call('createSecret', {
        body: {
          name,
          type: 'env',
          ...value,
          ...(options.connection ? { connection: options.connection } : {}),
          ...(options.description ? { description: options.description } : {}),
        },
      })
    ).body;
    created = true;
  }
  if (ctx.out.json) return ctx.out.data(saved);
  const what = 'data' in value && !whole ? `${Object.keys(value.data).length} key(s) on ` : '';
  ctx.out.success(`${created ? 'Created' : `Set ${what}`}${saved.name} (version ${saved.version})`);
}

function parsePairs(pairs: string[]): Record<string, string> {
  // No prototype: a key named __proto__ reaches the API (which refuses it) instead of vanishing.
  const data: Record<string, string> = Object.create(null);
  pairs.forEach((pair, i) => {
    const at = pair.indexOf('=');
    // The argument is not repeated: it may be a value typed without its key.
    if (at <= 0) throw usageError(`argument ${i + 2} is not KEY=VALUE`);
    data[pair.slice(0, at)] = pair.slice(at + 1);
  });
  return data;
}
