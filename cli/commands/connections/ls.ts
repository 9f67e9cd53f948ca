/** `secretm connections ls`: the tenant's vault connections, the built-in one first. */
import type { Context } from '../../context.ts';
import { allPages } from '../../lib/pages.ts';

export async function run(ctx: Context): Promise<void> {
  const api = await ctx.api();
  const items = await allPages(async (cursor) => {
    const { body } = await api.call('listConnections', {
      query: { limit: 100, ...(cursor ? { cursor } : {}) },
    });
    return body as typeof body & { cursor?: string };
  });
  if (ctx.out.json) return ctx.out.data(items);
  ctx.out.table(
    ['ID', 'KIND', 'CACHE TTL', 'CREDENTIALS', ''],
    items.map((item) => [
      item.id,
      item.kind,
      `${item.cacheTtlSeconds}s`,
      item.hasCredentials ? 'stored' : '-',
      item.builtIn ? 'built-in' : '',
    ]),
  );
}
