/** `secretm keys revoke ID`: the key stops working at once. */
import type { Context } from '../../context.ts';

export async function run(ctx: Context, [id]: [string]): Promise<void> {
  await (await ctx.api()).call('revokeApiKey', { params: { id } });
  if (ctx.out.json) return ctx.out.data({ id, revoked: true });
  ctx.out.success(`Revoked key ${id}`);
}
