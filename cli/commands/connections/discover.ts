/** `secretm connections discover ID`: the vault's existing secrets, ready for `secretm import --from ID --ref REF`. */
import type { Context } from '../../context.ts';
import { when } from '../../lib/output.ts';
import { allPages } from '../../lib/pages.ts';

export async function run(ctx: Context, [id]: [string]): Promise<void> {
  const api = await ctx.api();
  const items = await allPages(
    async (cursor) =>
      (
        await api.call('discoverSecrets', {
          params: { id },
          query: { limit: 100, ...(cursor ? { cursor } : {}) },
        })
      ).body,
  );
  if (ctx.out.json) return ctx.out.data(items);
  if (items.length === 0 && ctx.out.tty) return ctx.out.note(`${id} holds no secrets secretm could import.`);
  ctx.out.table(
    ['REF', 'UPDATED'],
    items.map((item) => [item.ref, when(ctx.out, item.updatedAt ?? item.createdAt)]),
  );
}
