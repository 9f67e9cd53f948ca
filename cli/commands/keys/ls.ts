/** `secretm keys ls`: the tenant's API keys, never the keys themselves. */
import type { Context } from '../../context.ts';
import { when } from '../../lib/output.ts';
import { allPages } from '../../lib/pages.ts';

export async function run(ctx: Context): Promise<void> {
  const api = await ctx.api();
  const items = await allPages(
    async (cursor) =>
      (await api.call('listApiKeys', { query: { limit: 100, ...(cursor ? { cursor } : {}) } })).body,
  );
  if (ctx.out.json) return ctx.out.data(items);
  ctx.out.table(
    ['ID', 'NAME', 'SCOPES', 'RULES', 'CREATED', 'EXPIRES', 'STATUS'],
    items.map((item) => [
      item.id,
      item.name,
      item.scopes.join(','),
      item.rules ? String(item.rules.length) : '-',
      when(ctx.out, item.createdAt),
      when(ctx.out, item.expiresAt) || '-',
      item.revokedAt ? `revoked ${when(ctx.out, item.revokedAt)}` : 'active',
    ]),
  );
}
