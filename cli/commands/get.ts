/**
 * `secretm get NAME`: a secret's value. `--key K` prints one value exactly (a newline is added on a
 * terminal only); `--format` asks the API for JSON, dotenv or the raw file. Without either: a table of
 * keys and values on a terminal, `KEY<TAB>value` lines on a pipe (with \\, newline, tab and CR escaped),
 * and a file secret's bytes as they are.
 */
import type { Context } from '../context.ts';
import { CliError, exitCodes, usageError } from '../lib/errors.ts';

interface Options {
  key?: string;
  version?: number;
  format?: 'json' | 'dotenv' | 'raw';
}

export async function run(ctx: Context, [name]: [string], options: Options): Promise<void> {
  const api = await ctx.api();
  const params = { name };
  const version = options.version ? { version: options.version } : {};
  if (options.key && options.format && options.format !== 'json') {
    throw usageError('--key prints one value; leave out --format, or use --json');
  }
  if (options.format === 'dotenv' && !options.key) {
    const { body } = await api.text('getSecretValue', { params, query: { ...version, format: 'dotenv' } });
    return ctx.out.write(body);
  }
  if (options.format === 'raw') {
    const { body } = await api.bytes('getSecretValue', { params, query: { ...version, format: 'raw' } });
    return ctx.out.write(body);
  }
  const { body } = await api.call('getSecretValue', { params, query: version });
  if (options.key) {
    if (!body.data) throw usageError(`${name} is a file secret; it has no keys (try --format raw)`);
    if (!Object.hasOwn(body.data, options.key)) {
      throw new CliError(
        `${name} has no key ${options.key}`,
        exitCodes.notFound,
        `its keys: ${Object.keys(body.data).join(', ') || 'none'}`,
      );
    }
    const value = body.data[options.key]!;
    if (ctx.out.json || options.format === 'json')
      return ctx.out.data({ name, version: body.version, key: options.key, value });
    return ctx.out.write(ctx.out.tty && !value.endsWith('\n') ? `${value}\n` : value);
  }
  if (ctx.out.json || options.format === 'json') return ctx.out.data(body);
  if (body.file) {
    const bytes = Buffer.from(body.file.content, body.file.encoding === 'base64' ? 'base64' : 'utf8');
    if (ctx.out.tty && body.file.encoding === 'base64') {
      throw usageError(
        `${name} holds bytes (${body.file.filename}); send them to a file: --format raw > ${body.file.filename}`,
      );
    }
    return ctx.out.write(bytes);
  }
  const rows = Object.entries(body.data ?? {});
  if (ctx.out.tty) {
    ctx.out.table(
      ['KEY', 'VALUE'],
      rows.map(([key, value]) => [key, escapeValue(value)]),
    );
    return;
  }
  for (const [key, value] of rows) ctx.out.line(`${key}\t${escapeValue(value)}`);
}

function escapeValue(value: string): string {
  return value.replace(/[\\\n\t\r]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c]!);
}
