/** `secretm versions NAME`: a secret's history, newest first. */
import type { Context } from '../context.ts';
import { when } from '../lib/output.ts';
import { allPages } from '../lib/pages.ts';

export async function run(ctx: Context, [name]: [string]): Promise<void> {
  const api = await ctx.api();
  const items = await allPages(
    async (cursor) =>
      (
        await api.call('listSecretVersions', {
          params: { name },
          query: { limit: 100, ...(cursor ? { cursor } : {}) },
        })
      ).body,
  );
  if (ctx.out.json) return ctx.out.data(items);
  ctx.out.table(
    ['VERSION', 'ACTION', 'KEYS', 'CREATED', 'BY', ''],
    items.map((item) => [
      String(item.version),
      item.sourceVersion !== undefined ? `${item.action} (from ${item.sourceVersion})` : item.action,
      item.keys.join(',') || '-',
      when(ctx.out, item.createdAt),
      item.createdBy,
      item.current ? 'current' : '',
    ]),
  );
}
