/** `secretm ls`: the tenant's secrets, every page, filtered as the API filters them. */
import type { Context } from '../context.ts';
import { usageError } from '../lib/errors.ts';
import { when } from '../lib/output.ts';
import { allPages } from '../lib/pages.ts';

interface Options {
  prefix?: string;
  tag?: string[];
  type?: 'env' | 'file';
  connection?: string;
  deleted?: boolean;
}

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  const api = await ctx.api();
  const tags = options.tag ?? [];
  // The API filters by one tag; further tags are checked here, on the listed metadata.
  const [first, ...more] = tags;
  const items = (
    await allPages(async (cursor) => {
      const { body } = await api.call('listSecrets', {
        query: {
          limit: 100,
          ...(cursor ? { cursor } : {}),
          ...(options.prefix ? { prefix: options.prefix } : {}),
          ...(first ? { tag: first } : {}),
          ...(options.type ? { type: options.type } : {}),
          ...(options.connection ? { connection: options.connection } : {}),
          ...(options.deleted ? { includeDeleted: 'true' as const } : {}),
        },
      });
      return body;
    })
  ).filter((item) =>
    more.every((filter) => {
      const at = filter.indexOf('=');
      if (at === 0) throw usageError(`--tag ${filter}: a tag filter needs a key`);
      return at < 0
        ? Object.hasOwn(item.tags, filter)
        : item.tags[filter.slice(0, at)] === filter.slice(at + 1);
    }),
  );
  if (ctx.out.json) return ctx.out.data(items);
  if (items.length === 0 && ctx.out.tty) {
    ctx.out.note(
      'No secrets. Create one with `secretm set NAME KEY=VALUE` or `secretm import .env --name NAME`.',
    );
    return;
  }
  const header = ['NAME', 'TYPE', 'VERSION', 'CONNECTION', 'UPDATED'];
  if (options.deleted) header.push('DELETION');
  ctx.out.table(
    header,
    items.map((item) => [
      item.name,
      item.type,
      String(item.version),
      item.connection,
      when(ctx.out, item.updatedAt),
      ...(options.deleted ? [item.deletionDate ? `on ${when(ctx.out, item.deletionDate)}` : ''] : []),
    ]),
  );
}
