/** `secretm restore NAME`: cancel a scheduled deletion. */
import type { Context } from '../context.ts';

export async function run(ctx: Context, [name]: [string]): Promise<void> {
  const { body } = await (await ctx.api()).call('restoreSecret', { params: { name } });
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.success(`Restored ${body.name} (version ${body.version})`);
}
